//! The working surface in headless Chromium against `serve --demo`, at phone (390 px) and desktop
//! (1280 px) width: clicking through many cases and back never stalls (pages in the back/forward
//! cache close their live stream and reopen it when shown), the inbox, a case, the review queue
//! and the feedback page fit the screen, counts read in the right form, unknown pages are Dutch
//! pages with the layout, and the keys the pages promise work.
//!
//! One server and one browser for the whole file. With `SURFACE_SCREENSHOTS` set, the main
//! pages are also saved as PNG screenshots at both widths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::time::Duration;
use wederhoor_testkit::{Browser, Page};

const WAIT: Duration = Duration::from_secs(20);
/// The demo's password for every team member.
const PASSWORD: &str = "webcare-demo";
/// More cases than a browser has connections per server (six).
const CASES: usize = 8;

async fn login(page: &Page, base: &str, username: &str) {
    page.goto(&format!("{base}/login")).await.unwrap();
    page.fill("#username", username).await.unwrap();
    page.fill("#password", PASSWORD).await.unwrap();
    page.click_and_wait_navigation("#login-button")
        .await
        .unwrap();
    assert!(
        !page.url().await.unwrap().contains("/login"),
        "{username} logged in"
    );
}

async fn eval_i64(page: &Page, js: &str) -> i64 {
    page.eval(js)
        .await
        .unwrap()
        .as_i64()
        .unwrap_or_else(|| panic!("{js} is not a number"))
}

async fn status(page: &Page) -> i64 {
    eval_i64(
        page,
        "(performance.getEntriesByType('navigation')[0] || {}).responseStatus || 0",
    )
    .await
}

