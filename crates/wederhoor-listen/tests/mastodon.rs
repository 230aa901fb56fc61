//! The Mastodon connector against a fake Mastodon server on 127.0.0.1:0.
//!
//! The fake follows the documented shapes (docs.joinmastodon.org, methods/streaming,
//! methods/timelines, methods/statuses, entities/Status, entities/Account):
//! - `GET /api/v1/streaming/hashtag?tag=NAME` answers `text/event-stream`; each event is
//!   `event: update` + `data: <Status JSON>` + a blank line; `:` lines are heartbeats.
//! - `GET /api/v1/timelines/tag/:hashtag` answers a JSON array of Status, newest first, honouring
//!   `since_id` (only newer), `max_id` (only older) and `limit`.
//! - `POST /api/v1/statuses` takes form fields `status`, `in_reply_to_id`, `visibility`, the
//!   `Idempotency-Key` header and `Authorization: Bearer`; answers the new Status, or `422` with
//!   `{"error": "Validation failed: …"}`.
//! - A Status has string `id`, `uri`, `created_at` (ISO 8601), `content` (HTML),
//!   `in_reply_to_id`, `reblogs_count`, `favourites_count`, `account` {`acct`, `display_name`,
//!   `followers_count`}.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use wederhoor_core::*;
use wederhoor_listen::mastodon::{
    DispatchConnector, MastodonClient, MastodonConnector, run_session,
};
use wederhoor_listen::{
    OutboxConfig, Sink, SinkError, SinkReport, WebhookConnector, run_outbox_once,
};
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::{IngestOutcome, NewAgent, NewSource, Source, SourceSettings};

// ---------------------------------------------------------------- the fake Mastodon server

/// (Authorization, Idempotency-Key, form fields) of one `POST /api/v1/statuses`.
type Post = (Option<String>, Option<String>, Vec<(String, String)>);

#[derive(Default)]
struct Fake {
    /// The raw event-stream body.
    stream: String,
    /// Statuses on the tag timeline (any order; served newest first).
    timeline: Vec<serde_json::Value>,
    /// Query strings of every timeline request.
    timeline_queries: Vec<String>,
    /// Authorization headers seen on the stream.
    stream_auth: Vec<Option<String>>,
    /// Answer to POST /api/v1/statuses: status code.
    post_status: u16,
    /// (Authorization, Idempotency-Key, form fields) of every post.
    posts: Vec<Post>,
}

type Shared = Arc<Mutex<Fake>>;

fn header_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn stream(State(fake): State<Shared>, headers: HeaderMap) -> Response {
    let mut f = fake.lock().unwrap();
    f.stream_auth.push(header_of(&headers, "authorization"));
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        f.stream.clone(),
    )
        .into_response()
}

fn num(s: &str) -> u64 {
    s.parse().unwrap()
}

async fn timeline(
    State(fake): State<Shared>,
    Path(_tag): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let mut f = fake.lock().unwrap();
    let q = q.unwrap_or_default();
    f.timeline_queries.push(q.clone());
    let param = |k: &str| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.to_owned())
    };
    let since = param("since_id").map(|s| num(&s));
    let max = param("max_id").map(|s| num(&s));
    let limit = param("limit").map_or(20, |l| num(&l) as usize);
    let mut items: Vec<serde_json::Value> = f
        .timeline
        .iter()
        .filter(|s| {
            let id = num(s["id"].as_str().unwrap());
            since.is_none_or(|x| id > x) && max.is_none_or(|x| id < x)
        })
        .cloned()
        .collect();
    items.sort_by_key(|s| std::cmp::Reverse(num(s["id"].as_str().unwrap())));
    items.truncate(limit);
    axum::Json(items).into_response()
}

