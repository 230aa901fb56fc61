#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The public idea board end to end in headless Chromium, against the real binary with mail
//! going to a fake SMTP server: an anonymous visitor reads; a customer registers, posts an idea,
//! votes; a staff member sets the status to green with an explanation; the customer sees the
//! change and gets the e-mail.

mod common;

use common::{Server, Target, cookie_value};
use std::time::Duration;
use wederhoor_testkit::{Page, ReceivedMail, SmtpSink};

const WAIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "correct-horse-battery";
const OTHER_TITLE: &str = "Betalen met je horloge in de winkel";
const OTHER_TEXT: &str = "Ik wil met mijn smartwatch kunnen betalen, zonder telefoon.";
const MY_TITLE: &str = "Betalen met je horloge bij elke pinautomaat";
const MY_TEXT: &str = "Geld opnemen zonder pas: gewoon je horloge tegen de automaat houden.";
const EXPLANATION: &str = "We bouwen dit in de app van maart.";

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

/// Waits until the sink holds a mail to `address` that `matches`, and returns it.
async fn mail_to(
    sink: &SmtpSink,
    address: &str,
    matches: impl Fn(&ReceivedMail) -> bool,
) -> ReceivedMail {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mails = sink.messages();
        if let Some(mail) = mails
            .iter()
            .find(|m| m.to.iter().any(|t| t.contains(address)) && matches(m))
        {
            return mail.clone();
        }
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        assert!(
            !remaining.is_zero(),
            "no matching mail to {address}: {mails:?}"
        );
        // Returns as soon as one more mail arrives (or the time is up).
        sink.wait_for(mails.len() + 1, remaining).await;
    }
}

