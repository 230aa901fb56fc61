//! Contacts and identity (#12) through HTTP: merging two authors from two channels shows both
//! their cases in one timeline and in the case page's earlier contacts, splitting restores them,
//! both are audited; suggestions for the same e-mail address, phone number, handle and name,
//! with addresses and numbers masked; the contact page's query count does not grow with its
//! timeline. SQLite, and PostgreSQL with `WEDERHOOR_TEST_PG`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};
use wederhoor_core::{ConversationId, DeliveryKind};
use wederhoor_store::NewSource;

/// A source of `kind` and its ingest token.
async fn source(t: &TestApp, kind: &str) -> String {
    t.store
        .create_source(&NewSource {
            kind: kind.into(),
            name: format!("zuiderbank-{kind}"),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap()
        .1
}

/// Ingests one message with a source's token; the conversation it went to.
async fn ingest_to(t: &TestApp, token: &str, message: &Value) -> ConversationId {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(message.to_string()))
        .unwrap();
    let r = t.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.text());
    conversation_of(&r.json()["results"][0])
}

async fn contact_of(t: &TestApp, c: ConversationId) -> i64 {
    t.store.contact_of_conversation(c).await.unwrap().unwrap()
}

fn case_link(c: ConversationId) -> String {
    format!("<a href=\"/c/{c}\">#{c}</a>")
}

