//! Take it private in the same case, and canned replies (#12), through HTTP: the public part
//! never carries personal data; the one-time call-back link works once, expires, and closes
//! with the case; a platform with direct messages gets one in the same case; confidential
//! content by e-mail is refused by policy; canned replies are kept by leads and filled in for
//! the case in the composer; the call-back request is in the privacy export and erasure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::Value;
use wederhoor_core::{CaseState, ConversationId, DeliveryKind};
use wederhoor_store::{NewSource, Source, SourceSettings};
use wederhoor_triage::Engine;
use wederhoor_web::{ActiveRules, AppState, WebConfig};

async fn source(t: &TestApp, kind: &str, delivery: DeliveryKind) -> (Source, String) {
    t.store
        .create_source(&NewSource {
            kind: kind.into(),
            name: format!("zuiderbank-{kind}"),
            delivery_kind: delivery,
            delivery_url: Some("https://mastodon.example/@zuiderbank".into()),
            delivery_secret: Some("token".into()),
        })
        .await
        .unwrap()
}

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

/// A public Bluesky case (delivered by hand) of "Klaas Klant".
async fn bluesky_case(t: &TestApp, id: &str) -> ConversationId {
    let (_, bsky) = source(t, "bluesky", DeliveryKind::Manual).await;
    ingest_to(
        t,
        &bsky,
        &msg(id, "Er is dubbel afgeschreven en niemand helpt me"),
    )
    .await
}

async fn take_private(t: &TestApp, s: &Session, c: ConversationId, text: &str) -> TestResponse {
    t.post_form(
        &format!("/c/{c}/prive"),
        Some(s),
        &[("csrf", s.csrf.as_str()), ("text", text)],
    )
    .await
}

/// The text inside the textarea with `id`.
fn textarea(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</textarea>").unwrap();
    rest[start..end]
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The one-time token in a reply text (`…/terugbellen/TOKEN`).
fn token_in(text: &str) -> String {
    let at = text.find("/terugbellen/").expect("a call-back link") + "/terugbellen/".len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

const COOKIES: &str =
    "wederhoor_pcsrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn leave_number(t: &TestApp, token: &str, phone: &str, time: &str) -> TestResponse {
    t.post_form_with_cookies(
        &format!("/terugbellen/{token}"),
        COOKIES,
        &[
            ("csrf", VISITOR_CSRF),
            ("telefoon", phone),
            ("moment", time),
        ],
    )
    .await
}

#[tokio::test]
async fn personal_data_in_the_public_part_is_refused_and_nothing_is_opened() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c = bluesky_case(&t, "p-1").await;
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        let template = textarea(&page, "private-text");
        assert!(template.starts_with("Hoi Klaas,"), "{b}: {template}");
        assert!(template.contains("{link}"), "{b}: {template}");
        let text = "Hoi Klaas, we storten het terug op NL91ABNA0417164300. Bel ons: {link}";
        let r = take_private(&t, &s, c, text).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(
            html.contains("wordt openbaar geplaatst en bevat persoonsgegevens"),
            "{b}: the composer says why"
        );
        assert!(html.contains("id=\"private-refused-part\""), "{b}");
        assert!(
            html.contains("<mark class=\"pii\" data-kind=\"iban\""),
            "{b}: the IBAN is marked"
        );
        assert_eq!(textarea(&html, "private-text"), text, "{b}: text kept");
        assert_eq!(textarea(&html, "reply-text"), "", "{b}: composer untouched");
        let d = t.detail(c).await;
        assert!(d.replies.is_empty(), "{b}: nothing queued");
        assert_eq!(d.summary.state, CaseState::New, "{b}: not taken private");
        assert!(t.store.callback_links(c).await.unwrap().is_empty(), "{b}");
    }
}

