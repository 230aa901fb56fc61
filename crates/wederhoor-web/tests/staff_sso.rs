#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Staff single sign-on through the fake OIDC provider (RS256 ID tokens checked against its
//! JWKS): the identity of an existing agent logs in; an unknown one or a bad signature is refused.

mod common;

use axum::http::StatusCode;
use common::{TestApp, spawn_app};
use wederhoor_core::Role;
use wederhoor_store::NewAgent;
use wederhoor_store::testing::fresh_stores;
use wederhoor_testkit::{FakeOidc, FakeOidcConfig, OidcUser, TokenMode};
use wederhoor_web::accounts::OidcSettings;
use wederhoor_web::oidc::OidcConfig;

const REDIRECT: &str = "http://127.0.0.1:8080/login/oidc/terug";

async fn with_staff_oidc(app: &mut TestApp, email: &str) -> FakeOidc {
    let fake = FakeOidc::start(FakeOidcConfig {
        client_id: "wederhoor-staff".into(),
        client_secret: "staff-geheim".into(),
        redirect_uri: REDIRECT.into(),
        user: OidcUser {
            subject: "emp-4711".into(),
            email: email.into(),
            email_verified: true,
            name: "Medewerker".into(),
        },
    })
    .await;
    app.state.config.staff_oidc = Some(OidcSettings {
        config: OidcConfig {
            issuer: fake.issuer(),
            client_id: "wederhoor-staff".into(),
            client_secret: "staff-geheim".into(),
            redirect_url: REDIRECT.into(),
        },
        label: "Bank-SSO".into(),
    });
    fake.set_token_mode(TokenMode::Rs256);
    fake
}

/// Runs one login: our start route, the provider, our callback. Returns the callback's answer.
async fn sso_login(app: &TestApp) -> common::TestResponse {
    let r = app.get_with_cookies("/login/oidc", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let cookie = r.cookie_value("wederhoor_staff_oidc").unwrap();
    let to = r.location().unwrap().to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(&to).send().await.unwrap();
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(REDIRECT), "{back}");
    let path = back.trim_start_matches("http://127.0.0.1:8080");
    app.get_with_cookies(path, &format!("wederhoor_staff_oidc={cookie}"))
        .await
}

#[tokio::test]
async fn staff_log_in_through_the_provider_only_as_existing_agents() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let mut app = spawn_app(backend, store).await;
        let b = app.backend;
        let agent = app
            .store
            .create_agent(
                &NewAgent {
                    username: "sanne@zuiderbank.example".into(),
                    display_name: "Sanne".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let fake = with_staff_oidc(&mut app, "Sanne@Zuiderbank.example").await;
        let login = app.get_with_cookies("/login", "").await.text();
        assert!(login.contains("Inloggen met Bank-SSO"), "{b}");

        let r = sso_login(&app).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(r.location(), Some("/inbox"));
        let session = r.cookie_value("wederhoor_session").unwrap();
        let s = app.store.session(&session).await.unwrap().unwrap();
        assert_eq!(s.agent.id, agent.id, "{b}");
        assert!(fake.jwks_requests() >= 1, "{b}: the signature was checked");

        // A wrong signature: refused, no session.
        fake.set_token_mode(TokenMode::Rs256BadSignature);
        let r = sso_login(&app).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(r.cookie_value("wederhoor_session").is_none());

        // A disabled agent: refused.
        fake.set_token_mode(TokenMode::Rs256);
        app.store
            .set_agent_disabled("sanne@zuiderbank.example", true)
            .await
            .unwrap();
        let r = sso_login(&app).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert!(r.cookie_value("wederhoor_session").is_none());
    }
}

#[tokio::test]
async fn an_identity_that_is_no_agent_is_refused() {
    let (backend, store) = fresh_stores().await.unwrap().into_iter().next().unwrap();
    let mut app = spawn_app(backend, store).await;
    let _fake = with_staff_oidc(&mut app, "onbekend@elders.example").await;
    let r = sso_login(&app).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.cookie_value("wederhoor_session").is_none());
    // Without the browser's cookie the callback is refused too.
    let r = app
        .get_with_cookies("/login/oidc/terug?code=x&state=y", "")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
