#![allow(clippy::unwrap_used, clippy::expect_used)]
//! An incident's public warning posted on our own accounts through the outbox (issue #13): the
//! incident page previews it, a lead queues it once per own Mastodon account (a second post
//! queues nothing), the outbox delivers it to a fake Mastodon server as a new public status, an
//! unpublished warning or one with personal data is refused, and only leads may post.

mod common;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::*;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use wederhoor_core::DeliveryKind;
use wederhoor_store::{NewSource, SourceSettings};

/// Form fields of each `POST /api/v1/statuses`, with its idempotency key.
type Seen = Arc<Mutex<Vec<(Option<String>, Vec<(String, String)>)>>>;

async fn statuses(
    State(seen): State<Seen>,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    seen.lock().unwrap().push((key, form));
    axum::Json(json!({"id": "901"})).into_response()
}

async fn fake_mastodon() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/api/v1/statuses", axum::routing::post(statuses))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// Our own Mastodon account delivering to `instance`.
async fn own_mastodon(app: &TestApp, instance: &str) {
    let (source, _) = app
        .store
        .create_source(&NewSource {
            kind: "mastodon".into(),
            name: "Zuiderbank op Mastodon".into(),
            delivery_kind: DeliveryKind::Mastodon,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap();
    let mut settings = SourceSettings::from(&source);
    settings.url = Some(format!("{instance}/tags/zuiderbank"));
    settings.owned = true;
    app.store
        .update_source_settings(source.id, &settings, None)
        .await
        .unwrap();
    app.store
        .set_source_delivery(source.id, DeliveryKind::Mastodon, None, Some("tok"))
        .await
        .unwrap();
}

/// Twenty near-identical phishing reports of the last ten minutes.
fn wave() -> Value {
    let now = jiff::Timestamp::now().as_second();
    let items: Vec<Value> = (0..20i64)
        .map(|i| {
            let at = jiff::Timestamp::from_second(now - 600 + i * 25).unwrap();
            json!({
                "id": format!("wave-{i}"),
                "text": format!("@zuiderbank sms gekregen: uw pas verloopt op {}-12, verleng via https://zuiderbank-verificatie.nl/{i} anders wordt hij geblokkeerd. Is dit echt?", 10 + i % 9),
                "author": {"handle": format!("@klant{i}")},
                "created_at": at.to_string(),
            })
        })
        .collect();
    Value::Array(items)
}

/// The id after `marker` in `html`.
fn number_after(html: &str, marker: &str) -> Option<i64> {
    let at = html.find(marker)? + marker.len();
    let digits: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

async fn deliver(app: &TestApp) -> usize {
    wederhoor_listen::run_outbox_once(
        &app.store,
        &wederhoor_listen::MastodonConnector::new().unwrap(),
        &wederhoor_listen::OutboxConfig::default(),
        &|_| {},
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_published_warning_is_posted_once_on_our_own_mastodon_account() {
    let (instance, seen) = fake_mastodon().await;
    for app in spawn_apps().await {
        let b = app.backend;
        own_mastodon(&app, &instance).await;
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;
        app.ingest_ok(&wave()).await;
        let page = app.get("/meldingen", Some(&lead)).await.text();
        let alert = number_after(&page, "class=\"alert-card\" id=\"alert-").expect("an alert");
        let warning = "Let op: een sms over een verlopen Zuiderpas is nep. Klik niet op de link.";
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/incident"),
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("title", "Phishing-sms over de Zuiderpas"),
                    ("warning", warning),
                    ("reply", "Dank voor je melding! Die sms is niet van ons."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let location = r.location().unwrap().to_owned();
        let incident: i64 = location.trim_start_matches("/incidenten/").parse().unwrap();
        let post_path = format!("/incidenten/{incident}/posten");

        // Not published yet: the preview says why, and posting is refused.
        let page = app.get(&location, Some(&lead)).await.text();
        assert!(page.contains("id=\"incident-post-preview\""), "{b}");
        assert!(page.contains("Zuiderbank op Mastodon"), "{b}");
        assert!(page.contains("id=\"incident-post-refused\""), "{b}");
        let r = app
            .post_form(&post_path, Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // Published: an agent may not post; the lead queues one post, and again nothing new.
        let r = app
            .post_form(
                &format!("/incidenten/{incident}/publiceren"),
                Some(&lead),
                &[("csrf", &lead.csrf), ("public", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let page = app.get(&location, Some(&lead)).await.text();
        assert!(page.contains("id=\"incident-post-form\""), "{b}");
        let r = app
            .post_form(&post_path, Some(&agent), &[("csrf", &agent.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        for _ in 0..2 {
            let r = app
                .post_form(&post_path, Some(&lead), &[("csrf", &lead.csrf)])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        }
        let targets = app.store.incident_post_targets(incident).await.unwrap();
        assert_eq!(targets.len(), 1, "{b}");
        assert_eq!(targets[0].state.as_deref(), Some("queued"), "{b}");

        // The outbox posts it as a new public status (no reply-to), once.
        let before = seen.lock().unwrap().len();
        assert_eq!(deliver(&app).await, 1, "{b}");
        assert_eq!(deliver(&app).await, 0, "{b}");
        let posted = seen.lock().unwrap().clone();
        assert_eq!(posted.len(), before + 1, "{b}");
        let (key, form) = posted.last().unwrap();
        assert_eq!(
            key.as_deref(),
            Some(format!("incident-post:{incident}:{}", targets[0].source.0).as_str())
        );
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert!(field("status").unwrap().contains(warning), "{b}");
        assert_eq!(field("visibility").as_deref(), Some("public"), "{b}");
        assert_eq!(field("in_reply_to_id"), None, "{b}");
        let page = app.get(&location, Some(&lead)).await.text();
        assert!(
            page.contains("data-kind=\"posted\""),
            "{b}: on the timeline"
        );
        let targets = app.store.incident_post_targets(incident).await.unwrap();
        assert_eq!(targets[0].state.as_deref(), Some("sent"), "{b}");
    }
}

#[test]
fn a_post_is_the_title_and_the_warning() {
    assert_eq!(
        wederhoor_app::incidents::post_text("Storing", "De app is traag."),
        "Storing\n\nDe app is traag."
    );
}
