//! Answers at hand (#12), through HTTP: a suggested reply comes from a similar message the team
//! answered, without the earlier case's personal data, and only goes into the composer; drafts
//! from a language model are off by default and, when configured, the fake endpoint receives
//! masked text and the draft shows in the composer; a fact from the leads' fact base is
//! offered for a case whose verdict is "correct the facts"; the public team page lists only the
//! agents who opted in, without a login.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use wederhoor_core::ConversationId;
use wederhoor_testkit::FakeLlm;
use wederhoor_triage::Engine;
use wederhoor_web::{ActiveRules, AppState, WebConfig};

/// A message from its own author (so each makes its own case).
fn from(id: &str, handle: &str, name: &str, text: &str) -> Value {
    json!({ "id": id, "text": text, "author": { "handle": handle, "name": name, "followers": 3 } })
}

async fn case(t: &TestApp, message: Value) -> ConversationId {
    conversation_of(&t.ingest_ok(&message).await["results"][0])
}

/// The text inside the textarea with `id`, unescaped.
fn textarea(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</textarea>").unwrap();
    rest[start..end]
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_suggestion_comes_from_a_similar_answered_case_without_its_personal_data() {
    for t in spawn_apps().await {
        let b = t.backend;
        // Answered and sent: the earlier customer gave an IBAN and a phone number, and the
        // answer repeated them (as happens by hand).
        let earlier = case(
            &t,
            from(
                "e1",
                "@sanne",
                "Sanne de Vries",
                "De geldautomaat bij het station heeft mijn pas ingeslikt! Bel me op 0612345678, rekening NL91ABNA0417164300",
            ),
        )
        .await;
        let reply = t
            .store
            .add_reply(
                earlier,
                t.agent.id,
                "Hoi Sanne, vervelend dat de automaat je pas heeft ingeslikt. Blokkeer hem in de app en bestel een nieuwe. We bellen je op 0612345678 over NL91ABNA0417164300.",
            )
            .await
            .unwrap();
        t.store
            .mark_reply_sent(reply, Some(t.agent.id))
            .await
            .unwrap();
        // Similar but its reply was never sent: not a suggestion.
        let unsent = case(
            &t,
            from(
                "e2",
                "@piet",
                "Piet Post",
                "Automaat heeft mijn pas ingeslikt bij het station",
            ),
        )
        .await;
        t.store
            .add_reply(unsent, t.agent.id, "NOG NIET VERZONDEN antwoord")
            .await
            .unwrap();
        // Answered but about something else: not a suggestion.
        let other = case(
            &t,
            from(
                "e3",
                "@joke",
                "Joke Jansen",
                "Hoe hoog is de rente op mijn spaarrekening tegenwoordig?",
            ),
        )
        .await;
        let r = t
            .store
            .add_reply(other, t.agent.id, "De spaarrente staat op onze site.")
            .await
            .unwrap();
        t.store.mark_reply_sent(r, Some(t.agent.id)).await.unwrap();

        let now = case(
            &t,
            from(
                "n1",
                "@klaas",
                "Klaas Klant",
                "Mijn pas is ingeslikt door de geldautomaat, wat moet ik doen?",
            ),
        )
        .await;
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{now}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains("id=\"suggestions\""), "{b}: {html}");
        assert!(html.contains(&format!("data-case=\"{earlier}\"")), "{b}");
        assert!(!html.contains(&format!("data-case=\"{unsent}\"")), "{b}");
        assert!(!html.contains(&format!("data-case=\"{other}\"")), "{b}");
        assert!(!html.contains("NOG NIET VERZONDEN"), "{b}");
        assert!(html.contains("Blokkeer hem in de app"), "{b}");
        for personal in ["0612345678", "0417164300", "0417 1643", "Sanne", "sanne"] {
            assert!(!html.contains(personal), "{b}: {personal} shown");
        }
        // One click puts it into the composer (without JavaScript: a reload), masked; nothing
        // is sent.
        let page = t
            .get(&format!("/c/{now}?suggestie={earlier}"), Some(&s))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = textarea(&page.text(), "reply-text");
        assert!(text.contains("Blokkeer hem in de app"), "{b}: {text}");
        assert!(
            !text.contains("0612345678") && !text.contains("Sanne"),
            "{b}: {text}"
        );
        assert!(t.detail(now).await.replies.is_empty(), "{b}");
        // A case that was not suggested cannot be inserted.
        let page = t
            .get(&format!("/c/{now}?suggestie={other}"), Some(&s))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{b}");
    }
}

