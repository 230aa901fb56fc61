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
