//! `wederhoor serve` follows Bluesky through Jetstream: matching posts are stored once with the
//! newest `time_us` as checkpoint and health recorded, and a reply on the (owned) source is posted
//! back through XRPC by the outbox worker.
//!
//! The fakes follow the documented shapes: Jetstream `GET /subscribe?wantedCollections=…` answers
//! a WebSocket of JSON text frames `{"did","time_us","kind":"commit","commit":{"operation",
//! "collection","rkey","record","cid"}}`; XRPC `com.atproto.server.createSession` answers
//! `{accessJwt,did,…}`, `com.atproto.repo.getRecord` answers `{uri,cid,value}` and
//! `com.atproto.repo.createRecord` answers `{uri,cid}`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::extract::State;
use common::Target;
use futures_util::SinkExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use wederhoor_core::{DeliveryKind, DeliveryState, Role};
use wederhoor_store::{NewAgent, SourceSettings, Store};

fn post_event(did: &str, rkey: &str, time_us: i64, text: &str) -> String {
    serde_json::json!({
        "did": did, "time_us": time_us, "kind": "commit",
        "commit": {"rev": "3l3qo2vutsw2b", "operation": "create", "collection": "app.bsky.feed.post",
            "rkey": rkey, "cid": format!("bafy{rkey}"),
            "record": {"$type": "app.bsky.feed.post", "createdAt": common::minutes_ago(30), "text": text}}
    })
    .to_string()
}

type Calls = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

async fn xrpc(
    State(calls): State<Calls>,
    axum::extract::Path(method): axum::extract::Path<String>,
    body: String,
) -> axum::Json<serde_json::Value> {
    let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    calls.lock().unwrap().push((method.clone(), body));
    axum::Json(match method.as_str() {
        "com.atproto.server.createSession" => {
            serde_json::json!({"accessJwt": "jwt", "refreshJwt": "r", "handle": "zuiderbank.bsky.social", "did": "did:plc:zuiderbank"})
        }
        "com.atproto.repo.getRecord" => serde_json::json!({
            "uri": "at://did:plc:klaas/app.bsky.feed.post/3kb", "cid": "bafy3kb",
            "value": {"$type": "app.bsky.feed.post", "text": "x", "createdAt": common::minutes_ago(30)}
        }),
        _ => {
            serde_json::json!({"uri": "at://did:plc:zuiderbank/app.bsky.feed.post/x", "cid": "bafyx"})
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_follows_jetstream_and_replies_through_xrpc() {
    // Jetstream: two matching posts and one malformed frame, then the connection stays open.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jetstream = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
                for f in [
                    post_event(
                        "did:plc:anna",
                        "3ka",
                        1_725_911_162_000_000,
                        "Zuiderbank app hangt",
                    ),
                    "{broken".to_owned(),
                    post_event(
                        "did:plc:klaas",
                        "3kb",
                        1_725_911_163_000_000,
                        "Pinpas kwijt, zuiderbank?",
                    ),
                ] {
                    ws.send(WsMessage::text(f)).await.unwrap();
                }
                tokio::time::sleep(Duration::from_secs(600)).await;
            });
        }
    });
    let calls: Calls = Arc::default();
    let app = axum::Router::new()
        .route("/xrpc/{method}", axum::routing::get(xrpc).post(xrpc))
        .with_state(calls.clone());
    let xl = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let xaddr = xl.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(xl, app).await.unwrap() });

    let t = Target::sqlite("bluesky");
    t.add_source("bluesky", &["--kind", "bluesky"]);
    let store = Store::open(&format!(
        "sqlite://{}",
        t.data_dir.join("wederhoor.db").display()
    ))
    .await
    .unwrap();
    let source = store.source_by_name("bluesky").await.unwrap().unwrap();
    let mut settings = SourceSettings::from(&source);
    settings.url = Some(format!("http://{jetstream}/subscribe"));
    settings.listening_query = Some("zuiderbank".into());
    settings.owned = true;
    store
        .update_source_settings(source.id, &settings, None)
        .await
        .unwrap();
    store
        .set_source_delivery(
            source.id,
            DeliveryKind::Bluesky,
            Some(&format!("http://{xaddr}")),
            Some("zuiderbank.bsky.social:abcd-efgh-ijkl-mnop"),
        )
        .await
        .unwrap();

    let mut server = t.serve();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut ids = store.external_ids(source.id).await.unwrap();
        ids.sort();
        let cp = store.checkpoint(source.id).await.unwrap();
        if ids.len() == 2 && cp.as_deref() == Some("1725911163000000") {
            assert_eq!(
                ids,
                [
                    "at://did:plc:anna/app.bsky.feed.post/3ka",
                    "at://did:plc:klaas/app.bsky.feed.post/3kb"
                ]
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not stored as expected: {ids:?}, checkpoint {cp:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let h = store
        .source_health()
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.source == Some(source.id))
        .expect("health recorded");
    assert_eq!(h.messages_total, 2, "{h:?}");
    assert_eq!(h.consecutive_failures, 0, "{h:?}");

    let filter = wederhoor_store::ConversationFilter {
        source: Some(source.id),
        ..Default::default()
    };
    let conversations = store.list_conversations(&filter, 0, 10).await.unwrap();
    let mut conversation = None;
    for c in conversations {
        let d = store.conversation(c.id).await.unwrap().unwrap();
        if d.messages.last().unwrap().external_id.ends_with("/3kb") {
            conversation = Some(c.id);
        }
    }
    let conversation = conversation.expect("conversation of 3kb");
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
    let reply = store
        .add_reply(conversation, agent.id, "We bellen u")
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let r = detail.replies.iter().find(|r| r.id == reply).unwrap();
        if r.state == DeliveryState::Sent {
            break;
        }
        assert!(Instant::now() < deadline, "reply not delivered: {r:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    {
        let calls = calls.lock().unwrap();
        let (method, body) = calls.last().unwrap();
        assert_eq!(method, "com.atproto.repo.createRecord");
        assert_eq!(body["repo"], "did:plc:zuiderbank");
        let parent = serde_json::json!({"uri": "at://did:plc:klaas/app.bsky.feed.post/3kb", "cid": "bafy3kb"});
        assert_eq!(body["record"]["reply"]["parent"], parent);
        assert_eq!(body["record"]["reply"]["root"], parent);
        assert_eq!(body["record"]["text"], "We bellen u\n— Mehmet");
    }
    server.kill();
}
