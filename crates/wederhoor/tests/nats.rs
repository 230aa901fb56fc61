//! Two web nodes on one database share live events over a real NATS server: a message stored
//! through one node reaches an agent's live stream on the other. Needs `WEDERHOOR_TEST_NATS`
//! (`.ci/run` sets it); runs on SQLite (two processes, one file) and, with `WEDERHOOR_TEST_PG`,
//! on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Target, login_agent};
use std::time::Duration;

const PASSWORD: &str = "correct-horse-battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_on_one_node_reaches_a_live_page_on_the_other() {
    let Ok(nats) = std::env::var("WEDERHOOR_TEST_NATS") else {
        eprintln!("WEDERHOOR_TEST_NATS is not set: the NATS test is skipped");
        return;
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for t in Target::all("nats").await {
        t.add_user("sanne", "Sanne Jansen", "agent", PASSWORD);
        let token = t.add_source("Forum", &[]);
        // Its own subject, so parallel runs on one NATS server do not see each other.
        let subject = format!("wederhoor.test.{}", &wederhoor_store::random_token()[..12]);
        let env = [
            ("WEDERHOOR_NATS_URL", nats.as_str()),
            ("WEDERHOOR_NATS_SUBJECT", subject.as_str()),
        ];
        let a = t.serve_with_env(&[], &env);
        let b = t.serve_with_env(&[], &env);
        let session = login_agent(&client, &b.url, "sanne", PASSWORD).await;
        let mut events = client
            .get(format!("{}/events", b.url))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(events.status(), 200, "{}", t.backend());

        let stored = client
            .post(format!("{}/api/v1/ingest", a.url))
            .bearer_auth(&token)
            .json(&serde_json::json!({"id": "n-1", "text": "Mijn pas werkt niet", "author": {"handle": "@klaas"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 200, "{}", t.backend());
        let report: serde_json::Value = stored.json().await.unwrap();
        let conversation = report["results"][0]["conversation"].as_i64().unwrap();

        // Node B's stream carries the event of node A (bounded wait for the bytes).
        let wanted = format!("\"conversation\":{conversation}");
        let mut seen = String::new();
        let found = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(chunk) = events.chunk().await.unwrap() {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains("\"kind\":\"message\"") && seen.contains(&wanted) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "{}: node B saw {seen:?}", t.backend());
    }
}