#[tokio::test]
async fn the_one_time_link_opens_in_the_same_case_and_works_once() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c = bluesky_case(&t, "p-2").await;
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        let template = textarea(&page, "private-text");
        let r = take_private(&t, &s, c, &template).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let d = t.detail(c).await;
        assert_eq!(d.summary.state, CaseState::Private, "{b}");
        assert_eq!(d.replies.len(), 1, "{b}: the public reply");
        let public = &d.replies[0];
        assert_eq!(public.signature, "Anna", "{b}: signed by the agent");
        let token = token_in(&public.text);
        assert_eq!(token.len(), 32, "{b}: {}", public.text);
        assert!(!public.text.contains("{link}"), "{b}: link filled in");

        // The public form: Dutch by default, English and French on request, no script needed.
        let form = t.get(&format!("/terugbellen/{token}"), None).await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        let html = form.text();
        assert!(html.contains("Terugbelverzoek"), "{b}");
        assert!(html.contains("name=\"telefoon\""), "{b}");
        assert_eq!(
            form.headers.get(header::REFERRER_POLICY).unwrap(),
            "no-referrer",
            "{b}"
        );
        let en = t.get(&format!("/terugbellen/{token}?lang=en"), None).await;
        assert!(en.text().contains("Call-back request"), "{b}");
        let fr = t.get(&format!("/terugbellen/{token}?lang=fr"), None).await;
        assert!(fr.text().contains("Demande de rappel"), "{b}");

        // CSRF: a post without the visitor's token is refused and uses nothing.
        let forged = t
            .post_form(
                &format!("/terugbellen/{token}"),
                None,
                &[("telefoon", "0612345678"), ("moment", "morgen")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{b}");
        // A wrong number is said and the link still works.
        let bad = leave_number(&t, &token, "bel me maar", "morgen").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(bad.text().contains("geldig telefoonnummer"), "{b}");
        let no_time = leave_number(&t, &token, "06 12345678", "  ").await;
        assert_eq!(no_time.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        let ok = leave_number(&t, &token, "06-12345678", "morgen tussen 9 en 12").await;
        assert_eq!(ok.status, StatusCode::OK, "{b}: {}", ok.text());
        assert!(ok.text().contains("id=\"callback-done\""), "{b}");
        assert_eq!(t.detail(c).await.summary.state, CaseState::Private, "{b}");

        // Single use.
        let again = leave_number(&t, &token, "0687654321", "nu").await;
        assert_eq!(again.status, StatusCode::GONE, "{b}");
        assert!(again.text().contains("al gebruikt"), "{b}");
        assert_eq!(
            t.get(&format!("/terugbellen/{token}"), None).await.status,
            StatusCode::GONE,
            "{b}"
        );
        let links = t.store.callback_links(c).await.unwrap();
        assert_eq!(links.len(), 1, "{b}");
        assert_eq!(links[0].phone.as_deref(), Some("0612345678"), "{b}");

        // One case shows both parts.
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(page.contains("class=\"callback-phone\">0612345678<"), "{b}");
        assert!(page.contains("morgen tussen 9 en 12"), "{b}");
        assert!(
            page.contains("data-action=\"case.callback_request\""),
            "{b}"
        );
        assert!(page.contains("data-action=\"case.callback_link\""), "{b}");
        // An unknown token.
        let unknown = t
            .get("/terugbellen/0123456789abcdef0123456789abcdef", None)
            .await;
        assert_eq!(unknown.status, StatusCode::GONE, "{b}");
        assert_eq!(
            t.get("/terugbellen/../../etc", None).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_expired_link_no_longer_works() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c = bluesky_case(&t, "p-3").await;
        let now = jiff::Timestamp::now().as_millisecond();
        let token = "aaaabbbbccccddddeeeeffff00001111";
        t.store
            .create_callback_link(c, token, now - 1, t.agent.id)
            .await
            .unwrap();
        let r = t.get(&format!("/terugbellen/{token}"), None).await;
        assert_eq!(r.status, StatusCode::GONE, "{b}");
        assert!(r.text().contains("verlopen"), "{b}");
        let r = leave_number(&t, token, "0612345678", "morgen").await;
        assert_eq!(r.status, StatusCode::GONE, "{b}");
        assert!(
            t.store.callback_links(c).await.unwrap()[0].phone.is_none(),
            "{b}"
        );
        // A link valid for another hour works (the same code, only the time differs).
        let fresh = "aaaabbbbccccddddeeeeffff00002222";
        t.store
            .create_callback_link(c, fresh, now + 3_600_000, t.agent.id)
            .await
            .unwrap();
        assert_eq!(
            t.get(&format!("/terugbellen/{fresh}"), None).await.status,
            StatusCode::OK,
            "{b}"
        );
    }
}

#[tokio::test]
async fn closing_the_case_closes_the_link() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c = bluesky_case(&t, "p-4").await;
        let s = t.login_as(&t.agent).await;
        let r = take_private(&t, &s, c, "Hoi Klaas, we bellen je graag: {link}").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let token = token_in(&t.detail(c).await.replies[0].text);
        assert_eq!(
            t.get(&format!("/terugbellen/{token}"), None).await.status,
            StatusCode::OK,
            "{b}"
        );
        let closed = t
            .post_form(
                &format!("/c/{c}/state"),
                Some(&s),
                &[("csrf", s.csrf.as_str()), ("state", "closed")],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{b}");
        let r = leave_number(&t, &token, "0612345678", "morgen").await;
        assert_eq!(r.status, StatusCode::GONE, "{b}");
        assert!(r.text().contains("afgesloten"), "{b}");
        // Reopening the case does not revive the link.
        t.post_form(
            &format!("/c/{c}/state"),
            Some(&s),
            &[("csrf", s.csrf.as_str()), ("state", "open")],
        )
        .await;
        assert_eq!(
            t.get(&format!("/terugbellen/{token}"), None).await.status,
            StatusCode::GONE,
            "{b}"
        );
        // A closed case cannot be taken private.
        t.store
            .set_state(c, CaseState::Closed, t.agent.id)
            .await
            .unwrap();
        let r = take_private(&t, &s, c, "Hoi {link}").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(
            r.location().unwrap().contains("private_not_available"),
            "{b}"
        );
        assert_eq!(t.detail(c).await.replies.len(), 1, "{b}");
    }
}

#[tokio::test]
async fn a_platform_with_direct_messages_gets_one_in_the_same_case() {
    for t in spawn_apps().await {
        let b = t.backend;
        let (masto, token) = source(&t, "mastodon", DeliveryKind::Mastodon).await;
        let mut settings = SourceSettings::from(&masto);
        settings.owned = true;
        t.store
            .update_source_settings(masto.id, &settings, None)
            .await
            .unwrap();
        let c = ingest_to(&t, &token, &msg("m-1", "Mijn pas is ingeslikt!")).await;
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(
            page.contains("id=\"private-dm-text\""),
            "{b}: a DM is offered"
        );
        let template = textarea(&page, "private-text");
        let r = take_private(&t, &s, c, &template).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let d = t.detail(c).await;
        assert_eq!(d.summary.state, CaseState::Private, "{b}");
        assert_eq!(d.replies.len(), 2, "{b}: public reply and direct message");
        assert!(t.store.callback_links(c).await.unwrap().is_empty(), "{b}");
        // The outbox sends the first in public and the second as a direct message, although
        // the case is private now.
        let due = t.store.due_replies(10).await.unwrap();
        let public = due.iter().find(|i| i.reply == d.replies[0].id).unwrap();
        let direct = due.iter().find(|i| i.reply == d.replies[1].id).unwrap();
        assert!(!public.private, "{b}: the public part stays public");
        assert!(direct.private, "{b}: the follow-up is direct");
        assert!(
            direct.text.contains("telefoonnummer"),
            "{b}: {}",
            direct.text
        );
        assert_eq!(direct.agent_name, "Anna", "{b}: signed");
        // The one case shows both parts, each marked.
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert_eq!(
            page.matches("class=\"badge public-reply\"").count(),
            1,
            "{b}"
        );
        assert_eq!(
            page.matches("class=\"badge direct-message\"").count(),
            1,
            "{b}"
        );
    }
}

#[tokio::test]
async fn confidential_content_by_email_is_refused_by_policy() {
    for mut t in spawn_apps().await {
        let b = t.backend;
        let (_, mail) = source(&t, "email", DeliveryKind::Manual).await;
        let c = ingest_to(
            &t,
            &mail,
            &msg("e-1", "Kunnen jullie mijn geld terugstorten?"),
        )
        .await;
        t.store
            .set_state(c, CaseState::Private, t.agent.id)
            .await
            .unwrap();
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(
            !page.contains("id=\"take-private\""),
            "{b}: e-mail is private already"
        );
        let text = "We storten het terug op NL91ABNA0417164300.";
        let fields = [("csrf", s.csrf.as_str()), ("text", text)];
        let r = t
            .post_form(&format!("/c/{c}/reply"), Some(&s), &fields)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("niet per e-mail"), "{b}: {}", r.text());
        assert!(t.detail(c).await.replies.is_empty(), "{b}");
        // A plain e-mail reply goes.
        let plain = [("csrf", s.csrf.as_str()), ("text", "We bellen je vandaag.")];
        let r = t
            .post_form(&format!("/c/{c}/reply"), Some(&s), &plain)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        t.store
            .set_state(c, CaseState::Private, t.agent.id)
            .await
            .unwrap();
        // With the policy set to allow, the same reply is queued.
        let mut config = WebConfig::default();
        config.replies.allow_confidential_email = true;
        t.state = AppState::new(
            t.store.clone(),
            ActiveRules {
                engine: Engine::default_engine(),
                version: None,
            },
            config,
        )
        .unwrap();
        let r = t
            .post_form(&format!("/c/{c}/reply"), Some(&s), &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(t.detail(c).await.replies.len(), 2, "{b}");
    }
}

#[tokio::test]
async fn the_call_back_request_is_in_the_privacy_export_and_erased() {
    for t in spawn_apps().await {
        let b = t.backend;
        let (bsky, token) = source(&t, "bluesky", DeliveryKind::Manual).await;
        let c = ingest_to(&t, &token, &msg("x-1", "Niemand helpt me")).await;
        let s = t.login_as(&t.agent).await;
        take_private(&t, &s, c, "Hoi, bel ons: {link}").await;
        let link = token_in(&t.detail(c).await.replies[0].text);
        let ok = leave_number(&t, &link, "+31 6 1234 5678", "vanavond").await;
        assert_eq!(ok.status, StatusCode::OK, "{b}");
        let lead = t.login_as(&t.lead).await;
        let export = t
            .get(
                &format!("/privacy/export?source={}&handle=%40klant", bsky.id.0),
                Some(&lead),
            )
            .await;
        assert_eq!(export.status, StatusCode::OK, "{b}: {}", export.text());
        let json = export.json();
        assert_eq!(
            json["conversations"][0]["callbacks"][0]["phone"], "+31612345678",
            "{b}: {json}"
        );
        let id = bsky.id.0.to_string();
        let erased = t
            .post_form(
                "/privacy/erase",
                Some(&lead),
                &[
                    ("csrf", lead.csrf.as_str()),
                    ("source", &id),
                    ("handle", "@klant"),
                    ("confirm", "@klant"),
                    ("reason", "verzoek van de klant"),
                ],
            )
            .await;
        assert!(
            erased.status.is_success() || erased.status.is_redirection(),
            "{b}"
        );
        assert!(
            t.store.callback_links(c).await.unwrap().is_empty(),
            "{b}: the phone number is gone"
        );
    }
}

#[tokio::test]
async fn canned_replies_are_kept_by_leads_and_filled_in_for_the_case() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c = bluesky_case(&t, "k-1").await;
        let agent = t.login_as(&t.agent).await;
        let lead = t.login_as(&t.lead).await;
        let fields = |s: &Session, body: &str| {
            vec![
                ("csrf", s.csrf.clone()),
                ("topic", "Pas".to_owned()),
                ("lang", "nl".to_owned()),
                ("title", "Pas ingeslikt".to_owned()),
                ("body", body.to_owned()),
            ]
        };
        let post = |s: &Session, path: &str, body: &str| {
            let f = fields(s, body);
            let path = path.to_owned();
            let s = s.clone();
            let t = &t;
            async move {
                let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.post_form(&path, Some(&s), &refs).await
            }
        };
        // Agents use canned replies; only leads and admins keep them.
        assert_eq!(
            post(&agent, "/antwoorden", "Hoi {naam}").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            t.get("/antwoorden", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // Validation: an unknown variable, an empty text, a wrong language.
        let r = post(&lead, "/antwoorden", "Hoi {klant}").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("Onbekende variabele {klant}"), "{b}");
        assert_eq!(
            post(&lead, "/antwoorden", "  ").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        assert!(
            t.store.canned_replies(None).await.unwrap().is_empty(),
            "{b}"
        );
        let body = "Hoi {naam}, blokkeer je pas in de app. Groet, {medewerker} ({link})";
        let r = post(&lead, "/antwoorden", body).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let mut other = fields(&lead, "Hi {name}, we know about the outage.");
        other[1].1 = "storing".into();
        other[2].1 = "en".into();
        other[3].1 = "Outage".into();
        let refs: Vec<(&str, &str)> = other.iter().map(|(k, v)| (*k, v.as_str())).collect();
        t.post_form("/antwoorden", Some(&lead), &refs).await;
        let list = t.store.canned_replies(None).await.unwrap();
        assert_eq!(list.len(), 2, "{b}");
        let pas = list.iter().find(|x| x.topic == "pas").unwrap();

        // The composer finds it by search, and inserts it filled in for this case.
        let page = t
            .get(&format!("/c/{c}?standaard=blokkeer"), Some(&agent))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains(&format!("data-canned=\"{}\"", pas.id)), "{b}");
        assert!(!html.contains("Outage"), "{b}: filtered");
        let page = t
            .get(
                &format!("/c/{c}?standaard=blokkeer&standaard_id={}", pas.id),
                Some(&agent),
            )
            .await
            .text();
        assert_eq!(
            textarea(&page, "reply-text"),
            format!(
                "Hoi Klaas, blokkeer je pas in de app. Groet, Anna (http://127.0.0.1:8080/c/{c})"
            ),
            "{b}"
        );
        assert_eq!(
            t.get(&format!("/c/{c}?standaard_id=999999"), Some(&agent))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // Edit and delete.
        let r = post(&lead, &format!("/antwoorden/{}", pas.id), "Hoi {name}!").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.store.canned_reply(pas.id).await.unwrap().unwrap().body,
            "Hoi {name}!",
            "{b}"
        );
        assert_eq!(
            post(&lead, "/antwoorden/999999", "Hoi").await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let del = |s: &Session, id: i64| {
            let s = s.clone();
            let t = &t;
            async move {
                t.post_form(
                    &format!("/antwoorden/{id}/verwijderen"),
                    Some(&s),
                    &[("csrf", s.csrf.as_str())],
                )
                .await
            }
        };
        assert_eq!(
            del(&agent, pas.id).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            del(&lead, pas.id).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        assert!(t.store.canned_reply(pas.id).await.unwrap().is_none(), "{b}");
        assert_eq!(
            del(&lead, pas.id).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}
