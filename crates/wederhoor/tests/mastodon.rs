//! `wederhoor serve` follows a Mastodon hashtag: the REST backfill and the stream are stored
//! exactly once with the newest status id as checkpoint, and a reply on the (owned) source is
//! posted back as a status by the outbox worker (answering the conversation's newest status).
//!
//! The fake follows docs.joinmastodon.org: `GET /api/v1/timelines/tag/:hashtag` answers a JSON
//! array of Status (newest first; `since_id`, `max_id`, `limit`), `GET /api/v1/streaming/hashtag`
//! answers `text/event-stream` with `event: update` / `data: <Status>` blocks, and
//! `POST /api/v1/statuses` takes `status`, `in_reply_to_id`, `visibility` as form fields with an
//! `Idempotency-Key` header and a Bearer token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use common::Target;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wederhoor_core::{DeliveryKind, DeliveryState, Role};
use wederhoor_store::{NewAgent, SourceSettings, Store};

/// (Authorization, form fields) of one `POST /api/v1/statuses`.
type Post = (Option<String>, Vec<(String, String)>);

#[derive(Default)]
struct Seen {
    timeline_queries: Vec<String>,
    posts: Vec<Post>,
}

type Shared = Arc<Mutex<Seen>>;

fn status(id: &str, text: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "uri": format!("https://social.example/users/klaas/statuses/{id}"),
        "created_at": common::minutes_ago(30),
        "content": format!("<p>{text} <a href=\"https://social.example/tags/zuiderbank\">#<span>zuiderbank</span></a></p>"),
        "in_reply_to_id": null,
        "reblogs_count": 0,
        "favourites_count": 1,
        "account": {"id": "42", "acct": "klaas", "display_name": "Klaas", "followers_count": 3}
    })
}

async fn timeline(
    State(seen): State<Shared>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    let q = q.unwrap_or_default();
    seen.lock().unwrap().timeline_queries.push(q.clone());
    if q.contains("since_id=") {
        return axum::Json(Vec::<serde_json::Value>::new()).into_response();
    }
    axum::Json(vec![
        status("11", "De app hangt"),
        status("10", "Pinpas kwijt"),
    ])
    .into_response()
}

async fn stream() -> Response {
    let body = format!(
        ":thump\n\nevent: update\ndata: {}\n\nevent: update\ndata: {{broken\n\n",
        status("12", "Nog steeds geen antwoord")
    );
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

async fn post(
    State(seen): State<Shared>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    seen.lock().unwrap().posts.push((auth, form));
    axum::Json(status("99", "antwoord")).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_follows_a_hashtag_and_replies_through_mastodon() {
    let seen: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/api/v1/timelines/tag/{tag}", axum::routing::get(timeline))
        .route("/api/v1/streaming/hashtag", axum::routing::get(stream))
        .route("/api/v1/statuses", axum::routing::post(post))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let t = Target::sqlite("mastodon");
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
    settings.owned = true;
    store
        .update_source_settings(source.id, &settings, None)
        .await
        .unwrap();
    store
        .set_source_delivery(source.id, DeliveryKind::Mastodon, None, Some("tok"))
        .await
        .unwrap();

    let mut server = t.serve();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut ids = store.external_ids(source.id).await.unwrap();
        ids.sort();
        let cp = store.checkpoint(source.id).await.unwrap();
        if ids.len() == 3 && cp.as_deref() == Some("12") {
            assert_eq!(ids, ["10", "11", "12"]);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not stored as expected: {ids:?}, checkpoint {cp:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(store.message_count().await.unwrap(), 3);
    let first = seen.lock().unwrap().timeline_queries[0].clone();
    assert!(!first.contains("since_id"), "{first}");
    let h = store
        .source_health()
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.source == Some(source.id))
        .expect("health recorded");
    assert_eq!(h.messages_total, 3, "{h:?}");
    assert_eq!(h.consecutive_failures, 0, "{h:?}");

    // A reply on the conversation of status 12 is posted back (the worker polls at least
    // every 30 s; the reply is added behind the server's back, so no wake-up).
    let filter = wederhoor_store::ConversationFilter {
        source: Some(source.id),
        ..Default::default()
    };
    let conversation = store.list_conversations(&filter, 0, 10).await.unwrap()[0].id;
    let detail = store.conversation(conversation).await.unwrap().unwrap();
    let answered = detail.messages.last().unwrap().external_id.clone();
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
        let s = seen.lock().unwrap();
        assert_eq!(s.posts.len(), 1);
        let (auth, form) = &s.posts[0];
        assert_eq!(auth.as_deref(), Some("Bearer tok"));
        assert!(
            form.iter()
                .any(|(k, v)| k == "in_reply_to_id" && *v == answered),
            "{form:?}"
        );
    }
    server.kill();
}