/// The `/account/bevestigen?token=…` link in the verification mail to `address`.
async fn verification_link(sink: &SmtpSink, base: &str, address: &str) -> String {
    let prefix = format!("{base}/account/bevestigen?token=");
    let mail = mail_to(sink, address, |m| m.body_text().contains(&prefix)).await;
    let body = mail.body_text();
    let start = body.find(&prefix).unwrap();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// Another customer, over plain HTTP: registers, verifies, posts an idea. Returns its path.
async fn seed_other_customer(sink: &SmtpSink, base: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let address = "anne@klant.example";
    let page = http
        .get(format!("{base}/account/registreren"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf = cookie_value(&page, "wederhoor_pcsrf").unwrap();
    let r = http
        .post(format!("{base}/account/registreren"))
        .header("cookie", format!("wederhoor_pcsrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("display_name", "Anne Andere"),
            ("email", address),
            ("password", "een-lang-wachtwoord"),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let link = verification_link(sink, base, address).await;
    let r = http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookie = format!(
        "wederhoor_account={}",
        cookie_value(&r, "wederhoor_account").unwrap()
    );

    let html = http
        .get(format!("{base}/ideeen"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("data-csrf=\"").expect("no data-csrf on the page") + 11;
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let r = http
        .post(format!("{base}/ideeen/nieuw"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf),
            ("bord", "particulier"),
            ("titel", OTHER_TITLE),
            ("tekst", OTHER_TEXT),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/ideeen/"), "{location}");
    location.split('?').next().unwrap().to_owned()
}

/// `document.querySelector(css)` matches and its `innerText` includes `needle`.
fn text_includes(css: &str, needle: &str) -> String {
    format!(
        "(() => {{ const el = document.querySelector({}); return !!el && el.innerText.includes({}); }})()",
        serde_json::to_string(css).unwrap(),
        serde_json::to_string(needle).unwrap(),
    )
}

async fn reload(page: &Page) {
    let url = page.url().await.unwrap();
    page.goto(&url).await.unwrap();
}

/// The header offers a visitor to log in ("Inloggen": the site speaks Dutch by default).
async fn assert_login_link(page: &Page) {
    assert_eq!(page.text("#login-link").await.unwrap(), "Inloggen");
    let href = page
        .eval("document.getElementById('login-link').getAttribute('href')")
        .await
        .unwrap();
    assert!(
        href.as_str()
            .unwrap()
            .starts_with("/account/inloggen?terug="),
        "{href}"
    );
}

async fn path(page: &Page) -> String {
    page.eval("location.pathname")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_reads_customer_posts_and_votes_staff_sets_status_customer_is_told() {
    let sink = SmtpSink::start().await;
    let t = Target::sqlite("feedback-browser");
    t.add_user("pieter", "Pieter de Vries", "lead", PASSWORD);
    let server = serve_with_mail(&t, &sink.url());
    let base = server.url.clone();

    let browser = wederhoor_testkit::Browser::launch().await.unwrap();
    // Each page is its own browser context: three independent people.
    let visitor = browser.new_page().await.unwrap();
    let customer = browser.new_page().await.unwrap();
    let staff = browser.new_page().await.unwrap();

    // 1. An anonymous visitor on a fresh board: the boards, and the empty state.
    visitor.goto(&format!("{base}/ideeen")).await.unwrap();
    let tabs = visitor.text("nav.board-tabs").await.unwrap();
    assert!(tabs.contains("Particulier"), "{tabs}");
    assert!(tabs.contains("Zakelijk"), "{tabs}");
    assert!(
        visitor
            .text("p.empty")
            .await
            .unwrap()
            .contains("Nog geen ideeën hier."),
    );
    assert_login_link(&visitor).await;

    // Someone else posts an idea; the visitor reads it.
    let other_path = seed_other_customer(&sink, &base).await;
    reload(&visitor).await;
    let list = visitor.text("ol.ideas").await.unwrap();
    assert!(list.contains(OTHER_TITLE), "{list}");
    assert!(list.contains("Anne Andere"), "{list}");
    visitor
        .click_and_wait_navigation(&format!("ol.ideas a[href$='{other_path}']"))
        .await
        .unwrap();
    assert_eq!(path(&visitor).await, other_path);
    assert_eq!(visitor.text("h1").await.unwrap(), OTHER_TITLE);
    assert!(
        visitor
            .text(".idea-body")
            .await
            .unwrap()
            .contains(OTHER_TEXT)
    );
    assert_eq!(visitor.text("#idea-status").await.unwrap(), "Nieuw");
    assert_login_link(&visitor).await;
    // No staff tools for a visitor.
    assert_eq!(
        visitor
            .eval("document.getElementById('status-form') === null")
            .await
            .unwrap(),
        true
    );

    // 2. A customer registers in the browser and follows the link in the mail.
    let address = "lotte@klant.example";
    customer
        .goto(&format!("{base}/account/registreren"))
        .await
        .unwrap();
    customer.fill("#display_name", "Lotte Klant").await.unwrap();
    customer.fill("#email", address).await.unwrap();
    customer
        .fill("#password", "mijn-geheime-zin-42")
        .await
        .unwrap();
    customer
        .click_and_wait_navigation("form[action='/account/registreren'] button[type=submit]")
        .await
        .unwrap();
    let link = verification_link(&sink, &base, address).await;
    customer.goto(&link).await.unwrap();
    assert_eq!(customer.text("#account-link").await.unwrap(), "Lotte Klant");

    // 3. She posts an idea; typing the title shows the similar idea first.
    customer
        .goto(&format!("{base}/ideeen/nieuw"))
        .await
        .unwrap();
    customer
        .fill("select[name=bord]", "particulier")
        .await
        .unwrap();
    customer.fill("#idea-title", MY_TITLE).await.unwrap();
    customer
        .wait_for(&text_includes("#similar", OTHER_TITLE), WAIT)
        .await
        .unwrap();
    assert_eq!(
        customer
            .eval(&format!(
                "document.querySelector('#similar a').getAttribute('href').startsWith({})",
                serde_json::to_string(&other_path).unwrap()
            ))
            .await
            .unwrap(),
        true
    );
    customer
        .fill("textarea[name=tekst]", MY_TEXT)
        .await
        .unwrap();
    customer
        .click_and_wait_navigation("#idea-submit")
        .await
        .unwrap();
    let my_path = path(&customer).await;
    let digits = my_path
        .strip_prefix("/ideeen/")
        .and_then(|rest| rest.split_once('-'))
        .map(|(id, _)| id.to_owned())
        .unwrap_or_default();
    assert!(
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()),
        "{my_path}"
    );
    assert_eq!(customer.text("h1").await.unwrap(), MY_TITLE);
    let my_url = format!("{base}{my_path}");

    // 4. She votes for the other idea: the count goes up without a reload.
    customer.goto(&format!("{base}{other_path}")).await.unwrap();
    assert_eq!(customer.text("#vote-count").await.unwrap(), "1");
    customer.eval("window.notReloaded = true").await.unwrap();
    customer.click("#vote-button").await.unwrap();
    customer
        .wait_for(
            "document.getElementById('vote-count').textContent === '2'",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        customer.eval("window.notReloaded === true").await.unwrap(),
        true,
        "the vote reloaded the page"
    );
    reload(&customer).await;
    assert_eq!(customer.text("#vote-count").await.unwrap(), "2");
    assert_eq!(
        customer
            .eval("document.getElementById('vote-button').classList.contains('voted')")
            .await
            .unwrap(),
        true
    );

    // 5. A staff member sets her idea to green, with an explanation.
    staff.goto(&format!("{base}/login")).await.unwrap();
    staff.fill("#username", "pieter").await.unwrap();
    staff.fill("#password", PASSWORD).await.unwrap();
    staff
        .click_and_wait_navigation("#login-button")
        .await
        .unwrap();
    staff.goto(&my_url).await.unwrap();
    staff.fill("#status-select", "planned").await.unwrap();
    staff
        .fill("#status-explanation", EXPLANATION)
        .await
        .unwrap();
    staff
        .click_and_wait_navigation("#status-form button[type=submit]")
        .await
        .unwrap();
    assert!(path(&staff).await.starts_with(&my_path));
    assert!(!staff.text("#notice").await.unwrap().is_empty());
    assert_eq!(staff.text("#idea-status").await.unwrap(), "Gaat door");

    // 6. The customer sees the change.
    customer.goto(&my_url).await.unwrap();
    assert_eq!(customer.text("#idea-status").await.unwrap(), "Gaat door");
    assert_eq!(
        customer
            .eval("document.getElementById('idea-status').classList.contains('c-green')")
            .await
            .unwrap(),
        true
    );
    let history = customer.text("#status-history").await.unwrap();
    assert!(history.contains(EXPLANATION), "{history}");
    assert!(history.contains("Pieter de Vries"), "{history}");

    // 7. And she gets the e-mail.
    let mail = mail_to(&sink, address, |m| {
        m.header_text("Subject")
            .is_some_and(|s| s.contains("Gaat door"))
    })
    .await;
    let subject = mail.header_text("Subject").unwrap();
    assert!(subject.contains(MY_TITLE), "{subject}");
    let body = mail.body_text();
    assert!(body.contains(EXPLANATION), "{body}");
    assert!(body.contains(&my_url), "{body}");
    // Nobody else follows her idea: Anne got no status mail.
    assert!(!sink.messages().iter().any(|m| {
        m.to.iter().any(|t| t.contains("anne@klant.example"))
            && m.header_text("Subject")
                .is_some_and(|s| s.contains("Gaat door"))
    }),);

    browser.close().await.unwrap();
    drop(server);
}
