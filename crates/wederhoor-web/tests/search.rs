#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Search (issue #12) through HTTP on each backend: Dutch stemming (`betalingen` finds
//! `betaling` and `betalen`), authors and notes found, filters by source, verdict and period,
//! hits marked and escaped, an erased person's words gone from the index, bad input told in
//! words, and the inbox's search box.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use serde_json::{Value, json};
use wederhoor_core::{ConversationId, DeliveryKind};
use wederhoor_store::NewSource;

fn at(day: &str) -> String {
    format!("{day}T10:00:00Z")
}

fn message(id: &str, text: &str, handle: &str, name: &str, day: &str) -> Value {
    json!({ "id": id, "text": text, "author": { "handle": handle, "name": name }, "created_at": at(day) })
}

async fn ingest_with(app: &TestApp, token: &str, items: &Value) -> Value {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(items.to_string()))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// The case ids a results page links to, in order.
fn hits(html: &str) -> Vec<i64> {
    html.split("class=\"search-hit\"")
        .skip(1)
        .filter_map(|part| {
            let rest = part.split("data-conversation=\"").nth(1)?;
            rest.split('"').next()?.parse().ok()
        })
        .collect()
}

fn case(report: &Value, i: usize) -> i64 {
    conversation_of(&report["results"][i]).0
}

#[tokio::test]
async fn search_finds_word_forms_authors_and_notes_with_filters() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t
            .ingest_ok(&json!([
                message(
                    "s1",
                    "De betaling van gisteren is <script>betaling</script> mislukt",
                    "@klant",
                    "Klaas Klant",
                    "2025-03-01"
                ),
                message(
                    "s2",
                    "Ik kan niet betalen met mijn pas",
                    "@ander",
                    "Olga Ander",
                    "2025-03-10"
                ),
                message(
                    "s3",
                    "Mooie app, complimenten voor het team",
                    "@fan",
                    "Frits Fan",
                    "2025-03-12"
                ),
            ]))
            .await;
        let (s1, s2, s3) = (case(&report, 0), case(&report, 1), case(&report, 2));
        let (other, token) = t
            .store
            .create_source(&NewSource {
                kind: "webhook".into(),
                name: "Tweede".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let report = ingest_with(
            &t,
            &token,
            &json!([message(
                "t1",
                "Betalingen via de tweede bron",
                "@derde",
                "Dirk Derde",
                "2025-03-11"
            )]),
        )
        .await;
        let t1 = case(&report, 0);
        let session = t.login_as(&t.agent).await;

        // Word forms: `betalingen` finds `betaling` and `betalen`, newest first.
        let r = t.get("/zoeken?q=betalingen", Some(&session)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert_eq!(hits(&html), [t1, s2, s1], "{b}");
        // Hits marked, the text escaped.
        assert!(html.contains("<mark>betaling</mark>"), "{b}");
        assert!(html.contains("<mark>betalen</mark>"), "{b}");
        assert!(
            html.contains("&lt;script&gt;<mark>betaling</mark>&lt;"),
            "{b}"
        );
        assert!(!html.contains("<script>betaling"), "{b}");
        assert!(html.contains(&format!("href=\"/c/{s1}\"")), "{b}");

        // An author by name and by handle.
        assert_eq!(
            hits(&t.get("/zoeken?q=klaas", Some(&session)).await.text()),
            [s1],
            "{b}"
        );
        assert_eq!(
            hits(&t.get("/zoeken?q=%40ander", Some(&session)).await.text()),
            [s2],
            "{b}"
        );
        // Every word must match.
        assert_eq!(
            hits(&t.get("/zoeken?q=betalen+pas", Some(&session)).await.text()),
            [s2],
            "{b}"
        );

        // A note.
        let r = t
            .post_form(
                &format!("/c/{s3}/note"),
                Some(&session),
                &[
                    ("csrf", &session.csrf),
                    ("text", "Klant wil teruggebeld worden over de hypotheek"),
                ],
            )
            .await;
        assert!(
            r.status.is_redirection() || r.status.is_success(),
            "{b}: {}",
            r.status
        );
        let html = t.get("/zoeken?q=hypotheken", Some(&session)).await.text();
        assert_eq!(hits(&html), [s3], "{b}");
        assert!(html.contains("data-kind=\"note\""), "{b}");

        // Source filter.
        let first = t.source.id.0;
        let q = format!("/zoeken?q=betalingen&bron={first}");
        assert_eq!(
            hits(&t.get(&q, Some(&session)).await.text()),
            [s2, s1],
            "{b}"
        );
        let q = format!("/zoeken?q=betalingen&bron={}", other.id.0);
        assert_eq!(hits(&t.get(&q, Some(&session)).await.text()), [t1], "{b}");

        // Verdict filter: the case's own verdict keeps it, another verdict drops it.
        let verdict = t.detail(ConversationId(s2)).await.summary.verdict;
        let q = format!("/zoeken?q=betalen+pas&oordeel={}", verdict.as_str());
        assert_eq!(hits(&t.get(&q, Some(&session)).await.text()), [s2], "{b}");
        let another = wederhoor_core::Action::ALL
            .iter()
            .find(|a| **a != verdict)
            .unwrap();
        let q = format!("/zoeken?q=betalen+pas&oordeel={}", another.as_str());
        let html = t.get(&q, Some(&session)).await.text();
        assert!(hits(&html).is_empty(), "{b}");
        assert!(html.contains("id=\"search-empty\""), "{b}");

        // Period (Amsterdam calendar days, both ends included).
        let q = "/zoeken?q=betalingen&van=2025-03-05&tot=2025-03-10";
        assert_eq!(hits(&t.get(q, Some(&session)).await.text()), [s2], "{b}");
        let q = "/zoeken?q=betalingen&van=2025-03-11";
        assert_eq!(hits(&t.get(q, Some(&session)).await.text()), [t1], "{b}");
        let q = "/zoeken?q=betalingen&tot=2025-03-01";
        assert_eq!(hits(&t.get(q, Some(&session)).await.text()), [s1], "{b}");

        // One query for the hits, however many there are (no query per hit).
        let before = t.store.query_count();
        t.get("/zoeken?q=betalingen", Some(&session)).await;
        let many = t.store.query_count() - before;
        let before = t.store.query_count();
        t.get("/zoeken?q=onvindbaarwoord", Some(&session)).await;
        assert_eq!(t.store.query_count() - before, many, "{b}");
    }
}

#[tokio::test]
async fn an_erased_persons_words_are_not_found() {
    for t in spawn_apps().await {
        let b = t.backend;
        t.ingest_ok(&json!([
            message(
                "k1",
                "Mijn overboeking naar de verhuurder is zoek",
                "@klant",
                "Klaas Klant",
                "2025-04-01"
            ),
            message(
                "o1",
                "Ook mijn overboeking hangt",
                "@ander",
                "Olga Ander",
                "2025-04-02"
            ),
        ]))
        .await;
        let documents = t.store.search_documents().await.unwrap();
        let session = t.login_as(&t.agent).await;
        assert_eq!(
            hits(&t.get("/zoeken?q=verhuurder", Some(&session)).await.text()).len(),
            1,
            "{b}"
        );

        let lead = t.login_as(&t.lead).await;
        let source = t.source.id.0.to_string();
        let r = t
            .post_form(
                "/privacy/erase",
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("source", &source),
                    ("handle", "@klant"),
                    ("confirm", "@klant"),
                    ("reason", "verzoek"),
                ],
            )
            .await;
        assert!(
            r.status.is_redirection() || r.status.is_success(),
            "{b}: {}",
            r.status
        );

        for q in ["verhuurder", "klaas", "klant"] {
            let html = t
                .get(&format!("/zoeken?q={q}"), Some(&session))
                .await
                .text();
            assert!(hits(&html).is_empty(), "{b}: {q} still found");
        }
        // Gone from the index itself, not only hidden by the join.
        assert_eq!(
            t.store.search_documents().await.unwrap(),
            documents - 1,
            "{b}"
        );
        // The other person's message stays findable.
        assert_eq!(
            hits(
                &t.get("/zoeken?q=overboekingen", Some(&session))
                    .await
                    .text()
            )
            .len(),
            1,
            "{b}"
        );
    }
}

