#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Structural issues (#12) and next-best-action hints (#13) through HTTP, on SQLite and
//! PostgreSQL: agents link cases (an existing issue or a new one) from the case page; the issue
//! page counts the cases per day they came in (counted here on its own); once the issue is
//! fixed, the dry run lists everyone affected once and the send puts exactly one reply per
//! reachable person in the outbox, on their own conversation, the same text for all; personal
//! data is refused; the hints show a fixed issue and a detractor, and nothing for others.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use wederhoor_core::{ConversationId, DeliveryKind};
use wederhoor_listen::{Connector, DeliveryError, OutboxConfig, run_outbox_once};
use wederhoor_store::{BroadcastSubject, NewSource, OutboxItem};
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

async fn deliver(t: &TestApp) -> Vec<OutboxItem> {
    let platform = FakePlatform::default();
    run_outbox_once(&t.store, &platform, &OutboxConfig::default(), &|_| {})
        .await
        .unwrap();
    platform.delivered.into_inner().unwrap()
}

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

fn at(hours_ago: i64) -> jiff::Timestamp {
    jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours_ago)
}

fn message(id: &str, handle: &str, text: &str, hours_ago: i64) -> Value {
    json!({ "id": id, "text": text, "created_at": at(hours_ago).to_string(),
            "author": { "handle": handle, "name": "Klant", "followers": 3 } })
}

async fn webhook_source(t: &TestApp, kind: &str) -> String {
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
        .1
}

fn amsterdam_day(t: jiff::Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap())
        .date()
        .to_string()
}

async fn link(t: &TestApp, s: &Session, c: ConversationId, issue: &str) -> TestResponse {
    t.post_form(
        &format!("/c/{c}/structureel"),
        Some(s),
        &[("csrf", &s.csrf), ("issue", issue)],
    )
    .await
}

async fn apps() -> Vec<TestApp> {
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
                    delay_ms: 0,
                    ..Default::default()
                },
                ..WebConfig::default()
            },
        )
        .unwrap();
    }
    apps
}

