//! The Meta reply connector against a fake Graph API on 127.0.0.1:0.
//!
//! The fake follows the documented shapes (developers.facebook.com):
//! - WhatsApp Cloud API `POST /{phone_number_id}/messages` with JSON
//!   `{"messaging_product":"whatsapp","to":…,"type":"text","text":{"body":…}}`, answering
//!   `{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid…"}]}`;
//! - Graph API `POST /{comment_id}/comments` (Facebook page comment reply) and
//!   `POST /{ig_comment_id}/replies` (Instagram), JSON `{"message":…}`, answering `{"id":…}`;
//! - `Authorization: Bearer <access token>` on every call; errors as HTTP 400 with
//!   `{"error":{"message":…,"type":"OAuthException","code":100,"fbtrace_id":…}}`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use wederhoor_core::*;
use wederhoor_listen::meta::parse_webhook;
use wederhoor_listen::{
    DispatchConnector, MastodonConnector, MetaConnector, OutboxConfig, WebhookConnector,
    run_outbox_once,
};
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::{IngestOutcome, NewAgent, NewSource, Store};

/// (path, Authorization, JSON body) of one POST.
type Call = (String, Option<String>, Value);

#[derive(Default)]
struct Fake {
    status: u16,
    calls: Vec<Call>,
    /// (path, Content-Type, body) of each POST, as sent.
    raw: Vec<(String, String, String)>,
}

type Shared = Arc<Mutex<Fake>>;

async fn post(
    State(fake): State<Shared>,
    Path((node, edge)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut f = fake.lock().unwrap();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    f.raw
        .push((format!("/{node}/{edge}"), content_type, body.clone()));
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    f.calls.push((
        format!("/{node}/{edge}"),
        auth,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    ));
    if f.status == 200 {
        let answer = if edge == "messages" {
            json!({"messaging_product": "whatsapp", "contacts": [{"input": "31612345678", "wa_id": "31612345678"}],
                   "messages": [{"id": "wamid.out1"}]})
        } else {
            json!({"id": format!("{node}_reply")})
        };
        axum::Json(answer).into_response()
    } else {
        (
            StatusCode::from_u16(f.status).unwrap(),
            axum::Json(
                json!({"error": {"message": "(#100) Invalid parameter", "type": "OAuthException",
                                        "code": 100, "fbtrace_id": "AbCdEf"}}),
            ),
        )
            .into_response()
    }
}

async fn start_fake() -> (String, Shared) {
    let fake: Shared = Arc::new(Mutex::new(Fake {
        status: 200,
        ..Fake::default()
    }));
    let app = axum::Router::new()
        .route("/v21.0/{node}/{edge}", axum::routing::post(post))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v21.0"), fake)
}

fn triage() -> Triage {
    Triage {
        language: "nl".into(),
        sentiment: Sentiment {
            label: SentimentLabel::Negative,
            score: -0.4,
        },
        abusive: false,
        pii: vec![],
        topics: vec![],
        priority: 1,
        verdict: Verdict {
            action: Action::Respond,
            rule: "test".into(),
            reason: "test".into(),
            confidence: 1.0,
        },
        evidence: vec![],
    }
}

/// A Meta source with one inbound message (from a documented webhook payload); its conversation.
async fn source_with_message(
    store: &Store,
    kind: &str,
    delivery: DeliveryKind,
    payload: Value,
) -> ConversationId {
    let secret = json!({"verify_token": "v", "app_secret": "a", "access_token": "page-token",
                        "phone_number_id": "106540352242922"});
    let (s, _) = store
        .create_source(&NewSource {
            kind: kind.into(),
            name: kind.into(),
            delivery_kind: delivery,
            delivery_url: None,
            delivery_secret: Some(secret.to_string()),
        })
        .await
        .unwrap();
    let parsed = parse_webhook(kind, &payload);
    assert_eq!(parsed.messages.len(), 1, "{payload}");
    let now = jiff::Timestamp::now();
    let m: IncomingMessage = serde_json::from_value(parsed.messages[0].clone()).unwrap();
    let m = m.parse(now).unwrap();
    let out = store
        .ingest_batch(s.id, &[(m, triage())], None)
        .await
        .unwrap();
    let IngestOutcome::Stored { conversation, .. } = out[0] else {
        panic!()
    };
    conversation
}

#[tokio::test]
async fn replies_go_to_the_graph_api_and_failures_are_recorded() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (base, fake) = start_fake().await;
        let agent = store
            .create_agent(
                &NewAgent {
                    username: "mehmet".into(),
                    display_name: "Mehmet".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let wa = source_with_message(
            &store,
            "whatsapp",
            DeliveryKind::Whatsapp,
            json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
                "value": {"messaging_product": "whatsapp",
                    "contacts": [{"profile": {"name": "Sanne"}, "wa_id": "31612345678"}],
                    "messages": [{"from": "31612345678", "id": "wamid.in1", "timestamp": "1764000000",
                                  "type": "text", "text": {"body": "Mijn pas werkt niet"}}]}}]}]}),
        )
        .await;
        let fb = source_with_message(
            &store,
            "facebook",
            DeliveryKind::Facebook,
            json!({"object": "page", "entry": [{"id": "1", "time": 1764000000, "changes": [{"field": "feed",
                "value": {"item": "comment", "verb": "add", "comment_id": "222_333", "post_id": "111_222",
                          "message": "App doet het niet", "from": {"id": "42", "name": "Piet"},
                          "created_time": 1764000000}}]}]}),
        )
        .await;
        let ig = source_with_message(
            &store,
            "instagram",
            DeliveryKind::Instagram,
            json!({"object": "instagram", "entry": [{"id": "1", "time": 1764000000, "changes": [{"field": "comments",
                "value": {"id": "17890", "text": "Storing?", "from": {"id": "77", "username": "anne"}}}]}]}),
        )
        .await;
        let connector = DispatchConnector {
            webhook: WebhookConnector::new().unwrap(),
            mastodon: MastodonConnector::new().unwrap(),
            meta: MetaConnector::with_base(&base).unwrap(),
            bluesky: wederhoor_listen::BlueskyConnector::new().unwrap(),
        };
        let config = OutboxConfig::default();
        for c in [wa, fb, ig] {
            store
                .add_reply(c, agent.id, "We kijken ernaar")
                .await
                .unwrap();
        }
        let n = run_outbox_once(&store, &connector, &config, &|_| {})
            .await
            .unwrap();
        assert_eq!(n, 3, "{backend}");
        {
            let f = fake.lock().unwrap();
            let call = |path: &str| {
                f.calls
                    .iter()
                    .find(|c| c.0 == path)
                    .unwrap_or_else(|| panic!("{backend}: no POST {path}: {:?}", f.calls))
                    .clone()
            };
            let (_, auth, body) = call("/106540352242922/messages");
            assert_eq!(auth.as_deref(), Some("Bearer page-token"), "{backend}");
            assert_eq!(
                body,
                json!({"messaging_product": "whatsapp", "to": "31612345678", "type": "text",
                       "text": {"body": "We kijken ernaar\n— Mehmet"}}),
                "{backend}"
            );
            let (_, auth, body) = call("/222_333/comments");
            assert_eq!(auth.as_deref(), Some("Bearer page-token"), "{backend}");
            assert_eq!(
                body,
                json!({"message": "We kijken ernaar\n— Mehmet"}),
                "{backend}"
            );
            let (_, _, body) = call("/17890/replies");
            assert_eq!(
                body,
                json!({"message": "We kijken ernaar\n— Mehmet"}),
                "{backend}"
            );
        }
        for c in [wa, fb, ig] {
            let d = store.conversation(c).await.unwrap().unwrap();
            assert_eq!(d.replies[0].state, DeliveryState::Sent, "{backend}");
        }

        // A 400 from the Graph API fails the reply for good, with Meta's reason.
        fake.lock().unwrap().status = 400;
        let reply = store.add_reply(fb, agent.id, "Nog iets").await.unwrap();
        run_outbox_once(&store, &connector, &config, &|_| {})
            .await
            .unwrap();
        let d = store.conversation(fb).await.unwrap().unwrap();
        let r = d.replies.iter().find(|r| r.id == reply).unwrap();
        assert_eq!(r.state, DeliveryState::Failed, "{backend}");
        let err = r.last_error.clone().unwrap_or_default();
        assert!(err.contains("400"), "{backend}: {err}");
        assert!(err.contains("Invalid parameter"), "{backend}: {err}");
        assert!(store.due_replies(10).await.unwrap().is_empty(), "{backend}");
    }
}

