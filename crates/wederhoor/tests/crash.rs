//! Crash safety: SIGKILL the server while messages are being ingested; after a restart every
//! acknowledged message is there exactly once, and re-sending everything duplicates nothing.
//! And a full disk (a small tmpfs, where the machine lets the test mount one): writes fail with
//! a clear error and `/readyz` is unready while it is full, and both recover without a restart
//! once space is freed, with nothing acknowledged lost.
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

/// A tmpfs mounted for one test; unmounted (lazily, so a straggling file handle cannot keep it)
/// when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` at a fresh directory, or says why it cannot.
    fn mount(name: &str, size: &str) -> Result<Tmpfs, String> {
        let dir = common::data_dir(name);
        let out = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir(&dir);
            return Err(format!(
                "mount -t tmpfs refused ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Fills the file system of `path` with a file of zeros until it refuses more; returns the
/// file's path.
fn fill_up(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write as _;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    // The last partial chunks, byte by byte in small pieces, so not a page is left.
    for size in [4096, 512, 1] {
        while file.write(&chunk[..size]).is_ok_and(|n| n > 0) {}
    }
    let _ = file.sync_all();
    path
}

/// Sends one batch and returns the HTTP status and body.
async fn ingest_raw(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    ids: &[String],
) -> (u16, String) {
    let body: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"id": id, "text": format!("Mijn betaling {id} staat nog open, kunnen jullie kijken? {}", "x".repeat(400)), "author": {"handle": "@klant", "name": "Klaas"}}))
        .collect();
    let response = client
        .post(format!("{url}/api/v1/ingest"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn readyz(client: &reqwest::Client, url: &str) -> u16 {
    client
        .get(format!("{url}/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_writes_clearly_and_recovers_without_a_restart() {
    let tmpfs = match Tmpfs::mount("full-disk", "12m") {
        Ok(t) => t,
        Err(why) => {
            eprintln!(
                "full-disk test skipped: {why} (it needs root, or CAP_SYS_ADMIN, to mount a tmpfs)"
            );
            return;
        }
    };
    let target = Target {
        data_dir: tmpfs.0.clone(),
        database_url: None,
    };
    let token = target.add_source("Forum", &[]);
    let server = target.serve();
    let client = reqwest::Client::new();
    let mut acked: Vec<String> = Vec::new();
    let mut next = 0_usize;
    let mut batch = |n: usize| -> Vec<String> {
        let ids: Vec<String> = (next..next + n).map(|i| format!("disk-{i}")).collect();
        next += n;
        ids
    };

    // Some messages while there is room.
    for _ in 0..4 {
        let ids = batch(25);
        let (status, body) = ingest_raw(&client, &server.url, &token, &ids).await;
        assert_eq!(status, 200, "{body}");
        acked.extend(ids);
    }
    assert_eq!(readyz(&client, &server.url).await, 200);

    // The disk fills up: writes fail with a clear error, and the server says it is not ready.
    let filler = fill_up(&tmpfs.0);
    let mut refused = 0;
    let mut last_error = String::new();
    for _ in 0..10 {
        let ids = batch(25);
        let (status, body) = ingest_raw(&client, &server.url, &token, &ids).await;
        if status == 200 {
            // SQLite may still fit a batch in pages it already has; those are acknowledged.
            acked.extend(ids);
            continue;
        }
        refused += 1;
        assert!(
            (500..600).contains(&status),
            "a write on a full disk answered {status}: {body}"
        );
        last_error = body;
    }
    assert!(refused > 0, "no write failed on a full disk");
    let error: serde_json::Value = serde_json::from_str(&last_error)
        .unwrap_or_else(|e| panic!("the error is not JSON ({e}): {last_error}"));
    let message = error["error"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        message.contains("full") || message.contains("space") || message.contains("vol"),
        "the error does not say the disk is full: {last_error}"
    );
    assert_eq!(
        readyz(&client, &server.url).await,
        503,
        "/readyz said ready on a full disk"
    );

    // Space comes back: writes succeed again and the server is ready, without a restart.
    std::fs::remove_file(&filler).unwrap();
    for round in 0..10 {
        let ids = batch(25);
        let (status, body) = ingest_raw(&client, &server.url, &token, &ids).await;
        assert_eq!(status, 200, "write {round} after space came back: {body}");
        acked.extend(ids);
    }
    assert_eq!(readyz(&client, &server.url).await, 200);

    // Nothing acknowledged was lost: re-sending every acknowledged message stores nothing new.
    for chunk in acked.chunks(100) {
        let results = send_batch(&client, &server.url, &token, chunk)
            .await
            .expect("the server answers");
        for (id, status) in results {
            assert_eq!(status, "duplicate", "acknowledged {id} was not stored");
        }
    }
    drop(server);
    drop(tmpfs);
}
