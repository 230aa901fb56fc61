//! The leads' escalations page in headless Chromium against `serve --demo`, at phone (390 px)
//! and desktop (1280 px) width: the demo's viral complaint is there with its checklist; a lead
//! moves between cards with the keyboard, ticks an item and takes the escalation on; the case
//! page links back; the page fits the phone without sideways scrolling; axe-core finds nothing
//! serious (see `wederhoor_testkit::axe`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::time::Duration;
use wederhoor_testkit::Browser;

const WAIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "webcare-demo";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_works_the_viral_escalation_at_phone_and_desktop_width() {
    let dir = common::data_dir("escalations-browser");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir,
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();

    for width in [390, 1280] {
        let page = browser.new_page().await.unwrap();
        page.set_viewport(width, 844, width < 600).await.unwrap();
        page.goto(&format!("{base}/login")).await.unwrap();
        page.fill("#username", "lisa").await.unwrap();
        page.fill("#password", PASSWORD).await.unwrap();
        page.click_and_wait_navigation("#login-button")
            .await
            .unwrap();

        // The nav leads to the page; the demo's viral complaint is on it.
        page.click_and_wait_navigation("header.top nav a[href='/escalaties']")
            .await
            .unwrap();
        page.audit().await.unwrap();
        let card = ".escalation-card[data-kind='viral']";
        let found = page
            .eval(&format!("!!document.querySelector(\"{card}\")"))
            .await
            .unwrap();
        assert_eq!(found, true, "{width} px: no viral escalation in the demo");
        let fits = page
            .eval("document.documentElement.scrollWidth <= window.innerWidth")
            .await
            .unwrap();
        assert_eq!(fits, true, "{width} px: the page scrolls sideways");

        // Keyboard: j moves the focus to a card.
        page.wait_for("document.documentElement.dataset.js === 'ready'", WAIT)
            .await
            .unwrap();
        page.press_key("j").await.unwrap();
        page.wait_for(
            "document.activeElement && document.activeElement.classList.contains('escalation-card')",
            WAIT,
        )
        .await
        .unwrap();

        // Tick the first item of the viral card, then take it on (the first width does; the
        // second sees it done).
        let first_item = format!("{card} .checklist li:first-child button");
        let pressed =
            format!("document.querySelector(\"{first_item}\").getAttribute('aria-pressed')");
        if page.eval(&pressed).await.unwrap() == "false" {
            page.click_and_wait_navigation(&first_item).await.unwrap();
        }
        assert_eq!(page.eval(&pressed).await.unwrap(), "true", "{width} px");
        let ack = format!("{card} form[action$='/oppakken'] button");
        if page
            .eval(&format!("!!document.querySelector(\"{ack}\")"))
            .await
            .unwrap()
            == true
        {
            page.click_and_wait_navigation(&ack).await.unwrap();
        }
        let owner = page
            .text(&format!("{card} .escalation-owner"))
            .await
            .unwrap();
        assert!(owner.contains("Lisa"), "{width} px: owner {owner:?}");
        let first_action = page
            .text(&format!("{card} .escalation-first-action"))
            .await
            .unwrap();
        assert!(
            first_action.contains("minu"),
            "{width} px: {first_action:?}"
        );

        // The case page links back to the escalation.
        page.click_and_wait_navigation(&format!("{card} h2 a"))
            .await
            .unwrap();
        page.wait_for("!!document.querySelector('#case-escalations a')", WAIT)
            .await
            .unwrap();
        page.goto(&format!("{base}/escalaties/volglijst"))
            .await
            .unwrap();
        page.audit().await.unwrap();
        let fits = page
            .eval("document.documentElement.scrollWidth <= window.innerWidth")
            .await
            .unwrap();
        assert_eq!(fits, true, "{width} px: the watchlist scrolls sideways");
    }
    drop(server);
}
