//! The Bluesky connector against a fake Jetstream (tokio-tungstenite server side) and a fake
//! XRPC service (axum), both on 127.0.0.1:0.
//!
//! The fakes follow the documented shapes: Jetstream (github.com/bluesky-social/jetstream)
//! answers `GET /subscribe?wantedCollections=…&cursor=<time_us>` with a WebSocket of JSON text
//! frames `{"did","time_us","kind":"commit"|"identity"|"account","commit":{"rev","operation",
//! "collection","rkey","record","cid"}}`; XRPC `com.atproto.server.createSession` takes
//! `{identifier,password}` and answers `{accessJwt,refreshJwt,handle,did}`,
//! `com.atproto.repo.getRecord?repo&collection&rkey` answers `{uri,cid,value}` (400
//! `RecordNotFound` when absent), `com.atproto.repo.createRecord` takes `{repo,collection,rkey,
//! record}` with a Bearer token and answers `{uri,cid}`; a record key that exists already is an
//! error (a 500 on PDS versions before the explicit error of atproto PR #4728 — the fake does that).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response as WsResponse};
use wederhoor_core::*;
use wederhoor_listen::bluesky::{
    BlueskyClient, BlueskyConnector, read_event, rkey_for, run_session,
};
use wederhoor_listen::mastodon::{DispatchConnector, MastodonConnector};
use wederhoor_listen::{
    Connector, OutboxConfig, Sink, SinkError, SinkReport, WebhookConnector, run_outbox_once,
};
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::{IngestOutcome, NewAgent, NewSource, Source, SourceSettings};

// ---------------------------------------------------------------- the fake Jetstream

fn post_event(did: &str, rkey: &str, time_us: i64, text: &str) -> String {
    serde_json::json!({
        "did": did,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": "3l3qo2vutsw2b",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": rkey,
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": "2026-11-25T10:15:00.000Z",
                "langs": ["nl"],
                "text": text,
                "reply": {
                    "root": {"uri": "at://did:plc:zuiderbank/app.bsky.feed.post/3root", "cid": "bafyroot"},
                    "parent": {"uri": "at://did:plc:zuiderbank/app.bsky.feed.post/3parent", "cid": "bafyparent"}
                }
            },
            "cid": format!("bafy{rkey}")
        }
    })
    .to_string()
}

/// Starts a Jetstream fake that sends `frames` on every connection, then closes; returns the
/// endpoint and the request URIs (path + query) it saw.
async fn start_jetstream(frames: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let seen = seen2.clone();
            let frames = frames.clone();
            tokio::spawn(async move {
                let callback = |req: &Request, resp: WsResponse| {
                    seen.lock().unwrap().push(req.uri().to_string());
                    Ok(resp)
                };
                let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
                    .await
                    .unwrap();
                for f in frames {
                    ws.send(WsMessage::text(f)).await.unwrap();
                }
                let _ = ws.close(None).await;
            });
        }
    });
    (format!("ws://{addr}/subscribe"), seen)
}

// ---------------------------------------------------------------- the in-memory sink

#[derive(Default)]
struct MemSink {
    messages: Mutex<Vec<ValidMessage>>,
    checkpoint: Mutex<Option<String>>,
}

impl Sink for MemSink {
    async fn store(
        &self,
        _source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        _matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        let mut stored = self.messages.lock().unwrap();
        let mut report = SinkReport::default();
        for m in messages {
            if stored.iter().any(|s| s.external_id == m.external_id) {
                report.duplicates += 1;
            } else {
                stored.push(m);
                report.stored += 1;
            }
        }
        if checkpoint.is_some() {
            *self.checkpoint.lock().unwrap() = checkpoint;
        }
        Ok(report)
    }
}

fn source(url: &str) -> Source {
    Source {
        id: SourceId(1),
        kind: "bluesky".into(),
        name: "bluesky-zuiderbank".into(),
        delivery_kind: DeliveryKind::Manual,
        delivery_url: None,
        owned: false,
        created_at: 0,
        url: Some(url.to_owned()),
        listening_query: Some("zuiderbank".into()),
        poll_interval_secs: 60,
        enabled: true,
        retention_days: None,
    }
}