fn with_drafts(t: &TestApp, base_url: &str) -> AppState {
    AppState::new(
        t.store.clone(),
        ActiveRules {
            engine: Engine::default_engine(),
            version: None,
        },
        WebConfig {
            drafts: Some(wederhoor_app::drafts::DraftsPolicy {
                base_url: base_url.to_owned(),
                model: "klein-model".into(),
                timeout: Duration::from_secs(10),
                api_key: Some("geheim".into()),
                team_name: "Zuiderbank Webcare".into(),
            }),
            ..WebConfig::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn drafts_are_off_by_default_and_the_model_gets_masked_text() {
    let mut t = spawn_apps().await.into_iter().next().unwrap();
    let c = case(
        &t,
        from(
            "d1",
            "@klaas",
            "Klaas Klant",
            "Zuiderbank, mijn betaling is niet aangekomen. Mijn rekening is NL91ABNA0417164300, bel 0612345678",
        ),
    )
    .await;
    let s = t.login_as(&t.agent).await;
    // Off by default: no button, and the route is not there.
    let html = t.get(&format!("/c/{c}"), Some(&s)).await.text();
    assert!(!html.contains("draft-button"));
    let r = t
        .post_form(&format!("/c/{c}/concept"), Some(&s), &[("csrf", &s.csrf)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let llm =
        FakeLlm::start("Hoi! Wat vervelend. Stuur ons een DM, dan bellen we je op 0687654321.")
            .await;
    t.state = with_drafts(&t, &llm.base_url());
    let html = t.get(&format!("/c/{c}"), Some(&s)).await.text();
    assert!(html.contains("id=\"draft-button\""));
    assert!(llm.requests().is_empty(), "a draft only on request");
    // A wrong CSRF token is refused before anything is sent.
    let r = t
        .post_form(&format!("/c/{c}/concept"), Some(&s), &[("csrf", "nee")])
        .await;
    assert_ne!(r.status, StatusCode::OK);
    assert!(llm.requests().is_empty());

    let r = t
        .post_form(&format!("/c/{c}/concept"), Some(&s), &[("csrf", &s.csrf)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let draft = textarea(&r.text(), "reply-text");
    assert!(draft.contains("Stuur ons een DM"), "{draft}");
    assert!(
        !draft.contains("0687654321"),
        "the draft is masked too: {draft}"
    );
    let requests = llm.requests();
    assert_eq!(requests.len(), 1);
    let (body, auth) = &requests[0];
    assert_eq!(auth.as_deref(), Some("Bearer geheim"));
    assert_eq!(body["model"], "klein-model");
    let sent = body["messages"].to_string();
    assert!(sent.contains("betaling is niet aangekomen"), "{sent}");
    for personal in ["0417164300", "0612345678", "Klaas", "klaas"] {
        assert!(
            !sent.contains(personal),
            "{personal} sent to the model: {sent}"
        );
    }
    assert!(
        t.detail(c).await.replies.is_empty(),
        "never sent without an agent"
    );

    // The endpoint fails: a message, an empty composer.
    llm.set_status(500);
    let r = t
        .post_form(&format!("/c/{c}/concept"), Some(&s), &[("csrf", &s.csrf)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("Er kwam geen concept"), "{html}");
    assert_eq!(textarea(&html, "reply-text"), "");
}

#[tokio::test]
async fn a_fact_is_offered_for_a_case_that_needs_correcting() {
    for t in spawn_apps().await {
        let b = t.backend;
        let lead = t.login_as(&t.lead).await;
        let agent = t.login_as(&t.agent).await;
        assert_eq!(
            t.get("/feiten", Some(&agent)).await.status,
            StatusCode::FORBIDDEN
        );
        let fields = |title: &'static str, until: &'static str| {
            vec![
                ("csrf", lead.csrf.clone()),
                ("title", title.to_owned()),
                (
                    "body",
                    "De rente op de Spaarrekening is 2,25% per jaar.".to_owned(),
                ),
                (
                    "source",
                    "https://www.zuiderbank.example/sparen/rente".to_owned(),
                ),
                ("owner", "Afdeling Sparen".to_owned()),
                ("topic", "savings_interest".to_owned()),
                ("from", "2020-01-01".to_owned()),
                ("until", until.to_owned()),
            ]
        };
        let post = |path: String, f: Vec<(&'static str, String)>| {
            let t = &t;
            let lead = &lead;
            async move {
                let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.post_form(&path, Some(lead), &refs).await
            }
        };
        let r = post("/feiten".into(), fields("Rente op sparen", "")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let fact: i64 = r
            .location()
            .unwrap()
            .trim_start_matches("/feiten#fact-")
            .parse()
            .unwrap();
        // An expired fact is not offered.
        let r = post("/feiten".into(), fields("Oude rente", "2021-01-01")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let old: i64 = r
            .location()
            .unwrap()
            .trim_start_matches("/feiten#fact-")
            .parse()
            .unwrap();
        // Without a source: refused, with the form kept.
        let mut no_source = fields("Zonder bron", "");
        no_source[3].1 = String::new();
        let r = post("/feiten".into(), no_source).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("Zonder bron"), "{b}");
        let mut backwards = fields("Achterstevoren", "2019-01-01");
        backwards[6].1 = "2020-01-01".into();
        let r = post("/feiten".into(), backwards).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let page = t.get("/feiten", Some(&lead)).await.text();
        assert!(page.contains(&format!("id=\"fact-{fact}\"")), "{b}");
        assert!(page.contains("Lars Lead"), "{b}: approved by");

        let claim = case(
            &t,
            from(
                "f1",
                "@klaas",
                "Klaas Klant",
                "Zuiderbank verlaagt de spaarrente naar 0,1%",
            ),
        )
        .await;
        assert_eq!(
            t.detail(claim).await.messages[0].rule,
            "feiten-rechtzetten",
            "{b}"
        );
        let html = t.get(&format!("/c/{claim}"), Some(&agent)).await.text();
        assert!(html.contains("id=\"facts-offered\""), "{b}");
        assert!(html.contains(&format!("data-fact=\"{fact}\"")), "{b}");
        assert!(!html.contains(&format!("data-fact=\"{old}\"")), "{b}");
        let page = t
            .get(&format!("/c/{claim}?feit={fact}"), Some(&agent))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = textarea(&page.text(), "reply-text");
        assert_eq!(
            text,
            "De rente op de Spaarrekening is 2,25% per jaar.\nBron: https://www.zuiderbank.example/sparen/rente",
            "{b}"
        );
        // Not a correction: no facts.
        let plain = case(
            &t,
            from("f2", "@piet", "Piet Post", "Mijn pas is kapot, help"),
        )
        .await;
        let html = t.get(&format!("/c/{plain}"), Some(&agent)).await.text();
        assert!(!html.contains("id=\"facts-offered\""), "{b}");

        // Changed and deleted by a lead.
        let r = post(
            format!("/feiten/{fact}"),
            fields("Rente op sparen (nieuw)", ""),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.store.fact(fact).await.unwrap().unwrap().title,
            "Rente op sparen (nieuw)",
            "{b}"
        );
        let r = t
            .post_form(
                &format!("/feiten/{fact}/verwijderen"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(t.store.fact(fact).await.unwrap().is_none(), "{b}");
    }
}

#[tokio::test]
async fn the_team_page_lists_only_agents_who_opted_in_without_a_login() {
    for t in spawn_apps().await {
        let b = t.backend;
        let anna = t.login_as(&t.agent).await;
        let r = t
            .post_form(
                "/me/team",
                Some(&anna),
                &[
                    ("csrf", &anna.csrf),
                    ("shown", "1"),
                    ("first_name", "Anna"),
                    ("role", "Beantwoordt vragen over sparen"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // A first name but no opt-in: not shown.
        let lars = t.login_as(&t.lead).await;
        let r = t
            .post_form(
                "/me/team",
                Some(&lars),
                &[
                    ("csrf", &lars.csrf),
                    ("first_name", "Lars"),
                    ("role", "Teamleider"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        // A surname is refused.
        let bea = t.login_as(&t.admin).await;
        let r = t
            .post_form(
                "/me/team",
                Some(&bea),
                &[
                    ("csrf", &bea.csrf),
                    ("shown", "1"),
                    ("first_name", "Bea Beheer"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("Geef één voornaam"), "{b}");

        let page = t.get("/team", None).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains("<strong>Anna</strong>"), "{b}: {html}");
        assert!(html.contains("Beantwoordt vragen over sparen"), "{b}");
        assert!(
            !html.contains("Lars") && !html.contains("<strong>Bea"),
            "{b}"
        );
        assert!(!html.contains("Anna Agent"), "{b}: only the first name");
        assert!(
            html.contains("Maandag tot en met vrijdag"),
            "{b}: opening hours"
        );
        let fr = t.get("/team?lang=fr", None).await.text();
        assert!(fr.contains("Notre équipe webcare"), "{b}");
        assert!(fr.contains("Du lundi au vendredi"), "{b}");
        let me = t.get("/me", Some(&anna)).await.text();
        assert!(me.contains("value=\"Anna\""), "{b}");
        // Opting out takes Anna off the page.
        let r = t
            .post_form(
                "/me/team",
                Some(&anna),
                &[("csrf", &anna.csrf), ("first_name", "Anna")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(
            !t.get("/team", None)
                .await
                .text()
                .contains("<strong>Anna</strong>"),
            "{b}"
        );
    }
}
