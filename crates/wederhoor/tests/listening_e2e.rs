//! The listening issue's "done": with the demo running, an admin adds an RSS feed and a Mastodon
//! hashtag (pointed at local fakes), sees matching messages arrive live in the inbox with their
//! triage, sees both sources on the public list, and sees their health.
//!
//! Fakes: an RSS 2.0 feed (`<item><guid>`) and a Mastodon instance answering
//! `GET /api/v1/timelines/tag/:hashtag` with a JSON array of Status and keeping
//! `GET /api/v1/streaming/hashtag` open as `text/event-stream` (docs.joinmastodon.org).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::header;
use axum::response::IntoResponse;
use common::Target;
use std::time::Duration;
use wederhoor_testkit::{Browser, Page};

const WAIT: Duration = Duration::from_secs(90);

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Zuiderblog</title><link>https://blog.example/</link><description>x</description>
  <item><title>Pinpas geblokkeerd bij Zuiderbank</title><guid>https://blog.example/p/1</guid>
    <description>Sinds gisteren is mijn pinpas van de Zuiderbank geblokkeerd, wat nu?</description></item>
  <item><title>Het weer</title><guid>https://blog.example/p/2</guid><description>Morgen regen.</description></item>
</channel></rss>"#;

async fn fakes() -> String {
    let status = serde_json::json!([{
        "id": "501", "uri": "https://social.example/users/anna/statuses/501",
        "created_at": common::minutes_ago(30),
        "content": "<p>Waarom werkt mijn #zuiderbank daglimiet niet in de app?</p>",
        "in_reply_to_id": null, "reblogs_count": 0, "favourites_count": 0,
        "account": {"id": "7", "acct": "anna", "display_name": "Anna de Wit", "followers_count": 80}
    }]);
    let app = axum::Router::new()
        .route(
            "/feed.xml",
            axum::routing::get(|| async {
                ([(header::CONTENT_TYPE, "application/rss+xml")], FEED).into_response()
            }),
        )
        .route(
            "/api/v1/timelines/tag/{tag}",
            axum::routing::get(move || {
                let status = status.clone();
                async move { axum::Json(status).into_response() }
            }),
        )
        .route(
            "/api/v1/streaming/hashtag",
            axum::routing::get(|| async {
                let forever =
                    futures_util::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
                (
                    [(header::CONTENT_TYPE, "text/event-stream")],
                    axum::body::Body::from_stream(forever),
                )
                    .into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn add_source(page: &Page, base: &str, name: &str, kind: &str, url: &str, query: &str) {
    page.goto(&format!("{base}/admin/sources")).await.unwrap();
    page.fill("#add-source input[name=name]", name)
        .await
        .unwrap();
    page.eval(&format!(
        "document.querySelector('#add-source select[name=kind]').value = {kind:?}"
    ))
    .await
    .unwrap();
    page.fill("#add-source input[name=url]", url).await.unwrap();
    page.fill("#add-source input[name=listening_query]", query)
        .await
        .unwrap();
    page.fill("#add-source input[name=poll_interval_secs]", "30")
        .await
        .unwrap();
    page.click_and_wait_navigation("#add-source button[type=submit]")
        .await
        .unwrap();
    let error = page
        .eval("document.getElementById('form-error')?.innerText ?? ''")
        .await
        .unwrap();
    assert_eq!(error, "", "adding {name} was refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_adds_a_feed_and_a_hashtag_and_sees_them_arrive() {
    let fake = fakes().await;
    let t = Target::sqlite("listening-e2e");
    let server = t.serve_with(&["--demo"]);
    let base = server.url.clone();

    let browser = Browser::launch().await.unwrap();
    let admin = browser.new_page().await.unwrap();
    admin.goto(&format!("{base}/login")).await.unwrap();
    admin.fill("#username", "beheer").await.unwrap();
    admin.fill("#password", "webcare-demo").await.unwrap();
    admin
        .click_and_wait_navigation("#login-button")
        .await
        .unwrap();
    let inbox = browser.new_page().await.unwrap();
    inbox.goto(&format!("{base}/login")).await.unwrap();
    inbox.fill("#username", "sanne").await.unwrap();
    inbox.fill("#password", "webcare-demo").await.unwrap();
    inbox
        .click_and_wait_navigation("#login-button")
        .await
        .unwrap();

    add_source(
        &admin,
        &base,
        "Zuiderblog",
        "rss",
        &format!("{fake}/feed.xml"),
        "pinpas",
    )
    .await;
    add_source(
        &admin,
        &base,
        "Mastodon #zuiderbank",
        "mastodon",
        &format!("{fake}/tags/zuiderbank"),
        "zuiderbank",
    )
    .await;

    // Both arrive live in Sanne's open inbox, with a verdict badge; the weather item does not.
    for text in [
        "Pinpas geblokkeerd bij Zuiderbank",
        "daglimiet niet in de app",
    ] {
        let cond = format!(
            "[...document.querySelectorAll('tr.conv')].some(r => r.innerText.includes({text:?}) && r.querySelector('.badge'))"
        );
        inbox.wait_for(&cond, WAIT).await.unwrap();
    }
    let list = inbox.text("#conv-list").await.unwrap();
    assert!(
        !list.contains("Morgen regen"),
        "an item outside the listening query was stored"
    );

    // The public list shows both, without logging in.
    let public = browser.new_page().await.unwrap();
    public.goto(&format!("{base}/bronnen")).await.unwrap();
    let listed = public.text("main").await.unwrap();
    assert!(
        listed.contains("Zuiderblog") && listed.contains("Mastodon #zuiderbank"),
        "{listed}"
    );

    // Health: one stored and one skipped for the feed, one stored for the hashtag, no failures.
    let health = admin
        .eval("fetch('/api/v1/sources').then(r => r.json()).then(j => JSON.stringify(j.sources.filter(s => s.name === 'Zuiderblog' || s.name === 'Mastodon #zuiderbank').map(s => [s.name, s.health && s.health.messages_total, s.health && s.health.skipped_total, s.health && s.health.consecutive_failures])))")
        .await
        .unwrap();
    let health: Vec<(String, i64, i64, i64)> =
        serde_json::from_str(health.as_str().unwrap()).unwrap();
    assert!(
        health.contains(&("Zuiderblog".to_owned(), 1, 1, 0)),
        "{health:?}"
    );
    assert!(
        health
            .iter()
            .any(|(n, m, _, f)| n == "Mastodon #zuiderbank" && *m == 1 && *f == 0),
        "{health:?}"
    );
    admin.goto(&format!("{base}/admin/sources")).await.unwrap();
    let page = admin.text("main").await.unwrap();
    assert!(
        page.contains("Zuiderblog") && page.contains("Mastodon #zuiderbank"),
        "{page}"
    );
    drop(server);
}