#[tokio::test]
async fn posts_are_stored_and_the_cursor_resumes_from_the_checkpoint() {
    let frames = vec![
        post_event("did:plc:klaas", "3kpost1", 1_725_911_162_000_000, "Zuiderbank app hangt"),
        "{broken".to_owned(),
        post_event("did:plc:anna", "3kpost2", 1_725_911_163_000_000, "Pinpas kwijt, zuiderbank helpt niet"),
        serde_json::json!({"did": "did:plc:anna", "time_us": 1_725_911_164_000_000i64, "kind": "identity",
            "identity": {"did": "did:plc:anna", "handle": "anna.bsky.social", "seq": 1, "time": "2026-11-25T10:15:01.000Z"}})
        .to_string(),
    ];
    let (endpoint, seen) = start_jetstream(frames).await;
    let sink = MemSink::default();
    let src = source(&endpoint);
    let client = BlueskyClient::default();
    let mut progress = |_: usize, _: usize| {};
    let report = run_session(&client, &sink, &src, None, &mut progress)
        .await
        .unwrap();
    assert_eq!(report.stored, 2);
    assert_eq!(report.malformed, 1);
    {
        let messages = sink.messages.lock().unwrap();
        assert_eq!(messages.len(), 2);
        let m = &messages[0];
        assert_eq!(
            m.external_id,
            "at://did:plc:klaas/app.bsky.feed.post/3kpost1"
        );
        assert_eq!(m.text, "Zuiderbank app hangt");
        assert_eq!(m.author_handle, "did:plc:klaas");
        assert_eq!(
            m.created_at,
            "2026-11-25T10:15:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(
            m.in_reply_to.as_deref(),
            Some("at://did:plc:zuiderbank/app.bsky.feed.post/3parent")
        );
        assert_eq!(
            messages[1].external_id,
            "at://did:plc:anna/app.bsky.feed.post/3kpost2"
        );
    }
    // The identity event moved the checkpoint too (it is the newest time_us).
    let cp = sink.checkpoint.lock().unwrap().clone();
    assert_eq!(cp.as_deref(), Some("1725911164000000"));

    // Reconnect from the stored checkpoint: cursor = checkpoint − 5 s; replays are duplicates.
    let report = run_session(&client, &sink, &src, cp, &mut progress)
        .await
        .unwrap();
    assert_eq!(report.stored, 0);
    assert_eq!(report.duplicates, 2);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], "/subscribe?wantedCollections=app.bsky.feed.post");
    assert_eq!(
        seen[1],
        "/subscribe?wantedCollections=app.bsky.feed.post&cursor=1725911159000000"
    );
    assert_eq!(sink.messages.lock().unwrap().len(), 2);

    // Without a listening query nothing is read.
    let mut no_query = source(&endpoint);
    no_query.listening_query = None;
    let err = run_session(&client, &sink, &no_query, None, &mut progress)
        .await
        .unwrap_err();
    assert!(err.message.contains("listening query"), "{err}");
}

// ---------------------------------------------------------------- the fake XRPC service

#[derive(Default)]
struct Xrpc {
    /// (method name, Authorization, body or query) in order.
    calls: Vec<(String, Option<String>, serde_json::Value)>,
    /// Our own records by rkey.
    records: HashMap<String, serde_json::Value>,
}

type Shared = Arc<Mutex<Xrpc>>;

fn auth(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn create_session(
    State(x): State<Shared>,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> Response {
    x.lock()
        .unwrap()
        .calls
        .push(("createSession".into(), None, body.clone()));
    if body["identifier"] != "zuiderbank.bsky.social" || body["password"] != "abcd-efgh-ijkl-mnop" {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"})),
        )
            .into_response();
    }
    axum::Json(serde_json::json!({
        "accessJwt": "jwt-1", "refreshJwt": "r-1",
        "handle": "zuiderbank.bsky.social", "did": "did:plc:zuiderbank"
    }))
    .into_response()
}

async fn get_record(
    State(x): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut x = x.lock().unwrap();
    x.calls.push((
        "getRecord".into(),
        auth(&headers),
        serde_json::to_value(&q).unwrap(),
    ));
    let (repo, rkey) = (q["repo"].as_str(), q["rkey"].as_str());
    let uri = format!("at://{repo}/app.bsky.feed.post/{rkey}");
    if repo == "did:plc:klaas" && rkey == "3kpost1" {
        // The customer's post, itself a reply in a thread rooted at our post.
        return axum::Json(serde_json::json!({
            "uri": uri, "cid": "bafyklaas",
            "value": {"$type": "app.bsky.feed.post", "text": "Zuiderbank app hangt",
                "createdAt": "2026-11-25T10:15:00.000Z",
                "reply": {
                    "root": {"uri": "at://did:plc:zuiderbank/app.bsky.feed.post/3root", "cid": "bafyroot"},
                    "parent": {"uri": "at://did:plc:zuiderbank/app.bsky.feed.post/3parent", "cid": "bafyparent"}}}
        }))
        .into_response();
    }
    if repo == "did:plc:zuiderbank"
        && let Some(v) = x.records.get(rkey)
    {
        return axum::Json(serde_json::json!({"uri": uri, "cid": "bafyours", "value": v}))
            .into_response();
    }
    (
        StatusCode::BAD_REQUEST,
        axum::Json(
            serde_json::json!({"error": "RecordNotFound", "message": format!("Could not locate record: {uri}")}),
        ),
    )
        .into_response()
}

async fn create_record(
    State(x): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> Response {
    let mut x = x.lock().unwrap();
    x.calls
        .push(("createRecord".into(), auth(&headers), body.clone()));
    let rkey = body["rkey"].as_str().unwrap().to_owned();
    if x.records.contains_key(&rkey) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::json!({"error": "InternalServerError", "message": "Internal Server Error"})),
        )
            .into_response();
    }
    x.records.insert(rkey.clone(), body["record"].clone());
    axum::Json(serde_json::json!({
        "uri": format!("at://did:plc:zuiderbank/app.bsky.feed.post/{rkey}"), "cid": "bafyours"
    }))
    .into_response()
}

