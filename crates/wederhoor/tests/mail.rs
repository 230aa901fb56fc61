#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The customer mail path end to end: the real binary with `[mail] smtp_url` pointing at a fake
//! SMTP server; register over HTTP, receive the verification mail, follow its link.

mod common;

use common::{Server, Target, cookie_value};
use std::time::Duration;
use wederhoor_testkit::SmtpSink;

/// `serve` with the mail settings in the environment, as an operator would set them.
fn serve_with_mail(target: &Target, smtp_url: &str) -> Server {
    target.serve_with_env(
        &[],
        &[
            ("WEDERHOOR_MAIL__SMTP_URL", smtp_url),
            (
                "WEDERHOOR_MAIL__FROM",
                "Zuiderbank <ideeen@zuiderbank.example>",
            ),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_mail_arrives_and_its_link_verifies() {
    let sink = SmtpSink::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (i, target) in Target::all("mail").await.into_iter().enumerate() {
        let server = serve_with_mail(&target, &sink.url());
        let address = format!("lid{i}@klant.example");

        let page = http
            .get(format!("{}/account/registreren", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{}", target.backend());
        let csrf = cookie_value(&page, "wederhoor_pcsrf").unwrap();
        let r = http
            .post(format!("{}/account/registreren", server.url))
            .header("cookie", format!("wederhoor_pcsrf={csrf}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("display_name", "Lies Lid"),
                ("email", address.as_str()),
                ("password", "een-lang-wachtwoord"),
                ("website", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

        let mails = sink.wait_for(i + 1, Duration::from_secs(30)).await;
        let mail = mails
            .iter()
            .find(|m| m.to.iter().any(|t| t.contains(&address)))
            .unwrap_or_else(|| panic!("no mail to {address}: {mails:?}"));
        assert!(
            mail.from.contains("ideeen@zuiderbank.example"),
            "{}",
            mail.from
        );
        let body = mail.body_text();
        let prefix = format!("{}/account/bevestigen?token=", server.url);
        let start = body
            .find(&prefix)
            .unwrap_or_else(|| panic!("no link to {prefix} in {body}"));
        let link = body[start..].split_whitespace().next().unwrap();

        let r = http.get(link).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", target.backend());
        let session = cookie_value(&r, "wederhoor_account").unwrap();
        let profile = http
            .get(format!("{}/account", server.url))
            .header("cookie", format!("wederhoor_account={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(profile.status(), 200);
        let html = profile.text().await.unwrap();
        assert!(html.contains(&address), "{html}");
        assert!(html.contains("(bevestigd)"), "{html}");
    }
}
