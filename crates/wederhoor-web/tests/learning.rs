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

        // A new version is kept inactive: its page shows what it would change first.
        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let versions = t.store.team_models(5).await.unwrap();
        assert_eq!(versions.len(), 1, "{b}");
        let v1 = versions[0].id;
        assert_eq!(
            r.location(),
            Some(format!("/rules/model/{v1}?nieuw=1").as_str()),
            "{b}"
        );
        assert!(
            !versions[0].active,
            "{b}: not in use before a lead activates it"
        );
        assert_eq!(versions[0].decisions, 30, "{b}");
        assert!(versions[0].size > 0, "{b}");
        assert!(versions[0].metrics.contains("holdout_together"), "{b}");
        // The first share question (still `respond` with the rules alone) is among the verdicts
        // that change.
        assert!(versions[0].changes >= 1, "{b}: {versions:?}");
        let r = t.ingest_ok(&msg("q-before", &share_question(98))).await;
        let conv = conversation_of(&r["results"][0]);
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Respond, "{b}");
        let html = t
            .get(&format!("/rules/model/{v1}?nieuw=1"), Some(&lead))
            .await
            .text();
        assert!(html.contains("id=\"model-notice\""), "{b}: {html}");
        assert!(html.contains("30 besluiten"), "{b}");
        assert!(html.contains("id=\"model-transitions\""), "{b}: {html}");
        assert!(
            html.contains("koersdoel"),
            "{b}: the changed messages are listed"
        );
        assert!(html.contains("id=\"activate-model\""), "{b}");
        let r = t
            .post_form(
                &format!("/rules/model/{v1}/activate"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(t.store.team_models(5).await.unwrap()[0].active, "{b}");

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

/// Decides `n` conversations: app problems answered, share questions closed without a reply.
async fn decide(t: &TestApp, agent: &Session, from: usize, n: usize) {
    for i in from..from + n {
        let r = t.ingest_ok(&msg(&format!("p{i}"), &app_problem(i))).await;
        let conv = conversation_of(&r["results"][0]);
        let r = t
            .post_form(
                &format!("/c/{conv}/reply"),
                Some(agent),
                &[("csrf", &agent.csrf), ("text", "We kijken met je mee.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = t
            .ingest_ok(&msg(&format!("s{i}"), &share_question(i)))
            .await;
        let conv = conversation_of(&r["results"][0]);
        let r = t
            .post_form(
                &format!("/c/{conv}/state"),
                Some(agent),
                &[("csrf", &agent.csrf), ("state", "closed")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn model_versions_are_activated_and_rolled_back() {
    for t in spawn_apps().await {
        let b = t.backend;
        let agent = t.login_as(&t.agent).await;
        let lead = t.login_as(&t.lead).await;
        decide(&t, &agent, 1, 15).await;

        // Nothing to roll back to yet: the page says so.
        let r = t
            .post_form(
                "/rules/model/rollback",
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.text().contains("Er is geen eerdere versie"), "{b}");

        // Version 1, put in use.
        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let v1 = t.store.team_models(1).await.unwrap()[0].id;
        let r = t
            .post_form(
                &format!("/rules/model/{v1}/activate"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = t.ingest_ok(&msg("q1", &share_question(101))).await;
        let conv = conversation_of(&r["results"][0]);
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Ignore, "{b}");

        // Version 2 from more decisions: kept inactive; its backtest against version 1 is on
        // its page (the same habits: few or no verdicts change).
        decide(&t, &agent, 16, 5).await;
        let r = t
            .post_form("/rules/model", Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let versions = t.store.team_models(5).await.unwrap();
        assert_eq!(versions.len(), 2, "{b}");
        let v2 = versions[0].id;
        assert!(v2 > v1 && !versions[0].active && versions[1].active, "{b}");
        assert_eq!(versions[0].decisions, 40, "{b}");
        let html = t
            .get(&format!("/rules/model/{v2}"), Some(&lead))
            .await
            .text();
        assert!(html.contains("id=\"model-backtest-summary\""), "{b}");
        assert!(html.contains("id=\"activate-model\""), "{b}");
        // Version 1's page, against itself in use: nothing changes, no activate button.
        let html = t
            .get(&format!("/rules/model/{v1}"), Some(&lead))
            .await
            .text();
        assert!(
            html.contains("krijgen er 0 een ander oordeel"),
            "{b}: {html}"
        );
        assert!(!html.contains("id=\"activate-model\""), "{b}");
        assert_eq!(
            t.get("/rules/model/999999", Some(&lead)).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // Activate version 2; the list offers the way back to version 1.
        let r = t
            .post_form(
                &format!("/rules/model/{v2}/activate"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let page = t.get("/rules/model", Some(&lead)).await.text();
        assert!(page.contains("id=\"model-rollback\""), "{b}");
        assert!(page.contains(&format!("Terug naar versie {v1}")), "{b}");
        assert_eq!(
            t.store.active_team_model().await.unwrap().unwrap().0,
            v2,
            "{b}"
        );

        // Roll back: version 1 is active again, in the store and in the running engine.
        let r = t
            .post_form(
                "/rules/model/rollback",
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.store.active_team_model().await.unwrap().unwrap().0,
            v1,
            "{b}"
        );
        let versions = t.store.team_models(5).await.unwrap();
        assert!(versions[1].active && !versions[0].active, "{b}");
        let r = t.ingest_ok(&msg("q2", &share_question(102))).await;
        let conv = conversation_of(&r["results"][0]);
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Ignore, "{b}");
        // Rolling back again undoes the rollback (version 2 was active before).
        let r = t
            .post_form(
                "/rules/model/rollback",
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.store.active_team_model().await.unwrap().unwrap().0,
            v2,
            "{b}"
        );

        // Agents can neither activate nor roll back; a wrong token changes nothing.
        for path in [
            format!("/rules/model/{v1}/activate"),
            "/rules/model/rollback".into(),
        ] {
            let r = t
                .post_form(&path, Some(&agent), &[("csrf", &agent.csrf)])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
            let r = t.post_form(&path, Some(&lead), &[("csrf", "wrong")]).await;
            assert_ne!(r.status, StatusCode::SEE_OTHER, "{b}");
        }
        assert_eq!(
            t.store.active_team_model().await.unwrap().unwrap().0,
            v2,
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_agents_override_is_kept_as_a_decision() {
    for t in spawn_apps().await {
        let b = t.backend;
        let agent = t.login_as(&t.agent).await;
        let r = t.ingest_ok(&msg("o1", &share_question(1))).await;
        let conv = conversation_of(&r["results"][0]);
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Respond, "{b}");
        let page = t.get(&format!("/c/{conv}"), Some(&agent)).await.text();
        assert!(page.contains("id=\"verdict-form\""), "{b}");

        // `review` is not a verdict an agent gives; a wrong token changes nothing.
        let path = format!("/c/{conv}/oordeel");
        let r = t
            .post_form(
                &path,
                Some(&agent),
                &[("csrf", &agent.csrf), ("action", "review")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = t
            .post_form(
                &path,
                Some(&agent),
                &[("csrf", "wrong"), ("action", "ignore")],
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(t.store.decisions_count().await.unwrap(), 0, "{b}");

        let r = t
            .post_form(
                &path,
                Some(&agent),
                &[("csrf", &agent.csrf), ("action", "ignore")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(r.location(), Some(format!("/c/{conv}").as_str()), "{b}");
        assert_eq!(t.detail(conv).await.summary.verdict, Action::Ignore, "{b}");
        let kept = t.store.decisions_for_training(10).await.unwrap();
        assert_eq!(kept.len(), 1, "{b}");
        assert_eq!(kept[0].action, Action::Ignore, "{b}");
        assert!(kept[0].item.text.contains("koersdoel 1"), "{b}");
        // The same verdict again keeps one decision.
        let r = t
            .post_form(
                &path,
                Some(&agent),
                &[("csrf", &agent.csrf), ("action", "ignore")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(t.store.decisions_count().await.unwrap(), 1, "{b}");
    }
}
