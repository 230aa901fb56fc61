//! The customer's journey (#12) through HTTP: masked snippets, the composer's counter per
//! channel, refusals that keep the agent's text, the warning about a colleague's answer,
//! signatures per channel, manual delivery, reach that flags a lead, earlier contacts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};
use wederhoor_core::{CaseState, ConversationId, DeliveryKind, SignatureStyle};
use wederhoor_store::{NewSource, Source};
use wederhoor_triage::Engine;
use wederhoor_web::{ActiveRules, AppState, WebConfig};

/// A source of `kind` delivered by hand, and its ingest token.
async fn source(t: &TestApp, kind: &str, delivery: DeliveryKind) -> (Source, String) {
    t.store
        .create_source(&NewSource {
            kind: kind.into(),
            name: format!("zuiderbank-{kind}"),
            delivery_kind: delivery,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap()
}

/// Ingests one message with another source's token; the conversation it went to.
async fn ingest_to(t: &TestApp, token: &str, message: &Value) -> Value {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(message.to_string()))
        .unwrap();
    let r = t.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.text());
    r.json()
}

async fn reply(
    t: &TestApp,
    s: &Session,
    c: ConversationId,
    fields: &[(&str, &str)],
) -> TestResponse {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    t.post_form(&format!("/c/{c}/reply"), Some(s), &all).await
}

/// The text inside the composer's textarea.
fn composer_text(html: &str) -> String {
    let at = html.find("id=\"reply-text\"").expect("composer");
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</textarea>").unwrap();
    rest[start..end].to_owned()
}

#[tokio::test]
async fn the_inbox_list_masks_personal_data() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t
            .ingest_ok(&msg(
                "iban-1",
                "Jullie hebben dubbel afgeschreven van NL91ABNA0417164300, graag terugboeken",
            ))
            .await;
        conversation_of(&report["results"][0]);
        let s = t.login_as(&t.agent).await;
        let html = t.get("/inbox", Some(&s)).await.text();
        assert!(
            html.contains("dubbel afgeschreven"),
            "{b}: the snippet is shown"
        );
        assert!(!html.contains("NL91ABNA0417164300"), "{b}: the IBAN is not");
        assert!(!html.contains("0417"), "{b}: not even a part of it");
        assert!(html.contains("••••"), "{b}: masked in its place");
    }
}