async fn start_xrpc() -> (String, Shared) {
    let x: Shared = Arc::default();
    let app = axum::Router::new()
        .route(
            "/xrpc/com.atproto.server.createSession",
            axum::routing::post(create_session),
        )
        .route(
            "/xrpc/com.atproto.repo.getRecord",
            axum::routing::get(get_record),
        )
        .route(
            "/xrpc/com.atproto.repo.createRecord",
            axum::routing::post(create_record),
        )
        .with_state(x.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), x)
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

#[tokio::test]
async fn replies_are_posted_with_reply_refs_once() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (base, xrpc) = start_xrpc().await;
        let (s, _) = store
            .create_source(&NewSource {
                kind: "bluesky".into(),
                name: "bluesky".into(),
                delivery_kind: DeliveryKind::Bluesky,
                delivery_url: Some(base.clone()),
                delivery_secret: Some("zuiderbank.bsky.social:abcd-efgh-ijkl-mnop".into()),
            })
            .await
            .unwrap();
        let mut settings = SourceSettings::from(&s);
        settings.url = Some("wss://jetstream.example/subscribe".into());
        settings.owned = true;
        store
            .update_source_settings(s.id, &settings, None)
            .await
            .unwrap();
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
        let wederhoor_listen::bluesky::Event::Post { message, .. } = read_event(
            &post_event("did:plc:klaas", "3kpost1", 1, "Zuiderbank app hangt"),
            jiff::Timestamp::now(),
        ) else {
            panic!()
        };
        let out = store
            .ingest_batch(s.id, &[(message, triage())], None)
            .await
            .unwrap();
        let IngestOutcome::Stored { conversation, .. } = out[0] else {
            panic!()
        };
        let connector = DispatchConnector {
            webhook: WebhookConnector::new().unwrap(),
            mastodon: MastodonConnector::new().unwrap(),
            meta: wederhoor_listen::MetaConnector::new().unwrap(),
            bluesky: BlueskyConnector::new().unwrap(),
        };
        let reply = store
            .add_reply(conversation, agent.id, "We kijken ernaar")
            .await
            .unwrap();
        let item = store.due_replies(10).await.unwrap().remove(0);
        assert_eq!(item.delivery_kind, DeliveryKind::Bluesky, "{backend}");
        let rkey = rkey_for(&item.idempotency_key);
        let n = run_outbox_once(&store, &connector, &OutboxConfig::default(), &|_| {})
            .await
            .unwrap();
        assert_eq!(n, 1, "{backend}");
        {
            let x = xrpc.lock().unwrap();
            let names: Vec<&str> = x.calls.iter().map(|c| c.0.as_str()).collect();
            assert_eq!(
                names,
                ["createSession", "getRecord", "createRecord"],
                "{backend}"
            );
            let (_, auth, body) = &x.calls[2];
            assert_eq!(auth.as_deref(), Some("Bearer jwt-1"), "{backend}");
            assert_eq!(body["repo"], "did:plc:zuiderbank", "{backend}");
            assert_eq!(body["collection"], "app.bsky.feed.post", "{backend}");
            assert_eq!(body["rkey"], rkey.as_str(), "{backend}");
            let record = &body["record"];
            assert_eq!(record["$type"], "app.bsky.feed.post", "{backend}");
            assert_eq!(record["text"], "We kijken ernaar\n— Mehmet", "{backend}");
            assert_eq!(
                record["reply"]["parent"],
                serde_json::json!({"uri": "at://did:plc:klaas/app.bsky.feed.post/3kpost1", "cid": "bafyklaas"}),
                "{backend}"
            );
            assert_eq!(
                record["reply"]["root"],
                serde_json::json!({"uri": "at://did:plc:zuiderbank/app.bsky.feed.post/3root", "cid": "bafyroot"}),
                "{backend}"
            );
            assert_eq!(x.records.len(), 1, "{backend}");
        }
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let r = detail.replies.iter().find(|r| r.id == reply).unwrap();
        assert_eq!(r.state, DeliveryState::Sent, "{backend}");

        // A crash after posting, before the bookkeeping: the same item is delivered again. The
        // same rkey conflicts; our record exists, so it counts as sent and is not posted twice.
        let secret = store.source_secret(s.id).await.unwrap();
        connector.deliver(&item, secret.as_deref()).await.unwrap();
        let x = xrpc.lock().unwrap();
        assert_eq!(x.records.len(), 1, "{backend}");
        let creates: Vec<_> = x.calls.iter().filter(|c| c.0 == "createRecord").collect();
        assert_eq!(creates.len(), 2, "{backend}");
        assert_eq!(creates[1].2["rkey"], rkey.as_str(), "{backend}");
        assert_eq!(x.calls.last().unwrap().0, "getRecord", "{backend}");
    }
}
