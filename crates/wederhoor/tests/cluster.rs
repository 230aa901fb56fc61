//! Several `serve` nodes on one database: a rules save on one node is what the other node
//! triages with — at once over NATS (the database check is set to once an hour, so only the
//! announcement can do it), and without NATS by the periodic check of the active version.
//! Runs on SQLite (two processes, one file) and, with `WEDERHOOR_TEST_PG`, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Target, login_agent};
use std::time::{Duration, Instant};
use wederhoor_core::ConversationId;
use wederhoor_store::Store;

const PASSWORD: &str = "correct-horse-battery";
const WORD: &str = "kwartelkoningalarm";

fn rules_with_word() -> String {
    format!(
        "{}\n[[rule]]\nid = \"cluster-woord\"\naction = \"alert\"\nreason = \"Testwoord.\"\nwhen = {{ phrase = \"{WORD}\" }}\n",
        wederhoor_triage::DEFAULT_RULES
    )
}

async fn store_of(t: &Target) -> Store {
    let url = t
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", t.data_dir.join("wederhoor.db").display()));
    Store::open(&url).await.unwrap()
}

/// A lead saves the rules with the new rule on node `base` (the rules form, as in a browser).
async fn save_rules(client: &reqwest::Client, base: &str) {
    let session = login_agent(client, base, "lea", PASSWORD).await;
    let page = client
        .get(format!("{base}/rules"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let saved = client
        .post(format!("{base}/rules"))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf.as_str()),
            ("rules", &rules_with_word()),
            ("comment", "clustertest"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
}

/// Ingests messages with the word on node `base` until one is judged by the new rule; the
/// rule of the first message (proof that the node ran the old rules before) and of the last.
async fn ingest_until_new_rule(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    store: &Store,
    tag: &str,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut i = 0;
    while Instant::now() < deadline {
        i += 1;
        let report: serde_json::Value = client
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "id": format!("{tag}-{i}"),
                "text": format!("Wat is een {WORD} precies?"),
                "author": {"handle": format!("@klant{i}")}
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let conversation = ConversationId(report["results"][0]["conversation"].as_i64().unwrap());
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let rule = detail.messages.last().unwrap().rule.clone();
        if rule == "cluster-woord" {
            return Some(rule);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn judged_by_old_rules(client: &reqwest::Client, base: &str, token: &str, store: &Store) {
    let report: serde_json::Value = client
        .post(format!("{base}/api/v1/ingest"))
        .bearer_auth(token)
        .json(&serde_json::json!({"id": "voor", "text": format!("Wat is een {WORD} precies?"), "author": {"handle": "@klaas"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation = ConversationId(report["results"][0]["conversation"].as_i64().unwrap());
    let detail = store.conversation(conversation).await.unwrap().unwrap();
    assert_ne!(detail.messages.last().unwrap().rule, "cluster-woord");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rules_save_on_one_node_is_announced_to_the_other_over_nats() {
    let Ok(nats) = std::env::var("WEDERHOOR_TEST_NATS") else {
        eprintln!("WEDERHOOR_TEST_NATS is not set: the NATS rules test is skipped");
        return;
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for t in Target::all("cluster-nats").await {
        t.add_user("lea", "Lea Leider", "lead", PASSWORD);
        let token = t.add_source("Forum", &[]);
        let subject = format!("wederhoor.test.{}", &wederhoor_store::random_token()[..12]);
        let env = [
            ("WEDERHOOR_NATS_URL", nats.as_str()),
            ("WEDERHOOR_NATS_SUBJECT", subject.as_str()),
            // The database check would take an hour: only the announcement can be in time.
            ("WEDERHOOR_CLUSTER__RULES_POLL_SECS", "3600"),
        ];
        let a = t.serve_with_env(&[], &env);
        let b = t.serve_with_env(&[], &env);
        let store = store_of(&t).await;
        judged_by_old_rules(&client, &b.url, &token, &store).await;
        save_rules(&client, &a.url).await;
        let rule = ingest_until_new_rule(&client, &b.url, &token, &store, "nats").await;
        assert_eq!(rule.as_deref(), Some("cluster-woord"), "{}", t.backend());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_nats_each_node_picks_up_a_rules_save_from_the_database() {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for t in Target::all("cluster-poll").await {
        t.add_user("lea", "Lea Leider", "lead", PASSWORD);
        let token = t.add_source("Forum", &[]);
        let env = [("WEDERHOOR_CLUSTER__RULES_POLL_SECS", "1")];
        let a = t.serve_with_env(&[], &env);
        let b = t.serve_with_env(&[], &env);
        let store = store_of(&t).await;
        judged_by_old_rules(&client, &b.url, &token, &store).await;
        save_rules(&client, &a.url).await;
        let rule = ingest_until_new_rule(&client, &b.url, &token, &store, "poll").await;
        assert_eq!(rule.as_deref(), Some("cluster-woord"), "{}", t.backend());
    }
}

#[test]
fn an_unknown_role_is_refused_with_its_name() {
    let t = Target::sqlite("cluster-role");
    let out = t.run(
        &["serve", "--listen", "127.0.0.1:0", "--role", "web,koken"],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("koken") && err.contains("listen"), "{err}");
}
