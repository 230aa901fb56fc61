//! Customer panels (#13) through HTTP: customers join and leave from their account, a lead asks
//! one panel a question linked to an idea, each member answers once, nothing of it is public
//! until the lead publishes the results with a conclusion, which the feedback page then shows
//! next to the idea. Every test runs on SQLite and (with WEDERHOOR_TEST_PG) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use wederhoor_core::{AccountId, IdeaId};
use wederhoor_store::{NewAccount, NewBoard, NewIdea, NewMail, Panel, Poster, random_token};

/// A customer account with a live session: its id, `Cookie` header and CSRF token.
struct Customer {
    id: AccountId,
    cookies: String,
    csrf: String,
}

async fn customer(app: &TestApp, email: &str, verified: bool) -> Customer {
    let token = random_token();
    let account = app
        .store
        .create_account(
            &NewAccount {
                email: email.into(),
                display_name: email.split('@').next().unwrap().into(),
                password_hash: "x".into(),
                language: "nl".into(),
            },
            &token,
            &NewMail {
                to: email.into(),
                subject: "s".into(),
                body: "b".into(),
                idempotency_key: format!("v-{email}"),
            },
        )
        .await
        .unwrap();
    if verified {
        app.store.verify_account(&token).await.unwrap();
    }
    let session = app.store.create_account_session(account.id).await.unwrap();
    let (_, csrf) = app.store.account_session(&session).await.unwrap().unwrap();
    Customer {
        id: account.id,
        cookies: format!("wederhoor_account={session}"),
        csrf,
    }
}