#[tokio::test]
async fn a_fixed_issue_reaches_every_affected_person_once_through_their_own_channel() {
    for t in apps().await {
        let b = t.backend;
        let site = webhook_source(&t, "webhook").await;
        let chat = webhook_source(&t, "forum").await;
        let text = "De automaat heeft mijn pas ingeslikt, hoe krijg ik hem terug?";
        // @klant0 twice (two cases, one person), @klant1 on another source, @klant2 on the
        // manual forum (cannot be reached), @anders about something else (not linked).
        let k0_old = ingest_with(&t, &site, message("s1", "@klant0", text, 49)).await;
        let k0_new = ingest_with(
            &t,
            &site,
            message(
                "s2",
                "@klant0",
                "Weer mijn pas ingeslikt door de automaat!",
                2,
            ),
        )
        .await;
        let k1 = ingest_with(
            &t,
            &chat,
            message(
                "c1",
                "@klant1",
                "Pas ingeslikt bij de automaat op het station.",
                26,
            ),
        )
        .await;
        let k2 = ingest_with(
            &t,
            &t.token,
            message("f1", "@klant2", "Automaat slikte mijn pas in.", 26),
        )
        .await;
        let other = ingest_with(
            &t,
            &site,
            message(
                "s3",
                "@anders",
                "Wanneer komt de nieuwe app uit met donkere modus?",
                3,
            ),
        )
        .await;
        let lead = t.login_as(&t.lead).await;
        let agent = t.login_as(&t.agent).await;

        // An agent makes the issue from a case page; leads manage it, agents do not.
        let r = t
            .post_form(
                &format!("/c/{k0_old}/structureel"),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("titel", "Pas ingeslikt door automaat"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let issues = t.store.structural_issues(false).await.unwrap();
        assert_eq!(issues.len(), 1, "{b}");
        let id = issues[0].id;
        let path = format!("/structureel/{id}");
        assert_eq!(
            t.get(&path, Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            t.get("/structureel", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );

        // The other cases: suggested on their page, then linked (twice is once).
        let page = t.get(&format!("/c/{k1}"), Some(&agent)).await.text();
        assert!(
            page.contains(&format!(
                "class=\"inline structural-suggestion\" data-issue=\"{id}\""
            )),
            "{b}: {page}"
        );
        let page = t.get(&format!("/c/{other}"), Some(&agent)).await.text();
        assert!(
            !page.contains("structural-suggestion"),
            "{b}: not for another subject"
        );
        for c in [k0_new, k1, k2, k1] {
            let r = link(&t, &agent, c, &id.to_string()).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        }
        assert_eq!(
            link(&t, &agent, k1, "999").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let page = t.get(&format!("/c/{k1}"), Some(&agent)).await.text();
        assert!(
            page.contains(&format!("<li data-issue=\"{id}\">")),
            "{b}: linked on the case"
        );
        assert!(
            page.contains("data-action=\"structural.link\""),
            "{b}: in the history"
        );

        // The issue page: four cases, counted per day they came in (Amsterdam).
        let page = t.get(&path, Some(&lead)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}: {}", page.text());
        let html = page.text();
        assert!(html.contains("id=\"issue-cases\" data-count=\"4\""), "{b}");
        let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
        for hours in [49, 2, 26, 26] {
            *per_day.entry(amsterdam_day(at(hours))).or_default() += 1;
        }
        let desc = &html[html.find("<desc>").unwrap()..html.find("</desc>").unwrap()];
        for (day, n) in &per_day {
            assert!(
                desc.contains(&format!("{day}: {n}")),
                "{b}: {day} {n} in {desc}"
            );
        }
        assert_eq!(
            desc.matches(": 0").count(),
            30 - per_day.len(),
            "{b}: {desc}"
        );
        assert_eq!(html.matches("class=\"issue-case\"").count(), 4, "{b}");
        let before = t.store.query_count();
        let list = t.get("/structureel", Some(&lead)).await.text();
        let one_issue = t.store.query_count() - before;
        // The list costs the same queries with more issues and cases.
        let r = t
            .post_form(
                "/structureel",
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("titel", "App crasht bij inloggen"),
                    ("beschrijving", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let second: i64 = r
            .location()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            link(&t, &agent, other, &second.to_string()).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let before = t.store.query_count();
        let list_two = t.get("/structureel", Some(&lead)).await.text();
        assert_eq!(
            t.store.query_count() - before,
            one_issue,
            "{b}: no query per issue"
        );
        assert_eq!(
            list_two.matches("class=\"structural-issue\"").count(),
            2,
            "{b}"
        );
        assert!(
            list.contains(&format!("data-issue=\"{id}\" data-state=\"open\"")),
            "{b}"
        );

        // The daily summary lists it as new today, with the cases that came in today.
        let zone = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
        let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
        let summary = wederhoor_app::summary::daily_summary(&t.store, today, &zone)
            .await
            .unwrap();
        let listed = summary
            .structural_issues
            .iter()
            .find(|i| i.id == id)
            .unwrap();
        assert!(listed.new, "{b}");
        assert_eq!(
            listed.cases_that_day,
            per_day.get(&today.to_string()).copied().unwrap_or(0),
            "{b}"
        );
        assert!(
            wederhoor_app::summary::render_text(&summary, wederhoor_app::summary::Language::Dutch)
                .contains("Pas ingeslikt door automaat"),
            "{b}"
        );

        // No broadcast before it is fixed.
        let broadcast = format!("{path}/rondzending");
        let notice = "Goed nieuws: de storing met ingeslikte passen is verholpen.";
        let send = |action: &'static str, text: &'static str| {
            let (t, lead, broadcast) = (&t, &lead, &broadcast);
            async move {
                t.post_form(
                    broadcast,
                    Some(lead),
                    &[("csrf", &lead.csrf), ("text", text), ("action", action)],
                )
                .await
            }
        };
        assert_eq!(
            send("dry", notice).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        let r = t
            .post_form(
                &path,
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("titel", "Pas ingeslikt door automaat"),
                    ("beschrijving", ""),
                    ("eigenaar", &t.lead.id.0.to_string()),
                    ("idee", ""),
                    ("oplossing", notice),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = t
            .post_form(
                &format!("{path}/status"),
                Some(&lead),
                &[("csrf", &lead.csrf), ("status", "fixed")],
            )
            .await;
        assert_eq!(r.location(), Some(broadcast.as_str()), "{b}");

        // The hint on a case of an affected person, before they are told; not on another's.
        let page = t.get(&format!("/c/{k1}"), Some(&agent)).await.text();
        assert!(page.contains("data-hint=\"tell_fixed\""), "{b}");
        assert!(
            page.contains(&format!("?structureel={id}#reply-text")),
            "{b}"
        );
        let page = t
            .get(&format!("/c/{k1}?structureel={id}"), Some(&agent))
            .await
            .text();
        assert!(
            page.contains(&format!(">{notice}</textarea>")),
            "{b}: one click fills the composer"
        );
        let page = t.get(&format!("/c/{other}"), Some(&agent)).await.text();
        assert!(!page.contains("id=\"hints\""), "{b}");

        // Personal data is refused; the form starts from the resolution text.
        assert!(
            t.get(&broadcast, Some(&lead)).await.text().contains(notice),
            "{b}"
        );
        let r = send(
            "dry",
            "Bel ons op 06-12345678 of maak over naar NL91ABNA0417164300",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // The dry run: everyone affected once, two reachable, the forum's author by hand.
        let r = send("dry", notice).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("id=\"broadcast-reachable\" data-count=\"2\""),
            "{b}: {html}"
        );
        assert!(html.contains("2 / 3"), "{b}");
        assert_eq!(
            html.matches("data-reason=\"manual_channel\"").count(),
            1,
            "{b}"
        );
        assert!(deliver(&t).await.is_empty(), "{b}: a dry run sends nothing");

        // The send: one reply each, on their newest linked case, the same text.
        let r = send("send", notice).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let delivered = deliver(&t).await;
        let mut to: Vec<ConversationId> = delivered.iter().map(|i| i.conversation).collect();
        to.sort();
        let mut expected = vec![k0_new, k1];
        expected.sort();
        assert_eq!(
            to, expected,
            "{b}: one per reachable person, their own channel"
        );
        assert!(
            delivered.iter().all(|i| i.text == notice),
            "{b}: the same message"
        );
        for c in [k0_old, k2, other] {
            assert!(t.detail(c).await.replies.is_empty(), "{b}: nothing on {c}");
        }
        let sent = t
            .store
            .broadcasts_of(BroadcastSubject::StructuralIssue(id))
            .await
            .unwrap();
        assert_eq!(sent.len(), 1, "{b}");
        assert_eq!(sent[0].recipients.len(), 3, "{b}: everyone affected, once");
        assert!(
            t.store.broadcasts_of_incident(id).await.unwrap().is_empty(),
            "{b}"
        );
        // Told: the hint is gone.
        let page = t.get(&format!("/c/{k1}"), Some(&agent)).await.text();
        assert!(!page.contains("data-hint=\"tell_fixed\""), "{b}");
        let page = t.get(&broadcast, Some(&lead)).await.text();
        assert_eq!(page.matches("class=\"recipient\"").count(), 3, "{b}");

        // Unlinking takes a case off.
        let r = t
            .post_form(
                &format!("/c/{k2}/structureel/{id}/ontkoppelen"),
                Some(&agent),
                &[("csrf", &agent.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.store.structural_issue(id).await.unwrap().unwrap().cases,
            3,
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_detractor_gets_a_hint_on_their_next_case_and_others_do_not() {
    for t in apps().await {
        let b = t.backend;
        let wa = webhook_source(&t, "whatsapp").await;
        let first = ingest_with(
            &t,
            &wa,
            message("w1", "+31600000001", "Mijn pas is geblokkeerd.", 5),
        )
        .await;
        let happy = ingest_with(
            &t,
            &wa,
            message("w2", "+31600000002", "Hoe zet ik contactloos uit?", 5),
        )
        .await;
        let s = t.login_as(&t.agent).await;
        for c in [first, happy] {
            let r = t
                .post_form(
                    &format!("/c/{c}/reply"),
                    Some(&s),
                    &[("csrf", &s.csrf), ("text", "Geregeld.")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
            let r = t
                .post_form(
                    &format!("/c/{c}/state"),
                    Some(&s),
                    &[("csrf", &s.csrf), ("state", "closed")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        }
        let delivered = deliver(&t).await;
        for (c, score) in [(first, "4"), (happy, "9")] {
            let link = delivered
                .iter()
                .find(|i| i.conversation == c && i.text.contains("/enquete/"))
                .expect("survey link");
            let at = link.text.find("/enquete/").unwrap() + "/enquete/".len();
            let token: String = link.text[at..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            let r = t
                .post_form_with_cookies(
                    &format!("/enquete/{token}"),
                    &format!("wederhoor_pcsrf={VISITOR_CSRF}"),
                    &[("csrf", VISITOR_CSRF), ("score", score), ("comment", "")],
                )
                .await;
            assert!(
                r.status.is_success() || r.status.is_redirection(),
                "{b}: {}",
                r.status
            );
        }
        // Their next cases: the detractor's shows the hint with a card one click away.
        let again = ingest_with(
            &t,
            &wa,
            message("w3", "+31600000001", "Nog een vraag over mijn pas.", 1),
        )
        .await;
        let page = t.get(&format!("/c/{again}"), Some(&s)).await.text();
        assert!(page.contains("data-hint=\"detractor\""), "{b}");
        assert!(page.contains(&format!("href=\"/c/{again}/kaart\"")), "{b}");
        let calm = ingest_with(&t, &wa, message("w4", "+31600000002", "Nog een vraag.", 1)).await;
        let page = t.get(&format!("/c/{calm}"), Some(&s)).await.text();
        assert!(
            !page.contains("id=\"hints\""),
            "{b}: a promoter gets no hint"
        );
    }
}
