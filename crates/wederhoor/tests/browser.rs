//! End to end in headless Chromium: log in, open a conversation with the keyboard, reply, see
//! the reply delivered to a webhook on loopback, and see live updates and presence in a second
//! browser session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::Target;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;
use wederhoor_testkit::{Browser, Page};

const WAIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "correct-horse-battery";

/// A webhook receiver on loopback that hands every delivery to the test.
async fn webhook_sink() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn login(page: &Page, base: &str, username: &str) {
    page.goto(&format!("{base}/login")).await.unwrap();
    page.fill("#username", username).await.unwrap();
    page.fill("#password", PASSWORD).await.unwrap();
    page.click_and_wait_navigation("#login-button")
        .await
        .unwrap();
    assert!(
        page.url().await.unwrap().ends_with("/inbox"),
        "{username} is on the inbox after login"
    );
}

async fn ingest(base: &str, token: &str, id: &str, text: &str, name: &str) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/ingest"))
        .bearer_auth(token)
        .json(&serde_json::json!({"id": id, "text": text, "author": {"handle": format!("@{}", name.to_lowercase()), "name": name, "followers": 150}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_answers_and_a_colleague_sees_it_live() {
    let (hook_url, mut deliveries) = webhook_sink().await;
    let t = Target::sqlite("browser");
    let token = t.add_source(
        "Zuiderbank Forum",
        &["--webhook-url", &hook_url, "--webhook-secret", "geheim"],
    );
    t.add_user("sanne", "Sanne Jansen", "agent", PASSWORD);
    t.add_user("mehmet", "Mehmet Yilmaz", "agent", PASSWORD);
    let server = t.serve();
    let base = server.url.clone();
    ingest(
        &base,
        &token,
        "f-1",
        "Mijn Zuiderpas is sinds gisteren geblokkeerd en ik kan niet pinnen. Wat moet ik doen?",
        "Klaas",
    )
    .await;

    let browser = Browser::launch().await.unwrap();
    let sanne = browser.new_page().await.unwrap();
    let mehmet = browser.new_page().await.unwrap();
    login(&sanne, &base, "sanne").await;
    login(&mehmet, &base, "mehmet").await;

    // Sanne opens the first conversation with the keyboard.
    sanne
        .wait_for("document.querySelectorAll('tr.conv').length === 1", WAIT)
        .await
        .unwrap();
    sanne.press_key("o").await.unwrap();
    sanne
        .wait_for("location.pathname.startsWith('/c/')", WAIT)
        .await
        .unwrap();
    sanne
        .wait_for("document.body.dataset.page === 'conversation'", WAIT)
        .await
        .unwrap();
    let conversation_url = sanne.url().await.unwrap();
    assert!(
        sanne
            .text("#thread")
            .await
            .unwrap()
            .contains("Zuiderpas is sinds gisteren geblokkeerd")
    );

    // Mehmet opens the same conversation: Sanne sees him there (collision warning).
    mehmet.goto(&conversation_url).await.unwrap();
    sanne
        .wait_for(
            "document.getElementById('presence').innerText.includes('Mehmet Yilmaz')",
            WAIT,
        )
        .await
        .unwrap();
    mehmet.goto(&format!("{base}/inbox")).await.unwrap();

    // Sanne replies; the outbox delivers it to the webhook, signed, with her own name.
    sanne
        .fill(
            "#reply-text",
            "Wat vervelend! Bel ons even via de app-chat, dan deblokkeren we je pas.",
        )
        .await
        .unwrap();
    sanne
        .click_and_wait_navigation("#send-reply")
        .await
        .unwrap();
    let (headers, body) = tokio::time::timeout(WAIT, deliveries.recv())
        .await
        .expect("no delivery")
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"geheim").unwrap();
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-wederhoor-signature"].to_str().unwrap(), expected);
    assert!(headers.contains_key("idempotency-key"));
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["in_reply_to"], "f-1");
    assert!(
        payload["text"]
            .as_str()
            .unwrap()
            .ends_with("— Sanne Jansen"),
        "{payload}"
    );

    // The delivery state on Sanne's page turns to sent without a reload.
    sanne
        .wait_for(
            "document.querySelector('.reply .delivery[data-state=\"sent\"]') !== null",
            WAIT,
        )
        .await
        .unwrap();

    // Mehmet's open inbox shows Sanne as owner, and a new message, without a reload.
    mehmet
        .wait_for(
            "document.getElementById('conv-list').innerText.includes('Sanne Jansen')",
            WAIT,
        )
        .await
        .unwrap();
    ingest(
        &base,
        &token,
        "f-2",
        "Hoe verhoog ik mijn daglimiet voor pinnen in de ZuiderApp?",
        "Fatima",
    )
    .await;
    mehmet
        .wait_for(
            "document.getElementById('conv-list').innerText.includes('daglimiet')",
            WAIT,
        )
        .await
        .unwrap();
    if let Ok(path) = std::env::var("WEDERHOOR_SCREENSHOT") {
        mehmet
            .screenshot_png(std::path::Path::new(&path), 1280, 720)
            .await
            .unwrap();
    }
    drop(server);
}

/// Take it private in one action (#12), at phone and desktop width with the accessibility
/// audit: the agent's safe public reply goes to a public forum (a webhook on loopback) with the
/// one-time link, the customer leaves a number on the call-back form without logging in, and
/// the one case shows both parts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_it_private_reply_in_public_and_the_call_back_in_the_same_case() {
    let (hook_url, mut deliveries) = webhook_sink().await;
    let t = Target::sqlite("browser-private");
    let token = t.add_source(
        "Zuiderbank Forum",
        &[
            "--kind",
            "forum",
            "--webhook-url",
            &hook_url,
            "--webhook-secret",
            "geheim",
        ],
    );
    t.add_user("sanne", "Sanne Jansen", "agent", PASSWORD);
    let server = t.serve();
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();
    for width in [390u32, 1280] {
        let marker = format!("({width} px)");
        ingest(
            &base,
            &token,
            &format!("p-{width}"),
            &format!("Al zes keer gebeld over een dubbele afschrijving, niemand helpt me {marker}"),
            "Klaas",
        )
        .await;
        let sanne = browser.new_page().await.unwrap();
        sanne.set_viewport(width, 844, width < 600).await.unwrap();
        login(&sanne, &base, "sanne").await;
        let case: String = serde_json::from_value(
            sanne
                .eval(&format!(
                    "Array.from(document.querySelectorAll('tr.conv')).find(r => \
                     r.textContent.includes({})).querySelector('a.open').getAttribute('href')",
                    serde_json::to_string(&marker).unwrap()
                ))
                .await
                .unwrap(),
        )
        .unwrap();
        sanne.goto(&format!("{base}{case}")).await.unwrap();
        let template = sanne
            .eval("document.getElementById('private-text').value")
            .await
            .unwrap();
        assert!(
            template.as_str().unwrap().starts_with("Hoi Klaas,"),
            "{template}"
        );
        sanne
            .click_and_wait_navigation("#take-private-button")
            .await
            .unwrap();

        // The public part reaches the forum, signed, with the link and no personal data.
        let (_, body) = tokio::time::timeout(WAIT, deliveries.recv())
            .await
            .expect("no delivery")
            .unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let text = payload["text"].as_str().unwrap().to_owned();
        assert!(text.ends_with("— Sanne Jansen"), "{text}");
        let at = text.find("/terugbellen/").expect("the link") + "/terugbellen/".len();
        let link: String = text[at..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        assert_eq!(link.len(), 32, "{text}");

        // The customer, not logged in, leaves a number.
        let klaas = browser.new_page().await.unwrap();
        klaas.set_viewport(width, 844, width < 600).await.unwrap();
        klaas
            .goto(&format!("{base}/terugbellen/{link}"))
            .await
            .unwrap();
        klaas.fill("#telefoon", "06 1234 5678").await.unwrap();
        klaas.fill("#moment", "Morgen na 14 uur").await.unwrap();
        klaas
            .click_and_wait_navigation("#callback-send")
            .await
            .unwrap();
        assert!(
            klaas
                .text("#callback-done")
                .await
                .unwrap()
                .contains("Dank je")
        );
        let wide = klaas
            .eval("document.documentElement.scrollWidth")
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        assert!(wide <= i64::from(width) + 1, "the form is {wide} px wide");
        if width == 390 {
            klaas
                .screenshot_png(&t.data_dir.join("callback-390.png"), width, 844)
                .await
                .unwrap();
        }

        // One case shows both parts: the public reply (sent) and the call-back request.
        sanne.goto(&format!("{base}{case}")).await.unwrap();
        sanne
            .wait_for(
                "document.querySelector('.reply .delivery[data-state=\"sent\"]') !== null",
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(sanne.text(".callback-phone").await.unwrap(), "0612345678");
        assert_eq!(
            sanne.text(".callback-time").await.unwrap(),
            "Morgen na 14 uur"
        );
        assert!(
            sanne
                .text("#thread")
                .await
                .unwrap()
                .contains("/terugbellen/")
        );
        assert!(
            sanne
                .text("li[data-action='case.callback_request']")
                .await
                .unwrap()
                .contains("terugbellink")
        );
        assert_eq!(sanne.text("#case-state").await.unwrap(), "privé");
        let wide = sanne
            .eval("document.documentElement.scrollWidth")
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        assert!(wide <= i64::from(width) + 1, "the case is {wide} px wide");
        sanne
            .screenshot_png(&t.data_dir.join(format!("case-{width}.png")), width, 844)
            .await
            .unwrap();
    }
    drop(server);
}