async fn idea(app: &TestApp) -> IdeaId {
    let board = app
        .store
        .create_board(
            &NewBoard {
                slug: "particulier".into(),
                name_nl: "Particulier".into(),
                name_en: "Personal".into(),
                description_nl: String::new(),
                description_en: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    app.store
        .create_idea(&NewIdea {
            board: board.id,
            poster: Poster::Staff {
                agent: app.lead.id,
                name: "Lars Lead".into(),
                department: None,
            },
            title: "Sparen voor de kinderen".into(),
            body: "Een spaarrekening op naam van een kind.".into(),
            hidden: None,
        })
        .await
        .unwrap()
}

async fn membership(app: &TestApp, c: &Customer, panel: &str, action: &str) -> StatusCode {
    app.post_form_with_cookies(
        "/account/panels",
        &c.cookies,
        &[("csrf", &c.csrf), ("panel", panel), ("actie", action)],
    )
    .await
    .status
}

async fn answer(app: &TestApp, c: &Customer, id: i64, value: &str, text: &str) -> TestResponse {
    app.post_form_with_cookies(
        &format!("/panel/{id}"),
        &c.cookies,
        &[("csrf", &c.csrf), ("value", value), ("text", text)],
    )
    .await
}

/// A lead asks a question; its id (from the redirect).
async fn ask(app: &TestApp, lead: &Session, fields: &[(&str, &str)]) -> i64 {
    let mut all = vec![("csrf", lead.csrf.as_str())];
    all.extend_from_slice(fields);
    let r = app.post_form("/panels", Some(lead), &all).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.location()
        .unwrap()
        .trim_start_matches("/panels/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn members_answer_once_and_only_published_results_are_public() {
    for app in spawn_apps().await {
        let b = app.backend;
        let idea = idea(&app).await;
        let anna = customer(&app, "anna@example.nl", true).await;
        let bob = customer(&app, "bob@example.nl", true).await;
        let carl = customer(&app, "carl@example.nl", true).await;
        let unverified = customer(&app, "uv@example.nl", false).await;

        // Joining and leaving from the account.
        let page = app.get_with_cookies("/account/panels", &anna.cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.text()
                .contains("id=\"panel-consumer\" data-member=\"no\""),
            "{b}"
        );
        assert_eq!(
            membership(&app, &anna, "consumer", "join").await,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            membership(&app, &carl, "consumer", "join").await,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            membership(&app, &bob, "business", "join").await,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            membership(&app, &bob, "consumer", "join").await,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            membership(&app, &bob, "consumer", "leave").await,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            membership(&app, &unverified, "consumer", "join").await,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            membership(&app, &anna, "gold", "join").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            app.store.panel_memberships(anna.id).await.unwrap(),
            vec![Panel::Consumer]
        );
        assert_eq!(
            app.store.panel_memberships(bob.id).await.unwrap(),
            vec![Panel::Business]
        );
        let page = app.get_with_cookies("/account/panels", &anna.cookies).await;
        assert!(
            page.text()
                .contains("id=\"panel-consumer\" data-member=\"yes\""),
            "{b}"
        );

        // The lead asks the consumer panel; a choice question with one choice is refused.
        let lead = app.login_as(&app.lead).await;
        let r = app
            .post_form(
                "/panels",
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("panel", "consumer"),
                    ("title", "Kinderrekening"),
                    ("question", "Welke?"),
                    ("kind", "choice"),
                    ("choices", "alleen deze"),
                    ("ideas", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let idea_ref = idea.0.to_string();
        let id = ask(
            &app,
            &lead,
            &[
                ("panel", "consumer"),
                ("title", "Spaarrekening voor kinderen"),
                (
                    "question",
                    "Hoe graag wilt u een spaarrekening op naam van uw kind?",
                ),
                ("kind", "scale"),
                ("choices", ""),
                ("ideas", &idea_ref),
            ],
        )
        .await;
        let list = app.get("/panels", Some(&lead)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text().contains("Spaarrekening voor kinderen"), "{b}");

        // Members of the panel see it; others do not, and nothing is public yet.
        let open = app.get_with_cookies("/account/panels", &anna.cookies).await;
        assert!(open.text().contains(&format!("/panel/{id}")), "{b}");
        let form = app
            .get_with_cookies(&format!("/panel/{id}"), &anna.cookies)
            .await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        assert!(form.text().contains("id=\"panel-form\""), "{b}");
        let other = app
            .get_with_cookies(&format!("/panel/{id}"), &bob.cookies)
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(
            answer(&app, &bob, id, "7", "").await.status,
            StatusCode::NOT_FOUND
        );
        let anonymous = app.get_with_cookies(&format!("/panel/{id}"), "").await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{b}");

        // Each member answers once; a bad score is refused without counting.
        assert_eq!(
            answer(&app, &anna, id, "11", "").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = answer(&app, &anna, id, "8", "").await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.text().contains("id=\"panel-thanks\""), "{b}");
        let again = answer(&app, &anna, id, "2", "").await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}");
        assert!(again.text().contains("id=\"panel-answered\""), "{b}");
        assert_eq!(
            answer(&app, &carl, id, "10", "").await.status,
            StatusCode::OK
        );
        let q = app.store.panel_question(id).await.unwrap().unwrap();
        let tally = app.store.panel_tally(&q).await.unwrap();
        assert_eq!(tally.answers, 2, "{b}");
        assert_eq!(tally.counts[8], 1);
        assert_eq!(tally.counts[10], 1);
        assert_eq!(tally.counts[2], 0, "the second answer did not count");

        // Not public before publication: the feedback page, the idea page, the JSON.
        for path in ["/ideeen".to_owned(), format!("/ideeen/{}", idea.0)] {
            let r = app.get_with_cookies(&path, "").await;
            let html = if r.status == StatusCode::OK {
                r.text()
            } else {
                app.get_with_cookies(r.location().unwrap(), "").await.text()
            };
            assert!(!html.contains("Spaarrekening voor kinderen"), "{b} {path}");
            assert!(!html.contains("panel-result"), "{b} {path}");
        }

        // The lead sees the results with a chart; a conclusion with an IBAN is refused.
        let results = app.get(&format!("/panels/{id}"), Some(&lead)).await;
        assert_eq!(results.status, StatusCode::OK);
        let html = results.text();
        assert!(html.contains("id=\"panel-answers\">2<"), "{b}");
        assert!(html.contains("<svg class=\"chart bar-chart\""), "{b}");
        assert!(html.contains("id=\"panel-average\">9.0<"), "{b}");
        let publish = |conclusion: &'static str| {
            let lead = lead.clone();
            let app = &app;
            async move {
                app.post_form(
                    &format!("/panels/{id}/publiceren"),
                    Some(&lead),
                    &[("csrf", &lead.csrf), ("conclusion", conclusion)],
                )
                .await
            }
        };
        let r = publish("Bel NL91ABNA0417164300 voor meer.").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = publish("Gemiddeld een 9: we bouwen de kinderrekening dit voorjaar.").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(
            publish("Nog eens.").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "published once"
        );

        // Published: on the feedback page, next to the idea, and on its own page; closed.
        let list = app.get_with_cookies("/ideeen", "").await;
        let html = list.text();
        assert!(html.contains(&format!("id=\"panel-result-{id}\"")), "{b}");
        assert!(html.contains("we bouwen de kinderrekening"), "{b}");
        assert!(html.contains("<svg class=\"chart bar-chart\""), "{b}");
        assert!(html.contains("2 antwoorden"), "{b}");
        let r = app
            .get_with_cookies(&format!("/ideeen/{}", idea.0), "")
            .await;
        let page = match r.location() {
            Some(to) => app.get_with_cookies(to, "").await.text(),
            None => r.text(),
        };
        assert!(page.contains("we bouwen de kinderrekening"), "{b}");
        let own = app.get_with_cookies(&format!("/panel/{id}"), "").await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(
            own.text().contains("Sparen voor de kinderen"),
            "{b}: linked idea"
        );
        let late = answer(&app, &carl, id, "1", "").await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{b}");
        let q = app.store.panel_question(id).await.unwrap().unwrap();
        assert_eq!(app.store.panel_tally(&q).await.unwrap().answers, 2);
    }
}

#[tokio::test]
async fn free_text_stays_with_the_team_and_follows_the_account() {
    for app in spawn_apps().await {
        let b = app.backend;
        let dana = customer(&app, "dana@example.nl", true).await;
        assert_eq!(
            membership(&app, &dana, "business", "join").await,
            StatusCode::SEE_OTHER
        );
        let lead = app.login_as(&app.lead).await;
        let id = ask(
            &app,
            &lead,
            &[
                ("panel", "business"),
                ("title", "Zakelijk betalen"),
                ("question", "Wat mist u bij zakelijk betalen?"),
                ("kind", "text"),
                ("choices", ""),
                ("ideas", ""),
            ],
        )
        .await;
        let r = answer(
            &app,
            &dana,
            id,
            "",
            "Bel mij op 0612345678 over batchbetalingen",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let staff = app.get(&format!("/panels/{id}"), Some(&lead)).await.text();
        assert!(staff.contains("batchbetalingen"), "{b}");
        assert!(
            !staff.contains("0612345678"),
            "{b}: masked for the team too"
        );

        // The account's export holds the membership and the answer.
        let export = app
            .get_with_cookies("/account/gegevens", &dana.cookies)
            .await;
        assert_eq!(export.status, StatusCode::OK);
        let json = export.json();
        assert_eq!(json["panels"]["memberships"][0]["panel"], "business", "{b}");
        assert_eq!(json["panels"]["answers"][0]["question"], id, "{b}");

        let r = app
            .post_form(
                &format!("/panels/{id}/publiceren"),
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("conclusion", "Batchbetalingen staan op de lijst."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let public = app.get_with_cookies("/ideeen", "").await.text();
        assert!(public.contains("Batchbetalingen staan op de lijst."), "{b}");
        assert!(public.contains("1 antwoord"), "{b}");
        assert!(
            !public.contains("over batchbetalingen"),
            "{b}: free text is never published"
        );

        // Deleting the account removes the membership and the text; the count stays.
        app.store.delete_account(dana.id).await.unwrap();
        assert!(
            app.store
                .panel_memberships(dana.id)
                .await
                .unwrap()
                .is_empty()
        );
        let q = app.store.panel_question(id).await.unwrap().unwrap();
        let tally = app.store.panel_tally(&q).await.unwrap();
        assert_eq!(tally.answers, 1, "{b}");
        assert!(tally.texts.is_empty(), "{b}");
    }
}
