//! Restart safety of a streaming connector: `wederhoor serve` follows a Mastodon hashtag, is
//! killed with SIGKILL while the stream is live, statuses are posted while it is down, and after
//! a restart every status is stored exactly once (REST backfill from the stored checkpoint).
//!
//! The fake follows docs.joinmastodon.org: `GET /api/v1/timelines/tag/:hashtag` answers the
//! statuses newer than `since_id`, newest first, at most `limit`; `GET /api/v1/streaming/hashtag`
//! answers `text/event-stream` with `event: update` / `data: <Status>` blocks as statuses arrive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use common::Target;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wederhoor_store::{SourceSettings, Store};

#[derive(Clone)]
struct Fake {
    /// Every status that exists, oldest first (ids are numbers).
    statuses: Arc<Mutex<Vec<u64>>>,
    /// The `since_id` of every timeline request (None: no since_id).
    since: Arc<Mutex<Vec<Option<u64>>>>,
    live: tokio::sync::broadcast::Sender<String>,
}

fn status(id: u64) -> serde_json::Value {
    serde_json::json!({
        "id": id.to_string(),
        "uri": format!("https://social.example/users/klaas/statuses/{id}"),
        "created_at": common::minutes_ago(30),
        "content": format!("<p>Bericht {id} over de #zuiderbank pinpas</p>"),
        "in_reply_to_id": null,
        "reblogs_count": 0,
        "favourites_count": 0,
        "account": {"id": "42", "acct": "klaas", "display_name": "Klaas", "followers_count": 3}
    })
}

async fn timeline(
    State(fake): State<Fake>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let since = q.get("since_id").and_then(|s| s.parse::<u64>().ok());
    let max = q.get("max_id").and_then(|s| s.parse::<u64>().ok());
    let limit = q
        .get("limit")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(20);
    fake.since.lock().unwrap().push(since);
    let page: Vec<serde_json::Value> = fake
        .statuses
        .lock()
        .unwrap()
        .iter()
        .rev()
        .filter(|id| since.is_none_or(|s| **id > s) && max.is_none_or(|m| **id < m))
        .take(limit)
        .map(|id| status(*id))
        .collect();
    axum::Json(page).into_response()
}

async fn stream(State(fake): State<Fake>) -> Response {
    let rx = fake.live.subscribe();
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        let data = rx.recv().await.ok()?;
        Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(data)), rx))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        axum::body::Body::from_stream(events),
    )
        .into_response()
}

impl Fake {
    /// A new status: on the timeline, and pushed to open streams.
    fn post(&self, id: u64, live: bool) {
        self.statuses.lock().unwrap().push(id);
        if live {
            let _ = self
                .live
                .send(format!("event: update\ndata: {}\n\n", status(id)));
        }
    }
}

async fn wait_for_ids(store: &Store, source: wederhoor_core::SourceId, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ids = store.external_ids(source).await.unwrap();
        if ids.len() >= n {
            return ids;
        }
        assert!(
            Instant::now() < deadline,
            "only {ids:?} stored, waiting for {n}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_resumes_the_stream_without_loss_or_duplicates() {
    let (live, _) = tokio::sync::broadcast::channel(64);
    let fake = Fake {
        statuses: Arc::default(),
        since: Arc::default(),
        live,
    };
    for id in 1..=3 {
        fake.post(id, false);
    }
    let app = axum::Router::new()
        .route("/api/v1/timelines/tag/{tag}", axum::routing::get(timeline))
        .route("/api/v1/streaming/hashtag", axum::routing::get(stream))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let t = Target::sqlite("mastodon-restart");
    t.add_source("mastodon", &["--kind", "mastodon"]);
    let store = Store::open(&format!(
        "sqlite://{}",
        t.data_dir.join("wederhoor.db").display()
    ))
    .await
    .unwrap();
    let source = store.source_by_name("mastodon").await.unwrap().unwrap();
    let mut settings = SourceSettings::from(&source);
    settings.url = Some(format!("http://{addr}/tags/zuiderbank"));
    settings.owned = false;
    store
        .update_source_settings(source.id, &settings, None)
        .await
        .unwrap();

    let mut server = t.serve();
    wait_for_ids(&store, source.id, 3).await; // backfill on first connect
    // Live statuses while the stream is open.
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.live.receiver_count() == 0 {
        assert!(
            Instant::now() < deadline,
            "the server never opened the stream"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fake.post(4, true);
    fake.post(5, true);
    wait_for_ids(&store, source.id, 5).await;
    assert_eq!(
        store.checkpoint(source.id).await.unwrap().as_deref(),
        Some("5")
    );

    server.kill(); // SIGKILL: no shutdown code runs
    for id in 6..=8 {
        fake.post(id, true); // nobody listens: only the timeline keeps them
    }
    fake.since.lock().unwrap().clear();

    let _server = t.serve();
    let ids = wait_for_ids(&store, source.id, 8).await;
    let mut sorted: Vec<u64> = ids.iter().map(|i| i.parse().unwrap()).collect();
    sorted.sort();
    assert_eq!(
        sorted,
        (1..=8).collect::<Vec<u64>>(),
        "each status exactly once"
    );
    assert_eq!(store.message_count().await.unwrap(), 8);
    let since = fake.since.lock().unwrap().clone();
    assert_eq!(
        since.first(),
        Some(&Some(5)),
        "backfill resumed from the checkpoint: {since:?}"
    );
}