async fn post_status(
    State(fake): State<Shared>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let mut f = fake.lock().unwrap();
    f.posts.push((
        header_of(&headers, "authorization"),
        header_of(&headers, "idempotency-key"),
        form,
    ));
    match f.post_status {
        200 => axum::Json(status_json("9000", "antwoord", None)).into_response(),
        code => (
            StatusCode::from_u16(code).unwrap(),
            axum::Json(serde_json::json!({"error": "Validation failed: Text character limit of 500 exceeded"})),
        )
            .into_response(),
    }
}

async fn start_fake(fake: Fake) -> (String, Shared) {
    let fake: Shared = Arc::new(Mutex::new(fake));
    let app = axum::Router::new()
        .route("/api/v1/streaming/hashtag", axum::routing::get(stream))
        .route("/api/v1/timelines/tag/{tag}", axum::routing::get(timeline))
        .route("/api/v1/statuses", axum::routing::post(post_status))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn status_json(id: &str, html: &str, in_reply_to: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "uri": format!("https://social.example/users/klaas/statuses/{id}"),
        "created_at": "2026-11-25T10:15:00.000Z",
        "content": html,
        "spoiler_text": "",
        "visibility": "public",
        "in_reply_to_id": in_reply_to,
        "reblogs_count": 2,
        "favourites_count": 5,
        "reblog": null,
        "account": {
            "id": "42",
            "username": "klaas",
            "acct": "klaas@other.example",
            "display_name": "Klaas Klant",
            "followers_count": 120
        }
    })
}

fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

// ---------------------------------------------------------------- the in-memory sink

#[derive(Default)]
struct MemSink {
    messages: Mutex<Vec<ValidMessage>>,
    checkpoint: Mutex<Option<String>>,
    deleted: Mutex<Vec<String>>,
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

    async fn edit(&self, _source: &Source, message: ValidMessage) -> Result<bool, SinkError> {
        let mut stored = self.messages.lock().unwrap();
        match stored
            .iter_mut()
            .find(|m| m.external_id == message.external_id)
        {
            Some(m) => {
                *m = message;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn delete(&self, _source: &Source, external_id: &str) -> Result<bool, SinkError> {
        let known = self
            .messages
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.external_id == external_id);
        if known {
            self.deleted.lock().unwrap().push(external_id.to_owned());
        }
        Ok(known)
    }
}

impl MemSink {
    fn ids(&self) -> Vec<String> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.external_id.clone())
            .collect()
    }
}

fn source(url: &str) -> Source {
    Source {
        id: SourceId(1),
        kind: "mastodon".into(),
        name: "mastodon-zuiderbank".into(),
        delivery_kind: DeliveryKind::Manual,
        delivery_url: None,
        owned: false,
        created_at: 0,
        url: Some(url.to_owned()),
        listening_query: None,
        poll_interval_secs: 60,
        enabled: true,
        retention_days: None,
    }
}

// ---------------------------------------------------------------- listening

#[tokio::test]
async fn streamed_statuses_are_stored_once_and_malformed_events_skipped() {
    let a = status_json(
        "201",
        "<p>Mijn <b>pas</b> is geblokkeerd &amp; de app doet niets <a href=\"https://social.example/tags/zuiderbank\">#<span>zuiderbank</span></a></p>",
        None,
    );
    let b = status_json("202", "<p>Nog steeds niets gehoord</p>", Some("201"));
    let body = [
        ":thump\n\n".to_owned(),
        event("update", &a.to_string()),
        event("update", "{\"id\": \"203\", \"content\": "),
        event("update", &b.to_string()),
        // The same status again (the store sees it as a duplicate, not a second row).
        event("update", &a.to_string()),
        event("delete", "\"150\""),
    ]
    .concat();
    let (base, fake) = start_fake(Fake {
        stream: body,
        ..Fake::default()
    })
    .await;
    let sink = MemSink::default();
    let src = source(&format!("{base}/tags/zuiderbank"));
    let client = MastodonClient::new().unwrap();
    let report = run_session(&client, &sink, &src, Some("tok"), None, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.malformed, 1, "{report:?}");
    assert_eq!(report.stored, 2, "{report:?}");
    assert_eq!(report.duplicates, 1, "{report:?}");
    assert_eq!(sink.ids(), ["201", "202"]);
    assert_eq!(sink.checkpoint.lock().unwrap().as_deref(), Some("202"));
    assert_eq!(
        fake.lock().unwrap().stream_auth,
        [Some("Bearer tok".to_owned())]
    );

    let msgs = sink.messages.lock().unwrap();
    let m = &msgs[0];
    assert_eq!(
        m.text,
        "Mijn pas is geblokkeerd & de app doet niets #zuiderbank"
    );
    assert_eq!(m.author_handle, "@klaas@other.example");
    assert_eq!(m.author_name.as_deref(), Some("Klaas Klant"));
    assert_eq!(m.followers, 120);
    assert_eq!(m.reposts, 2);
    assert_eq!(m.likes, 5);
    assert_eq!(m.created_at.to_string(), "2026-11-25T10:15:00Z");
    assert_eq!(m.in_reply_to, None);
    assert_eq!(msgs[1].in_reply_to.as_deref(), Some("201"));
}

