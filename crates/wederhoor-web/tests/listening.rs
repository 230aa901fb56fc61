#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Listening over HTTP: the signed inbound webhook (`/api/v1/webhook/{source_id}`) and source
//! health in `/readyz` and `/metrics`, every test against every store (SQLite always, PostgreSQL
//! when WEDERHOOR_TEST_PG is set).

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wederhoor_core::{DeliveryKind, SourceId};
use wederhoor_store::{NewSource, Source, SourceSettings};

const SECRET: &str = "forum-geheim-42";

/// `sha256=<hex HMAC-SHA256(secret, signed)>`, computed independently of the server.
fn sign(secret: &str, signed: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Gives the app's test source its webhook secret.
async fn with_secret(t: &TestApp) {
    t.store
        .set_source_delivery(t.source.id, DeliveryKind::Manual, None, Some(SECRET))
        .await
        .unwrap();
}

async fn post_webhook(
    t: &TestApp,
    source: SourceId,
    body: &str,
    headers: &[(&str, String)],
) -> TestResponse {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/webhook/{}", source.0))
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    t.send(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

/// Posts `body` signed with the test secret.
async fn post_signed(t: &TestApp, source: SourceId, body: &str) -> TestResponse {
    let sig = sign(SECRET, body.as_bytes());
    post_webhook(t, source, body, &[("X-Wederhoor-Signature", sig)]).await
}

/// Adds a source straight in the store with the given settings.
async fn add_source(
    t: &TestApp,
    name: &str,
    kind: &str,
    f: impl FnOnce(&mut SourceSettings),
) -> Source {
    let (s, _token) = t
        .store
        .create_source(&NewSource {
            kind: kind.into(),
            name: name.into(),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: Some(SECRET.into()),
        })
        .await
        .unwrap();
    let mut settings = SourceSettings::from(&s);
    f(&mut settings);
    t.store
        .update_source_settings(s.id, &settings, None)
        .await
        .unwrap();
    t.store.source(s.id).await.unwrap().unwrap()
}

// ----- the signed webhook -----

#[tokio::test]
async fn signed_webhook_stores_and_publishes() {
    for t in spawn_apps().await {
        let b = t.backend;
        with_secret(&t).await;
        let mut events = t.state.events.subscribe();
        let before = t.message_count().await;

        let body = msg("forum-1", "Mijn pinpas werkt niet meer sinds gisteren").to_string();
        let r = post_signed(&t, t.source.id, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let report = r.json();
        assert_eq!(report["stored"], 1, "{b}: {report}");
        let conversation = conversation_of(&report["results"][0]);
        assert_eq!(t.message_count().await, before + 1, "{b}");
        assert_eq!(t.detail(conversation).await.messages.len(), 1, "{b}");
        assert!(events.try_recv().is_ok(), "{b}: no live event");

        // The same message again is a duplicate, not a second row.
        let r = post_signed(&t, t.source.id, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(r.json()["duplicates"], 1, "{b}");
        assert_eq!(t.message_count().await, before + 1, "{b}");

        // With a timestamp the signature covers `<timestamp>.<body>`.
        let now = jiff::Timestamp::now().as_second().to_string();
        let body = msg("forum-2", "Waarom duurt mijn overboeking zo lang?").to_string();
        let sig = sign(SECRET, format!("{now}.{body}").as_bytes());
        let stamped = [
            ("X-Wederhoor-Signature", sig.clone()),
            ("X-Wederhoor-Timestamp", now.clone()),
        ];
        let r = post_webhook(&t, t.source.id, &body, &stamped).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(r.json()["stored"], 1, "{b}");
        assert_eq!(t.message_count().await, before + 2, "{b}");

        // The webhook counts toward the source's health.
        let health = t.store.source_health().await.unwrap();
        let h = health
            .iter()
            .find(|h| h.source == Some(t.source.id))
            .unwrap();
        assert_eq!(h.messages_total, 2, "{b}");
        assert!(h.last_success_at.is_some(), "{b}");
    }
}

#[tokio::test]
async fn bad_signatures_are_refused_and_store_nothing() {
    for t in spawn_apps().await {
        let b = t.backend;
        let body = msg("forum-x", "Dit mag er niet in komen").to_string();

        // A source without a secret cannot be pushed to.
        let r = post_signed(&t, t.source.id, &body).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}: {}", r.text());

        with_secret(&t).await;
        let before = t.message_count().await;
        let other_body = msg("forum-y", "Iets anders").to_string();
        let now = jiff::Timestamp::now().as_second();
        let stale = (now - 600).to_string();
        let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
            ("missing header", vec![]),
            (
                "wrong secret",
                vec![(
                    "X-Wederhoor-Signature",
                    sign("ander-geheim", body.as_bytes()),
                )],
            ),
            (
                "different body",
                vec![("X-Wederhoor-Signature", sign(SECRET, other_body.as_bytes()))],
            ),
            (
                "no sha256= prefix",
                vec![(
                    "X-Wederhoor-Signature",
                    sign(SECRET, body.as_bytes())[7..].to_owned(),
                )],
            ),
            (
                "not hex",
                vec![("X-Wederhoor-Signature", "sha256=zzzz".to_owned())],
            ),
            (
                "stale timestamp",
                vec![
                    (
                        "X-Wederhoor-Signature",
                        sign(SECRET, format!("{stale}.{body}").as_bytes()),
                    ),
                    ("X-Wederhoor-Timestamp", stale.clone()),
                ],
            ),
            (
                "timestamp added to a body-only signature",
                vec![
                    ("X-Wederhoor-Signature", sign(SECRET, body.as_bytes())),
                    ("X-Wederhoor-Timestamp", now.to_string()),
                ],
            ),
        ];
        for (what, headers) in cases {
            let r = post_webhook(&t, t.source.id, &body, &headers).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{b} {what}: {}",
                r.text()
            );
            let err = r.json();
            assert!(err["error"].is_string(), "{b} {what}: {err}");
            assert!(err["request_id"].is_string(), "{b} {what}: {err}");
            assert_eq!(t.message_count().await, before, "{b} {what}");
        }
    }
}

#[tokio::test]
async fn unknown_and_disabled_sources() {
    for t in spawn_apps().await {
        let b = t.backend;
        let before = t.message_count().await;
        let body = msg("forum-z", "Hallo?").to_string();

        let r = post_signed(&t, SourceId(987_654), &body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: {}", r.text());
        assert!(r.json()["error"].is_string(), "{b}");

        let off = add_source(&t, "Oud forum", "forum", |s| s.enabled = false).await;
        let r = post_signed(&t, off.id, &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: {}", r.text());
        assert!(r.json()["error"].is_string(), "{b}");
        // A disabled source with a wrong signature learns nothing more than 401.
        let wrong = [("X-Wederhoor-Signature", sign("fout", body.as_bytes()))];
        let r = post_webhook(&t, off.id, &body, &wrong).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(t.message_count().await, before, "{b}");
    }
}

#[tokio::test]
async fn webhook_batch_answers_per_item() {
    for t in spawn_apps().await {
        let b = t.backend;
        with_secret(&t).await;
        let before = t.message_count().await;
        let body = json!([
            msg("b1", "Eerste bericht over de app"),
            { "id": "b2" },
            msg("b3", "Derde bericht over de rente"),
        ])
        .to_string();
        let r = post_signed(&t, t.source.id, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let report = r.json();
        assert_eq!(
            (&report["stored"], &report["rejected"]),
            (&json!(2), &json!(1)),
            "{b}: {report}"
        );
        let statuses: Vec<&Value> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["status"])
            .collect();
        assert_eq!(
            statuses,
            [&json!("stored"), &json!("rejected"), &json!("stored")],
            "{b}"
        );
        assert!(report["results"][1]["error"].is_string(), "{b}");
        assert_eq!(t.message_count().await, before + 2, "{b}");

        // A single refused message is a 422, as on /api/v1/ingest.
        let r = post_signed(&t, t.source.id, &json!({ "id": "b4" }).to_string()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // Not JSON at all, correctly signed: 400.
        let r = post_signed(&t, t.source.id, "geen json").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(t.message_count().await, before + 2, "{b}");
    }
}

// ----- health in /readyz and /metrics -----

fn ready_source<'a>(ready: &'a Value, name: &str) -> Option<&'a Value> {
    ready["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
}

#[tokio::test]
async fn readyz_lists_source_status() {
    for t in spawn_apps().await {
        let b = t.backend;
        let feed = add_source(&t, "Bankfeed", "rss", |s| {
            s.url = Some("https://bank.example/feed.xml".into());
        })
        .await;
        add_source(&t, "Uitgezet", "rss", |s| s.enabled = false).await;

        let r = t.get("/readyz", None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(r.content_type().starts_with("application/json"), "{b}");
        let ready = r.json();
        assert_eq!(ready["status"], "ready", "{b}");
        assert_eq!(ready["store"], "ok", "{b}");
        assert_eq!(
            ready_source(&ready, "Bankfeed").unwrap()["status"],
            "unknown"
        );
        assert_eq!(ready_source(&ready, "Forum").unwrap()["status"], "unknown");
        assert!(ready_source(&ready, "Uitgezet").is_none(), "{b}: {ready}");
        // No secrets or feed URLs on this unauthenticated route.
        assert!(!r.text().contains("bank.example"), "{b}");

        t.store
            .record_source_error(feed.id, "HTTP 500")
            .await
            .unwrap();
        t.store
            .record_source_error(feed.id, "HTTP 500")
            .await
            .unwrap();
        let r = t.get("/readyz", None).await;
        // A failing source does not make the process unready.
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let ready = r.json();
        let s = ready_source(&ready, "Bankfeed").unwrap();
        assert_eq!(s["status"], "degraded", "{b}: {ready}");
        assert_eq!(s["consecutive_failures"], 2, "{b}");
        assert!(!r.text().contains("HTTP 500"), "{b}");

        t.store.record_source_success(feed.id, 3, 1).await.unwrap();
        let ready = t.get("/readyz", None).await.json();
        let s = ready_source(&ready, "Bankfeed").unwrap();
        assert_eq!(s["status"], "ok", "{b}: {ready}");
        assert_eq!(s["consecutive_failures"], 0, "{b}");
        assert!(s["last_success_at"].is_i64(), "{b}");
    }
}

#[tokio::test]
async fn metrics_per_source_with_escaped_names() {
    for t in spawn_apps().await {
        let b = t.backend;
        let odd = add_source(&t, r#"Forum "Geld" \ Zaken"#, "forum", |_| {}).await;
        let feed = add_source(&t, "Bankfeed", "rss", |_| {}).await;
        t.store.record_source_success(odd.id, 5, 2).await.unwrap();
        t.store.record_source_success(odd.id, 1, 0).await.unwrap();
        t.store
            .record_source_error(feed.id, "timeout")
            .await
            .unwrap();
        t.store
            .record_source_error(feed.id, "timeout")
            .await
            .unwrap();
        t.store
            .record_source_error(feed.id, "timeout")
            .await
            .unwrap();

        let r = t.get("/metrics", Some(&t.login_as(&t.lead).await)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let body = r.text();
        let lines: Vec<&str> = body.lines().collect();
        let label = r#"source="Forum \"Geld\" \\ Zaken""#;
        for want in [
            format!("wederhoor_source_messages_total{{{label}}} 6"),
            format!("wederhoor_source_skipped_total{{{label}}} 2"),
            format!("wederhoor_source_consecutive_failures{{{label}}} 0"),
            "wederhoor_source_messages_total{source=\"Bankfeed\"} 0".to_owned(),
            "wederhoor_source_consecutive_failures{source=\"Bankfeed\"} 3".to_owned(),
            "wederhoor_source_messages_total{source=\"Forum\"} 0".to_owned(),
            "# TYPE wederhoor_source_consecutive_failures gauge".to_owned(),
            "# TYPE wederhoor_source_last_success_timestamp_seconds gauge".to_owned(),
        ] {
            assert!(
                lines.contains(&want.as_str()),
                "{b}: no line {want:?} in\n{body}"
            );
        }
        let prefix = format!("wederhoor_source_last_success_timestamp_seconds{{{label}}} ");
        let seen: f64 = lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("{b}: no last success for the odd source in\n{body}"))
            .parse()
            .unwrap();
        let now = jiff::Timestamp::now().as_second() as f64;
        assert!((now - seen).abs() < 120.0, "{b}: {seen} vs {now}");
        // A source that never succeeded has no last-success sample.
        assert!(
            !body.contains("wederhoor_source_last_success_timestamp_seconds{source=\"Bankfeed\"}"),
            "{b}"
        );
        // Each family is declared once.
        assert_eq!(
            body.matches("# TYPE wederhoor_source_messages_total ")
                .count(),
            1,
            "{b}"
        );
    }
}
