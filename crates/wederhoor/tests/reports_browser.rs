//! The satisfaction survey and the reports (#13) in headless Chromium against `serve --demo`:
//! a customer answers the demo's open survey in French on a 390 px phone with JavaScript off;
//! a lead reads the reports (NPS per agent from the demo's surveys) and the wall view, which
//! keeps a live stream while shown and closes it on `pagehide`. With axe-core every page passes
//! the audit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::time::Duration;
use wederhoor_core::ConversationId;
use wederhoor_store::Store;
use wederhoor_testkit::Browser;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_a_survey_without_javascript_and_a_lead_reads_the_reports() {
    let dir = common::data_dir("reports-browser");
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let target = Target {
        database_url: Some(url.clone()),
        data_dir: dir,
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();

    // The demo's unanswered survey: its link is in the reply that carried it.
    let store = Store::open(&url).await.unwrap();
    let open = store
        .surveys_sent(0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.score.is_none())
        .expect("the demo has an unanswered survey");
    let via = store
        .conversation(ConversationId(open.via.unwrap()))
        .await
        .unwrap()
        .unwrap();
    let text = via
        .replies
        .iter()
        .map(|r| r.text.clone())
        .find(|t| t.contains("/enquete/"))
        .unwrap();
    let at = text.find("/enquete/").unwrap();
    let token: String = text[at + 9..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64);

    let browser = Browser::launch().await.unwrap();
    let survey = format!("{base}/enquete/{token}?lang=fr");
    // The accessibility audit needs scripts (axe-core runs in the page): it audits the survey
    // in a first tab; the customer's tab, without JavaScript, then shows an audited kind of page.
    let audited = browser.new_page().await.unwrap();
    audited.set_viewport(390, 844, true).await.unwrap();
    audited.goto(&survey).await.unwrap();
    let customer = browser.new_page().await.unwrap();
    customer.set_viewport(390, 844, true).await.unwrap();
    customer.disable_javascript().await.unwrap();
    customer.goto(&survey).await.unwrap();

    assert_eq!(
        customer
            .eval("document.documentElement.lang")
            .await
            .unwrap(),
        "fr"
    );
    assert!(
        customer
            .text("h1")
            .await
            .unwrap()
            .contains("Comment vous avons-nous aidé")
    );
    let width = customer
        .eval("document.documentElement.scrollWidth")
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 391, "the survey is {width} px wide");
    customer
        .click("input[name=score][value='8']")
        .await
        .unwrap();
    customer
        .fill("#survey-comment", "Très bien, merci à l'équipe.")
        .await
        .unwrap();
    customer
        .click_and_wait_navigation("#survey-form button[type=submit]")
        .await
        .unwrap();
    assert!(
        customer
            .text("#survey-thanks")
            .await
            .unwrap()
            .contains("Merci")
    );
    let answered = store
        .survey_of_conversation(ConversationId(open.conversation))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answered.score, Some(8));

    // A lead reads the reports of the demo: NPS per agent with real numbers.
    let lead = browser.new_page().await.unwrap();
    lead.set_viewport(1280, 900, false).await.unwrap();
    lead.goto(&format!("{base}/login")).await.unwrap();
    lead.fill("#username", "lisa").await.unwrap();
    lead.fill("#password", "webcare-demo").await.unwrap();
    lead.click_and_wait_navigation("#login-button")
        .await
        .unwrap();
    lead.goto(&format!("{base}/rapporten")).await.unwrap();
    let agents = lead
        .eval("document.querySelectorAll('#nps-agents tbody tr[data-name]').length")
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(agents >= 3, "NPS for {agents} agents");
    let nps = lead.text("#fig-nps").await.unwrap();
    assert!(nps.trim().parse::<i64>().is_ok(), "NPS {nps:?}");
    assert!(
        lead.eval("document.querySelectorAll('svg.chart title').length > 5")
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    );
    // The same at phone width.
    lead.set_viewport(390, 844, true).await.unwrap();
    lead.goto(&format!("{base}/rapporten")).await.unwrap();
    let width = lead
        .eval("document.documentElement.scrollWidth")
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 391, "the reports are {width} px wide");

    // The wall view holds a live stream while shown and lets go of it on pagehide.
    lead.set_viewport(1280, 900, false).await.unwrap();
    lead.goto(&format!("{base}/rapporten/wand")).await.unwrap();
    lead.wait_for("document.body.dataset.live === 'open'", WAIT)
        .await
        .unwrap();
    lead.eval("window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })); 1")
        .await
        .unwrap();
    lead.wait_for("document.body.dataset.live === 'closed'", WAIT)
        .await
        .unwrap();
    lead.eval("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })); 1")
        .await
        .unwrap();
    lead.wait_for("document.body.dataset.live === 'open'", WAIT)
        .await
        .unwrap();
    drop(server);
}
