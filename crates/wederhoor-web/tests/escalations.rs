#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Escalations that reach a lead (issue #12), through HTTP: each trigger (repeat contact by text
//! and by count across sources, the watchlist as press, viral growth, a legal threat), the leads'
//! actions with their audit rows, the roles, and the notifications queued once.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use wederhoor_core::{ConversationId, DeliveryKind, EscalationKind, EscalationState};
use wederhoor_store::{EscalationRow, NewSource};

fn from(id: &str, handle: &str, text: &str) -> Value {
    json!({ "id": id, "text": text, "author": { "handle": handle, "name": "Iemand", "followers": 40 } })
}

async fn escalations_of(app: &TestApp, c: ConversationId) -> Vec<EscalationRow> {
    app.store.escalations_of(c).await.unwrap()
}

fn kinds(list: &[EscalationRow]) -> Vec<EscalationKind> {
    list.iter().map(|e| e.kind).collect()
}

/// Ingests one message and returns its conversation.
async fn one(app: &TestApp, value: Value) -> ConversationId {
    let report = app.ingest_ok(&value).await;
    conversation_of(&report["results"][0])
}

#[tokio::test]
async fn a_text_that_says_repeat_contact_opens_a_repeat_escalation_for_leads() {
    for app in spawn_apps().await {
        let b = app.backend;
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;
        let plain = one(
            &app,
            from("p1", "@piet", "Hoe laat gaat het kantoor in Gent open?"),
        )
        .await;
        let repeat = one(
            &app,
            from(
                "r1",
                "@marieke",
                "Ik heb al zes keer gebeld over mijn geblokkeerde pas en niemand helpt me!",
            ),
        )
        .await;
        let english = one(
            &app,
            from(
                "r2",
                "@john",
                "I already called three times about my blocked card, please help",
            ),
        )
        .await;
        assert!(escalations_of(&app, plain).await.is_empty(), "{b}");
        assert_eq!(
            kinds(&escalations_of(&app, repeat).await),
            [EscalationKind::Repeat],
            "{b}"
        );
        assert_eq!(
            kinds(&escalations_of(&app, english).await),
            [EscalationKind::Repeat],
            "{b}"
        );

        let page = app.get("/escalaties", Some(&lead)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert_eq!(html.matches("class=\"escalation-card\"").count(), 2, "{b}");
        assert!(html.contains(&format!("href=\"/c/{}\"", repeat.0)), "{b}");
        assert!(html.contains("Herhaald contact"), "{b}");
        assert!(
            html.contains("Klant persoonlijk teruggebeld"),
            "{b}: checklist"
        );
        // The case page links it, and the inbox badge says a lead is needed; the priority of
        // the case is what the triage gave, like any other.
        let case = app
            .get(&format!("/c/{}", repeat.0), Some(&lead))
            .await
            .text();
        assert!(case.contains("id=\"case-escalations\""), "{b}");
        assert!(case.contains("/escalaties#escalation-"), "{b}");
        // Agents do not see the leads' page.
        assert_eq!(
            app.get("/escalaties", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            app.get("/escalaties", None).await.status.as_u16() / 100,
            3,
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_contact_writing_again_on_one_topic_across_sources_becomes_a_repeat_contact() {
    for mut app in spawn_apps().await {
        let b = app.backend;
        app.state.config.escalations.repeat_messages = 3;
        let (_, other_token) = app
            .store
            .create_source(&NewSource {
                kind: "webhook".into(),
                name: "Mastodon".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let text = |n: u32| {
            format!("Mijn pinpas is weer geweigerd bij de kassa, dit is poging {n}. Wat is er mis?")
        };
        let first = one(&app, from("c1", "@sanne", &text(1))).await;
        // Someone else with the same complaint does not count for Sanne.
        one(&app, from("x1", "@bram", &text(1))).await;
        one(&app, from("x2", "@bram2", &text(2))).await;
        let second = one(&app, from("c2", "@Sanne", &text(2))).await;
        assert!(escalations_of(&app, first).await.is_empty(), "{b}");
        assert!(escalations_of(&app, second).await.is_empty(), "{b}");
        // The third message comes from the same person on another source.
        let forum_token = std::mem::replace(&mut app.token, other_token);
        let third = one(&app, from("c3", "@sanne@mastodon.example", &text(3))).await;
        app.token = forum_token;
        let list = escalations_of(&app, third).await;
        assert_eq!(kinds(&list), [EscalationKind::Repeat], "{b}");
        assert!(
            list[0].reason.starts_with("count 3"),
            "{b}: {}",
            list[0].reason
        );
        // Equal treatment: the escalated case keeps the priority its text gave it.
        assert_eq!(
            app.detail(third).await.summary.priority,
            app.detail(first).await.summary.priority,
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_watched_author_is_press_and_the_watchlist_is_validated() {
    for app in spawn_apps().await {
        let b = app.backend;
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;
        let (app_ref, lead_ref) = (&app, &lead);
        let add = move |handle: &'static str, csrf: String| async move {
            app_ref
                .post_form(
                    "/escalaties/volglijst",
                    Some(lead_ref),
                    &[("csrf", &csrf), ("handle", handle), ("note", "columnist")],
                )
                .await
        };
        let r = add("@Columnist_Carla", lead.csrf.clone()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        for (bad, says) in [
            ("twee woorden", "letters, cijfers"),
            ("", "Vul een account in"),
            ("@columnist_carla", "staat al op de volglijst"),
        ] {
            let r = add(bad, lead.csrf.clone()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {bad}");
            assert!(r.text().contains(says), "{b}: {bad}");
        }
        assert_eq!(
            add("@x_y", "wrong".into()).await.status,
            StatusCode::FORBIDDEN,
            "{b}: CSRF"
        );
        let r = app
            .post_form(
                "/escalaties/volglijst",
                Some(&agent),
                &[("csrf", &agent.csrf), ("handle", "@iemand")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{b}: agents keep no watchlist"
        );
        let page = app.get("/escalaties/volglijst", Some(&lead)).await.text();
        assert!(page.contains("@Columnist_Carla"), "{b}");

        // A post of the watched columnist, on any platform, is treated like press.
        let c = one(
            &app,
            from(
                "w1",
                "@columnist_carla@mastodon.example",
                "Wat vinden jullie van de nieuwe app van Zuiderbank?",
            ),
        )
        .await;
        let list = escalations_of(&app, c).await;
        assert_eq!(kinds(&list), [EscalationKind::Press], "{b}");
        assert_eq!(list[0].reason, "watchlist", "{b}");
        let other = one(
            &app,
            from(
                "w2",
                "@carla",
                "Wat vinden jullie van de nieuwe app van Zuiderbank?",
            ),
        )
        .await;
        assert!(escalations_of(&app, other).await.is_empty(), "{b}");

        // Removed, the next post is ordinary again.
        let id = app.store.watchlist().await.unwrap()[0].id;
        let r = app
            .post_form(
                &format!("/escalaties/volglijst/{id}/verwijderen"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(app.store.watchlist().await.unwrap().is_empty(), "{b}");
        let later = one(
            &app,
            from(
                "w3",
                "@columnist_carla",
                "Nog een vraag over de app van Zuiderbank?",
            ),
        )
        .await;
        assert!(escalations_of(&app, later).await.is_empty(), "{b}");
    }
}

#[tokio::test]
async fn press_and_legal_verdicts_open_press_and_legal_escalations() {
    for app in spawn_apps().await {
        let b = app.backend;
        let press = one(
            &app,
            from("j1", "@verslaggever", "Ik ben journalist bij de Volkskrant en wil graag een reactie van Zuiderbank op de storing."),
        )
        .await;
        let legal = one(
            &app,
            from(
                "l1",
                "@boos",
                "Zuiderbank blokkeert al weken mijn rekening. Mijn advocaat neemt contact op.",
            ),
        )
        .await;
        let press_list = escalations_of(&app, press).await;
        let legal_list = escalations_of(&app, legal).await;
        assert_eq!(
            kinds(&press_list),
            [EscalationKind::Press],
            "{b}: {press_list:?}"
        );
        assert_eq!(
            kinds(&legal_list),
            [EscalationKind::Legal],
            "{b}: {legal_list:?}"
        );
        assert_eq!(
            app.detail(legal).await.summary.verdict.as_str(),
            "escalate",
            "{b}"
        );
    }
}

#[tokio::test]
async fn viral_growth_opens_a_viral_escalation_without_moving_the_case_in_the_queue() {
    for app in spawn_apps().await {
        let b = app.backend;
        let post = |reposts: i64| {
            json!({ "id": "v1", "text": "Zuiderbank rekent ineens 5 euro extra per maand, zonder het te melden. Waarom?",
                    "author": { "handle": "@anouk", "followers": 80 }, "metrics": { "reposts": reposts, "likes": reposts } })
        };
        let c = one(&app, post(2)).await;
        let before = app.detail(c).await.summary.priority;
        assert!(escalations_of(&app, c).await.is_empty(), "{b}");
        let r = app.ingest_ok(&post(40)).await;
        assert_eq!(r["results"][0]["status"], "updated", "{b}: {r}");
        assert!(
            escalations_of(&app, c).await.is_empty(),
            "{b}: 40 reposts is no wave"
        );
        let r = app.ingest_ok(&post(4800)).await;
        assert_eq!(r["results"][0]["status"], "updated", "{b}: {r}");
        let list = escalations_of(&app, c).await;
        assert_eq!(kinds(&list), [EscalationKind::Viral], "{b}");
        assert_eq!(list[0].reason, "reposts 40 4800", "{b}");
        assert_eq!(
            app.detail(c).await.summary.priority,
            before,
            "{b}: reach never reorders"
        );
        // Growing further opens nothing new.
        app.ingest_ok(&post(9000)).await;
        assert_eq!(escalations_of(&app, c).await.len(), 1, "{b}");
        let lead = app.login_as(&app.lead).await;
        let html = app.get("/escalaties", Some(&lead)).await.text();
        assert!(
            html.contains("bereik groeide van 40 naar 4800 keer gedeeld"),
            "{b}"
        );
    }
}

#[tokio::test]
async fn leads_acknowledge_assign_tick_and_close_each_with_an_audit_row() {
    for app in spawn_apps().await {
        let b = app.backend;
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;
        let c = one(
            &app,
            from(
                "a1",
                "@herhaler",
                "Voor de derde keer: mijn overboeking is niet aangekomen.",
            ),
        )
        .await;
        let e = escalations_of(&app, c).await.remove(0);
        assert_eq!(e.state, EscalationState::Open, "{b}");
        assert_eq!(e.first_action_at, None, "{b}");
        let path = |what: &str| format!("/escalaties/{}/{what}", e.id);

        // Roles and CSRF first: nothing changes.
        for what in ["oppakken", "afronden"] {
            let r = app
                .post_form(&path(what), Some(&agent), &[("csrf", &agent.csrf)])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: agent {what}");
            let r = app
                .post_form(&path(what), Some(&lead), &[("csrf", "nope")])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: CSRF {what}");
        }
        assert_eq!(
            app.store.escalation(e.id).await.unwrap().unwrap().state,
            EscalationState::Open
        );

        let r = app
            .post_form(&path("oppakken"), Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let now = app.store.escalation(e.id).await.unwrap().unwrap();
        assert_eq!(now.state, EscalationState::Acknowledged, "{b}");
        assert_eq!(now.owner, Some(app.lead.id), "{b}");
        let first = now.first_action_at.expect("first action");
        assert!(first >= e.created_at, "{b}");

        let tick = |item: &'static str, done: &'static str| {
            let path = path("checklist");
            let csrf = lead.csrf.clone();
            let app = &app;
            let lead = &lead;
            async move {
                app.post_form(
                    &path,
                    Some(lead),
                    &[("csrf", &csrf), ("item", item), ("done", done)],
                )
                .await
            }
        };
        assert_eq!(
            tick("inform_legal", "1").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        assert_eq!(
            tick("call_customer", "ja").await.status,
            StatusCode::BAD_REQUEST,
            "{b}"
        );
        assert_eq!(
            tick("call_customer", "1").await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let now = app.store.escalation(e.id).await.unwrap().unwrap();
        assert_eq!(now.checks, ["call_customer"], "{b}");
        assert_eq!(
            now.first_action_at,
            Some(first),
            "{b}: the first action stays the first"
        );

        let assign = |owner: String| {
            let path = path("toewijzen");
            let csrf = lead.csrf.clone();
            let app = &app;
            let lead = &lead;
            async move {
                app.post_form(&path, Some(lead), &[("csrf", &csrf), ("owner", &owner)])
                    .await
            }
        };
        assert_eq!(
            assign(app.agent.id.0.to_string()).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        assert_eq!(
            assign("iemand".into()).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        assert_eq!(
            assign(app.admin.id.0.to_string()).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        assert_eq!(
            app.store.escalation(e.id).await.unwrap().unwrap().owner,
            Some(app.admin.id)
        );

        let html = app.get("/escalaties", Some(&lead)).await.text();
        assert!(html.contains("Bea Beheer"), "{b}: the owner is shown");
        assert!(
            html.contains("aria-pressed=\"true\""),
            "{b}: the ticked item"
        );

        let r = app
            .post_form(&path("afronden"), Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let done = app.store.escalation(e.id).await.unwrap().unwrap();
        assert_eq!(done.state, EscalationState::Done, "{b}");
        assert!(done.closed_at.is_some(), "{b}");
        assert_eq!(
            tick("read_history", "1").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        let r = app
            .post_form(&path("oppakken"), Some(&lead), &[("csrf", &lead.csrf)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: closed stays closed"
        );
        assert!(
            !app.get("/escalaties", Some(&lead))
                .await
                .text()
                .contains("escalation-card"),
            "{b}"
        );
        let r = app
            .post_form(
                "/escalaties/999999/oppakken",
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");

        let actions: Vec<String> = app
            .store
            .audit_of("escalation", e.id)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, action, _)| action)
            .collect();
        assert_eq!(
            actions,
            [
                "escalation.open",
                "escalation.change",
                "escalation.tick",
                "escalation.change",
                "escalation.change"
            ],
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_escalation_queues_one_mail_per_lead_and_one_webhook_without_personal_data() {
    for mut app in spawn_apps().await {
        let b = app.backend;
        app.state.config.escalations.mail_to = vec![
            "lead@zuiderbank.example".into(),
            "chef@zuiderbank.example".into(),
        ];
        app.state.config.escalations.webhook_urls = vec!["http://127.0.0.1:9/hooks/abc".into()];
        app.state.config.escalations.language = "en".into();
        let c = one(
            &app,
            from("m1", "@geheim_handle", "Voor de derde keer: zet het geld terug op NL91ABNA0417164300, bel me op 0612345678"),
        )
        .await;
        // The same case again: no second escalation of the kind, nothing queued again.
        app.ingest_ok(
            &json!({ "id": "m2", "text": "Ik heb al zes keer gebeld!", "in_reply_to": "m1",
            "author": { "handle": "@geheim_handle" } }),
        )
        .await;
        assert_eq!(escalations_of(&app, c).await.len(), 1, "{b}");
        let mails = app.store.claim_due_mail(10, 60_000).await.unwrap();
        let ours: Vec<_> = mails
            .iter()
            .filter(|m| m.subject.contains("Escalation"))
            .collect();
        assert_eq!(ours.len(), 2, "{b}: {mails:?}");
        let mut to: Vec<&str> = ours.iter().map(|m| m.to.as_str()).collect();
        to.sort_unstable();
        assert_eq!(
            to,
            ["chef@zuiderbank.example", "lead@zuiderbank.example"],
            "{b}"
        );
        for m in &ours {
            for secret in ["0417164300", "0612345678", "geheim_handle"] {
                assert!(!m.body.contains(secret), "{b}: {secret} in {}", m.body);
            }
        }
        let counts = app.store.webhook_counts().await.unwrap();
        assert_eq!(counts, [("queued".to_owned(), 1)], "{b}");
        let due = app
            .store
            .claim_due_webhooks(10, 60_000, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "{b}");
        let body: Value = serde_json::from_str(&due[0].body).unwrap();
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("repeat contact"), "{b}: {text}");
        assert!(text.contains(&format!("/c/{}", c.0)), "{b}: {text}");
        for secret in ["0417164300", "0612345678", "geheim_handle"] {
            assert!(!text.contains(secret), "{b}: {secret} in {text}");
        }
    }
}
