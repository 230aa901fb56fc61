#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Customer accounts through the real routes: register, verify by mail, log in and out, OIDC,
//! profile, language, delete; CSRF, honeypot and rate limits.

mod common;

use axum::http::StatusCode;
use common::{TestApp, TestResponse, VISITOR_CSRF, spawn_apps};
use wederhoor_testkit::{FakeOidc, FakeOidcConfig, OidcUser};
use wederhoor_web::accounts::OidcSettings;
use wederhoor_web::oidc::OidcConfig;

const PASSWORD: &str = "lange-wachtwoordzin";

fn visitor_cookie() -> String {
    format!("wederhoor_pcsrf={VISITOR_CSRF}")
}

/// A logged-in customer: the `Cookie` header to send and the session's CSRF token.
struct Customer {
    cookies: String,
    csrf: String,
}

async fn customer(app: &TestApp, session: &str) -> Customer {
    let (_, csrf) = app.store.account_session(session).await.unwrap().unwrap();
    Customer {
        cookies: format!("wederhoor_account={session}"),
        csrf,
    }
}

async fn register(app: &TestApp, name: &str, email: &str, password: &str) -> TestResponse {
    app.post_form_with_cookies(
        "/account/registreren",
        &visitor_cookie(),
        &[
            ("csrf", VISITOR_CSRF),
            ("display_name", name),
            ("email", email),
            ("password", password),
            ("website", ""),
        ],
    )
    .await
}

async fn login(app: &TestApp, email: &str, password: &str, back: &str) -> TestResponse {
    app.post_form_with_cookies(
        "/account/inloggen",
        &visitor_cookie(),
        &[
            ("csrf", VISITOR_CSRF),
            ("email", email),
            ("password", password),
            ("terug", back),
        ],
    )
    .await
}

/// The path and query of the verification link in a mail body.
fn verification_path(body: &str) -> String {
    let start = body
        .find("http://127.0.0.1:8080/account/bevestigen?token=")
        .unwrap_or_else(|| panic!("no verification link in {body}"));
    let link = body[start..].split_whitespace().next().unwrap();
    link.trim_start_matches("http://127.0.0.1:8080").to_owned()
}

/// Registers and verifies an account; returns its logged-in session.
async fn verified_customer(app: &TestApp, name: &str, email: &str) -> Customer {
    let r = register(app, name, email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mail = app
        .store
        .due_mail(100)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|m| m.to == email)
        .unwrap();
    let r = app
        .get_with_cookies(&verification_path(&mail.body), "")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    customer(app, &r.cookie_value("wederhoor_account").unwrap()).await
}

#[tokio::test]
async fn register_verify_by_mail_and_log_in() {
    for app in spawn_apps().await {
        let page = app
            .get_with_cookies("/account/registreren", &visitor_cookie())
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        let html = page.text();
        for needle in [
            "<label for=\"display_name\"",
            "<label for=\"email\"",
            "<label for=\"password\"",
            "autocomplete=\"new-password\"",
            "name=\"website\"",
            VISITOR_CSRF,
        ] {
            assert!(html.contains(needle), "{}: {needle} missing", app.backend);
        }

        let r = register(&app, "Zoë Klant", "Zoe@Klant.example", PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.text());
        assert!(r.text().contains("Kijk in je mail"), "{}", r.text());

        let mails = app.store.due_mail(100).await.unwrap();
        assert_eq!(mails.len(), 1, "{}", app.backend);
        let mail = &mails[0];
        assert_eq!(
            mail.to, "zoe@klant.example",
            "addresses are stored lower-cased"
        );
        assert_eq!(mail.subject, "Bevestig je e-mailadres");
        assert!(mail.body.contains("Zoë Klant"), "{}", mail.body);
        let path = verification_path(&mail.body);

        let (account, _) = app
            .store
            .account_for_login("zoe@klant.example")
            .await
            .unwrap()
            .unwrap();
        assert!(!account.email_verified);

        let r = app.get_with_cookies(&path, "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), Some("/ideeen"));
        let cookie = r.set_cookie("wederhoor_account").unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        let session = r.cookie_value("wederhoor_account").unwrap();
        let me = customer(&app, &session).await;
        let profile = app.get_with_cookies("/account", &me.cookies).await;
        assert_eq!(profile.status, StatusCode::OK, "{}", profile.text());
        assert!(profile.text().contains("zoe@klant.example"));
        assert!(profile.text().contains("(bevestigd)"), "{}", profile.text());
        let (account, _) = app.store.account_session(&session).await.unwrap().unwrap();
        assert!(account.email_verified && account.may_take_part());

        // A used link does not work twice; the page says so clearly.
        let again = app.get_with_cookies(&path, "").await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.text().contains("Deze link werkt niet"));
        let bad = app
            .get_with_cookies("/account/bevestigen?token=nonsense", "")
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        // Log out (CSRF), then log in with the password.
        let out = app
            .post_form_with_cookies("/account/uitloggen", &me.cookies, &[("csrf", &me.csrf)])
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), Some("/ideeen"));
        assert!(
            out.set_cookie("wederhoor_account")
                .unwrap()
                .contains("Max-Age=0")
        );
        assert!(app.store.account_session(&session).await.unwrap().is_none());

        let r = login(&app, "Zoe@KLANT.example", PASSWORD, "/ideeen/3").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), Some("/ideeen/3"));
        let cookie = r.set_cookie("wederhoor_account").unwrap();
        assert!(cookie.contains(&format!("Max-Age={}", 30 * 24 * 3600)));
    }
}

