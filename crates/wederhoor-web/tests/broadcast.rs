#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Broadcast to everyone an incident affects (issue #13) through HTTP: the dry run counts per
//! channel and names who cannot be reached and why; the send queues exactly what the dry run
//! counted, one reply per person (an author who wrote twice gets it once); personal data is
//! refused; leads only.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use wederhoor_core::{ConversationId, DeliveryKind};
use wederhoor_store::NewSource;

/// Near-identical phishing reports from `@klant{i}` for `i` in `range`, in the last ten minutes.
fn wave(range: std::ops::Range<usize>, tag: &str) -> Value {
    let now = jiff::Timestamp::now().as_second();
    Value::Array(
        range
            .map(|i| {
                let at = jiff::Timestamp::from_second(now - 600 + (i as i64 % 20) * 25).unwrap();
                json!({
                    "id": format!("{tag}-{i}"),
                    "text": format!("@zuiderbank sms gekregen: uw pas verloopt op {}-12, verleng via https://zuiderbank-verificatie.nl/{i} anders wordt hij geblokkeerd. Is dit echt?", 10 + i % 9),
                    "author": {"handle": format!("@klant{i}")},
                    "created_at": at.to_string(),
                })
            })
            .collect(),
    )
}

async fn ingest_with(app: &TestApp, token: &str, items: &Value) -> Vec<ConversationId> {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(items.to_string()))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(conversation_of)
        .collect()
}

fn count_after(html: &str, marker: &str) -> usize {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {html}"))
        + marker.len();
    html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_broadcast_reaches_everyone_affected_once_and_queues_what_the_dry_run_counted() {
    for app in spawn_apps().await {
        let b = app.backend;
        // A source whose replies a webhook connector sends (reachable), next to the manual forum.
        let (_, site_token) = app
            .store
            .create_source(&NewSource {
                kind: "webhook".into(),
                name: "Site".into(),
                delivery_kind: DeliveryKind::Webhook,
                delivery_url: Some("http://127.0.0.1:9/hook".into()),
                delivery_secret: Some("s3cret".into()),
            })
            .await
            .unwrap();
        let mut conversations = ingest_with(&app, &site_token, &wave(0..12, "site")).await;
        conversations.extend(ingest_with(&app, &app.token, &wave(12..18, "forum")).await);
        // @klant0 writes twice: still one recipient.
        let mut again = wave(0..1, "again");
        again[0]["created_at"] = json!(
            jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 60)
                .unwrap()
                .to_string()
        );
        conversations.extend(ingest_with(&app, &site_token, &again).await);
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;

        let alert = app.store.burst_alerts("open", 10).await.unwrap();
        assert_eq!(alert.len(), 1, "{b}: one alert for the wave");
        let r = app
            .post_form(
                &format!("/meldingen/{}/incident", alert[0].id),
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("title", "Phishing-sms"),
                    ("warning", "Sms over een verlopen pas is nep."),
                    ("reply", "Die sms is niet van ons: klik niet op de link."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let incident_path = r.location().unwrap().to_owned();
        let path = format!("{incident_path}/rondzending");
        let affected = app
            .store
            .incident(incident_path.rsplit('/').next().unwrap().parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .affected;
        assert_eq!(affected, 18, "{b}");

        // Leads only.
        assert_eq!(
            app.get(&path, Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let text = "Let op: de sms over een verlopen pas is nep. Klik niet op de link.";
        let r = app
            .post_form(
                &path,
                Some(&agent),
                &[("csrf", &agent.csrf), ("text", text), ("action", "send")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");

        // The form starts from the incident's suggested reply.
        let page = app.get(&path, Some(&lead)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.text().contains("Die sms is niet van ons"), "{b}");

        // Personal data is refused.
        let r = app
            .post_form(
                &path,
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("text", "Maak het geld over naar NL91ABNA0417164300"),
                    ("action", "dry"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // The dry run: 12 reachable through the webhook, 6 on the manual forum, nothing queued.
        let r = app
            .post_form(
                &path,
                Some(&lead),
                &[("csrf", &lead.csrf), ("text", text), ("action", "dry")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let html = r.text();
        let reachable = count_after(&html, "id=\"broadcast-reachable\" data-count=\"");
        assert_eq!(reachable, 12, "{b}");
        assert_eq!(
            count_after(
                &html,
                "<tr data-channel=\"other\"><td>dit kanaal</td><td class=\"count\">"
            ),
            12,
            "{b}: {html}"
        );
        assert_eq!(
            html.matches("data-reason=\"manual_channel\"").count(),
            6,
            "{b}"
        );
        assert!(html.contains("id=\"broadcast-send\""), "{b}");
        let mut queued_before = 0;
        for c in &conversations {
            queued_before += app.detail(*c).await.replies.len();
        }
        assert_eq!(queued_before, 0, "{b}: a dry run sends nothing");

        // The send queues exactly the dry run's count, one reply per person.
        let r = app
            .post_form(
                &path,
                Some(&lead),
                &[("csrf", &lead.csrf), ("text", text), ("action", "send")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let mut replies = 0;
        let mut with_reply = BTreeSet::new();
        for c in &conversations {
            let n = app.detail(*c).await.replies.len();
            replies += n;
            if n > 0 {
                with_reply.insert(*c);
            }
        }
        assert_eq!(replies, reachable, "{b}: queued = dry run");
        assert_eq!(with_reply.len(), reachable, "{b}: one reply per person");
        let broadcasts = app
            .store
            .broadcasts_of_incident(incident_path.rsplit('/').next().unwrap().parse().unwrap())
            .await
            .unwrap();
        assert_eq!(broadcasts.len(), 1, "{b}");
        let recipients = &broadcasts[0].recipients;
        assert_eq!(recipients.len(), 18, "{b}: everyone affected, once");
        assert_eq!(
            recipients
                .iter()
                .filter(|r| r.state.as_deref() == Some("queued"))
                .count(),
            12,
            "{b}"
        );
        assert_eq!(
            recipients
                .iter()
                .filter(|r| r.unreachable.as_deref() == Some("manual_channel"))
                .count(),
            6,
            "{b}"
        );
        // @klant0's newest conversation got it, the older one did not.
        let klant0: Vec<_> = recipients
            .iter()
            .filter(|r| r.handle.as_deref() == Some("@klant0"))
            .collect();
        assert_eq!(klant0.len(), 1, "{b}");
        assert_eq!(
            ConversationId(klant0[0].conversation_id),
            *conversations.last().unwrap(),
            "{b}"
        );
        // The delivery state page lists every recipient.
        let page = app.get(&path, Some(&lead)).await.text();
        assert_eq!(page.matches("class=\"recipient\"").count(), 18, "{b}");
        assert_eq!(page.matches("data-state=\"queued\"").count(), 12, "{b}");
        // The audit log has the broadcast with its counts.
        let page = app.get(&incident_path, Some(&lead)).await.text();
        assert!(page.contains("id=\"broadcast-link\""), "{b}");
    }
}