#[tokio::test]
async fn the_composer_counts_per_channel_and_refuses_an_over_long_reply() {
    for t in spawn_apps().await {
        let b = t.backend;
        let (_, bsky) = source(&t, "bluesky", DeliveryKind::Manual).await;
        let (_, masto) = source(&t, "mastodon", DeliveryKind::Manual).await;
        let c = conversation_of(
            &ingest_to(&t, &bsky, &msg("b-1", "Mijn pas doet het niet")).await["results"][0],
        );
        let m = conversation_of(
            &ingest_to(&t, &masto, &msg("m-1", "Mijn pas doet het niet")).await["results"][0],
        );
        let s = t.login_as(&t.agent).await;

        // One counter per channel: Bluesky counts 300 graphemes, Mastodon 500 characters; the
        // signature ("\n— Anna", 7) counts along.
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(page.contains("data-limit=\"300\""), "{b}");
        assert!(page.contains("data-unit=\"graphemes\""), "{b}");
        assert!(page.contains("data-extra=\"7\""), "{b}");
        assert!(page.contains("id=\"reply-counter\""), "{b}");
        assert!(
            page.contains("— Anna</strong>"),
            "{b}: the signature is shown"
        );
        let page = t.get(&format!("/c/{m}"), Some(&s)).await.text();
        assert!(page.contains("data-limit=\"500\""), "{b}");
        assert!(page.contains("data-unit=\"chars\""), "{b}");
        // A forum has no limit, so no counter.
        let f =
            conversation_of(&t.ingest_ok(&msg("f-1", "Vraag over mijn pas")).await["results"][0]);
        let page = t.get(&format!("/c/{f}"), Some(&s)).await.text();
        assert!(!page.contains("id=\"reply-counter\""), "{b}");

        // 293 + 7 = 300 fits; one more is refused in words, nothing cut, the text kept.
        let fits = "a".repeat(293);
        let r = reply(&t, &s, c, &[("text", &fits)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let long = format!("{}é", "b".repeat(293));
        let r = reply(&t, &s, c, &[("text", &long)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(
            html.contains("te lang voor Bluesky: 301 van de 300 tekens"),
            "{b}: {html}"
        );
        assert_eq!(
            composer_text(&html),
            long,
            "{b}: the text is back in the composer"
        );
        let d = t.detail(c).await;
        assert_eq!(d.replies.len(), 1, "{b}: only the one that fits");
        assert_eq!(d.replies[0].text, fits, "{b}: never cut");
    }
}

#[tokio::test]
async fn a_reply_with_personal_data_comes_back_with_the_refused_part_marked() {
    for t in spawn_apps().await {
        let b = t.backend;
        let (_, bsky) = source(&t, "bluesky", DeliveryKind::Manual).await;
        let c = conversation_of(
            &ingest_to(&t, &bsky, &msg("b-1", "Er is dubbel afgeschreven")).await["results"][0],
        );
        // Even with the case private: Bluesky is public.
        t.store
            .set_state(c, CaseState::Private, t.agent.id)
            .await
            .unwrap();
        let s = t.login_as(&t.agent).await;
        let text = "We storten het terug op NL91ABNA0417164300 vandaag.";
        let r = reply(&t, &s, c, &[("text", text)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(
            html.contains("wordt openbaar geplaatst en bevat persoonsgegevens"),
            "{b}"
        );
        assert_eq!(composer_text(&html), text, "{b}: the agent's text is kept");
        assert!(html.contains("id=\"refused-part\""), "{b}");
        assert!(
            html.contains(
                "<mark class=\"pii\" data-kind=\"iban\" title=\"IBAN\">NL91ABNA0417164300</mark>"
            ),
            "{b}: the refused part is marked: {html}"
        );
        assert!(t.detail(c).await.replies.is_empty(), "{b}: nothing queued");
    }
}

#[tokio::test]
async fn a_colleagues_answer_since_opening_asks_for_confirmation() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c =
            conversation_of(&t.ingest_ok(&msg("f-1", "Waar blijft mijn pas?")).await["results"][0]);
        let anna = t.login_as(&t.agent).await;
        let lars = t.login_as(&t.lead).await;
        let page = t.get(&format!("/c/{c}"), Some(&anna)).await.text();
        let opened_at = attr_after(&page, "name=\"opened_at\"", "value").unwrap();
        // Anna's own earlier view does not stop Lars.
        let r = reply(
            &t,
            &lars,
            c,
            &[("text", "Hij is onderweg."), ("opened_at", &opened_at)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");

        let mine = "Uw pas is gisteren verstuurd.";
        let r = reply(&t, &anna, c, &[("text", mine), ("opened_at", &opened_at)]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let html = r.text();
        assert!(html.contains("id=\"colleague-warning\""), "{b}");
        assert!(html.contains("Lars Lead antwoordde om"), "{b}");
        assert!(html.contains("name=\"confirm\""), "{b}");
        assert_eq!(composer_text(&html), mine, "{b}");
        assert_eq!(t.detail(c).await.replies.len(), 1, "{b}: not sent yet");

        let r = reply(
            &t,
            &anna,
            c,
            &[("text", mine), ("opened_at", &opened_at), ("confirm", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.detail(c).await.replies.len(),
            2,
            "{b}: sent after confirming"
        );
    }
}

/// A Meta source with delivery by the Graph API (its settings are checked only when sending).
async fn meta_source(t: &TestApp, kind: &str, delivery: DeliveryKind) -> (Source, String) {
    let secret = json!({"verify_token": "v", "app_secret": "a", "access_token": "page-token",
                        "phone_number_id": "106540352242922"});
    t.store
        .create_source(&NewSource {
            kind: kind.into(),
            name: format!("zuiderbank-{kind}"),
            delivery_kind: delivery,
            delivery_url: None,
            delivery_secret: Some(secret.to_string()),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn meta_replies_carry_the_agents_name_per_the_channels_policy() {
    for mut t in spawn_apps().await {
        let b = t.backend;
        // Facebook signs with first name and initial here; the others keep their defaults.
        let mut config = WebConfig::default();
        config.replies.facebook = SignatureStyle::FirstNameInitial;
        config.replies.instagram = SignatureStyle::TeamAndName;
        config.replies.team_name = "Webcare Zuiderbank".into();
        t.state = AppState::new(
            t.store.clone(),
            ActiveRules {
                engine: Engine::default_engine(),
                version: None,
            },
            config,
        )
        .unwrap();
        let s = t.login_as(&t.agent).await;
        let connector = wederhoor_listen::MetaConnector::with_base("http://127.0.0.1:9").unwrap();
        let settings = wederhoor_listen::MetaSettings {
            verify_token: "v".into(),
            app_secret: "a".into(),
            access_token: "page-token".into(),
            phone_number_id: Some("106540352242922".into()),
        };
        for (kind, delivery, signature) in [
            ("whatsapp", DeliveryKind::Whatsapp, "Anna"),
            ("facebook", DeliveryKind::Facebook, "Anna A."),
            (
                "instagram",
                DeliveryKind::Instagram,
                "Anna · Webcare Zuiderbank",
            ),
        ] {
            let (_, token) = meta_source(&t, kind, delivery).await;
            let c = conversation_of(
                &ingest_to(
                    &t,
                    &token,
                    &msg(&format!("{kind}-1"), "Mijn app doet het niet"),
                )
                .await["results"][0],
            );
            let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
            assert!(
                page.contains(&format!("— {signature}</strong>")),
                "{b} {kind}: shown in the composer"
            );
            let r = reply(&t, &s, c, &[("text", "We kijken ernaar")]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b} {kind}: {}", r.text());
            let due = t.store.due_replies(10).await.unwrap();
            let item = due.iter().find(|i| i.conversation == c).unwrap();
            let (_, body) = connector.request(item, &settings).unwrap();
            let sent = body
                .pointer("/text/body")
                .or_else(|| body.get("message"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned();
            assert_eq!(
                sent,
                format!("We kijken ernaar\n— {signature}"),
                "{b} {kind}"
            );
        }
    }
}

#[tokio::test]
async fn manual_delivery_copies_the_signed_text_and_records_sent_by_hand() {
    for t in spawn_apps().await {
        let b = t.backend;
        let c =
            conversation_of(&t.ingest_ok(&msg("f-1", "Waar blijft mijn pas?")).await["results"][0]);
        let s = t.login_as(&t.agent).await;
        let r = reply(&t, &s, c, &[("text", "Hij is onderweg.")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let reply_id = t.detail(c).await.replies[0].id;
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        // The forum signs with the full name; the text to copy carries it.
        assert!(
            page.contains(&format!(
                "id=\"manual-text-{}\" rows=\"3\">Hij is onderweg.\n— Anna Agent</textarea>",
                reply_id.0
            )),
            "{b}: {page}"
        );
        // A real button (reachable with Tab, pressed with Enter or Space) copies it.
        assert!(
            page.contains(&format!(
                "<button type=\"button\" class=\"copy\" data-copy=\"manual-text-{}\"",
                reply_id.0
            )),
            "{b}"
        );
        let r = t
            .post_form(
                &format!("/replies/{}/sent", reply_id.0),
                Some(&s),
                &[("csrf", &s.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(page.contains("data-action=\"reply.sent_by_hand\""), "{b}");
        assert!(page.contains("plaatste een antwoord met de hand"), "{b}");
    }
}

#[tokio::test]
async fn a_resent_message_with_grown_reach_updates_metrics_and_flags_a_lead() {
    for t in spawn_apps().await {
        let b = t.backend;
        let post = |reposts: i64, likes: i64| {
            json!({"id": "viral-1", "text": "Zes keer gebeld en nog steeds geen pas. Schandalig.",
                   "author": {"handle": "@sanne", "name": "Sanne", "followers": 40},
                   "metrics": {"reposts": reposts, "likes": likes}})
        };
        let quiet = json!({"id": "quiet-1", "text": "Hoe laat gaan jullie open?",
                           "author": {"handle": "@piet", "followers": 10000}});
        let first = t.ingest_ok(&post(2, 5)).await;
        let c = conversation_of(&first["results"][0]);
        conversation_of(&t.ingest_ok(&quiet).await["results"][0]);
        let priority = t.detail(c).await.summary.priority;

        // The same metrics again: a plain duplicate.
        let again = t.ingest_ok(&post(2, 5)).await;
        assert_eq!(again["results"][0]["status"], "duplicate", "{b}");

        // Reposts grew from 2 to 4,800: stored, shown, and a lead is brought in.
        let grown = t.ingest_ok(&post(4800, 9000)).await;
        let item = &grown["results"][0];
        assert_eq!(item["status"], "updated", "{b}: {grown}");
        assert_eq!(item["reposts"], 4800, "{b}");
        assert_eq!(item["flagged"], true, "{b}");
        let d = t.detail(c).await;
        assert_eq!(
            (d.messages[0].reposts, d.messages[0].likes),
            (4800, 9000),
            "{b}"
        );
        assert_eq!(
            d.summary.priority, priority,
            "{b}: reach never changes the queue order"
        );
        assert!(d.summary.lead_flag.is_some(), "{b}");
        let s = t.login_as(&t.lead).await;
        let page = t.get(&format!("/c/{c}"), Some(&s)).await.text();
        assert!(page.contains("4800 gedeeld"), "{b}: reach on the case");
        assert!(page.contains("id=\"lead-flag\""), "{b}");
        assert!(page.contains("2 → 4800 keer gedeeld"), "{b}");
        assert!(
            page.contains("data-action=\"case.lead_flag\""),
            "{b}: in the history"
        );
        let inbox = t.get("/inbox", Some(&s)).await.text();
        assert!(inbox.contains("badge lead-flag"), "{b}");

        // A small growth updates the numbers without calling a lead.
        let calm = json!({"id": "calm-1", "text": "Fijne service vandaag", "author": {"handle": "@joke"},
                          "metrics": {"reposts": 1}});
        let k = conversation_of(&t.ingest_ok(&calm).await["results"][0]);
        let mut calm2 = calm.clone();
        calm2["metrics"]["reposts"] = json!(3);
        let r = t.ingest_ok(&calm2).await;
        assert_eq!(r["results"][0]["status"], "updated", "{b}");
        assert_eq!(r["results"][0]["flagged"], false, "{b}");
        assert!(t.detail(k).await.summary.lead_flag.is_none(), "{b}");
    }
}

#[tokio::test]
async fn the_case_page_lists_the_authors_earlier_contacts() {
    for t in spawn_apps().await {
        let b = t.backend;
        let (_, other) = source(&t, "mastodon", DeliveryKind::Manual).await;
        let mut cs = Vec::new();
        for i in 0..3 {
            let r = t
                .ingest_ok(
                    &json!({"id": format!("k-{i}"), "text": format!("Bericht {i} over mijn pas"),
                                   "author": {"handle": "@klant", "name": "Klaas"}}),
                )
                .await;
            cs.push(conversation_of(&r["results"][0]));
        }
        let elsewhere = conversation_of(
            &ingest_to(
                &t,
                &other,
                &json!({"id": "x-1", "text": "Nog steeds geen pas",
                                            "author": {"handle": "@klant"}}),
            )
            .await["results"][0],
        );
        let stranger = conversation_of(
            &t.ingest_ok(
                &json!({"id": "s-1", "text": "Iets anders", "author": {"handle": "@iemand"}}),
            )
            .await["results"][0],
        );
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{}", cs[0]), Some(&s)).await.text();
        assert!(page.contains("id=\"earlier-contacts\""), "{b}");
        for c in [cs[1], cs[2], elsewhere] {
            assert!(
                page.contains(&format!("<a href=\"/c/{c}\">#{c}</a>")),
                "{b}: {c} linked"
            );
        }
        assert!(
            !page.contains(&format!("<a href=\"/c/{stranger}\">")),
            "{b}"
        );
        assert!(
            !page.contains(&format!("<a href=\"/c/{0}\">#{0}</a>", cs[0])),
            "{b}: not itself"
        );
        assert!(
            page.contains("zuiderbank-mastodon"),
            "{b}: the other source is named"
        );
        let alone = t.get(&format!("/c/{stranger}"), Some(&s)).await.text();
        assert!(
            alone.contains("Geen andere gesprekken van deze afzender."),
            "{b}"
        );
    }
}

#[tokio::test]
async fn followers_and_reach_never_raise_the_priority() {
    for t in spawn_apps().await {
        let b = t.backend;
        let text =
            "@zuiderbank jullie app doet het al drie dagen niet, ik kan niet betalen. Waardeloos!";
        let mut priorities = Vec::new();
        for (i, (followers, reposts)) in [(12, 0), (10_000, 0), (250_000, 4_800)]
            .into_iter()
            .enumerate()
        {
            let r = t
                .ingest_ok(&json!({"id": format!("p-{i}"), "text": text,
                                   "author": {"handle": format!("@klant{i}"), "followers": followers},
                                   "metrics": {"reposts": reposts}}))
                .await;
            let c = conversation_of(&r["results"][0]);
            priorities.push(t.detail(c).await.summary.priority);
        }
        assert!(
            priorities.iter().all(|p| *p == priorities[0]),
            "{b}: {priorities:?}"
        );
    }
}