#[tokio::test]
async fn an_unverified_account_can_ask_for_a_new_link() {
    for app in spawn_apps().await {
        register(&app, "Wim Wacht", "wim@klant.example", PASSWORD).await;
        let r = login(&app, "wim@klant.example", PASSWORD, "/account").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let me = customer(&app, &r.cookie_value("wederhoor_account").unwrap()).await;
        let bad = app
            .get_with_cookies("/account/bevestigen?token=verlopen", &me.cookies)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text().contains("action=\"/account/opnieuw\""));
        let r = app
            .post_form_with_cookies("/account/opnieuw", &me.cookies, &[("csrf", &me.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let mails = app.store.due_mail(100).await.unwrap();
        assert_eq!(mails.len(), 2, "{}", app.backend);
        // Only the newest link works.
        let old = app
            .get_with_cookies(&verification_path(&mails[0].body), "")
            .await;
        assert_eq!(old.status, StatusCode::BAD_REQUEST);
        let new = app
            .get_with_cookies(&verification_path(&mails[1].body), "")
            .await;
        assert_eq!(new.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn registering_a_known_address_reveals_nothing() {
    for app in spawn_apps().await {
        let first = register(&app, "Eerste", "dubbel@klant.example", PASSWORD).await;
        let second = register(&app, "Tweede", "dubbel@klant.example", "iets-anders-nog").await;
        let fresh = register(&app, "Derde", "nieuw@klant.example", PASSWORD).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(second.status, first.status);
        assert_eq!(fresh.status, first.status);
        assert_eq!(second.text(), first.text(), "{}", app.backend);
        assert_eq!(fresh.text(), first.text(), "{}", app.backend);

        // The owner of the address hears about it; the first account is untouched.
        let mails = app.store.due_mail(100).await.unwrap();
        let to_dubbel: Vec<_> = mails
            .iter()
            .filter(|m| m.to == "dubbel@klant.example")
            .collect();
        assert_eq!(to_dubbel.len(), 2);
        assert_eq!(to_dubbel[1].subject, "Je hebt al een account");
        assert!(!to_dubbel[1].body.contains("bevestigen?token="));
        let (account, _) = app
            .store
            .account_for_login("dubbel@klant.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.display_name, "Eerste");
        // A second try within the hour queues no second warning.
        register(&app, "Vierde", "dubbel@klant.example", PASSWORD).await;
        assert_eq!(app.store.due_mail(100).await.unwrap().len(), mails.len());
    }
}

#[tokio::test]
async fn invalid_input_is_shown_next_to_the_fields_without_the_password() {
    for app in spawn_apps().await {
        let r = register(&app, "Z", "geen-adres", "kort").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(html.contains("id=\"display_name-error\""), "{html}");
        assert!(html.contains("id=\"email-error\""));
        assert!(html.contains("id=\"password-error\""));
        assert!(html.contains("value=\"geen-adres\""));
        assert!(!html.contains("kort\""), "the password must not come back");
        assert!(app.store.due_mail(10).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_wrong_password_or_address_gets_the_same_401() {
    for app in spawn_apps().await {
        verified_customer(&app, "Pien", "pien@klant.example").await;
        let wrong = login(&app, "pien@klant.example", "niet-het-wachtwoord", "/ideeen").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        assert!(wrong.set_cookie("wederhoor_account").is_none());
        assert!(wrong.text().contains("horen niet bij elkaar"));
        let unknown = login(&app, "niemand@klant.example", PASSWORD, "/ideeen").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            wrong.text().replace("pien@", "X@"),
            unknown.text().replace("niemand@", "X@")
        );
    }
}

#[tokio::test]
async fn the_honeypot_pretends_success_and_creates_nothing() {
    for app in spawn_apps().await {
        let human = register(&app, "Mens", "mens@klant.example", PASSWORD).await;
        let robot = app
            .post_form_with_cookies(
                "/account/registreren",
                &visitor_cookie(),
                &[
                    ("csrf", VISITOR_CSRF),
                    ("display_name", "Robot"),
                    ("email", "robot@spam.example"),
                    ("password", PASSWORD),
                    ("website", "http://spam.example"),
                ],
            )
            .await;
        assert_eq!(robot.status, StatusCode::OK);
        assert_eq!(robot.text(), human.text());
        assert!(
            app.store
                .account_for_login("robot@spam.example")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(app.store.due_mail(10).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    for app in spawn_apps().await {
        let me = verified_customer(&app, "Cas", "cas@klant.example").await;
        let r = app
            .post_form_with_cookies(
                "/account/registreren",
                &visitor_cookie(),
                &[
                    ("display_name", "Cas Twee"),
                    ("email", "cas2@klant.example"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.backend);
        let r = app
            .post_form_with_cookies(
                "/account/inloggen",
                "",
                &[
                    ("csrf", VISITOR_CSRF),
                    ("email", "cas@klant.example"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "a token without its cookie"
        );
        for (path, fields) in [
            ("/account/uitloggen", vec![]),
            (
                "/account",
                vec![("display_name", "Kaper"), ("language", "nl")],
            ),
            ("/account/verwijderen", vec![("confirm", "verwijderen")]),
            ("/account/opnieuw", vec![]),
        ] {
            let mut with_wrong = fields.clone();
            with_wrong.push(("csrf", VISITOR_CSRF));
            for f in [&fields, &with_wrong] {
                let r = app.post_form_with_cookies(path, &me.cookies, f).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
            }
        }
        let (account, _) = app
            .store
            .account_for_login("cas@klant.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.display_name, "Cas");
    }
}

#[tokio::test]
async fn login_only_returns_to_local_paths() {
    for app in spawn_apps().await {
        verified_customer(&app, "Lot", "lot@klant.example").await;
        for evil in [
            "//evil.example",
            "https://evil.example/",
            "/\\evil.example",
            "",
        ] {
            let r = login(&app, "lot@klant.example", PASSWORD, evil).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            assert_eq!(r.location(), Some("/ideeen"), "{evil:?}");
        }
        let page = app
            .get_with_cookies("/account/inloggen?terug=//evil.example", "")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text().replace("&#x2f;", "/");
        assert!(html.contains("name=\"terug\" value=\"/ideeen\""), "{html}");
        assert!(page.text().contains("autocomplete=\"current-password\""));
        // No provider configured: no button, and the route is not there.
        assert!(!page.text().contains("/account/oidc"));
        let r = app.get_with_cookies("/account/oidc", "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The language switch follows the same rule.
        let r = app
            .get_with_cookies("/taal?lang=en&terug=//evil.example", "")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), Some("/ideeen"));
        assert!(
            r.set_cookie("wederhoor_lang")
                .unwrap()
                .starts_with("wederhoor_lang=en;")
        );
    }
}

#[tokio::test]
async fn the_profile_needs_a_login_and_its_changes_persist() {
    for app in spawn_apps().await {
        let r = app.get_with_cookies("/account", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), Some("/account/inloggen?terug=%2Faccount"));

        let me = verified_customer(&app, "Fien", "fien@klant.example").await;
        let r = app
            .post_form_with_cookies(
                "/account",
                &me.cookies,
                &[
                    ("csrf", &me.csrf),
                    ("display_name", "X"),
                    ("language", "en"),
                    ("notify_reactions", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("value=\"X\""));
        assert!(r.text().contains("id=\"display_name-error\""));

        let r = app
            .post_form_with_cookies(
                "/account",
                &me.cookies,
                &[
                    ("csrf", &me.csrf),
                    ("display_name", "Fien de Vries"),
                    ("language", "en"),
                    ("notify_reactions", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), Some("/account?opgeslagen=1"));
        let session = me.cookies.trim_start_matches("wederhoor_account=");
        let (account, _) = app.store.account_session(session).await.unwrap().unwrap();
        assert_eq!(account.display_name, "Fien de Vries");
        assert_eq!(account.language, "en");
        assert!(!account.notify_status);
        assert!(account.notify_reactions);
        let page = app
            .get_with_cookies("/account?opgeslagen=1", &me.cookies)
            .await;
        assert!(page.text().contains("Your details were saved."));

        // The language switch is a link (GET): it sets the language cookie and changes nothing
        // stored (a cross-site link must not change an account); the profile form does that.
        let r = app
            .get_with_cookies("/taal?lang=nl&terug=/account", &me.cookies)
            .await;
        assert_eq!(r.location(), Some("/account"));
        assert_eq!(r.cookie_value("wederhoor_lang").as_deref(), Some("nl"));
        let (account, _) = app.store.account_session(session).await.unwrap().unwrap();
        assert_eq!(account.language, "en");
        assert_eq!(account.display_name, "Fien de Vries");
        assert!(account.notify_reactions);
    }
}

#[tokio::test]
async fn deleting_an_account_anonymises_it_and_ends_its_sessions() {
    for app in spawn_apps().await {
        let me = verified_customer(&app, "Daan", "daan@klant.example").await;
        let r = app
            .post_form_with_cookies(
                "/account/verwijderen",
                &me.cookies,
                &[("csrf", &me.csrf), ("confirm", "ja hoor")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("id=\"confirm-error\""));

        let r = app
            .post_form_with_cookies(
                "/account/verwijderen",
                &me.cookies,
                &[("csrf", &me.csrf), ("confirm", "Verwijderen")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("zonder je naam"));
        assert!(!r.text().contains("Daan"));
        assert!(
            r.set_cookie("wederhoor_account")
                .unwrap()
                .contains("Max-Age=0")
        );
        assert!(
            app.store
                .account_for_login("daan@klant.example")
                .await
                .unwrap()
                .is_none()
        );
        let r = app.get_with_cookies("/account", &me.cookies).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "the session is dead");
        let r = login(&app, "daan@klant.example", PASSWORD, "/ideeen").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn too_many_logins_get_429() {
    for app in spawn_apps().await {
        for _ in 0..10 {
            let r = login(&app, "raad@klant.example", "geraden-wachtwoord", "/ideeen").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        }
        let r = login(&app, "raad@klant.example", "geraden-wachtwoord", "/ideeen").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers.contains_key("retry-after"), "{}", app.backend);
        // The limit is per account and address: another customer behind the same address
        // (a company, a carrier's NAT) is not locked out by one guesser there.
        let r = login(&app, "ander@klant.example", "geraden-wachtwoord", "/ideeen").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
    }
}

#[tokio::test]
async fn too_many_registrations_get_429() {
    for app in spawn_apps().await {
        for i in 0..5 {
            let r = register(&app, "Veel", &format!("veel{i}@klant.example"), "kort").await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let r = register(&app, "Veel", "veel9@klant.example", PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(app.store.due_mail(10).await.unwrap().is_empty());
    }
}

const REDIRECT: &str = "http://127.0.0.1:8080/account/oidc/terug";

async fn with_oidc(app: &mut TestApp) -> FakeOidc {
    let fake = FakeOidc::start(FakeOidcConfig {
        client_id: "wederhoor-ideeen".into(),
        client_secret: "geheim".into(),
        redirect_uri: REDIRECT.into(),
        user: OidcUser {
            subject: "248289761001".into(),
            email: "zoe@klant.example".into(),
            email_verified: true,
            name: "Zoë Klant".into(),
        },
    })
    .await;
    app.state.config.oidc = Some(OidcSettings {
        config: OidcConfig {
            issuer: fake.issuer(),
            client_id: "wederhoor-ideeen".into(),
            client_secret: "geheim".into(),
            redirect_url: REDIRECT.into(),
        },
        label: "Klantportaal".into(),
    });
    fake
}

/// Starts an OIDC login through our route and lets the fake provider answer; returns the oidc
/// cookie value and the callback path (with code and state) the browser would go to.
async fn start_oidc(app: &TestApp, fake: &FakeOidc) -> (String, String) {
    let r = app
        .get_with_cookies("/account/oidc?terug=/ideeen/7", "")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.location().unwrap().to_owned();
    assert!(
        to.starts_with(&format!("{}/authorize?", fake.issuer())),
        "{to}"
    );
    let cookie = r.set_cookie("wederhoor_oidc").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("Max-Age=600"));
    let value = r.cookie_value("wederhoor_oidc").unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(&to).send().await.unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::FOUND);
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(REDIRECT), "{back}");
    (
        value,
        back.trim_start_matches("http://127.0.0.1:8080").to_owned(),
    )
}

#[tokio::test]
async fn oidc_login_through_the_real_routes() {
    for mut app in spawn_apps().await {
        let fake = with_oidc(&mut app).await;
        let page = app.get_with_cookies("/account/inloggen", "").await;
        assert!(page.text().contains("Inloggen met Klantportaal"));

        let (cookie, callback) = start_oidc(&app, &fake).await;
        let r = app
            .get_with_cookies(&callback, &format!("wederhoor_oidc={cookie}"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), Some("/ideeen/7"));
        assert!(
            r.set_cookie("wederhoor_oidc")
                .unwrap()
                .contains("Max-Age=0")
        );
        let session = r.cookie_value("wederhoor_account").unwrap();
        let (account, _) = app.store.account_session(&session).await.unwrap().unwrap();
        assert_eq!(account.display_name, "Zoë Klant");
        assert_eq!(account.email.as_deref(), Some("zoe@klant.example"));
        assert!(account.oidc && account.may_take_part());
        let me = customer(&app, &session).await;
        let profile = app.get_with_cookies("/account", &me.cookies).await;
        assert!(profile.text().contains("zoe@klant.example"));

        // A second login finds the same account.
        let (cookie, callback) = start_oidc(&app, &fake).await;
        let r = app
            .get_with_cookies(&callback, &format!("wederhoor_oidc={cookie}"))
            .await;
        let again = r.cookie_value("wederhoor_account").unwrap();
        let (same, _) = app.store.account_session(&again).await.unwrap().unwrap();
        assert_eq!(same.id, account.id);
    }
}

#[tokio::test]
async fn an_oidc_callback_with_a_foreign_state_is_refused() {
    for mut app in spawn_apps().await {
        let fake = with_oidc(&mut app).await;
        let (cookie, callback) = start_oidc(&app, &fake).await;
        let (_, other_callback) = start_oidc(&app, &fake).await;
        // The second login's code and state with the first login's cookie.
        let r = app
            .get_with_cookies(&other_callback, &format!("wederhoor_oidc={cookie}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert!(r.set_cookie("wederhoor_account").is_none());
        assert!(r.text().contains("Inloggen is niet gelukt"));
        // No cookie at all.
        let r = app.get_with_cookies(&callback, "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        // The provider reports an error.
        let r = app
            .get_with_cookies(
                "/account/oidc/terug?error=access_denied&state=x",
                &format!("wederhoor_oidc={cookie}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            app.store
                .account_for_login("zoe@klant.example")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn an_oidc_login_keeps_its_secrets_server_side_and_works_once() {
    for mut app in spawn_apps().await {
        let fake = with_oidc(&mut app).await;
        let (cookie, callback) = start_oidc(&app, &fake).await;
        // The browser holds the state only: it is the `state` of the callback, nothing more.
        assert!(
            callback.contains(&format!("state={cookie}")),
            "{cookie} / {callback}"
        );
        assert!(!cookie.contains('|') && !cookie.contains('%'));
        let first = app
            .get_with_cookies(&callback, &format!("wederhoor_oidc={cookie}"))
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
        // The same callback again (a replay) finds no login in progress.
        let again = app
            .get_with_cookies(&callback, &format!("wederhoor_oidc={cookie}"))
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", app.backend);
        assert!(again.set_cookie("wederhoor_account").is_none());
    }
}
