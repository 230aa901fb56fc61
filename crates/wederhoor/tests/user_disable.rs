//! `wederhoor user disable NAME` switches an agent off: their open sessions end at once and
//! they cannot log in until `wederhoor user enable NAME`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn a_disabled_agent_is_logged_out_at_once_and_cannot_log_in() {
    for t in Target::all("userdisable").await {
        let b = t.backend();
        t.add_user("sanne", "Sanne Jansen", "agent", "lang-genoeg-wachtwoord");
        let server = t.serve();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let cookie = login_agent(&client, &server.url, "sanne", "lang-genoeg-wachtwoord").await;
        let inbox = |cookie: String| {
            let client = client.clone();
            let url = format!("{}/inbox", server.url);
            async move {
                client
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(inbox(cookie.clone()).await, 200, "{b}");

        let out = t.run(&["user", "disable", "sanne"], "");
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            inbox(cookie.clone()).await,
            303,
            "{b}: the session still works"
        );
        let list = t.run(&["user", "list"], "");
        assert!(
            String::from_utf8_lossy(&list.stdout)
                .contains("sanne\tagent\tSanne Jansen\t(disabled)")
        );

        let page = client
            .get(format!("{}/login", server.url))
            .send()
            .await
            .unwrap();
        let login_cookie = cookie_value(&page, "wederhoor_login_csrf").unwrap();
        let html = page.text().await.unwrap();
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let r = client
            .post(format!("{}/login", server.url))
            .header("cookie", format!("wederhoor_login_csrf={login_cookie}"))
            .form(&[
                ("username", "sanne"),
                ("password", "lang-genoeg-wachtwoord"),
                ("csrf", csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{b}: a disabled agent logged in");

        let out = t.run(&["user", "enable", "sanne"], "");
        assert!(out.status.success(), "{b}");
        let cookie = login_agent(&client, &server.url, "sanne", "lang-genoeg-wachtwoord").await;
        assert_eq!(inbox(cookie).await, 200, "{b}");

        let out = t.run(&["user", "disable", "niemand"], "");
        assert!(!out.status.success(), "{b}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not found"),
            "{b}"
        );
    }
}

/// `wederhoor user reset-totp NAME`: an agent who lost the phone with their second factor logs
/// in with the password again; the reset is audited.
#[tokio::test]
async fn reset_totp_switches_a_lost_second_factor_off() {
    let t = Target::sqlite("resettotp");
    t.add_user("sanne", "Sanne Jansen", "agent", "lang-genoeg-wachtwoord");
    let server = t.serve();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session = login_agent(&client, &server.url, "sanne", "lang-genoeg-wachtwoord").await;
    let me = client
        .get(format!("{}/me", server.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = me
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let page = client
        .post(format!("{}/me/totp", server.url))
        .header("cookie", &session)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = page
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let step = wederhoor_app::totp::step_of(jiff::Timestamp::now().as_second());
    let code = format!(
        "{:06}",
        wederhoor_app::totp::code_at(&wederhoor_app::totp::base32_decode(&secret).unwrap(), step)
    );
    let r = client
        .post(format!("{}/me/totp/confirm", server.url))
        .header("cookie", &session)
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("data-on=\"1\""));

    // The password alone now leads to the code step.
    let password_step = |client: reqwest::Client| {
        let url = server.url.clone();
        async move {
            let page = client.get(format!("{url}/login")).send().await.unwrap();
            let cookie = cookie_value(&page, "wederhoor_login_csrf").unwrap();
            client
                .post(format!("{url}/login"))
                .header("cookie", format!("wederhoor_login_csrf={cookie}"))
                .form(&[
                    ("username", "sanne"),
                    ("password", "lang-genoeg-wachtwoord"),
                    ("csrf", cookie.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .headers()["location"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(password_step(client.clone()).await, "/login/code");

    let out = t.run(&["user", "reset-totp", "sanne"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(password_step(client.clone()).await, "/inbox");
    let audit = t.run(&["audit", "verify"], "");
    assert!(audit.status.success());
    let out = t.run(&["user", "reset-totp", "niemand"], "");
    assert!(!out.status.success());
}
