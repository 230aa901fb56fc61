//! Visual regression (issue 15): the main pages of `serve --demo` in headless Chromium, in Dutch
//! and English at desktop width (1280 px) and the busiest ones at phone width (390 px), compared
//! with the reference PNGs in `tests/visual/` with a tolerance (see
//! `wederhoor_testkit::visual`), so a layout break fails the test.
//!
//! What changes per run is frozen before each screenshot: every date and time shown is replaced
//! by one fixed text of the same shape (the demo's times are relative to now), animations,
//! transitions and the caret are off, focus is dropped. The demo's messages are made for one
//! fixed moment and moved to now (`WEDERHOOR_TEST_DEMO_ANCHOR`), so they are the same on every
//! run whatever the time of day; ids are stable because the demo loads in one order into a
//! fresh database.
//!
//! `WEDERHOOR_UPDATE_SCREENSHOTS=1` rewrites the references; on a mismatch the actual screenshot
//! and a diff image are written to `target/visual/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wederhoor_testkit::visual::{Screenshots, decode_png};
use wederhoor_testkit::{Browser, Page};

const WAIT: Duration = Duration::from_secs(20);
/// The demo's password for every team member.
const PASSWORD: &str = "webcare-demo";
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

fn references() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/visual")
}

fn output() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/visual")
}

/// Replaces every date and time in the page's text by a fixed one of the same shape, and waits
/// until a live page's stream is open (its catch-up may redraw the list).
async fn settle(page: &Page) {
    page.wait_for(
        "document.readyState === 'complete' && (!document.body.dataset.page \
         || !window.EventSource || document.body.dataset.live === 'open')",
        WAIT,
    )
    .await
    .unwrap();
    page.eval(
        r"(async () => {
            const fix = () => {
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                    const text = n.nodeValue
                        .replace(/\b\d{2}-\d{2}-\d{4} \d{2}:\d{2}\b/g, '01-01-2026 12:00')
                        .replace(/\b\d{2}-\d{2}-\d{4}\b/g, '01-01-2026')
                        .replace(/\b\d{4}-\d{2}-\d{2}\b/g, '2026-01-01');
                    if (text !== n.nodeValue) n.nodeValue = text;
                }
                for (const el of document.querySelectorAll('time[datetime]')) el.setAttribute('datetime', '2026-01-01');
            };
            // A live page may redraw its list once its stream is open (the catch-up): fix the
            // texts again until the page has been quiet for a quarter of a second.
            let changed = true;
            const observer = new MutationObserver(() => { changed = true; });
            observer.observe(document.body, { subtree: true, childList: true, characterData: true });
            for (let round = 0; round < 40 && changed; round++) {
                fix();
                observer.takeRecords();
                changed = false;
                await new Promise(r => setTimeout(r, 250));
            }
            observer.disconnect();
            fix();
            return true;
        })()",
    )
    .await
    .unwrap();
}

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

async fn first_href(page: &Page, css: &str) -> String {
    page.eval(&format!(
        "document.querySelector({}).getAttribute('href')",
        serde_json::Value::String(css.to_owned())
    ))
    .await
    .unwrap()
    .as_str()
    .unwrap_or_else(|| panic!("no {css}"))
    .to_owned()
}

