//! Six journeys of a webcare team and its customers in headless Chromium against `serve --demo`,
//! at phone (390 px) and desktop (1280 px) width: an agent answers a case while a colleague
//! watches it live, a lead decides a case in the review queue, a customer posts an idea and
//! votes, a specialist sets a status, and an agent captures a post with hostile text. Every
//! navigation finishes within `STALL`, every page is Dutch with no English text of the catalogue
//! in it, and (with axe-core, see `wederhoor_testkit::axe`) every kind of page passes the audit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::time::{Duration, Instant};
use wederhoor_testkit::{Browser, Page};
use wederhoor_web::i18n::{Lang, all_keys, text};

const WAIT: Duration = Duration::from_secs(20);
/// A navigation slower than this is a stall.
const STALL: Duration = Duration::from_secs(10);
/// The demo's password for every team member and customer.
const PASSWORD: &str = "webcare-demo";
const CUSTOMER: &str = "klant@zuiderbank.example";

/// English texts of the catalogue that Dutch says otherwise (pieces of two words or more).
fn english_phrases() -> Vec<String> {
    let mut out = Vec::new();
    for key in all_keys() {
        let (nl, en) = (text(Lang::Nl, key), text(Lang::En, key));
        if nl == en {
            continue;
        }
        for piece in en.split(['|', '\n', '{', '}', '(', ')', ':', '.', '?', ',', ';']) {
            let piece = piece.trim();
            if piece.split_whitespace().count() >= 2 && piece.len() >= 10 && !nl.contains(piece) {
                out.push(piece.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `phrase` in `text` as whole words.
fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

struct Journey {
    page: Page,
    base: String,
    width: u32,
    english: Vec<String>,
}

impl Journey {
    async fn new(browser: &Browser, base: &str, width: u32, english: &[String]) -> Journey {
        let page = browser.new_page().await.unwrap();
        page.set_viewport(width, 844, width < 600).await.unwrap();
        Journey {
            page,
            base: base.to_owned(),
            width,
            english: english.to_vec(),
        }
    }

    /// The page is Dutch, with none of the catalogue's English in its text (what people wrote,
    /// form fields and code are left out).
    async fn check(&self, what: &str) {
        let lang = self
            .page
            .eval("document.documentElement.lang")
            .await
            .unwrap();
        assert_eq!(lang, "nl", "{what} at {} px", self.width);
        let text = self
            .page
            .eval(
                "(() => { const b = document.body.cloneNode(true); \
                 b.querySelectorAll('script, style, template, .text, .body, textarea, input, code, \
                 h1.idea-title, ol.ideas h2, .reactions p, [lang]:not([lang|=\"nl\"])')\
                 .forEach(e => e.remove()); \
                 return b.textContent.replace(/\\s+/g, ' '); })()",
            )
            .await
            .unwrap();
        let text = text.as_str().unwrap_or_default();
        let found: Vec<&String> = self
            .english
            .iter()
            .filter(|p| has_phrase(text, p))
            .collect();
        assert!(
            found.is_empty(),
            "{what} at {} px: English {found:?} in a Dutch page: {text}",
            self.width
        );
    }

    async fn goto(&self, path: &str) {
        let started = Instant::now();
        self.page
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path} at {} px: {e:#}", self.width));
        self.no_stall(path, started);
    }

    async fn click_and_wait(&self, css: &str) {
        let started = Instant::now();
        self.page
            .click_and_wait_navigation(css)
            .await
            .unwrap_or_else(|e| panic!("{css} at {} px: {e:#}", self.width));
        self.no_stall(css, started);
    }

    fn no_stall(&self, what: &str, started: Instant) {
        let took = started.elapsed();
        assert!(
            took < STALL,
            "{what} at {} px took {took:?} (a stall)",
            self.width
        );
    }

    async fn login(&self, username: &str) {
        self.goto("/login").await;
        self.page.fill("#username", username).await.unwrap();
        self.page.fill("#password", PASSWORD).await.unwrap();
        self.click_and_wait("#login-button").await;
        assert!(!self.page.url().await.unwrap().contains("/login"));
    }

    async fn path(&self) -> String {
        self.page
            .eval("location.pathname")
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn wait(&self, js: &str) {
        self.page
            .wait_for(js, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{js} at {} px: {e:#}", self.width));
    }
}

fn contains_js(css: &str, needle: &str) -> String {
    format!(
        "(document.querySelector({}) || {{textContent: ''}}).textContent.includes({})",
        serde_json::to_string(css).unwrap(),
        serde_json::to_string(needle).unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_journeys_at_phone_and_desktop_width() {
    let dir = common::data_dir("journeys-browser");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir,
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();
    let english = english_phrases();
    assert!(english.len() > 100, "{} English phrases", english.len());

    for width in [390, 1280] {
        // ----- 1 and 2: an agent answers a case while a colleague watches it live -----
        let sanne = Journey::new(&browser, &base, width, &english).await;
        let mehmet = Journey::new(&browser, &base, width, &english).await;
        sanne.login("sanne").await;
        mehmet.login("mehmet").await;
        sanne.goto("/inbox").await;
        sanne.check("the inbox").await;
        let case: String = serde_json::from_value(
            sanne
                .page
                .eval("document.querySelectorAll('tr.conv a.open')[1].getAttribute('href')")
                .await
                .unwrap(),
        )
        .unwrap();
        mehmet.goto(&case).await;
        mehmet.wait("document.body.dataset.live === 'open'").await;
        sanne
            .click_and_wait(&format!("tr.conv a.open[href='{case}']"))
            .await;
        sanne.check("a case").await;
        mehmet.wait(&contains_js("#presence", "Sanne")).await;
        mehmet.check("a case with a colleague").await;
        let reply = format!("Dank voor je bericht, we zoeken het voor je uit ({width}).");
        sanne.page.fill("#reply-text", &reply).await.unwrap();
        sanne.click_and_wait("#send-reply").await;
        sanne.wait(&contains_js("#thread", &reply)).await;
        sanne.check("a case after the reply").await;
        mehmet.wait(&contains_js("#thread", &reply)).await;

        // ----- 3: a lead decides a case in the review queue -----
        let lisa = Journey::new(&browser, &base, width, &english).await;
        lisa.login("lisa").await;
        lisa.goto("/review").await;
        lisa.check("the review queue").await;
        assert_eq!(
            lisa.page
                .eval("document.querySelectorAll('form.decide').length > 0")
                .await
                .unwrap(),
            true,
            "the demo has cases to review"
        );
        lisa.page
            .fill("form.decide input[name=reason]", "Klant vraagt om uitleg")
            .await
            .unwrap();
        lisa.click_and_wait("form.decide button[type=submit]").await;
        lisa.wait("!!document.querySelector('p.notice')").await;
        lisa.check("the review queue after a decision").await;

        // ----- 4: a customer posts an idea and votes -----
        let fleur = Journey::new(&browser, &base, width, &english).await;
        fleur.goto("/account/inloggen").await;
        fleur.check("the customer login").await;
        fleur.page.fill("#email", CUSTOMER).await.unwrap();
        fleur.page.fill("#password", PASSWORD).await.unwrap();
        fleur
            .click_and_wait("form.account-form button[type=submit]")
            .await;
        fleur.goto("/ideeen/nieuw").await;
        fleur.check("a new idea").await;
        fleur
            .page
            .fill("select[name=bord]", "particulier")
            .await
            .unwrap();
        let title = format!("Maandoverzicht als pdf in de app ({width} px)");
        fleur.page.fill("#idea-title", &title).await.unwrap();
        fleur
            .page
            .fill(
                "textarea[name=tekst]",
                "Elke maand een overzicht van mijn uitgaven, om te bewaren.",
            )
            .await
            .unwrap();
        fleur.click_and_wait("#idea-submit").await;
        let my_idea = fleur.path().await;
        assert!(my_idea.starts_with("/ideeen/"), "{my_idea}");
        fleur.check("her new idea").await;
        fleur.goto("/ideeen").await;
        fleur.check("the ideas").await;
        let other: String = serde_json::from_value(
            fleur
                .page
                .eval(&format!(
                    "Array.from(document.querySelectorAll('ol.ideas a[href^=\"/ideeen/\"]'))\
                     .map(a => a.getAttribute('href')).find(h => /^\\/ideeen\\/\\d+/.test(h) \
                     && h !== {})",
                    serde_json::to_string(&my_idea).unwrap()
                ))
                .await
                .unwrap(),
        )
        .unwrap();
        fleur.goto(&other).await;
        fleur.check("an idea").await;
        let before = fleur.page.text("#vote-count").await.unwrap();
        fleur.page.click("#vote-button").await.unwrap();
        fleur
            .wait(&format!(
                "document.getElementById('vote-count').textContent !== {}",
                serde_json::to_string(&before).unwrap()
            ))
            .await;
        fleur.check("an idea after a vote").await;

        // ----- 5: a specialist sets a status -----
        let priya = Journey::new(&browser, &base, width, &english).await;
        priya.login("priya").await;
        priya.goto(&my_idea).await;
        priya.check("an idea for staff").await;
        priya
            .page
            .fill("#status-select", "under_review")
            .await
            .unwrap();
        priya
            .page
            .fill(
                "#status-explanation",
                "We bekijken dit met het team van de app.",
            )
            .await
            .unwrap();
        priya
            .click_and_wait("#status-form button[type=submit]")
            .await;
        assert_eq!(
            priya.page.text("#idea-status").await.unwrap(),
            "Wordt bekeken"
        );
        priya.check("an idea after a status").await;

        // ----- 6: an agent captures a post with hostile text -----
        sanne.goto("/capture").await;
        sanne.check("the capture form").await;
        let hostile = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 1\"> \
                       **vet** [klik](javascript:window.pwned=1) \u{202e}gekeerd {{ tr.logout }}";
        sanne.page.fill("#capture-source", "new").await.unwrap();
        sanne
            .page
            .fill("input[name=new_name]", &format!("Klachtenforum {width}"))
            .await
            .unwrap();
        sanne
            .page
            .fill(
                "input[name=url]",
                &format!("https://klachten.example/zuiderbank/{width}"),
            )
            .await
            .unwrap();
        sanne
            .page
            .fill("input[name=author]", "Jan <b>de</b> Vries")
            .await
            .unwrap();
        sanne
            .page
            .fill("textarea[name=text]", hostile)
            .await
            .unwrap();
        sanne.click_and_wait("#capture-submit").await;
        assert!(sanne.path().await.starts_with("/c/"), "the captured case");
        sanne.check("a captured case").await;
        assert_eq!(
            sanne
                .page
                .eval(
                    "window.pwned === undefined && !document.querySelector('#thread img[src=x]') \
                       && !document.querySelector('#thread a[href^=javascript]')"
                )
                .await
                .unwrap(),
            true,
            "hostile text stays text"
        );
        sanne
            .wait(&contains_js("#thread", "<script>window.pwned = 1</script>"))
            .await;
        sanne.wait(&contains_js("#thread", "{{ tr.logout }}")).await;
        sanne
            .wait(&contains_js("#thread", "Jan <b>de</b> Vries"))
            .await;
    }
    drop(server);
}

/// The public pages in Dutch, English and French (chosen with the language switch) fit a phone
/// and, with axe-core, pass the audit in each language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_pages_fit_a_phone_in_every_language() {
    let dir = common::data_dir("journeys-languages");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir,
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();
    for lang in ["nl", "en", "fr"] {
        let page = browser.new_page().await.unwrap();
        page.set_viewport(390, 844, true).await.unwrap();
        page.goto(&format!("{base}/taal?lang={lang}&terug=/ideeen"))
            .await
            .unwrap();
        let idea: String = serde_json::from_value(
            page.eval(
                "Array.from(document.querySelectorAll('ol.ideas a')).map(a => a.pathname)\
                 .find(h => /^\\/ideeen\\/\\d+/.test(h))",
            )
            .await
            .unwrap(),
        )
        .unwrap();
        for path in [
            "/ideeen",
            idea.as_str(),
            "/bronnen",
            "/account/inloggen",
            "/account/registreren",
            "/ideeen/999999",
        ] {
            page.goto(&format!("{base}{path}"))
                .await
                .unwrap_or_else(|e| panic!("{path} in {lang}: {e:#}"));
            let shown = page.eval("document.documentElement.lang").await.unwrap();
            assert_eq!(shown, lang, "{path}");
            let width = page
                .eval("document.documentElement.scrollWidth")
                .await
                .unwrap()
                .as_i64()
                .unwrap();
            assert!(width <= 391, "{path} in {lang} is {width} px wide");
        }
    }
    drop(server);
}

#[test]
fn the_english_check_would_catch_an_english_text() {
    let english = english_phrases();
    assert!(
        english
            .iter()
            .any(|p| has_phrase("Klik op Send reply om", p))
    );
    assert!(!english.iter().any(|p| has_phrase("Antwoord versturen", p)));
}

/// In the demo, as a new agent would (#12): open cases until one offers "take it private",
/// insert a canned reply (seeded by the demo) found with the composer's search, take the case
/// private in one action, leave a number on the call-back form as the customer, and see both
/// parts on the case; a lead keeps the canned replies. Dutch only, at phone and desktop width,
/// with the accessibility audit; screenshots in the data directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_demo_an_agent_takes_a_case_private_with_a_canned_reply_at_hand() {
    let dir = common::data_dir("journeys-private");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir.clone(),
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();
    let english = english_phrases();
    for width in [390, 1280] {
        let sanne = Journey::new(&browser, &base, width, &english).await;
        sanne.login("sanne").await;
        sanne.goto("/inbox").await;
        let cases: Vec<String> = serde_json::from_value(
            sanne
                .page
                .eval("Array.from(document.querySelectorAll('tr.conv a.open')).map(a => a.getAttribute('href'))")
                .await
                .unwrap(),
        )
        .unwrap();
        let mut case = None;
        for c in &cases {
            sanne.goto(c).await;
            let offered = sanne
                .page
                .eval("!!document.getElementById('take-private') && !document.querySelector('#callback-links')")
                .await
                .unwrap();
            if offered == true {
                case = Some(c.clone());
                break;
            }
        }
        let case = case.expect("a demo case that can be taken private");
        sanne.check("a case with take it private").await;

        // A canned reply, found with the composer's search, filled in for this case.
        // From the keyboard: `t` opens the search.
        sanne.page.press_key("t").await.unwrap();
        sanne
            .wait("document.activeElement && document.activeElement.id === 'canned-search'")
            .await;
        sanne.page.fill("#canned-search", "storing").await.unwrap();
        sanne
            .click_and_wait("#canned-picker button[type=submit]")
            .await;
        sanne.check("a case with canned replies found").await;
        // Inserted in place (the link reloads the page with it when there is no script).
        sanne.page.click("#canned-hits a.canned-use").await.unwrap();
        sanne
            .wait("document.getElementById('reply-text').value.includes('storing')")
            .await;
        let inserted = sanne
            .page
            .eval("document.getElementById('reply-text').value")
            .await
            .unwrap();
        let inserted = inserted.as_str().unwrap();
        assert!(inserted.contains("storing"), "{inserted}");
        assert!(!inserted.contains('{'), "variables filled in: {inserted}");
        assert!(
            !inserted.contains("Groet"),
            "the signature adds the name: {inserted}"
        );
        sanne
            .page
            .screenshot_png(&dir.join(format!("demo-canned-{width}.png")), width, 844)
            .await
            .unwrap();

        // Take it private in one action.
        sanne.goto(&case).await;
        sanne.click_and_wait("#take-private-button").await;
        sanne.check("a case taken private").await;
        sanne
            .wait("!!document.querySelector('#callback-links li[data-status=open]')")
            .await;
        let thread = sanne.page.text("#thread").await.unwrap();
        let at = thread
            .find("/terugbellen/")
            .expect("the link in the public reply")
            + "/terugbellen/".len();
        let link: String = thread[at..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();

        // The customer leaves a number (no login, Dutch).
        let klant = Journey::new(&browser, &base, width, &english).await;
        klant.goto(&format!("/terugbellen/{link}")).await;
        klant.check("the call-back form").await;
        klant.page.fill("#telefoon", "0612345678").await.unwrap();
        klant
            .page
            .fill("#moment", "vanavond na zeven uur")
            .await
            .unwrap();
        klant.click_and_wait("#callback-send").await;
        klant.check("the call-back form, sent").await;
        klant
            .page
            .screenshot_png(&dir.join(format!("demo-callback-{width}.png")), width, 844)
            .await
            .unwrap();

        sanne.goto(&case).await;
        sanne
            .wait(&contains_js(".callback-phone", "0612345678"))
            .await;
        sanne.check("a case with a call-back request").await;
        sanne
            .page
            .eval("document.getElementById('private-followup').scrollIntoView()")
            .await
            .unwrap();
        sanne
            .page
            .screenshot_png(&dir.join(format!("demo-case-{width}.png")), width, 844)
            .await
            .unwrap();

        // A lead keeps the canned replies.
        let lisa = Journey::new(&browser, &base, width, &english).await;
        lisa.login("lisa").await;
        lisa.goto("/antwoorden").await;
        lisa.check("the canned replies").await;
        let count = lisa
            .page
            .eval("document.querySelectorAll('#canned-list li[id^=canned-]').length")
            .await
            .unwrap();
        assert!(
            count.as_i64().unwrap() >= 6,
            "the demo's canned replies: {count}"
        );
        lisa.page
            .screenshot_png(
                &dir.join(format!("demo-antwoorden-{width}.png")),
                width,
                844,
            )
            .await
            .unwrap();
    }
    eprintln!("screenshots in {}", dir.display());
    drop(server);
}

/// An agent sends an e-card from a case: the card page (axe-audited, Dutch), the preview of the
/// picture as rendered on the server, and the reply that carries it (the demo's sources take no
/// media, so a link to the card's picture, which loads as a 1200 × 675 image).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sends_an_ecard_from_a_case() {
    let dir = common::data_dir("journeys-ecard");
    let target = Target {
        database_url: Some(format!("sqlite://{}", dir.join("demo.db").display())),
        data_dir: dir,
    };
    let server = target.serve_with(&["--demo"]);
    let base = server.url.clone();
    let browser = Browser::launch().await.unwrap();
    let english = english_phrases();
    for width in [390, 1280] {
        let sanne = Journey::new(&browser, &base, width, &english).await;
        sanne.login("sanne").await;
        sanne.goto("/inbox").await;
        let case: String = serde_json::from_value(
            sanne
                .page
                .eval("document.querySelectorAll('tr.conv a.open')[2].getAttribute('href')")
                .await
                .unwrap(),
        )
        .unwrap();
        sanne.goto(&case).await;
        sanne.click_and_wait("#send-card").await;
        assert_eq!(sanne.path().await, format!("{case}/kaart"));
        sanne.check("the card page").await;
        sanne
            .page
            .eval("document.querySelector('input[name=template][value=sorry]').checked = true")
            .await
            .unwrap();
        let line = format!("Excuses voor het wachten, fijn dat het nu werkt ({width})");
        sanne.page.fill("#card-line", &line).await.unwrap();
        sanne.click_and_wait("#card-preview-button").await;
        sanne.check("the card preview").await;
        sanne
            .wait("(() => { const i = document.querySelector('#card-preview img'); return !!i && i.complete && i.naturalWidth === 1200 && i.naturalHeight === 675; })()")
            .await;
        sanne.click_and_wait("#card-send-button").await;
        assert_eq!(sanne.path().await, case);
        sanne.wait(&contains_js("#thread", &line)).await;
        sanne.wait(&contains_js("#thread", "/kaarten/")).await;
        sanne.check("a case after the card").await;
        let picture: String = serde_json::from_value(
            sanne
                .page
                .eval("(document.querySelector('#thread').textContent.match(/\\/kaarten\\/[0-9a-f]{64}\\.png/) || [''])[0]")
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(picture.starts_with("/kaarten/"), "{picture:?}");
        sanne.goto(&format!("{case}/kaart")).await;
        sanne.wait("!!document.querySelector('#cards-sent')").await;
    }
    drop(server);
}
