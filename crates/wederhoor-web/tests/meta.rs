//! Meta webhooks in (`GET/POST /api/v1/meta/{source_id}`) and the WhatsApp 24-hour window.
//!
//! The payloads follow Meta's documented shapes (developers.facebook.com): the Webhooks
//! "Getting started" verification request (`hub.mode`, `hub.verify_token`, `hub.challenge`) and
//! `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>`; the WhatsApp Cloud API
//! `messages` webhook (`object: whatsapp_business_account`, `entry[].changes[].value` with
//! `metadata`, `contacts[].profile.name`/`wa_id`, `messages[]` `from`/`id`/`timestamp`/`type`/
//! `text.body`, and `statuses[]` for delivery receipts); the Page `feed` webhook
//! (`value.item: comment`, `verb: add`, `comment_id`, `post_id`, `message`, `from{id,name}`,
//! `created_time`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::{Value, json};
use wederhoor_core::{DeliveryKind, DeliveryState};
use wederhoor_store::{NewSource, Source};

async fn meta_source(t: &TestApp, kind: &str, delivery: DeliveryKind) -> Source {
    let secret = json!({
        "verify_token": "verify-me",
        "app_secret": "app-secret",
        "access_token": "page-token",
        "phone_number_id": "106540352242922",
    });
    t.store
        .create_source(&NewSource {
            kind: kind.into(),
            name: format!("zuiderbank-{kind}"),
            delivery_kind: delivery,
            delivery_url: None,
            delivery_secret: Some(secret.to_string()),
        })
        .await
        .unwrap()
        .0
}

async fn post_signed(t: &TestApp, source: &Source, body: &str, secret: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/meta/{}", source.id.0))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            wederhoor_listen::sign(secret, body.as_bytes()),
        )
        .body(Body::from(body.to_owned()))
        .unwrap();
    t.send(request).await
}

fn whatsapp_payload(id: &str, from: &str, text: &str, timestamp: i64) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                    "contacts": [{"profile": {"name": "Sanne de Vries"}, "wa_id": from}],
                    "messages": [{
                        "from": from,
                        "id": id,
                        "timestamp": timestamp.to_string(),
                        "type": "text",
                        "text": {"body": text}
                    }]
                }
            }]
        }]
    })
}

#[tokio::test]
async fn handshake_echoes_the_challenge_only_for_the_right_token() {
    for t in spawn_apps().await {
        let b = t.backend;
        let s = meta_source(&t, "whatsapp", DeliveryKind::Whatsapp).await;
        let r = t
            .get(
                &format!(
                    "/api/v1/meta/{}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
                    s.id.0
                ),
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (StatusCode::OK, "1158201444"),
            "{b}"
        );
        let r = t
            .get(
                &format!(
                    "/api/v1/meta/{}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444",
                    s.id.0
                ),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert!(!r.text().contains("1158201444"), "{b}");
        // A source that is not a Meta channel has no such endpoint.
        let r = t
            .get(
                &format!(
                    "/api/v1/meta/{}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1",
                    t.source.id.0
                ),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
    }
}

#[tokio::test]
async fn signed_payloads_are_stored_and_bad_ones_are_not() {
    for t in spawn_apps().await {
        let b = t.backend;
        let wa = meta_source(&t, "whatsapp", DeliveryKind::Whatsapp).await;
        let now = jiff::Timestamp::now().as_second();
        let mut payload = whatsapp_payload(
            "wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTdBRjM2",
            "31612345678",
            "Mijn pas is geblokkeerd, kunnen jullie helpen?",
            now - 60,
        );
        // A delivery receipt and an image message ride along: skipped and counted.
        payload["entry"][0]["changes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"field": "messages", "value": {"messaging_product": "whatsapp",
                "statuses": [{"id": "wamid.x", "status": "delivered", "timestamp": "1", "recipient_id": "31612345678"}]}}));
        payload["entry"][0]["changes"][0]["value"]["messages"]
            .as_array_mut()
            .unwrap()
            .push(json!({"from": "31612345678", "id": "wamid.img", "timestamp": "1", "type": "image", "image": {"id": "1"}}));
        let body = payload.to_string();

        // Wrong secret: 401 JSON, nothing stored.
        let before = t.message_count().await;
        let r = post_signed(&t, &wa, &body, "not-the-secret").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(r.content_type().contains("json"), "{b}");
        let r = t
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/meta/{}", wa.id.0))
                    .body(Body::from(body.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(t.message_count().await, before, "{b}");

        let r = post_signed(&t, &wa, &body, "app-secret").await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let report = r.json();
        assert_eq!(report["stored"], 1, "{b}: {report}");
        assert_eq!(report["skipped"], 2, "{b}: {report}");
        let conv = conversation_of(&report["results"][0]);
        let d = t.detail(conv).await;
        assert_eq!(
            d.summary.author_handle.as_deref(),
            Some("31612345678"),
            "{b}"
        );
        assert_eq!(
            d.summary.author_name.as_deref(),
            Some("Sanne de Vries"),
            "{b}"
        );
        assert_eq!(
            d.messages[0].text, "Mijn pas is geblokkeerd, kunnen jullie helpen?",
            "{b}"
        );
        assert_eq!(d.summary.last_message_at, (now - 60) * 1000, "{b}");
        // Meta retries: the same delivery again is a duplicate, not a second row.
        let r = post_signed(&t, &wa, &body, "app-secret").await;
        assert_eq!(r.json()["duplicates"], 1, "{b}");
        // The customer's next message joins the same (open) conversation.
        let next = whatsapp_payload("wamid.second", "31612345678", "Hallo?", now - 30);
        let r = post_signed(&t, &wa, &next.to_string(), "app-secret").await;
        assert_eq!(conversation_of(&r.json()["results"][0]), conv, "{b}");
        assert_eq!(t.detail(conv).await.messages.len(), 2, "{b}");

        // Facebook page feed comment.
        let fb = meta_source(&t, "facebook", DeliveryKind::Facebook).await;
        let body = json!({
            "object": "page",
            "entry": [{
                "id": "1234567890", "time": 1_764_000_000,
                "changes": [
                    {"field": "feed", "value": {
                        "item": "comment", "verb": "add",
                        "comment_id": "1234567890_111", "post_id": "1234567890_222",
                        "parent_id": "1234567890_222",
                        "message": "Waarom is de app weer stuk?",
                        "from": {"id": "987654", "name": "Piet Jansen"},
                        "created_time": 1_764_000_000
                    }},
                    {"field": "feed", "value": {"item": "reaction", "verb": "add", "reaction_type": "like"}},
                    {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "x"}}
                ]
            }]
        })
        .to_string();
        let r = post_signed(&t, &fb, &body, "app-secret").await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let report = r.json();
        assert_eq!(
            (report["stored"].as_i64(), report["skipped"].as_i64()),
            (Some(1), Some(2)),
            "{b}: {report}"
        );
        let d = t.detail(conversation_of(&report["results"][0])).await;
        assert_eq!(d.messages[0].external_id, "1234567890_111", "{b}");
        assert_eq!(d.messages[0].text, "Waarom is de app weer stuk?", "{b}");
        assert_eq!(d.summary.author_name.as_deref(), Some("Piet Jansen"), "{b}");
        assert_eq!(d.messages[0].created_at, 1_764_000_000_000, "{b}");

        // Malformed JSON after a valid signature: 400, nothing stored.
        let count = t.message_count().await;
        let r = post_signed(&t, &fb, "{not json", "app-secret").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(t.message_count().await, count, "{b}");
    }
}

