//! Learning from the team (issue #10): replies, closes and review decisions are kept as
//! decisions; a lead trains a model version from them on `/rules/model`; later verdicts follow
//! what the team did — on every store (SQLite, and PostgreSQL with WEDERHOOR_TEST_PG).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use wederhoor_core::Action;

/// Questions about the share price: the rules answer every question put to us.
fn share_question(i: usize) -> String {
    format!("@zuiderbank hoe staat het aandeel vandaag, koersdoel {i}?")
}

fn app_problem(i: usize) -> String {
    format!("@zuiderbank mijn app werkt niet sinds update {i}, wat nu?")
}

#[tokio::test]
async fn the_teams_replies_and_closes_teach_later_verdicts() {
    for t in spawn_apps().await {
        let b = t.backend;
        let agent = t.login_as(&t.agent).await;
        let lead = t.login_as(&t.lead).await;

        // Before any decisions: the share question is answered by the rules.
        let r = t.ingest_ok(&msg("q0", &share_question(0))).await;
        let conv = conversation_of(&r["results"][0]);
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Respond, "{b}");

        // Too few decisions: the page says so and no version is made.
        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert!(html.contains("id=\"model-error\""), "{b}");
        assert!(html.contains("minstens 20 besluiten"), "{b}");
        assert!(
            !html.contains("cannot learn"),
            "{b}: no internal English text"
        );
        assert!(t.store.team_models(5).await.unwrap().is_empty(), "{b}");

        // The team answers app problems and closes share questions without a reply.
        for i in 1..=15 {
            let r = t.ingest_ok(&msg(&format!("p{i}"), &app_problem(i))).await;
            let conv = conversation_of(&r["results"][0]);
            let r = t
                .post_form(
                    &format!("/c/{conv}/reply"),
                    Some(&agent),
                    &[("csrf", &agent.csrf), ("text", "We kijken met je mee.")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
            let r = t
                .ingest_ok(&msg(&format!("s{i}"), &share_question(i)))
                .await;
            let conv = conversation_of(&r["results"][0]);
            let r = t
                .post_form(
                    &format!("/c/{conv}/state"),
                    Some(&agent),
                    &[("csrf", &agent.csrf), ("state", "closed")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        }
        assert_eq!(t.store.decisions_count().await.unwrap(), 30, "{b}");

        // Agents may not see or train the model.
        assert_eq!(
            t.get("/rules/model", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // Without the CSRF token nothing is trained.
        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", "wrong")])
            .await;
        assert_ne!(r.status, StatusCode::OK, "{b}");

        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert!(html.contains("id=\"model-notice\""), "{b}: {html}");
        assert!(html.contains("30 besluiten"), "{b}");
        let versions = t.store.team_models(5).await.unwrap();
        assert_eq!(versions.len(), 1, "{b}");
        assert!(versions[0].active, "{b}");
        assert_eq!(versions[0].decisions, 30, "{b}");
        // The first share question (still `respond` in the store) is among the verdicts that
        // change.
        assert!(versions[0].changes >= 1, "{b}: {versions:?}");

        // A new share question now gets what the team did, with the reason in words.
        let r = t.ingest_ok(&msg("q-new", &share_question(99))).await;
        let conv = conversation_of(&r["results"][0]);
        let d = t.detail(conv).await;
        assert_eq!(d.summary.verdict, Action::Ignore, "{b}");
        let m = &d.messages[0];
        assert_eq!(m.rule, "geleerd", "{b}");
        assert!(
            m.confidence > 0.55 && m.confidence <= 1.0,
            "{b}: {}",
            m.confidence
        );
        let page = t.get(&format!("/c/{conv}"), Some(&agent)).await.text();
        let shown = format!("zekerheid {} %", (m.confidence * 100.0).round() as i64);
        assert!(page.contains(&shown), "{b}: {shown}");
        // An app problem is still answered.
        let r = t.ingest_ok(&msg("p-new", &app_problem(99))).await;
        let conv = conversation_of(&r["results"][0]);
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Respond, "{b}");

        // The page lists the version.
        let page = t.get("/rules/model", Some(&lead)).await.text();
        assert!(page.contains("id=\"model-versions\""), "{b}");
        // Training again without new decisions makes no identical version.
        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert!(
            r.text().contains("Geen nieuwe besluiten sinds versie"),
            "{b}"
        );
        assert_eq!(t.store.team_models(5).await.unwrap().len(), 1, "{b}");
    }
}
