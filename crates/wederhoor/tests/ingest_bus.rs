//! The JetStream ingest bus over a real NATS server (`WEDERHOOR_TEST_NATS`; `.ci/run` sets it):
//! a node with the `listen` role follows a Mastodon hashtag and publishes what it reads to a
//! durable stream; nothing is stored until a node with the `worker` role consumes it; a worker
//! killed with SIGKILL leaves the newer messages waiting in the stream, and after a restart every
//! status is stored exactly once, with the connector's checkpoint.
//!
//! The fake follows docs.joinmastodon.org as in `mastodon_restart.rs`: `GET
//! /api/v1/timelines/tag/:hashtag` (newer than `since_id`, newest first) and `GET
//! /api/v1/streaming/hashtag` (`text/event-stream`, `event: update`).
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
    statuses: Arc<Mutex<Vec<u64>>>,
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
    fn post(&self, id: u64, live: bool) {
        self.statuses.lock().unwrap().push(id);
        if live {
            let _ = self
                .live
                .send(format!("event: update\ndata: {}\n\n", status(id)));
        }
    }
}

/// Polls (bounded) until `check` holds; panics with `what` and the last value otherwise.
async fn until<T: std::fmt::Debug, F, Fut>(
    what: &str,
    mut probe: F,
    check: impl Fn(&T) -> bool,
) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let value = probe().await;
        if check(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: last seen {value:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_publish_to_jetstream_and_workers_store_each_message_once() {
    let Ok(nats) = std::env::var("WEDERHOOR_TEST_NATS") else {
        eprintln!("WEDERHOOR_TEST_NATS is not set: the ingest bus test is skipped");
        return;
    };
    let js = async_nats::jetstream::new(async_nats::connect(&nats).await.unwrap());
    for t in Target::all("ingest-bus").await {
        let backend = t.backend();
        let (live, _) = tokio::sync::broadcast::channel(64);
        let fake = Fake {
            statuses: Arc::default(),
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

        t.add_source("mastodon", &["--kind", "mastodon"]);
        let url = t
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", t.data_dir.join("wederhoor.db").display()));
        let store = Store::open(&url).await.unwrap();
        let source = store.source_by_name("mastodon").await.unwrap().unwrap();
        let mut settings = SourceSettings::from(&source);
        settings.url = Some(format!("http://{addr}/tags/zuiderbank"));
        settings.owned = false;
        store
            .update_source_settings(source.id, &settings, None)
            .await
            .unwrap();

        // Its own stream and subject, so parallel runs on one NATS server never meet.
        let tag = wederhoor_store::random_token()[..12].to_owned();
        let stream_name = format!("WHTEST_{tag}");
        let subject = format!("wederhoor.test.{tag}");
        let env = |roles: &'static str| {
            vec![
                ("WEDERHOOR_NATS_URL", nats.clone()),
                ("WEDERHOOR_NATS_SUBJECT", format!("{subject}.live")),
                ("WEDERHOOR_CLUSTER__INGEST_BUS", "jetstream".to_owned()),
                ("WEDERHOOR_CLUSTER__INGEST_STREAM", stream_name.clone()),
                (
                    "WEDERHOOR_CLUSTER__INGEST_SUBJECT",
                    format!("{subject}.ingest"),
                ),
                ("WEDERHOOR_CLUSTER__INGEST_ACK_WAIT_SECS", "2".to_owned()),
                ("WEDERHOOR_CLUSTER__ROLES", roles.to_owned()),
            ]
        };
        let serve = |roles: &'static str| {
            let vars = env(roles);
            let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.serve_with_env(&[], &pairs)
        };
        let in_stream = || {
            let js = js.clone();
            let name = stream_name.clone();
            async move {
                match js.get_stream(&name).await {
                    Ok(mut s) => s.info().await.map(|i| i.state.messages).unwrap_or(u64::MAX),
                    Err(_) => u64::MAX,
                }
            }
        };
        let stored = || {
            let store = store.clone();
            async move {
                let mut ids: Vec<u64> = store
                    .external_ids(source.id)
                    .await
                    .unwrap()
                    .iter()
                    .map(|i| i.parse().unwrap())
                    .collect();
                ids.sort();
                ids
            }
        };

        // A listening node alone: the backfill waits in the stream, nothing is in the database.
        let listening = serve("web,listen");
        until("the listener publishes the backfill", in_stream, |n| {
            *n == 3
        })
        .await;
        assert_eq!(store.message_count().await.unwrap(), 0, "{backend}");

        // A worker stores them, with the checkpoint, and the stream is emptied.
        let mut worker = serve("web,worker");
        assert_eq!(
            until("the worker stores the backfill", stored, |ids| ids.len()
                >= 3)
            .await,
            vec![1, 2, 3],
            "{backend}"
        );
        until("the stream empties", in_stream, |n| *n == 0).await;
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some("3"),
            "{backend}"
        );

        // Live statuses go the same way.
        until(
            "the listener opens the stream",
            || async { fake.live.receiver_count() },
            |n| *n > 0,
        )
        .await;
        fake.post(4, true);
        fake.post(5, true);
        until("live statuses stored", stored, |ids| ids.len() >= 5).await;
        // Acknowledged after the commit: a kill between the two would leave them to be
        // redelivered (and found to be duplicates); here the test waits for the acks.
        until("the stream empties", in_stream, |n| *n == 0).await;

        // No worker: the next statuses wait in the stream (backpressure, nothing lost).
        worker.kill();
        fake.post(6, true);
        fake.post(7, true);
        until("statuses wait in the stream", in_stream, |n| *n == 2).await;
        assert_eq!(store.message_count().await.unwrap(), 5, "{backend}");

        let worker = serve("web,worker");
        assert_eq!(
            until("the new worker stores what waited", stored, |ids| ids.len()
                >= 7)
            .await,
            (1..=7).collect::<Vec<u64>>(),
            "{backend}: each status exactly once"
        );
        until("the stream empties again", in_stream, |n| *n == 0).await;
        assert_eq!(store.message_count().await.unwrap(), 7, "{backend}");
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some("7"),
            "{backend}"
        );
        drop((worker, listening));
        let _ = js.delete_stream(&stream_name).await;
    }
}