/// A WhatsApp reply with a photo: the Cloud API's media upload (multipart, with
/// `messaging_product` and `type`), then a message of type `image` that names the uploaded id
/// and carries the signed text as its caption; a video goes as `video`.
#[tokio::test]
async fn a_whatsapp_reply_with_media_uploads_it_then_sends_it_by_id() {
    use wederhoor_listen::Connector;
    use wederhoor_store::{OutboxItem, ReplyMedia};
    let (base, fake) = start_fake().await;
    let secret = json!({"verify_token": "v", "app_secret": "a", "access_token": "page-token",
                        "phone_number_id": "106540352242922"})
    .to_string();
    let connector = MetaConnector::with_base(&base).unwrap();
    for (content_type, kind) in [("image/png", "image"), ("video/mp4", "video")] {
        let item = OutboxItem {
            reply: ReplyId(1),
            conversation: ConversationId(1),
            source: SourceId(1),
            source_name: "whatsapp".into(),
            delivery_url: None,
            text: "Hierbij de foto van de nieuwe pas".into(),
            agent_name: "Mehmet".into(),
            idempotency_key: format!("k-{kind}"),
            attempts: 0,
            in_reply_to: Some("wamid.in1".into()),
            in_reply_to_text: None,
            author_handle: Some("31612345678".into()),
            delivery_kind: DeliveryKind::Whatsapp,
            source_url: None,
            private: true,
            source_owned: true,
            media: Some(ReplyMedia {
                content_type: content_type.into(),
                bytes: b"not really a picture".to_vec(),
                description: "De nieuwe pas".into(),
                sha256: "ab12".into(),
            }),
        };
        connector.deliver(&item, Some(&secret)).await.unwrap();
        let f = fake.lock().unwrap();
        let n = f.raw.len();
        let (path, upload_type, upload) = f.raw[n - 2].clone();
        assert_eq!(path, "/106540352242922/media");
        assert!(
            upload_type.starts_with("multipart/form-data; boundary="),
            "{upload_type}"
        );
        assert!(
            upload.contains("name=\"messaging_product\"\r\n\r\nwhatsapp"),
            "{upload}"
        );
        assert!(
            upload.contains(&format!("name=\"type\"\r\n\r\n{content_type}")),
            "{upload}"
        );
        assert!(upload.contains("not really a picture"), "{upload}");
        let (path, auth, body) = f.calls[f.calls.len() - 1].clone();
        assert_eq!(path, "/106540352242922/messages");
        assert_eq!(auth.as_deref(), Some("Bearer page-token"));
        assert_eq!(
            body,
            json!({"messaging_product": "whatsapp", "to": "31612345678", "type": kind,
                   kind: {"id": "106540352242922_reply",
                          "caption": "Hierbij de foto van de nieuwe pas\n— Mehmet"}}),
        );
    }
}
