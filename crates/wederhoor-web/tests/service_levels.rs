#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Service levels through HTTP (issue #12): timers in the inbox with a warning before and an
//! escalation at a breach, `past_sla` in the daily summary, snooze and follow-up promises,
//! round-robin auto-assignment that skips an agent who is away, and the report's figures
//! within business hours. Time moves through the server's injected clock, never by sleeping;
//! the calendar is "always open" where a test must not depend on the day it runs.

mod common;

use axum::http::StatusCode;
use common::{TestApp, attr_after, conversation_of, inbox_rows, spawn_apps};
use serde_json::{Value, json};
use wederhoor_app::service_levels::{AssignmentMode, ServiceLevelPolicy};
use wederhoor_core::service_level::{BusinessCalendar, ServiceLevels, Target};
use wederhoor_core::{ConversationId, EscalationKind, Role};
use wederhoor_store::NewAgent;
use wederhoor_triage::Engine;
use wederhoor_web::{ActiveRules, AppState, WebConfig};

const MINUTE: i64 = 60_000;

fn amsterdam() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap()
}

/// First response within an hour and resolution within ten, whatever the priority.
fn flat_targets() -> [Target; 4] {
    [Target {
        first_response_minutes: 60,
        resolution_minutes: 600,
    }; 4]
}

fn always_open() -> ServiceLevels {
    ServiceLevels {
        calendar: BusinessCalendar::always_open(amsterdam()),
        targets: flat_targets(),
        warn_percent: 80,
    }
}

/// Monday to Friday 09:00–17:00 in Amsterdam, no holidays (the default calendar).
fn office() -> ServiceLevels {
    ServiceLevels {
        targets: flat_targets(),
        ..ServiceLevels::default_in(amsterdam())
    }
}

async fn apps_with(policy: ServiceLevelPolicy) -> Vec<TestApp> {
    let mut apps = spawn_apps().await;
    for t in &mut apps {
        t.state = AppState::new(
            t.store.clone(),
            ActiveRules {
                engine: Engine::default_engine(),
                version: None,
            },
            WebConfig {
                service_levels: policy.clone(),
                ..WebConfig::default()
            },
        )
        .unwrap();
    }
    apps
}

fn policy(levels: ServiceLevels) -> ServiceLevelPolicy {
    ServiceLevelPolicy {
        levels,
        ..ServiceLevelPolicy::default()
    }
}

/// A question that must be answered, written `minutes_ago` before the real now.
fn question(id: &str, handle: &str, minutes_ago: i64) -> Value {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes_ago);
    json!({ "id": id, "created_at": at.to_string(),
            "text": "Mijn pas werkt niet in de winkel, wat moet ik doen? Kunt u mij helpen?",
            "author": { "handle": handle, "name": "Klant", "followers": 3 } })
}

async fn ingest_one(t: &TestApp, message: Value) -> ConversationId {
    let report = t.ingest_ok(&json!([message])).await;
    conversation_of(&report["results"][0])
}

/// The inbox row of conversation `c` (empty when it is not listed).
fn row_of(html: &str, c: ConversationId) -> String {
    let marker = format!("data-id=\"{c}\"");
    match html.find(&marker) {
        None => String::new(),
        Some(at) => {
            let rest = &html[at..];
            rest[..rest.find("</tr>").unwrap()].to_owned()
        }
    }
}

