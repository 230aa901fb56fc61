//! `wederhoor serve` polls an RSS source: the feed's items are stored exactly once, the polls
//! after the first are conditional (`If-None-Match`, answered `304`), a failing feed next to it
//! only records its own failures, and SIGTERM still stops the server promptly.
//!
//! The fake feed serves an RSS 2.0 document (`<rss version="2.0"><channel><item>` with `<guid>`)
//! with an `ETag`, and answers `If-None-Match` with a matching tag by `304 Not Modified`
//! (RFC 9110 §13.1.2, §15.4.5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::Target;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wederhoor_store::{SourceSettings, Store};

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Zuiderblog</title><link>https://blog.example/</link><description>Over de bank</description>
  <item><title>Pinpas kwijt</title><guid>https://blog.example/1</guid>
    <description>&lt;p&gt;Mijn &lt;b&gt;pinpas&lt;/b&gt; is weg.&lt;/p&gt;</description>
    <pubDate>Wed, 25 Nov 2026 09:30:00 +0000</pubDate></item>
  <item><title>App hangt</title><guid>https://blog.example/2</guid>
    <description>De app van de Zuiderbank hangt bij het inloggen.</description></item>
</channel></rss>"#;

const ETAG: &str = "\"feed-v1\"";

type Seen = Arc<Mutex<Vec<Option<String>>>>;

async fn feed(
    axum::extract::State(seen): axum::extract::State<Seen>,
    headers: HeaderMap,
) -> Response {
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    seen.lock().unwrap().push(inm.clone());
    if inm.as_deref() == Some(ETAG) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, ETAG)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml"),
            (header::ETAG, ETAG),
        ],
        FEED,
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_polls_an_rss_source_and_stores_each_item_once() {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/feed.xml", axum::routing::get(feed))
        .route(
            "/broken.xml",
            axum::routing::get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let feed_url = format!("http://{addr}/feed.xml");
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let t = Target::sqlite("rss");
    t.add_source("zuiderblog", &["--kind", "rss"]);
    let store = Store::open(&format!(
        "sqlite://{}",
        t.data_dir.join("wederhoor.db").display()
    ))
    .await
    .unwrap();
    let source = store.source_by_name("zuiderblog").await.unwrap().unwrap();
    let mut settings = SourceSettings::from(&source);
    settings.url = Some(feed_url);
    settings.poll_interval_secs = 1;
    store
        .update_source_settings(source.id, &settings, None)
        .await
        .unwrap();

    t.add_source("kapotblog", &["--kind", "rss"]);
    let broken = store.source_by_name("kapotblog").await.unwrap().unwrap();
    let mut settings = SourceSettings::from(&broken);
    settings.url = Some(format!("http://{addr}/broken.xml"));
    settings.poll_interval_secs = 1;
    store
        .update_source_settings(broken.id, &settings, None)
        .await
        .unwrap();

    let mut server = t.serve();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let requests = seen.lock().unwrap().clone();
        let mut ids = store.external_ids(source.id).await.unwrap();
        ids.sort();
        let broken_failed = store
            .source_health()
            .await
            .unwrap()
            .iter()
            .any(|h| h.source == Some(broken.id) && h.consecutive_failures >= 1);
        if requests.len() >= 3 && ids.len() == 2 && broken_failed {
            assert_eq!(
                ids,
                vec!["https://blog.example/1", "https://blog.example/2"]
            );
            assert_eq!(requests[0], None, "the first poll is unconditional");
            assert!(
                requests[1..].iter().all(|r| r.as_deref() == Some(ETAG)),
                "later polls send If-None-Match: {requests:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "feed not polled as expected: requests {requests:?}, stored {ids:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(store.message_count().await.unwrap(), 2);
    let health = store.source_health().await.unwrap();
    let h = health
        .iter()
        .find(|h| h.source == Some(source.id))
        .expect("health recorded");
    assert_eq!(h.messages_total, 2);
    assert_eq!(h.consecutive_failures, 0);
    let b = health
        .iter()
        .find(|h| h.source == Some(broken.id))
        .expect("health of the broken feed recorded");
    assert!(b.consecutive_failures >= 1, "{b:?}");
    assert!(
        b.last_error.as_deref().unwrap_or("").contains("500"),
        "{b:?}"
    );
    assert_eq!(
        store.checkpoint(source.id).await.unwrap().as_deref(),
        Some(r#"{"etag":"\"feed-v1\"","last_modified":null}"#)
    );

    // SIGTERM stops the server (and its poller) promptly.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
}