#[tokio::test]
async fn bad_input_is_told_in_words_and_the_inbox_has_a_search_box() {
    for t in spawn_apps().await {
        let b = t.backend;
        let session = t.login_as(&t.agent).await;
        let long = "a".repeat(201);
        for (q, words) in [
            (format!("/zoeken?q={long}"), "te lang"),
            (
                "/zoeken?q=pas&van=2025-02-30".to_owned(),
                "datum klopt niet",
            ),
            ("/zoeken?q=pas&van=morgen".to_owned(), "datum klopt niet"),
            (
                "/zoeken?q=pas&van=2025-03-02&tot=2025-03-01".to_owned(),
                "achterstevoren",
            ),
            ("/zoeken?q=pas&bron=abc".to_owned(), "bron bestaat niet"),
            (
                "/zoeken?q=pas&oordeel=xyz".to_owned(),
                "oordeel bestaat niet",
            ),
            ("/zoeken?q=pas&pagina=0".to_owned(), "pagina bestaat niet"),
            ("/zoeken?q=pas&pagina=x".to_owned(), "pagina bestaat niet"),
        ] {
            let r = t.get(&q, Some(&session)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {q}");
            let html = r.text();
            assert!(html.contains("id=\"search-error\""), "{b}: {q}");
            assert!(html.contains(words), "{b}: {q}");
        }
        // Only stop words: nothing searched, and the page says why.
        let html = t.get("/zoeken?q=de+een", Some(&session)).await.text();
        assert!(html.contains("id=\"search-empty\""), "{b}");
        assert!(html.contains("heel gewone woorden"), "{b}");
        // No query: the empty form.
        assert_eq!(
            t.get("/zoeken", Some(&session)).await.status,
            StatusCode::OK,
            "{b}"
        );
        // The inbox's search box leads here.
        let inbox = t.get("/inbox", Some(&session)).await.text();
        assert!(inbox.contains("action=\"/zoeken\""), "{b}");
        assert!(inbox.contains("id=\"inbox-search\""), "{b}");
    }
}
