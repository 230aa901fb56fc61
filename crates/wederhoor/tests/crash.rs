//! Crash safety: SIGKILL the server while messages are being ingested; after a restart every
//! acknowledged message is there exactly once, and re-sending everything duplicates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::collections::{HashMap, HashSet};
use wederhoor_store::Store;

const SENDERS: usize = 4;
const BATCH: usize = 25;
/// Kill once this many messages are acknowledged (while senders keep sending).
const KILL_AFTER: usize = 600;

async fn send_batch(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    ids: &[String],
) -> Option<Vec<(String, String)>> {
    let body: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"id": id, "text": format!("Mijn overboeking {id} is niet aangekomen"), "author": {"handle": "@klant", "name": "Klaas"}}))
        .collect();
    let response = client
        .post(format!("{url}/api/v1/ingest"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let report: serde_json::Value = response.json().await.ok()?;
    let results = report["results"].as_array()?;
    Some(
        ids.iter()
            .zip(results)
            .map(|(id, r)| (id.clone(), r["status"].as_str().unwrap_or("").to_owned()))
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_messages_survive_sigkill_exactly_once() {
    for target in Target::all("crash").await {
        let backend = target.backend();
        let token = target.add_source("Forum", &[]);
        let mut server = target.serve();
        let client = reqwest::Client::new();
        let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
        let mut senders = Vec::new();
        for s in 0..SENDERS {
            let (client, url, token, progress) = (
                client.clone(),
                server.url.clone(),
                token.clone(),
                progress_tx.clone(),
            );
            senders.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut acked = Vec::new();
                for b in 0..10_000 {
                    let ids: Vec<String> = (0..BATCH).map(|i| format!("s{s}-b{b}-m{i}")).collect();
                    sent.extend(ids.iter().cloned());
                    match send_batch(&client, &url, &token, &ids).await {
                        Some(results) => {
                            for (id, status) in results {
                                assert!(
                                    status == "stored" || status == "duplicate",
                                    "{id}: {status}"
                                );
                                acked.push(id);
                            }
                            let _ = progress.send(BATCH);
                        }
                        None => break, // the server is gone
                    }
                }
                (sent, acked)
            }));
        }
        drop(progress_tx);
        let mut acked_so_far = 0;
        while acked_so_far < KILL_AFTER {
            acked_so_far += progress_rx
                .recv()
                .await
                .expect("senders stopped before the kill");
        }
        server.kill();
        let mut sent = Vec::new();
        let mut acked = Vec::new();
        for s in senders {
            let (s_sent, s_acked) = s.await.unwrap();
            sent.extend(s_sent);
            acked.extend(s_acked);
        }
        assert!(acked.len() >= KILL_AFTER, "{backend}");
        assert!(
            sent.len() > acked.len(),
            "{backend}: some batches were in flight or unsent at the kill"
        );

        // Restart and look at what is stored.
        let server = target.serve();
        let url = target.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                target.data_dir.join("wederhoor.db").display()
            )
        });
        let store = Store::open(&url).await.unwrap();
        let source = store.source_by_name("Forum").await.unwrap().unwrap();
        let stored = store.external_ids(source.id).await.unwrap();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for id in &stored {
            *counts.entry(id.as_str()).or_default() += 1;
        }
        assert!(
            counts.values().all(|&n| n == 1),
            "{backend}: a message is stored twice"
        );
        for id in &acked {
            assert_eq!(
                counts.get(id.as_str()),
                Some(&1),
                "{backend}: acknowledged {id} is missing after the crash"
            );
        }

        // Re-send everything that was ever sent: the result is each message exactly once.
        for chunk in sent.chunks(200) {
            let results = send_batch(&client, &server.url, &token, chunk)
                .await
                .expect("restarted server answers");
            assert!(
                results
                    .iter()
                    .all(|(_, s)| s == "stored" || s == "duplicate"),
                "{backend}"
            );
        }
        let stored: Vec<String> = store.external_ids(source.id).await.unwrap();
        let unique: HashSet<&String> = stored.iter().collect();
        assert_eq!(
            stored.len(),
            unique.len(),
            "{backend}: duplicates after re-send"
        );
        assert_eq!(unique, sent.iter().collect::<HashSet<_>>(), "{backend}");
    }
}