#[tokio::test]
async fn whatsapp_replies_only_within_the_service_window() {
    for t in spawn_apps().await {
        let b = t.backend;
        let wa = meta_source(&t, "whatsapp", DeliveryKind::Whatsapp).await;
        let now = jiff::Timestamp::now().as_second();
        let fresh = whatsapp_payload(
            "wamid.fresh",
            "31611111111",
            "Is mijn betaling aangekomen?",
            now - 3600,
        );
        let stale = whatsapp_payload(
            "wamid.stale",
            "31622222222",
            "Hallo, ik heb een vraag over mijn rekening",
            now - 25 * 3600,
        );
        let mut convs = Vec::new();
        for p in [fresh, stale] {
            let r = post_signed(&t, &wa, &p.to_string(), "app-secret").await;
            assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
            convs.push(conversation_of(&r.json()["results"][0]));
        }
        let s = t.login_as(&t.agent).await;

        // Within the window: the composer shows its end, and the reply is queued for WhatsApp.
        let page = t.get(&format!("/c/{}", convs[0]), Some(&s)).await.text();
        assert!(page.contains("id=\"whatsapp-window\""), "{b}");
        let r = t
            .post_form(
                &format!("/c/{}/reply", convs[0]),
                Some(&s),
                &[("csrf", &s.csrf), ("text", "Ja, die is binnen.")],
            )
            .await;
        assert_eq!(r.location(), Some(&*format!("/c/{}", convs[0])), "{b}");
        let d = t.detail(convs[0]).await;
        assert_eq!(d.replies.len(), 1, "{b}");
        assert_eq!(d.replies[0].delivery_kind, DeliveryKind::Whatsapp, "{b}");
        assert_eq!(d.replies[0].state, DeliveryState::Queued, "{b}");

        // After 24 hours: refused with the catalogue message, nothing queued.
        let r = t
            .post_form(
                &format!("/c/{}/reply", convs[1]),
                Some(&s),
                &[("csrf", &s.csrf), ("text", "Sorry voor de late reactie.")],
            )
            .await;
        let to = r.location().unwrap().to_owned();
        assert!(to.contains("error=whatsapp_window_closed"), "{b}: {to}");
        assert!(t.detail(convs[1]).await.replies.is_empty(), "{b}");
        let page = t.get(&to, Some(&s)).await.text();
        assert!(page.contains("WhatsApp-servicevenster is gesloten"), "{b}");
    }
}
