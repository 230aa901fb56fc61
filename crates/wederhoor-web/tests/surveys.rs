//! Satisfaction surveys and the reports (#13) through HTTP: a link goes out through the outbox
//! after a close (delivered here to a fake platform), privately or not at all; one answer per
//! case; links expire; the report's figures and CSV for a seeded set, computed here on their own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use std::sync::Mutex;
use wederhoor_core::{ConversationId, DeliveryKind};
use wederhoor_listen::{Connector, DeliveryError, OutboxConfig, run_outbox_once};
use wederhoor_store::{NewSource, OutboxItem, Source};
use wederhoor_triage::Engine;
use wederhoor_web::{ActiveRules, AppState, WebConfig};

const PUBLIC_URL: &str = "https://wederhoor.test";

/// A platform that accepts every reply and remembers it.
#[derive(Default)]
struct FakePlatform {
    delivered: Mutex<Vec<OutboxItem>>,
}

impl Connector for FakePlatform {
    async fn deliver(&self, item: &OutboxItem, _secret: Option<&str>) -> Result<(), DeliveryError> {
        self.delivered.lock().unwrap().push(item.clone());
        Ok(())
    }
}

/// Delivers what the outbox holds now; returns the delivered replies.
async fn deliver(t: &TestApp) -> Vec<OutboxItem> {
    let platform = FakePlatform::default();
    run_outbox_once(&t.store, &platform, &OutboxConfig::default(), &|_| {})
        .await
        .unwrap();
    platform.delivered.into_inner().unwrap()
}

/// The apps with surveys sent `delay_ms` after a close.
async fn survey_apps(delay_ms: i64) -> Vec<TestApp> {
    let mut apps = spawn_apps().await;
    for t in &mut apps {
        t.state = AppState::new(
            t.store.clone(),
            ActiveRules {
                engine: Engine::default_engine(),
                version: None,
            },
            WebConfig {
                public_url: PUBLIC_URL.into(),
                surveys: wederhoor_app::surveys::SurveyPolicy {
                    delay_ms,
                    ..Default::default()
                },
                ..WebConfig::default()
            },
        )
        .unwrap();
    }
    apps
}

async fn source(t: &TestApp, kind: &str) -> (Source, String) {
    t.store
        .create_source(&NewSource {
            kind: kind.into(),
            name: format!("bron-{kind}"),
            delivery_kind: DeliveryKind::Webhook,
            delivery_url: Some("http://platform.invalid/hook".into()),
            delivery_secret: None,
        })
        .await
        .unwrap()
}

/// Ingests one message through a source's token; its conversation.
async fn ingest_with(t: &TestApp, token: &str, message: Value) -> ConversationId {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/ingest")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(message.to_string()))
        .unwrap();
    let r = t.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    conversation_of(&r.json()["results"][0])
}

fn message(id: &str, handle: &str, text: &str, minutes_ago: i64) -> Value {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes_ago);
    json!({ "id": id, "text": text, "created_at": at.to_string(),
            "author": { "handle": handle, "name": "Klant", "followers": 3 } })
}

