//! French for the public pages: a browser that asks for French (`Accept-Language`) gets the
//! feedback page, an idea page, the source list, the account pages and the error pages in French,
//! with no Dutch catalogue text in them, and its verification mail in French; the language switch
//! offers the other two languages and its choice wins over the browser's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use wederhoor_store::{NewIdea, Poster};
use wederhoor_web::i18n::{Lang, public_keys, text};

const FRENCH_BROWSER: &str = "fr-BE,fr;q=0.9,en;q=0.6";

/// The visible text of a page, roughly: tags, scripts and styles dropped, whitespace collapsed.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some((_, close)) = [("<script", "</script>"), ("<style", "</style>")]
            .iter()
            .find(|(open, _)| rest.starts_with(open))
        {
            rest = rest.find(close).map_or("", |at| &rest[at + close.len()..]);
            continue;
        }
        if rest.starts_with('<') {
            rest = rest.find('>').map_or("", |at| &rest[at + 1..]);
            out.push(' ');
            continue;
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `phrase` in `text` as whole words (so "Particulier" is not found in "Particuliers").
fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The Dutch catalogue texts of the public pages (each piece between placeholders and lines,
/// at least six characters with a space or a letter only Dutch uses) that French says otherwise.
fn dutch_phrases() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for key in public_keys() {
        let (nl, fr) = (text(Lang::Nl, key), text(Lang::Fr, key));
        if nl == fr {
            continue;
        }
        for piece in nl.split(['|', '\n', '{', '}']) {
            let piece = piece.trim().trim_end_matches([':', '.', ',', '?']);
            if piece.chars().count() >= 6 && !fr.contains(piece) && !piece.contains('_') {
                out.push((piece.to_owned(), key));
            }
        }
    }
    out
}

/// Whole words that are Dutch and never French or English.
const DUTCH_WORDS: &[&str] = &[
    "het", "een", "je", "jouw", "niet", "geen", "voor", "wordt", "ideeën", "inloggen", "bekijk",
    "stemmen", "reacties", "zoeken", "volgen",
];

async fn get_french(app: &TestApp, path: &str, cookies: &str) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::ACCEPT_LANGUAGE, FRENCH_BROWSER);
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies);
    }
    let r = app.send(request.body(Body::empty()).unwrap()).await;
    (r.status, r.text())
}

fn assert_french(path: &str, html: &str) {
    assert!(html.contains("<html lang=\"fr\""), "{path}: {html}");
    // The language switch names each language in itself (marked with its own `lang`).
    let page = match html.split_once("<nav class=\"lang-switch\"") {
        Some((before, after)) => {
            let rest = after.split_once("</nav>").map_or("", |(_, r)| r);
            visible(&format!("{before}{rest}"))
        }
        None => visible(html),
    };
    for (phrase, key) in dutch_phrases() {
        assert!(
            !has_phrase(&page, &phrase),
            "{path}: Dutch {phrase:?} ({key}) in a French page: {page}"
        );
    }
    for word in DUTCH_WORDS {
        assert!(
            !has_phrase(&page.to_lowercase(), word),
            "{path}: the Dutch word {word:?} in a French page: {page}"
        );
    }
}

#[tokio::test]
async fn a_french_browser_gets_the_public_pages_and_mails_in_french() {
    for app in spawn_apps().await {
        let b = app.backend;
        app.store.ensure_default_boards().await.unwrap();
        let boards = app.store.boards().await.unwrap();
        let title = "Payer avec une montre connectée";
        let idea = app
            .store
            .create_idea(&NewIdea {
                board: boards[0].id,
                poster: Poster::Staff {
                    agent: app.lead.id,
                    name: "Lars Lead".into(),
                    department: None,
                },
                title: title.into(),
                body: "Ce serait pratique au magasin.".into(),
                hidden: None,
            })
            .await
            .unwrap();
        let idea_path = wederhoor_web::feedback::idea_url(idea, title);
        let pages = [
            ("/ideeen", StatusCode::OK),
            (idea_path.as_str(), StatusCode::OK),
            ("/bronnen", StatusCode::OK),
            ("/account/inloggen", StatusCode::OK),
            ("/account/registreren", StatusCode::OK),
            ("/ideeen/999999-nergens", StatusCode::NOT_FOUND),
            ("/beheer", StatusCode::NOT_FOUND),
        ];
        for (path, status) in pages {
            let (got, html) = get_french(&app, path, "").await;
            assert_eq!(got, status, "{b} {path}: {html}");
            assert_french(path, &html);
        }
        // Some French is really there (not only the absence of Dutch).
        let (_, ideas) = get_french(&app, "/ideeen", "").await;
        assert!(ideas.contains("Vos idées, nos réponses"), "{b}: {ideas}");
        assert!(
            ideas.contains("Particuliers"),
            "{b}: the shipped panel in French"
        );
        let (_, sources) = get_french(&app, "/bronnen", "").await;
        assert!(sources.contains("Les sources que nous suivons"), "{b}");

        // The switch offers Dutch and English, each named in itself; its cookie wins.
        assert!(
            ideas.contains("hreflang=\"nl\" lang=\"nl\">Nederlands</a>"),
            "{b}"
        );
        assert!(
            ideas.contains("hreflang=\"en\" lang=\"en\">English</a>"),
            "{b}"
        );
        let (_, dutch) = get_french(&app, "/ideeen", "wederhoor_lang=nl").await;
        assert!(dutch.contains("<html lang=\"nl\""), "{b}");
        // Without a French browser or a choice, Dutch stays the default.
        let plain = app.get("/ideeen", None).await.text();
        assert!(plain.contains("<html lang=\"nl\""), "{b}");

        // A French visitor who registers gets a French account and a French mail.
        let form = form_body(&[
            ("csrf", VISITOR_CSRF),
            ("display_name", "Chloé Dubois"),
            ("email", "chloe@example.org"),
            ("password", "une-phrase-assez-longue"),
            ("website", ""),
        ]);
        let request = Request::builder()
            .method(Method::POST)
            .uri("/account/registreren")
            .header(header::ACCEPT_LANGUAGE, FRENCH_BROWSER)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("wederhoor_pcsrf={VISITOR_CSRF}"))
            .body(Body::from(form))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_french("/account/registreren (sent)", &r.text());
        let mails = app.store.due_mail(10).await.unwrap();
        let mail = mails.iter().find(|m| m.to == "chloe@example.org").unwrap();
        assert_eq!(mail.subject, "Confirmez votre adresse e-mail", "{b}");
        assert!(
            mail.body.starts_with("Bonjour Chloé Dubois,"),
            "{b}: {}",
            mail.body
        );
        assert!(!mail.body.contains("Bevestig"), "{b}: {}", mail.body);
    }
}

#[test]
fn the_dutch_phrase_check_would_catch_a_dutch_text() {
    // The check itself: a Dutch catalogue text on a French page is found, a French one is not.
    let phrases = dutch_phrases();
    assert!(phrases.len() > 150, "{}", phrases.len());
    let dutch = visible("<p>Jouw ideeën, onze antwoorden</p>");
    assert!(phrases.iter().any(|(p, _)| has_phrase(&dutch, p)));
    let french = visible("<p>Vos idées, nos réponses · Particuliers</p>");
    assert!(!phrases.iter().any(|(p, _)| has_phrase(&french, p)));
}