async fn sweep(t: &TestApp) -> wederhoor_app::service_levels::SweepOutcome {
    wederhoor_web::service_levels::sweep(&t.state)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_case_warns_before_its_target_then_is_overdue_escalated_and_past_sla() {
    for t in apps_with(policy(always_open())).await {
        let b = t.backend;
        let s = t.login_as(&t.agent).await;
        let late = ingest_one(&t, question("late", "@laat", 180)).await;
        let fresh = ingest_one(&t, question("fresh", "@vers", 10)).await;

        let inbox = t.get("/inbox", Some(&s)).await.text();
        let row = row_of(&inbox, late);
        assert!(row.contains("data-sla=\"breached\""), "{b}: {row}");
        assert!(row.contains("te laat"), "{b}: {row}");
        let row = row_of(&inbox, fresh);
        assert!(row.contains("data-sla=\"ok\""), "{b}: {row}");

        // 40 minutes later the fresh case has used 50 of its 60 minutes: a warning.
        t.state.clock.advance(40 * MINUTE);
        let row = row_of(&t.get("/inbox", Some(&s)).await.text(), fresh);
        assert!(row.contains("data-sla=\"warning\""), "{b}: {row}");
        assert!(
            row.contains("nog 10 min") || row.contains("nog 9 min"),
            "{b}: {row}"
        );

        // The sweep computes the targets, warns once and escalates the breach once.
        let first = sweep(&t).await;
        assert_eq!(first.computed, 2, "{b}");
        assert_eq!(first.breaches, [late], "{b}");
        assert_eq!(first.warnings.len(), 2, "{b}: both passed their warning");
        let again = sweep(&t).await;
        assert!(
            again.breaches.is_empty() && again.warnings.is_empty(),
            "{b}"
        );
        let escalations = t.store.escalations_of(late).await.unwrap();
        assert_eq!(escalations.len(), 1, "{b}");
        assert_eq!(escalations[0].kind, EscalationKind::ServiceLevel, "{b}");
        assert_eq!(escalations[0].reason, "first_response", "{b}");
        let lead = t.login_as(&t.lead).await;
        let page = t.get("/escalaties", Some(&lead)).await.text();
        assert!(page.contains("data-kind=\"service_level\""), "{b}");

        // "Due first": the overdue case leads, whatever the newest-first order says.
        let due = t.get("/inbox?sort=due", Some(&s)).await.text();
        assert!(
            due.find(&format!("data-id=\"{late}\"")).unwrap()
                < due.find(&format!("data-id=\"{fresh}\"")).unwrap(),
            "{b}"
        );
        let newest = t.get("/inbox", Some(&s)).await.text();
        assert!(
            newest.find(&format!("data-id=\"{fresh}\"")).unwrap()
                < newest.find(&format!("data-id=\"{late}\"")).unwrap(),
            "{b}"
        );

        // The daily summary of the late case's day counts it past its service level; a reply
        // within the hour does not count.
        let s2 = t.login_as(&t.agent).await;
        let quick = ingest_one(&t, question("quick", "@snel", 5)).await;
        let r = t
            .post_form(
                &format!("/c/{quick}/reply"),
                Some(&s2),
                &[("csrf", &s2.csrf), ("text", "We kijken het na.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let now = t.state.clock.now_ms();
        let mut expected = std::collections::BTreeMap::<jiff::civil::Date, i64>::new();
        for (c, breached) in [(late, true), (fresh, false), (quick, false)] {
            let opened = t.detail(c).await.summary.created_at;
            let day = jiff::Timestamp::from_millisecond(opened)
                .unwrap()
                .to_zoned(amsterdam())
                .date();
            *expected.entry(day).or_default() += i64::from(breached);
        }
        for (day, past) in expected {
            let summary = wederhoor_app::summary::daily_summary_at(
                &t.store,
                day,
                &amsterdam(),
                &always_open(),
                now,
            )
            .await
            .unwrap();
            assert_eq!(summary.past_sla, past, "{b}: {day}");
            let json = serde_json::to_value(&summary).unwrap();
            assert_eq!(json["past_sla"], past, "{b}");
        }
    }
}

#[tokio::test]
async fn a_snoozed_case_leaves_the_inbox_and_comes_back_marked() {
    for t in apps_with(policy(always_open())).await {
        let b = t.backend;
        let s = t.login_as(&t.agent).await;
        let c = ingest_one(&t, question("snooze", "@belofte", 5)).await;
        assert!(!row_of(&t.get("/inbox", Some(&s)).await.text(), c).is_empty());

        let now = jiff::Timestamp::from_millisecond(t.state.clock.now_ms()).unwrap();
        let past = (now - jiff::SignedDuration::from_mins(5)).to_string();
        let r = t
            .post_form(
                &format!("/c/{c}/snooze"),
                Some(&s),
                &[("csrf", &s.csrf), ("until", &past), ("note", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // Two hours from now, in Amsterdam wall-clock time as the form's field sends it.
        let until = (now + jiff::SignedDuration::from_hours(2))
            .to_zoned(amsterdam())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        let r = t
            .post_form(
                &format!("/c/{c}/snooze"),
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("until", &until),
                    ("note", "Bellen over de nieuwe pas"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let inbox = t.get("/inbox", Some(&s)).await.text();
        assert!(
            row_of(&inbox, c).is_empty(),
            "{b}: a snoozed case is hidden"
        );
        let lead = t.login_as(&t.lead).await;
        let promises = t.get("/beloftes", Some(&lead)).await.text();
        assert_eq!(
            attr_after(
                &promises,
                &format!("data-conversation=\"{c}\""),
                "data-overdue"
            )
            .as_deref(),
            Some("0"),
            "{b}"
        );
        assert!(promises.contains("Bellen over de nieuwe pas"), "{b}");
        assert!(!promises.contains("id=\"promises-overdue\""), "{b}");

        // Three hours later it is back, with its marker, and the lead sees the promise overdue.
        t.state.clock.advance(3 * 60 * MINUTE);
        let row = row_of(&t.get("/inbox", Some(&s)).await.text(), c);
        assert!(row.contains("data-snooze=\"back\""), "{b}: {row}");
        assert!(row.contains("Bellen over de nieuwe pas"), "{b}");
        let promises = t.get("/beloftes", Some(&lead)).await.text();
        assert_eq!(
            attr_after(
                &promises,
                &format!("data-conversation=\"{c}\""),
                "data-overdue"
            )
            .as_deref(),
            Some("1"),
            "{b}"
        );
        assert!(promises.contains("id=\"promises-overdue\""), "{b}");

        // Kept: the marker and the promise are gone.
        let r = t
            .post_form(&format!("/c/{c}/wake"), Some(&s), &[("csrf", &s.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let row = row_of(&t.get("/inbox", Some(&s)).await.text(), c);
        assert!(!row.is_empty() && !row.contains("data-snooze"), "{b}");
        let promises = t.get("/beloftes", Some(&lead)).await.text();
        assert!(promises.contains("id=\"promises-none\""), "{b}");
        // An agent may not read the leads' list.
        assert_eq!(
            t.get("/beloftes", Some(&s)).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn round_robin_alternates_between_available_agents_and_skips_one_who_is_away() {
    let policy = ServiceLevelPolicy {
        assignment: AssignmentMode::RoundRobin,
        ..policy(always_open())
    };
    for t in apps_with(policy).await {
        let b = t.backend;
        let ben = t
            .store
            .create_agent(
                &NewAgent {
                    username: "ben".into(),
                    display_name: "Ben Agent".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        // The lead is away (from their own page); Anna and Ben are available by default.
        let lead = t.login_as(&t.lead).await;
        let r = t
            .post_form(
                "/me/beschikbaarheid",
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("team", "webcare"),
                    ("languages", "nl, en"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let me = t.get("/me", Some(&lead)).await.text();
        assert_eq!(
            attr_after(&me, "id=\"routing-state\"", "data-available").as_deref(),
            Some("0"),
            "{b}"
        );
        let routing = t.store.agent_routing(t.lead.id).await.unwrap();
        assert_eq!(routing.languages, ["nl", "en"], "{b}");
        assert_eq!(routing.team.as_deref(), Some("webcare"), "{b}");

        let mut cases = Vec::new();
        for i in 0..4 {
            let c = ingest_one(&t, question(&format!("rr{i}"), &format!("@k{i}"), 40 - i)).await;
            cases.push(c);
        }
        let out = sweep(&t).await;
        assert_eq!(out.assigned.len(), 4, "{b}");
        let mut owners = Vec::new();
        for c in &cases {
            owners.push(t.detail(*c).await.summary.owner_id.unwrap());
        }
        assert_eq!(
            owners,
            [t.agent.id, ben.id, t.agent.id, ben.id],
            "{b}: oldest case first, in turn"
        );
        // Nothing left to assign; a new case goes to whoever is next in turn.
        assert!(sweep(&t).await.assigned.is_empty(), "{b}");
        let next = ingest_one(&t, question("rr4", "@k4", 1)).await;
        sweep(&t).await;
        assert_eq!(
            t.detail(next).await.summary.owner_id,
            Some(t.agent.id),
            "{b}"
        );
        let inbox = t.get("/inbox?unassigned=1", Some(&lead)).await.text();
        assert_eq!(inbox_rows(&inbox), 0, "{b}");
    }
}

/// Business milliseconds between two instants on Monday–Friday 09:00–17:00 in Amsterdam,
/// computed minute by minute from the wall clock (independent of the calculator).
fn office_ms(from: i64, to: i64) -> i64 {
    let minute_of = |ms: i64| ms.div_euclid(MINUTE);
    let mut total = 0;
    let mut m = minute_of(from);
    while m <= minute_of(to) {
        let start = (m * MINUTE).max(from);
        let end = ((m + 1) * MINUTE).min(to);
        if end > start {
            let z = jiff::Timestamp::from_millisecond(m * MINUTE)
                .unwrap()
                .to_zoned(amsterdam());
            let weekday = z.weekday().to_monday_one_offset();
            if weekday <= 5 && (9..17).contains(&z.hour()) {
                total += end - start;
            }
        }
        m += 1;
    }
    total
}

fn secs(html: &str, id: &str) -> Option<i64> {
    attr_after(html, &format!("id=\"{id}\""), "data-secs").and_then(|s| s.parse().ok())
}

#[tokio::test]
async fn the_report_shows_first_response_and_resolution_within_business_hours() {
    for t in apps_with(policy(office())).await {
        let b = t.backend;
        let s = t.login_as(&t.agent).await;
        // Written 2 hours to 6 days ago: some of that time falls within office hours
        // whatever the day the test runs.
        let mut cases = Vec::new();
        for (i, minutes_ago) in [120, 1_800, 4_500, 8_640].into_iter().enumerate() {
            let c = ingest_one(
                &t,
                question(&format!("rep{i}"), &format!("@r{i}"), minutes_ago),
            )
            .await;
            let r = t
                .post_form(
                    &format!("/c/{c}/reply"),
                    Some(&s),
                    &[("csrf", &s.csrf), ("text", "Dank u, we zoeken het uit.")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
            cases.push(c);
        }
        let lead = t.login_as(&t.lead).await;
        let page = t.get("/rapporten", Some(&lead)).await.text();

        let mut business = Vec::new();
        let mut met = 0;
        for c in &cases {
            let d = t.detail(*c).await;
            let opened = d.summary.created_at;
            let replied = d.replies.iter().map(|r| r.created_at).min().unwrap();
            let ms = office_ms(opened, replied);
            business.push(ms);
            // Within 60 business minutes: the reply came before the target fell due.
            if ms <= 60 * MINUTE {
                met += 1;
            }
        }
        business.sort_unstable();
        // The lower middle of four, and p90 the highest.
        assert_eq!(
            secs(&page, "fig-first-business-median"),
            Some(business[1] / 1000),
            "{b}: {business:?}"
        );
        assert_eq!(
            secs(&page, "fig-first-business-p90"),
            Some(business[3] / 1000),
            "{b}"
        );
        assert_eq!(
            attr_after(&page, "id=\"fig-attainment-first\"", "data-percent").as_deref(),
            Some((met * 100 / 4).to_string().as_str()),
            "{b}"
        );
        let csv = t.get("/rapporten.csv", Some(&lead)).await.text();
        assert!(
            csv.contains(&format!(
                "business_hours,first_response_median_secs,{}",
                business[1] / 1000
            )),
            "{b}: {csv}"
        );
    }
}