#[tokio::test]
async fn reconnect_backfills_exactly_what_was_missed() {
    let mut timeline: Vec<serde_json::Value> = (95..=103)
        .map(|i| status_json(&i.to_string(), &format!("<p>bericht {i}</p>"), None))
        .collect();
    timeline.reverse();
    let (base, fake) = start_fake(Fake {
        stream: ":thump\n\n".into(),
        timeline,
        ..Fake::default()
    })
    .await;
    let sink = MemSink::default();
    let src = source(&format!("{base}/tags/zuiderbank"));
    let client = MastodonClient::new().unwrap();
    let report = run_session(
        &client,
        &sink,
        &src,
        None,
        Some("100".into()),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(sink.ids(), ["101", "102", "103"]);
    assert_eq!(report.backfilled, 3);
    assert_eq!(report.checkpoint.as_deref(), Some("103"));
    assert_eq!(sink.checkpoint.lock().unwrap().as_deref(), Some("103"));
    let queries = fake.lock().unwrap().timeline_queries.clone();
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert!(queries[0].contains("since_id=100"), "{queries:?}");
}

#[tokio::test]
async fn backfill_pages_back_while_pages_are_full() {
    let timeline: Vec<serde_json::Value> = (1001..=1090)
        .map(|i| status_json(&i.to_string(), &format!("<p>bericht {i}</p>"), None))
        .collect();
    let (base, fake) = start_fake(Fake {
        stream: String::new(),
        timeline,
        ..Fake::default()
    })
    .await;
    let sink = MemSink::default();
    let src = source(&format!("{base}/tags/zuiderbank"));
    let client = MastodonClient::new().unwrap();
    let report = run_session(
        &client,
        &sink,
        &src,
        None,
        Some("1000".into()),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(report.stored, 90);
    let ids = sink.ids();
    assert_eq!(ids.first().map(String::as_str), Some("1001"));
    assert_eq!(ids.last().map(String::as_str), Some("1090"));
    let queries = fake.lock().unwrap().timeline_queries.clone();
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert!(queries[1].contains("max_id=1051"), "{queries:?}");
}

// ---------------------------------------------------------------- replying

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
async fn replies_are_posted_as_statuses_and_failures_recorded() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (base, fake) = start_fake(Fake {
            post_status: 200,
            ..Fake::default()
        })
        .await;
        let (s, _) = store
            .create_source(&NewSource {
                kind: "mastodon".into(),
                name: "mastodon".into(),
                delivery_kind: DeliveryKind::Mastodon,
                delivery_url: None,
                delivery_secret: Some("access-token".into()),
            })
            .await
            .unwrap();
        let mut settings = SourceSettings::from(&s);
        settings.url = Some(format!("{base}/notifications"));
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
        let now = jiff::Timestamp::now();
        let inbound = wederhoor_listen::mastodon::status_to_message(
            &status_json("555", "<p>@zuiderbank mijn pas?</p>", None),
            now,
        )
        .unwrap();
        let out = store
            .ingest_batch(s.id, &[(inbound, triage())], None)
            .await
            .unwrap();
        let IngestOutcome::Stored { conversation, .. } = out[0] else {
            panic!()
        };
        let connector = DispatchConnector {
            webhook: WebhookConnector::new().unwrap(),
            mastodon: MastodonConnector::new().unwrap(),
            meta: wederhoor_listen::MetaConnector::new().unwrap(),
            bluesky: wederhoor_listen::BlueskyConnector::new().unwrap(),
        };
        let config = OutboxConfig::default();

        // Success: posted with the documented fields, marked sent.
        let reply = store
            .add_reply(conversation, agent.id, "We kijken ernaar")
            .await
            .unwrap();
        let key = store.due_replies(10).await.unwrap()[0]
            .idempotency_key
            .clone();
        let n = run_outbox_once(&store, &connector, &config, &|_| {})
            .await
            .unwrap();
        assert_eq!(n, 1, "{backend}");
        {
            let f = fake.lock().unwrap();
            assert_eq!(f.posts.len(), 1, "{backend}");
            let (auth, idem, form) = &f.posts[0];
            assert_eq!(auth.as_deref(), Some("Bearer access-token"), "{backend}");
            assert_eq!(idem.as_deref(), Some(key.as_str()), "{backend}");
            let field = |k: &str| {
                form.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(field("in_reply_to_id").as_deref(), Some("555"), "{backend}");
            assert_eq!(field("visibility").as_deref(), Some("public"), "{backend}");
            assert_eq!(
                field("status").as_deref(),
                Some("@klaas@other.example We kijken ernaar\n— Mehmet"),
                "{backend}"
            );
        }
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let r = detail.replies.iter().find(|r| r.id == reply).unwrap();
        assert_eq!(r.state, DeliveryState::Sent, "{backend}");

        // A 422: failed for good, with the reason.
        fake.lock().unwrap().post_status = 422;
        let reply = store
            .add_reply(conversation, agent.id, "Nog een antwoord")
            .await
            .unwrap();
        run_outbox_once(&store, &connector, &config, &|_| {})
            .await
            .unwrap();
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let r = detail.replies.iter().find(|r| r.id == reply).unwrap();
        assert_eq!(r.state, DeliveryState::Failed, "{backend}");
        let err = r.last_error.clone().unwrap_or_default();
        assert!(err.contains("422"), "{backend}: {err}");
        assert!(err.contains("Validation failed"), "{backend}: {err}");
        assert!(store.due_replies(10).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn edits_and_deletions_reach_the_sink() {
    let a = status_json("301", "<p>Mijn pas doet het niet</p>", None);
    let mut edited = status_json("301", "<p>Mijn pas doet het weer, dank!</p>", None);
    edited["edited_at"] = serde_json::Value::String("2026-11-25T10:20:00Z".into());
    let body = [
        event("update", &a.to_string()),
        event("status.update", &edited.to_string()),
        // Mastodon sends the bare id; an edit or deletion of a status we never stored changes nothing.
        event("delete", "301"),
        event("delete", "999"),
        event("status.update", "{\"id\": \"302\""),
    ]
    .concat();
    let (base, _fake) = start_fake(Fake {
        stream: body,
        ..Fake::default()
    })
    .await;
    let sink = MemSink::default();
    let src = source(&format!("{base}/tags/zuiderbank"));
    let client = MastodonClient::new().unwrap();
    let report = run_session(&client, &sink, &src, Some("tok"), None, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (report.edited, report.deleted, report.malformed),
        (1, 1, 1),
        "{report:?}"
    );
    assert_eq!(
        sink.messages.lock().unwrap()[0].text,
        "Mijn pas doet het weer, dank!"
    );
    assert_eq!(*sink.deleted.lock().unwrap(), ["301"]);
}
