#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The staff second factor through HTTP: set up on `/me` (secret shown, confirmed with a
//! code), then the password login asks for a code; a wrong or reused code is refused; the
//! secret is sealed at rest. Codes are computed for the current time step.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{PASSWORD, TestApp, TestResponse, form_body, spawn_app};
use wederhoor_app::totp;
use wederhoor_store::testing::{fresh_stores, raw_totp_secret};

fn code(secret: &str, step: i64) -> String {
    format!(
        "{:06}",
        totp::code_at(&totp::base32_decode(secret).unwrap(), step)
    )
}

fn now_step() -> i64 {
    totp::step_of(jiff::Timestamp::now().as_second())
}

async fn post(t: &TestApp, path: &str, cookies: &str, fields: &[(&str, &str)]) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies)
        .body(Body::from(form_body(fields)))
        .unwrap();
    t.send(request).await
}

/// The password step: returns the response.
async fn password_login(t: &TestApp) -> TestResponse {
    let page = t.get("/login", None).await;
    let csrf = page.cookie_value("wederhoor_login_csrf").unwrap();
    post(
        t,
        "/login",
        &format!("wederhoor_login_csrf={csrf}"),
        &[
            ("username", "anna"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await
}

/// The code step with the pending cookie.
async fn code_login(t: &TestApp, pending: &str, code: &str) -> TestResponse {
    let page = t.get("/login/code", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.cookie_value("wederhoor_login_csrf").unwrap();
    post(
        t,
        "/login/code",
        &format!("wederhoor_login_csrf={csrf}; wederhoor_login_pending={pending}"),
        &[("code", code), ("csrf", &csrf)],
    )
    .await
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    html.split(start).nth(1).unwrap().split(end).next().unwrap()
}

#[tokio::test]
async fn a_password_login_asks_for_the_code_once_the_second_factor_is_on() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let t = spawn_app(backend, store.with_secret_key([5u8; 32])).await;
        let b = t.backend;
        // Without a second factor the password is enough.
        let r = password_login(&t).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(r.location(), Some("/inbox"));

        // Set it up on the account page.
        let anna = t.login_as(&t.agent).await;
        let cookie = format!("wederhoor_session={}", anna.cookie);
        let me = t.get("/me", Some(&anna)).await;
        assert_eq!(me.status, StatusCode::OK, "{b}");
        assert!(me.text().contains("data-on=\"0\""));
        // Without the session's CSRF token nothing starts.
        let r = post(&t, "/me/totp", &cookie, &[("csrf", "fout")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(&t, "/me/totp", &cookie, &[("csrf", &anna.csrf)]).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let html = r.text();
        let secret = between(&html, "id=\"totp-secret\">", "<").to_owned();
        let uri = between(&html, "id=\"totp-uri\">", "<")
            .replace("&amp;", "&")
            .replace("&#x2f;", "/");
        assert!(
            uri.starts_with("otpauth://totp/Wederhoor:anna?secret="),
            "{uri}"
        );
        assert!(uri.contains(&secret));
        // Sealed at rest.
        let raw = raw_totp_secret(&t.store, t.agent.id.0)
            .await
            .unwrap()
            .unwrap();
        assert!(
            raw.starts_with("v1:") && !raw.contains(&secret),
            "{b}: {raw}"
        );
        // Not on until confirmed: the password still suffices.
        assert_eq!(password_login(&t).await.location(), Some("/inbox"));
        // A wrong code does not confirm; the right one does.
        let step = now_step();
        let wrong = code(&secret, step + 10);
        let r = post(
            &t,
            "/me/totp/confirm",
            &cookie,
            &[("csrf", &anna.csrf), ("code", &wrong)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = post(
            &t,
            "/me/totp/confirm",
            &cookie,
            &[("csrf", &anna.csrf), ("code", &code(&secret, step))],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(r.text().contains("data-on=\"1\""), "{b}");

        // Now the password alone opens no page.
        let r = password_login(&t).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(r.location(), Some("/login/code"));
        assert!(r.cookie_value("wederhoor_session").is_none());
        let pending = r.cookie_value("wederhoor_login_pending").unwrap();
        let inbox = t
            .get_with_cookies("/inbox", &format!("wederhoor_session={pending}"))
            .await;
        assert_eq!(
            inbox.status,
            StatusCode::SEE_OTHER,
            "{b}: a pending login opened the inbox"
        );
        // A wrong code is refused; the code already used to confirm is refused too.
        let r = code_login(&t, &pending, &wrong).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        let r = code_login(&t, &pending, &code(&secret, step)).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{b}: a used code counted again"
        );
        // The next step's code logs in.
        let next = code(&secret, step + 1);
        let r = code_login(&t, &pending, &next).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(r.location(), Some("/inbox"));
        let session = r.cookie_value("wederhoor_session").unwrap();
        assert_ne!(session, pending);
        let inbox = t
            .get_with_cookies("/inbox", &format!("wederhoor_session={session}"))
            .await;
        assert_eq!(inbox.status, StatusCode::OK, "{b}");
        // The pending login is used up, and the same code does not work twice.
        let r = code_login(&t, &pending, &next).await;
        assert_eq!(r.location(), Some("/login"), "{b}");
        let again = password_login(&t)
            .await
            .cookie_value("wederhoor_login_pending")
            .unwrap();
        let r = code_login(&t, &again, &next).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{b}: a used code counted again"
        );

        // An admin's reset switches it off: the password is enough again.
        totp::reset(&t.store, "anna", Some(t.admin.id))
            .await
            .unwrap();
        assert_eq!(password_login(&t).await.location(), Some("/inbox"), "{b}");
    }
}