/// Shows `path` at `size` and checks it against the reference `name`; a mismatch is collected.
async fn check(
    shots: &Screenshots,
    page: &Page,
    url: &str,
    name: &str,
    size: (u32, u32),
    failures: &mut Vec<String>,
) {
    let mobile = size.0 < 600;
    page.set_viewport_at_scale(size.0, size.1, mobile, 1)
        .await
        .unwrap();
    page.goto(url).await.unwrap();
    settle(page).await;
    match shots.check(page, name).await {
        Ok(Some(d)) => eprintln!("{name}: {:.4} % of the pixels differ", d.share() * 100.0),
        Ok(None) => eprintln!("{name}: reference written"),
        Err(e) => failures.push(format!("{e:#}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_pages_look_as_their_references() {
    let dir = common::data_dir("visual-browser");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir,
    };
    // The same demo messages on every run, whatever the time of day (see `demo.rs`).
    let server = target.serve_with_env(
        &["--demo"],
        &[("WEDERHOOR_TEST_DEMO_ANCHOR", "2026-01-07T13:00:00Z")],
    );
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();
    let shots = Screenshots::new(references(), output());
    let mut failures = Vec::new();

    // The staff login page, before anyone logs in (it is Dutch only).
    let visitor = browser.new_page().await.unwrap();
    let login_url = format!("{base}/login");
    check(
        &shots,
        &visitor,
        &login_url,
        "login-nl-1280",
        DESKTOP,
        &mut failures,
    )
    .await;
    check(
        &shots,
        &visitor,
        &login_url,
        "login-nl-390",
        PHONE,
        &mut failures,
    )
    .await;

    // The public pages: the feedback page, an idea, the customer login, in both languages.
    visitor.goto(&format!("{base}/ideeen")).await.unwrap();
    let idea = first_href(&visitor, "li.idea-card h3 a").await;
    for lang in ["nl", "en"] {
        for (path, name) in [
            ("/ideeen", "ideeen"),
            (idea.as_str(), "idea"),
            ("/account/inloggen", "account-login"),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = format!("{base}{path}{sep}lang={lang}");
            check(
                &shots,
                &visitor,
                &url,
                &format!("{name}-{lang}-1280"),
                DESKTOP,
                &mut failures,
            )
            .await;
        }
    }
    let ideeen = format!("{base}/ideeen?lang=nl");
    check(
        &shots,
        &visitor,
        &ideeen,
        "ideeen-nl-390",
        PHONE,
        &mut failures,
    )
    .await;

    // The team's pages, as a lead: inbox, a case, the review queue; Dutch, then English.
    let lead = browser.new_page().await.unwrap();
    lead.set_viewport_at_scale(DESKTOP.0, DESKTOP.1, false, 1)
        .await
        .unwrap();
    login(&lead, &base, "lisa").await;
    lead.goto(&format!("{base}/inbox")).await.unwrap();
    let case = first_href(&lead, "tr.conv a.open").await;
    for lang in ["nl", "en"] {
        for (path, name) in [
            ("/inbox", "inbox"),
            (case.as_str(), "case"),
            ("/review", "review"),
        ] {
            let url = format!("{base}{path}");
            check(
                &shots,
                &lead,
                &url,
                &format!("{name}-{lang}-1280"),
                DESKTOP,
                &mut failures,
            )
            .await;
            if lang == "nl" && path != "/review" {
                check(
                    &shots,
                    &lead,
                    &url,
                    &format!("{name}-{lang}-390"),
                    PHONE,
                    &mut failures,
                )
                .await;
            }
        }
        if lang == "nl" {
            // The language switch in the header.
            lead.goto(&format!("{base}/inbox")).await.unwrap();
            lead.click_and_wait_navigation("form[action='/language'] button")
                .await
                .unwrap();
            assert_eq!(
                lead.eval("document.documentElement.lang").await.unwrap(),
                "en"
            );
        }
    }

    // The comparison catches a break: the same page with a shifted layout differs beyond the
    // tolerance from its reference, and with it undone it matches again.
    if !shots.updating() {
        lead.set_viewport_at_scale(DESKTOP.0, DESKTOP.1, false, 1)
            .await
            .unwrap();
        let inbox = format!("{base}/inbox");
        let diff = output().join("inbox-en-1280.diff.png");
        let _ = std::fs::remove_file(&diff);
        lead.goto(&inbox).await.unwrap();
        settle(&lead).await;
        shots
            .check(&lead, "inbox-en-1280")
            .await
            .expect("the unbroken inbox matches its reference");
        assert!(!diff.exists());
        for (what, css) in [
            (
                "the content moved 12 px to the right",
                "main { position: relative !important; left: 12px !important; }",
            ),
            (
                "the page moved down 6 px",
                "body { padding-top: 6px !important; }",
            ),
            (
                "the list's text a size smaller",
                "td { font-size: 0.9em !important; }",
            ),
        ] {
            lead.goto(&inbox).await.unwrap();
            settle(&lead).await;
            lead.add_style(css).await.unwrap();
            let error = match shots.check(&lead, "inbox-en-1280").await {
                Ok(d) => panic!(
                    "{what} went unnoticed: {:.4} % differ",
                    d.map_or(0.0, |d| d.share() * 100.0)
                ),
                Err(e) => format!("{e:#}"),
            };
            assert!(error.contains("% of the pixels differ"), "{what}: {error}");
            // The diff image shows where: it is the reference's size and has red pixels.
            let image = decode_png(&std::fs::read(&diff).unwrap()).unwrap();
            assert_eq!((image.width, image.height), DESKTOP, "{what}");
            assert!(
                image.rgba.chunks_exact(4).any(|p| p == [255, 0, 0, 255]),
                "{what}: no red in the diff"
            );
            std::fs::remove_file(&diff).unwrap();
        }
    }

    assert!(
        failures.is_empty(),
        "{} page(s) differ from their reference:\n{}",
        failures.len(),
        failures.join("\n")
    );
    browser.close().await.unwrap();
    drop(server);
}