async fn reply_and_close(t: &TestApp, s: &Session, c: ConversationId, text: &str) {
    let r = t
        .post_form(
            &format!("/c/{c}/reply"),
            Some(s),
            &[("csrf", &s.csrf), ("text", text)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    close(t, s, c).await;
}

async fn close(t: &TestApp, s: &Session, c: ConversationId) {
    let r = t
        .post_form(
            &format!("/c/{c}/state"),
            Some(s),
            &[("csrf", &s.csrf), ("state", "closed")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// The token of the survey link in a delivered reply.
fn token_in(text: &str) -> String {
    let at = text
        .find(&format!("{PUBLIC_URL}/enquete/"))
        .unwrap_or_else(|| panic!("no survey link in {text:?}"));
    text[at + PUBLIC_URL.len() + "/enquete/".len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

fn visitor() -> String {
    format!("wederhoor_pcsrf={VISITOR_CSRF}")
}

async fn answer(t: &TestApp, token: &str, score: &str, comment: &str) -> TestResponse {
    t.post_form_with_cookies(
        &format!("/enquete/{token}"),
        &visitor(),
        &[
            ("csrf", VISITOR_CSRF),
            ("score", score),
            ("comment", comment),
        ],
    )
    .await
}

#[tokio::test]
async fn a_closed_private_case_gets_one_survey_that_takes_one_answer() {
    for t in survey_apps(0).await {
        let b = t.backend;
        let (_, token) = source(&t, "whatsapp").await;
        let c = ingest_with(
            &t,
            &token,
            message(
                "w1",
                "+31600000001",
                "Mijn pas is geblokkeerd, kunnen jullie helpen?",
                30,
            ),
        )
        .await;
        let s = t.login_as(&t.agent).await;
        reply_and_close(&t, &s, c, "Ik heb je pas gedeblokkeerd.").await;

        let delivered = deliver(&t).await;
        assert_eq!(delivered.len(), 2, "{b}: the reply and the survey link");
        let link = delivered
            .iter()
            .find(|i| i.text.contains("/enquete/"))
            .expect("survey link delivered");
        assert_eq!(
            link.conversation, c,
            "{b}: on the case's own private channel"
        );
        assert_eq!(
            link.agent_name, "Anna",
            "{b}: signed by the agent who helped (first name on WhatsApp)"
        );
        let token = token_in(&link.text);
        assert_eq!(token.len(), 64, "{b}: an unguessable token");
        // The store keeps only the hash of the token.
        assert!(
            !t.store
                .audit_of("conversation", c.0)
                .await
                .unwrap()
                .iter()
                .any(|(_, _, _, d)| d.contains(&token)),
            "{b}"
        );

        let page = t.get_with_cookies(&format!("/enquete/{token}"), "").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(
            html.contains("Hoe hebben we je geholpen?"),
            "{b}: Dutch case, Dutch page"
        );
        assert_eq!(html.matches("name=\"score\"").count(), 11, "{b}: 0 to 10");
        assert!(!html.contains("<script>"), "{b}");

        // Without the CSRF token: refused, nothing recorded.
        let r = t
            .post_form_with_cookies(&format!("/enquete/{token}"), "", &[("score", "4")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // A score outside 0–10: the form again, with the reason and the comment kept.
        let r = answer(&t, &token, "11", "mijn <b>toelichting</b>").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("Kies een cijfer van 0 tot en met 10."),
            "{b}"
        );
        assert!(
            r.text().contains("mijn &lt;b&gt;toelichting") && !r.text().contains("<b>toelichting"),
            "{b}: kept, escaped"
        );

        let r = answer(
            &t,
            &token,
            "4",
            "Duurde lang. Bel me op 0612345678 <script>x</script>",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(r.text().contains("id=\"survey-thanks\""), "{b}");
        // One answer per case.
        let again = answer(&t, &token, "10", "").await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}");
        assert!(again.text().contains("id=\"survey-answered\""), "{b}");
        let brief = t.store.survey_of_conversation(c).await.unwrap().unwrap();
        assert_eq!(
            (brief.score, brief.follow_up),
            (Some(4), true),
            "{b}: a detractor"
        );

        // The case page shows the score, the follow-up and the comment, masked and escaped.
        let html = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(html.contains("id=\"survey-score\">4<"), "{b}");
        assert!(html.contains("id=\"survey-follow-up\""), "{b}");
        assert!(html.contains("Duurde lang."), "{b}");
        assert!(!html.contains("0612345678"), "{b}: personal data masked");
        assert!(!html.contains("<script>x</script>"), "{b}: escaped");

        // Reopened and closed again: no second survey.
        let r = t
            .post_form(
                &format!("/c/{c}/state"),
                Some(&s),
                &[("csrf", &s.csrf), ("state", "open")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        close(&t, &s, c).await;
        assert!(deliver(&t).await.is_empty(), "{b}: nothing more to send");

        // Erasing the person removes their case and its survey with it.
        let (source, _) = source_of(&t, "bron-whatsapp").await;
        t.store
            .person_erase(source, "+31600000001", Some(t.lead.id), "verzoek klant")
            .await
            .unwrap();
        assert_eq!(
            t.store.survey_of_conversation(c).await.unwrap(),
            None,
            "{b}"
        );
    }
}

/// A source by name, with its id.
async fn source_of(t: &TestApp, name: &str) -> (wederhoor_core::SourceId, String) {
    let s = t
        .store
        .list_sources()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap();
    (s.id, s.kind)
}

#[tokio::test]
async fn a_public_case_surveys_privately_or_not_at_all() {
    for t in survey_apps(0).await {
        let b = t.backend;
        let (_, public_token) = source(&t, "mastodon").await;
        let (_, private_token) = source(&t, "whatsapp").await;
        let s = t.login_as(&t.agent).await;

        // No private channel for this author: no link, and why.
        let lonely = ingest_with(
            &t,
            &public_token,
            message(
                "m1",
                "@alleenpubliek",
                "Waarom werkt de app van de bank niet?",
                20,
            ),
        )
        .await;
        reply_and_close(&t, &s, lonely, "We kijken ernaar, excuses!").await;
        let delivered = deliver(&t).await;
        assert_eq!(
            delivered.len(),
            1,
            "{b}: only the reply, no public survey link"
        );
        assert!(!delivered[0].text.contains("/enquete/"), "{b}");
        let brief = t
            .store
            .survey_of_conversation(lonely)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(brief.state, "skipped", "{b}");
        assert_eq!(
            brief.skip_reason.as_deref(),
            Some("no_private_channel"),
            "{b}"
        );
        let html = t.get(&format!("/c/{lonely}"), Some(&s)).await.text();
        assert!(html.contains("id=\"survey-skipped\""), "{b}");
        assert!(
            html.contains("geen privékanaal"),
            "{b}: the reason in words"
        );

        // The same person also wrote us privately: the link goes there.
        let public_case = ingest_with(
            &t,
            &public_token,
            message(
                "m2",
                "@sanne",
                "Mijn overboeking is niet aangekomen, help!",
                40,
            ),
        )
        .await;
        let private_case = ingest_with(
            &t,
            &private_token,
            message(
                "w2",
                "sanne",
                "Hoi, hier mijn vraag over de overboeking.",
                35,
            ),
        )
        .await;
        reply_and_close(&t, &s, public_case, "Ik stuur je een privébericht.").await;
        let delivered = deliver(&t).await;
        let link = delivered
            .iter()
            .find(|i| i.text.contains("/enquete/"))
            .expect("survey link");
        assert_eq!(link.conversation, private_case, "{b}: privately");
        assert!(
            delivered
                .iter()
                .filter(|i| i.conversation == public_case)
                .all(|i| !i.text.contains("/enquete/")),
            "{b}: never in public"
        );
    }
}

#[tokio::test]
async fn links_expire_and_a_delayed_survey_waits_for_its_time() {
    for t in survey_apps(60 * 60 * 1000).await {
        let b = t.backend;
        let (_, token) = source(&t, "whatsapp").await;
        let c = ingest_with(
            &t,
            &token,
            message("w3", "+31600000003", "Bonjour, ma carte bancaire est bloquée depuis hier, pouvez-vous m'aider s'il vous plaît ?", 10),
        )
        .await;
        let s = t.login_as(&t.agent).await;
        reply_and_close(&t, &s, c, "C'est réglé.").await;
        assert_eq!(
            deliver(&t).await.len(),
            1,
            "{b}: the reply; the survey waits an hour"
        );

        // The schedule runs with its clock an hour later.
        let invitation = wederhoor_web::surveys::invitation;
        let policy = t.state.config.surveys.clone();
        let sender = wederhoor_app::surveys::SurveySender {
            policy: &policy,
            replies: &t.state.config.replies,
            public_url: PUBLIC_URL,
            invitation: &invitation,
        };
        let now = jiff::Timestamp::now().as_millisecond();
        let early =
            wederhoor_app::surveys::send_due_surveys(&t.store, &sender, now + 59 * 60 * 1000)
                .await
                .unwrap();
        assert!(early.is_empty(), "{b}: not before the delay");
        let sent =
            wederhoor_app::surveys::send_due_surveys(&t.store, &sender, now + 61 * 60 * 1000)
                .await
                .unwrap();
        assert_eq!(sent.len(), 1, "{b}");
        // Queued at the schedule's (future) time: read from the outbox as it stands.
        let queued: Vec<String> = t
            .detail(c)
            .await
            .replies
            .iter()
            .map(|r| r.text.clone())
            .filter(|text| text.contains("/enquete/"))
            .collect();
        assert_eq!(queued.len(), 1, "{b}");
        assert!(
            queued[0].starts_with("Merci"),
            "{b}: in the customer's French"
        );
        let token = token_in(&queued[0]);
        let page = t.get_with_cookies(&format!("/enquete/{token}"), "").await;
        assert!(page.text().contains("Comment vous avons-nous aidé"), "{b}");
        assert!(page.text().contains("lang=\"fr\""), "{b}");

        // Fifteen days later the link (valid 14 days) has expired.
        t.store
            .shift_survey_times(c, 15 * 24 * 60 * 60 * 1000)
            .await
            .unwrap();
        let page = t.get_with_cookies(&format!("/enquete/{token}"), "").await;
        assert_eq!(page.status, StatusCode::GONE, "{b}");
        assert!(page.text().contains("id=\"survey-expired\""), "{b}");
        let r = answer(&t, &token, "9", "").await;
        assert_eq!(r.status, StatusCode::GONE, "{b}");
        let brief = t.store.survey_of_conversation(c).await.unwrap().unwrap();
        assert_eq!(brief.score, None, "{b}: nothing recorded");
        // A made-up token is simply unknown.
        let r = t
            .get_with_cookies(&format!("/enquete/{}", "ab".repeat(32)), "")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
    }
}

/// Seconds in a report cell `id="ID" data-secs="N"`.
fn secs(html: &str, id: &str) -> i64 {
    attr_after(html, &format!("id=\"{id}\""), "data-secs")
        .unwrap_or_else(|| panic!("no {id}"))
        .parse()
        .unwrap()
}

fn csv_value(csv: &str, section: &str, name: &str) -> String {
    let prefix = format!("{section},{name},");
    csv.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in\n{csv}"))
        .to_owned()
}

#[tokio::test]
async fn the_report_shows_times_volume_workload_and_nps_of_a_seeded_set() {
    for t in survey_apps(0).await {
        let b = t.backend;
        let (_, token) = source(&t, "whatsapp").await;
        let anna = t.login_as(&t.agent).await;
        let lars = t.login_as(&t.lead).await;
        // The report costs the same number of queries whatever the period holds.
        let before = t.store.query_count();
        assert_eq!(
            t.get("/rapporten", Some(&lars)).await.status,
            StatusCode::OK
        );
        let empty_cost = t.store.query_count() - before;
        // Four cases opened 10, 30, 50 and 70 minutes ago; Anna answers and closes the first
        // two and the fourth, Lars the third. Scores: 10 and 3 for Anna, 9 for Lars; the fourth
        // survey stays unanswered.
        let ages = [10, 30, 50, 70];
        let mut cases = Vec::new();
        for (i, age) in ages.iter().enumerate() {
            let c = ingest_with(
                &t,
                &token,
                message(
                    &format!("r{i}"),
                    &format!("+3160000010{i}"),
                    "Mijn betaling is mislukt, wat nu?",
                    *age,
                ),
            )
            .await;
            cases.push(c);
        }
        let who = [&anna, &anna, &lars, &anna];
        for (c, s) in cases.iter().zip(who) {
            reply_and_close(&t, s, *c, "Opgelost, fijne dag!").await;
        }
        let links: Vec<OutboxItem> = deliver(&t)
            .await
            .into_iter()
            .filter(|i| i.text.contains("/enquete/"))
            .collect();
        assert_eq!(links.len(), 4, "{b}");
        for (c, score) in [(cases[0], "10"), (cases[1], "3"), (cases[2], "9")] {
            let link = links.iter().find(|l| l.conversation == c).unwrap();
            let r = answer(&t, &token_in(&link.text), score, "").await;
            assert_eq!(r.status, StatusCode::OK, "{b}");
        }
        // Computed here: first responses and resolutions ≈ the ages (reply and close just now).
        // Median of 4 by nearest rank = the 2nd (30 min); p90 = the 4th (70 min).
        // NPS: promoters 2 (10, 9), detractors 1 (3) of 3 answers = 33; response 3/4 = 75 %.
        // Anna: 10 and 3 → 0 of 2 answers, 3 sent → 67 %; Lars: 9 → 100.
        let before = t.store.query_count();
        let html = t.get("/rapporten", Some(&lars)).await;
        assert_eq!(
            t.store.query_count() - before,
            empty_cost,
            "{b}: no query per row"
        );
        assert_eq!(html.status, StatusCode::OK, "{b}");
        let html = html.text();
        let near = |got: i64, want_min: i64| (got - want_min * 60).abs() <= 5;
        assert!(near(secs(&html, "fig-first-median"), 30), "{b}");
        assert!(near(secs(&html, "fig-first-p90"), 70), "{b}");
        assert!(near(secs(&html, "fig-resolution-median"), 30), "{b}");
        assert!(near(secs(&html, "fig-resolution-p90"), 70), "{b}");
        assert!(html.contains("id=\"fig-messages\">4<"), "{b}");
        assert!(html.contains("id=\"fig-closed\">4<"), "{b}");
        assert!(html.contains("id=\"fig-nps\">33<"), "{b}");
        assert!(html.contains("id=\"fig-response-rate\">75 %<"), "{b}");
        assert!(html.contains("id=\"fig-follow-ups\">1<"), "{b}");
        assert!(
            html.contains("<svg class=\"chart bar-chart\" role=\"img\""),
            "{b}"
        );
        assert!(html.contains("<title>NPS per medewerker</title>"), "{b}");

        let csv = t.get("/rapporten.csv", Some(&lars)).await;
        assert_eq!(csv.status, StatusCode::OK, "{b}");
        assert!(csv.content_type().starts_with("text/csv"), "{b}");
        let csv = csv.text();
        assert_eq!(csv_value(&csv, "nps", "nps"), "33", "{b}");
        assert_eq!(csv_value(&csv, "nps", "sent"), "4", "{b}");
        assert_eq!(csv_value(&csv, "nps", "answered"), "3", "{b}");
        assert_eq!(csv_value(&csv, "nps", "response_rate_pct"), "75", "{b}");
        assert_eq!(csv_value(&csv, "nps_by_agent", "Anna Agent"), "0", "{b}");
        assert_eq!(csv_value(&csv, "nps_by_agent", "Lars Lead"), "100", "{b}");
        assert_eq!(
            csv_value(&csv, "workload_replies", "Anna Agent"),
            "3",
            "{b}: survey links are not replies"
        );
        assert_eq!(csv_value(&csv, "workload_closed", "Lars Lead"), "1", "{b}");
        assert_eq!(csv_value(&csv, "by_source", "bron-whatsapp"), "4", "{b}");
        let median: i64 = csv_value(&csv, "first_response", "median_secs")
            .parse()
            .unwrap();
        assert!(near(median, 30), "{b}");

        // Dates are validated: a clear error, never a 500.
        let r = t.get("/rapporten?van=31-12-2026&tot=", Some(&lars)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("Vul een datum in als 2026-03-31."), "{b}");
        let r = t
            .get("/rapporten?van=2026-05-02&tot=2026-05-01", Some(&lars))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = t.get("/rapporten.csv?van=x", Some(&lars)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // The wall view and its fragment.
        let wall = t.get("/rapporten/wand", Some(&lars)).await;
        assert_eq!(wall.status, StatusCode::OK, "{b}");
        assert!(wall.text().contains("data-page=\"wall\""), "{b}");
        let fragment = t
            .get("/rapporten/wand?fragment=1", Some(&lars))
            .await
            .text();
        // The wall counts today's messages (Europe/Amsterdam): just after midnight some of the
        // seeded ones (10–70 minutes old) belong to yesterday, so count them here.
        let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
        let now = jiff::Timestamp::now();
        let today = now.to_zoned(tz.clone()).date();
        let seeded_today = ages
            .iter()
            .filter(|age| {
                let at = now - jiff::SignedDuration::from_mins(**age);
                at.to_zoned(tz.clone()).date() == today
            })
            .count();
        assert!(
            fragment.contains(&format!("id=\"wall-messages\">{seeded_today}<")),
            "{b}: {seeded_today} of the seeded messages are of today"
        );
        assert!(!fragment.contains("<html"), "{b}");
    }
}