#[tokio::test]
async fn merging_shows_both_channels_in_one_timeline_and_splitting_restores_them() {
    for t in spawn_apps().await {
        let b = t.backend;
        let mastodon = source(&t, "mastodon").await;
        let mail = source(&t, "email").await;
        let social = ingest_to(
            &t,
            &mastodon,
            &json!({"id": "m-1", "text": "Mijn pas is ingeslikt door de automaat",
                    "author": {"handle": "@sanne", "name": "Sanne"}}),
        )
        .await;
        let email = ingest_to(
            &t,
            &mail,
            &json!({"id": "e-1", "text": "Ik mail nog een keer over mijn pas",
                    "author": {"handle": "s.devries@example.nl", "name": "S. de Vries"}}),
        )
        .await;
        let (k_social, k_email) = (contact_of(&t, social).await, contact_of(&t, email).await);
        assert_ne!(k_social, k_email, "{b}: one contact per author by default");
        let s = t.login_as(&t.agent).await;
        let case = t.get(&format!("/c/{social}"), Some(&s)).await.text();
        assert!(!case.contains(&case_link(email)), "{b}: not linked yet");
        assert!(
            case.contains(&format!("href=\"/contacten/{k_social}\"")),
            "{b}"
        );

        // A wrong CSRF token merges nothing.
        let r = t
            .post_form(
                &format!("/contacten/{k_social}/samenvoegen"),
                Some(&s),
                &[("csrf", "wrong"), ("met", &k_email.to_string())],
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_ne!(contact_of(&t, email).await, k_social, "{b}");

        let r = t
            .post_form(
                &format!("/contacten/{k_social}/samenvoegen"),
                Some(&s),
                &[("csrf", &s.csrf), ("met", &k_email.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(
            r.location(),
            Some(format!("/contacten/{k_social}").as_str())
        );
        assert_eq!(contact_of(&t, email).await, k_social, "{b}");

        // One timeline with both channels' cases and messages, newest first.
        let page = t.get(&format!("/contacten/{k_social}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let page = page.text();
        for c in [social, email] {
            assert!(
                page.contains(&format!("data-kind=\"case\" data-conversation=\"{c}\"")),
                "{b}: {c}"
            );
            assert!(
                page.contains(&format!("data-kind=\"message\" data-conversation=\"{c}\"")),
                "{b}: {c}"
            );
        }
        assert!(
            page.contains("zuiderbank-mastodon") && page.contains("zuiderbank-email"),
            "{b}"
        );
        let newest = page
            .find(&format!("data-conversation=\"{email}\""))
            .unwrap();
        let older = page
            .find(&format!("data-conversation=\"{social}\""))
            .unwrap();
        assert!(newest < older, "{b}: newest first");
        // The old id of the e-mail author's contact leads to the merged contact.
        let moved = t.get(&format!("/contacten/{k_email}"), Some(&s)).await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            moved.location(),
            Some(format!("/contacten/{k_social}").as_str())
        );

        // The case page's earlier contacts show the other channel's case, linked.
        let case = t.get(&format!("/c/{social}"), Some(&s)).await.text();
        assert!(case.contains(&case_link(email)), "{b}");
        assert!(
            case.contains(&format!("data-conversation=\"{email}\" data-linked=\"1\"")),
            "{b}"
        );
        let case = t.get(&format!("/c/{email}"), Some(&s)).await.text();
        assert!(case.contains(&case_link(social)), "{b}");

        let history = t.store.audit_of("contact", k_social).await.unwrap();
        assert!(
            history
                .iter()
                .any(|h| h.2 == "contact.merge" && h.1.as_deref() == Some("Anna Agent")),
            "{b}: {history:?}"
        );
        // A lead's privacy export of the Mastodon handle covers the merged e-mail author too.
        let lead = t.login_as(&t.lead).await;
        let export = t
            .get(
                "/privacy/export?source=zuiderbank-mastodon&handle=%40sanne",
                Some(&lead),
            )
            .await;
        assert_eq!(export.status, StatusCode::OK, "{b}");
        let export = export.json();
        assert_eq!(
            export["authors"].as_array().unwrap().len(),
            2,
            "{b}: {export}"
        );
        assert_eq!(export["messages"].as_array().unwrap().len(), 2, "{b}");
        assert!(page.contains("Contacten samengevoegd"), "{b}");

        // Splitting the e-mail author off restores two contacts.
        let email_author = k_email;
        let r = t
            .post_form(
                &format!("/contacten/{k_social}/losmaken"),
                Some(&s),
                &[("csrf", &s.csrf), ("auteur", &email_author.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(contact_of(&t, email).await, k_email, "{b}");
        assert_eq!(contact_of(&t, social).await, k_social, "{b}");
        let case = t.get(&format!("/c/{social}"), Some(&s)).await.text();
        assert!(!case.contains(&case_link(email)), "{b}: split");
        let alone = t.get(&format!("/contacten/{k_email}"), Some(&s)).await;
        assert_eq!(alone.status, StatusCode::OK, "{b}");
        assert!(
            !alone
                .text()
                .contains(&format!("data-conversation=\"{social}\"")),
            "{b}"
        );
        let history = t.store.audit_of("contact", k_social).await.unwrap();
        assert!(
            history.iter().any(|h| h.2 == "contact.unmerge"),
            "{b}: {history:?}"
        );

        // Merge again the other way round, then split off the author the contact is named by:
        // the rest keeps going under the other author's id.
        let r = t
            .post_form(
                &format!("/contacten/{k_email}/samenvoegen"),
                Some(&s),
                &[("csrf", &s.csrf), ("met", &k_social.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(contact_of(&t, social).await, k_email, "{b}");
        let r = t
            .post_form(
                &format!("/contacten/{k_email}/losmaken"),
                Some(&s),
                &[("csrf", &s.csrf), ("auteur", &k_email.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(contact_of(&t, social).await, k_social, "{b}");
        assert_eq!(contact_of(&t, email).await, k_email, "{b}");
        // A contact's only author cannot be split off; merging a contact with itself is refused.
        let r = t
            .post_form(
                &format!("/contacten/{k_email}/losmaken"),
                Some(&s),
                &[("csrf", &s.csrf), ("auteur", &k_email.to_string())],
            )
            .await;
        assert!(r.status.is_client_error(), "{b}: {}", r.status);
        let r = t
            .post_form(
                &format!("/contacten/{k_email}/samenvoegen"),
                Some(&s),
                &[("csrf", &s.csrf), ("met", &k_email.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            t.get("/contacten/999999", Some(&s)).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}

#[tokio::test]
async fn suggestions_for_the_same_email_phone_handle_and_name_with_details_masked() {
    for t in spawn_apps().await {
        let b = t.backend;
        let mastodon = source(&t, "mastodon").await;
        let mail = source(&t, "email").await;
        let whatsapp = source(&t, "whatsapp").await;
        let bluesky = source(&t, "bluesky").await;
        let social = ingest_to(
            &t,
            &mastodon,
            &json!({"id": "m-1",
                    "text": "Mijn pas is weg. Mail me op s.devries@example.nl of bel 06-12345678",
                    "author": {"handle": "@sanne_dv@mastodon.nl", "name": "Sanne de Vries"}}),
        )
        .await;
        let by_mail = ingest_to(
            &t,
            &mail,
            &json!({"id": "e-1", "text": "Over mijn pas", "author": {"handle": "S.deVries@example.nl"}}),
        )
        .await;
        let by_phone = ingest_to(
            &t,
            &whatsapp,
            &json!({"id": "w-1", "text": "Hallo, mijn pas", "author": {"handle": "31612345678"}}),
        )
        .await;
        let by_handle = ingest_to(
            &t,
            &bluesky,
            &json!({"id": "b-1", "text": "Pas kwijt", "author": {"handle": "@sanne-dv.bsky.social"}}),
        )
        .await;
        let by_name = t
            .ingest_ok(&json!({"id": "f-1", "text": "Op het forum", "author": {"handle": "sdv1990", "name": "sanne de Vries"}}))
            .await;
        let by_name = conversation_of(&by_name["results"][0]);
        let stranger = t
            .ingest_ok(&json!({"id": "f-2", "text": "Iets anders", "author": {"handle": "piet", "name": "Piet Jansen"}}))
            .await;
        let stranger = conversation_of(&stranger["results"][0]);
        let k = contact_of(&t, social).await;
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/contacten/{k}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let page = page.text();
        for (c, reason) in [
            (by_mail, "zelfde e-mailadres: s••••••••@e••••••.nl"),
            (by_phone, "zelfde telefoonnummer: •••••••••78"),
            (by_handle, "zelfde gebruikersnaam: sanne_dv"),
            (by_name, "zelfde naam: sanne de Vries"),
        ] {
            let other = contact_of(&t, c).await;
            let at = page
                .find(&format!("<li data-contact=\"{other}\">"))
                .unwrap_or_else(|| panic!("{b}: {c} suggested"));
            let item = &page[at..at + page[at..].find("</li>").unwrap()];
            assert!(item.contains(reason), "{b}: {reason} in {item}");
        }
        let other = contact_of(&t, stranger).await;
        assert!(!page.contains(&format!("data-contact=\"{other}\"")), "{b}");
        // The address and number are never shown whole (not in the timeline either).
        for whole in ["s.devries@example.nl", "S.deVries@example.nl", "12345678"] {
            assert!(!page.contains(whole), "{b}: {whole}");
        }
        // Merging from a suggestion.
        let mail_contact = contact_of(&t, by_mail).await;
        let r = t
            .post_form(
                &format!("/contacten/{k}/samenvoegen"),
                Some(&s),
                &[("csrf", &s.csrf), ("met", &mail_contact.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let page = t.get(&format!("/contacten/{k}"), Some(&s)).await.text();
        assert!(
            !page.contains(&format!("data-contact=\"{mail_contact}\"")),
            "{b}: merged, no longer suggested"
        );
        assert!(
            page.contains(&format!(
                "data-kind=\"case\" data-conversation=\"{by_mail}\""
            )),
            "{b}"
        );
    }
}

#[tokio::test]
async fn the_contact_page_runs_the_same_queries_for_a_short_and_a_long_timeline() {
    for t in spawn_apps().await {
        let b = t.backend;
        let s = t.login_as(&t.agent).await;
        let first = t
            .ingest_ok(&json!({"id": "q-0", "text": "Eerste bericht", "author": {"handle": "@klaas", "name": "Klaas Visser"}}))
            .await;
        let k = contact_of(&t, conversation_of(&first["results"][0])).await;
        let measure = || async {
            let before = t.store.query_count();
            let r = t.get(&format!("/contacten/{k}"), Some(&s)).await;
            assert_eq!(r.status, StatusCode::OK, "{b}");
            (t.store.query_count() - before, r.text())
        };
        let (few, _) = measure().await;
        let batch: Vec<Value> = (1..70)
            .map(|i| {
                json!({"id": format!("q-{i}"), "text": format!("Bericht {i} over mijn pas"),
                             "author": {"handle": "@klaas", "name": "Klaas Visser"}})
            })
            .collect();
        t.ingest_ok(&json!(batch)).await;
        let (many, html) = measure().await;
        assert_eq!(few, many, "{b}: no query per line");
        assert_eq!(html.matches("<li data-kind=").count(), 50, "{b}: one page");
        assert!(html.contains("id=\"contact-older\""), "{b}");
        let second = t
            .get(&format!("/contacten/{k}?pagina=3"), Some(&s))
            .await
            .text();
        assert!(second.contains("<li data-kind="), "{b}: page 3");
        assert!(!second.contains("id=\"contact-older\""), "{b}: last page");
    }
}

#[tokio::test]
async fn the_privacy_lookup_goes_through_the_one_handle_key_but_never_takes_a_namesake() {
    for t in spawn_apps().await {
        let b = t.backend;
        let mastodon = source(&t, "mastodon").await;
        for (id, handle) in [
            ("p-1", "@Sanne@mastodon.nl"),
            ("p-2", "@sanne@social.nl"),
            ("p-3", "@sanne.dv@mastodon.nl"),
        ] {
            ingest_to(
                &t,
                &mastodon,
                &json!({"id": id, "text": "Over mijn pas", "author": {"handle": handle}}),
            )
            .await;
        }
        let lead = t.login_as(&t.lead).await;
        for typed in ["sanne%40mastodon.nl", "%40SANNE%40mastodon.nl"] {
            let export = t
                .get(
                    &format!("/privacy/export?source=zuiderbank-mastodon&handle={typed}"),
                    Some(&lead),
                )
                .await
                .json();
            let handles: Vec<&str> = export["authors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["handle"].as_str().unwrap())
                .collect();
            assert_eq!(handles, ["@Sanne@mastodon.nl"], "{b}: {typed}");
        }
    }
}

#[tokio::test]
async fn contacts_are_found_by_handle_name_or_number_with_addresses_masked() {
    for t in spawn_apps().await {
        let b = t.backend;
        let mastodon = source(&t, "mastodon").await;
        let mail = source(&t, "email").await;
        let social = ingest_to(
            &t,
            &mastodon,
            &json!({"id": "z-1", "text": "Waar blijft mijn pas?",
                    "author": {"handle": "@joke_b@mastodon.nl", "name": "Joke Bakker"}}),
        )
        .await;
        let by_mail = ingest_to(
            &t,
            &mail,
            &json!({"id": "z-2", "text": "Nog steeds geen pas",
                    "author": {"handle": "joke@example.nl", "name": "Joke Bakker"}}),
        )
        .await;
        let s = t.login_as(&t.agent).await;
        let k = contact_of(&t, social).await;
        for q in ["%40Joke_B", "joke%20bakker", &format!("%23{k}")] {
            let page = t.get(&format!("/contacten?q={q}"), Some(&s)).await;
            assert_eq!(page.status, StatusCode::OK, "{b}: {q}");
            let page = page.text();
            assert!(
                page.contains(&format!("<li data-contact=\"{k}\">")),
                "{b}: {q}"
            );
            assert!(!page.contains("joke@example.nl"), "{b}: {q}: masked");
        }
        let page = t.get("/contacten?q=joke%20bakker", Some(&s)).await.text();
        let other = contact_of(&t, by_mail).await;
        assert!(
            page.contains(&format!("<li data-contact=\"{other}\">")),
            "{b}"
        );
        // The start of a name, of a later word of it or of a handle is enough.
        for q in ["jok", "Bakk", "joke_"] {
            let page = t.get(&format!("/contacten?q={q}"), Some(&s)).await.text();
            assert!(
                page.contains(&format!("<li data-contact=\"{k}\">")),
                "{b}: {q}"
            );
        }
        // One character, or one that is no handle at all, lists nobody.
        for q in ["j", "%40"] {
            let page = t.get(&format!("/contacten?q={q}"), Some(&s)).await.text();
            assert!(page.contains("Geen contact gevonden."), "{b}: {q}");
        }
        // Typed wildcards are literal.
        let none = t.get("/contacten?q=%25", Some(&s)).await.text();
        assert!(none.contains("Geen contact gevonden."), "{b}: %");
        let none = t.get("/contacten?q=niemand", Some(&s)).await.text();
        assert!(none.contains("Geen contact gevonden."), "{b}");
    }
}