/// Counts shown with the wrong form ("1 berichten") in the page's visible text.
async fn plural_errors(page: &Page) -> Vec<String> {
    let v = page
        .eval(
            "Array.from(document.body.innerText.replace(/\\u00a0/g, ' ')\
             .matchAll(/\\b1 (berichten|reacties|pogingen|volgers|stemmen|dagen|ideeën)\\b/g))\
             .map(m => m[0])",
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

async fn screenshot(page: &Page, name: &str, width: u32, mobile: bool) {
    let Ok(dir) = std::env::var("SURFACE_SCREENSHOTS") else {
        return;
    };
    let height = eval_i64(page, "document.documentElement.scrollHeight")
        .await
        .clamp(600, 2400) as u32;
    let path = std::path::Path::new(&dir).join(format!("{name}-{width}.png"));
    page.screenshot_png(&path, width, height).await.unwrap();
    page.set_viewport(width, 844, mobile).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_working_surface_at_phone_and_desktop_width() {
    let dir = common::data_dir("surface-browser");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir,
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();

    // ----- no stall: open a case, back, for more cases than the browser has connections -----
    let sanne = browser.new_page().await.unwrap();
    sanne.set_viewport(1280, 800, false).await.unwrap();
    login(&sanne, &base, "sanne").await;
    sanne.goto(&format!("{base}/inbox")).await.unwrap();
    sanne
        .wait_for("document.body.dataset.live === 'open'", WAIT)
        .await
        .unwrap();
    let cases: Vec<String> = serde_json::from_value(
        sanne
            .eval("Array.from(document.querySelectorAll('tr.conv a.open')).map(a => a.getAttribute('href'))")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        cases.len() >= CASES,
        "{} cases in the demo inbox",
        cases.len()
    );
    let mut restored = 0;
    for href in &cases[..CASES] {
        // Marks this document: still there after "back" means it came from the bfcache.
        sanne.eval("window.keptInCache = true").await.unwrap();
        sanne
            .click_and_wait_navigation(&format!("tr.conv a.open[href='{href}']"))
            .await
            .unwrap_or_else(|e| panic!("opening {href}: {e:#}"));
        sanne
            .wait_for("document.body.dataset.live === 'open'", WAIT)
            .await
            .unwrap_or_else(|e| panic!("live stream on {href}: {e:#}"));
        sanne.eval("history.back()").await.unwrap();
        sanne
            .wait_for(
                "location.pathname === '/inbox' && document.readyState === 'complete' \
                 && document.body.dataset.live === 'open'",
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("back from {href}: {e:#}"));
        if sanne.eval("window.keptInCache === true").await.unwrap() == true {
            restored += 1;
        }
    }
    assert!(
        restored > 0,
        "no page came back from the back/forward cache: the stall was not exercised"
    );

    // ----- the keys the pages promise -----
    let hint = sanne.text("#shortcut-hint").await.unwrap();
    for key in ["j/k", "o", "r", "a", "e", "?"] {
        assert!(hint.contains(key), "{hint}");
    }
    sanne
        .wait_for("document.documentElement.dataset.js === 'ready'", WAIT)
        .await
        .unwrap();
    sanne.press_key("?").await.unwrap();
    sanne
        .wait_for("document.getElementById('shortcut-help').open", WAIT)
        .await
        .unwrap();
    sanne.press_key("Escape").await.unwrap();
    sanne
        .wait_for("!document.getElementById('shortcut-help').open", WAIT)
        .await
        .unwrap();
    // `a` assigns the selected (first) case to me.
    sanne.press_key("a").await.unwrap();
    sanne
        .wait_for(
            "document.documentElement.dataset.js === 'ready' && document.querySelector('tr.conv') \
             && document.querySelector('tr.conv').innerText.includes('Sanne Jansen')",
            WAIT,
        )
        .await
        .unwrap();
    // `r` opens the selected case with the reply box focused; Ctrl+Enter sends.
    sanne.press_key("r").await.unwrap();
    sanne
        .wait_for(
            "document.body.dataset.page === 'conversation' && document.activeElement && document.activeElement.id === 'reply-text'",
            WAIT,
        )
        .await
        .unwrap();
    let case_url = sanne.url().await.unwrap();
    let case_path = case_url[base.len()..].split('#').next().unwrap().to_owned();
    sanne
        .fill(
            "#reply-text",
            "Dank voor je bericht, we zoeken het voor je uit.",
        )
        .await
        .unwrap();
    sanne
        .eval(
            "document.getElementById('reply-text').dispatchEvent(new KeyboardEvent('keydown', \
             {key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true}))",
        )
        .await
        .unwrap();
    sanne
        .wait_for(
            "Array.from(document.querySelectorAll('article.reply')).some(a => a.innerText.includes('we zoeken het voor je uit'))",
            WAIT,
        )
        .await
        .unwrap();

    // ----- error pages: Dutch, with the layout -----
    for path in ["/beheer", "/c/999999"] {
        sanne.goto(&format!("{base}{path}")).await.unwrap();
        assert_eq!(status(&sanne).await, 404, "{path}");
        let text = sanne.text("main").await.unwrap();
        assert!(
            text.contains("niet gevonden") || text.contains("bestaat niet"),
            "{path}: {text}"
        );
        assert!(!text.to_lowercase().contains("not found"), "{path}: {text}");
        assert!(
            sanne
                .text("header.top nav")
                .await
                .unwrap()
                .contains("Inbox"),
            "{path}"
        );
    }

    // ----- Ctrl+K: the command bar jumps to a case by its number -----
    sanne
        .eval(
            "document.dispatchEvent(new KeyboardEvent('keydown', \
             {key: 'k', ctrlKey: true, bubbles: true, cancelable: true}))",
        )
        .await
        .unwrap();
    sanne
        .wait_for("document.getElementById('command-bar').open", WAIT)
        .await
        .unwrap();
    let number = case_path.trim_start_matches("/c/");
    sanne.fill("#command-input", number).await.unwrap();
    sanne
        .wait_for("!document.getElementById('command-case').hidden", WAIT)
        .await
        .unwrap();
    sanne
        .eval("document.querySelector('#command-bar form').requestSubmit()")
        .await
        .unwrap();
    sanne
        .wait_for(
            &format!("location.pathname === '{case_path}' && document.readyState === 'complete'"),
            WAIT,
        )
        .await
        .unwrap();

    // ----- widths and words, at phone and desktop width -----
    let lisa = browser.new_page().await.unwrap();
    login(&lisa, &base, "lisa").await;
    let visitor = browser.new_page().await.unwrap();
    for (width, mobile) in [(390_u32, true), (1280, false)] {
        for page in [&sanne, &lisa, &visitor] {
            page.set_viewport(width, 844, mobile).await.unwrap();
        }
        for (page, path, name) in [
            (&sanne, "/inbox", "inbox"),
            (&sanne, case_path.as_str(), "case"),
            (&lisa, "/review", "review"),
            (&visitor, "/ideeen", "ideeen"),
        ] {
            page.goto(&format!("{base}{path}")).await.unwrap();
            assert_eq!(status(page).await, 200, "{path}");
            let scroll = eval_i64(page, "document.documentElement.scrollWidth").await;
            assert!(
                scroll <= i64::from(width) + 1,
                "{path} is {scroll} px wide at {width} px"
            );
            let errors = plural_errors(page).await;
            assert!(errors.is_empty(), "{path} at {width} px: {errors:?}");
            screenshot(page, name, width, mobile).await;
        }
        // The inbox is a table on a desktop and a list of cards on a phone.
        sanne.goto(&format!("{base}/inbox")).await.unwrap();
        let display = sanne
            .eval("getComputedStyle(document.querySelector('tr.conv')).display")
            .await
            .unwrap();
        let want = if mobile { "grid" } else { "table-row" };
        assert_eq!(display, want, "at {width} px");
    }
    browser.close().await.unwrap();
    drop(server);
}
