#![allow(clippy::unwrap_used, clippy::expect_used)]
//! E-cards (issue #13) through HTTP: the preview is a real PNG of the card's size, a line with
//! personal data is refused, a card on a Mastodon case goes out as media (upload, then a status
//! with `media_ids[]`) to a fake Mastodon server, a card on a channel without media carries a
//! public link to its picture, and agents only.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::*;
use serde_json::json;
use std::sync::{Arc, Mutex};
use wederhoor_core::media::{MediaType, png_dimensions};
use wederhoor_core::{ConversationId, DeliveryKind};
use wederhoor_store::{NewSource, SourceSettings};

#[derive(Default)]
struct Seen {
    /// (content type, body) of each `POST /api/v2/media`.
    uploads: Vec<(String, Vec<u8>)>,
    /// Form fields of each `POST /api/v1/statuses`.
    statuses: Vec<Vec<(String, String)>>,
}

type Shared = Arc<Mutex<Seen>>;

async fn media(State(seen): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut s = seen.lock().unwrap();
    s.uploads.push((content_type, body.to_vec()));
    axum::Json(json!({"id": format!("m{}", s.uploads.len()), "type": "image"})).into_response()
}

async fn statuses(
    State(seen): State<Shared>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    seen.lock().unwrap().statuses.push(form);
    axum::Json(json!({"id": "900"})).into_response()
}

async fn fake_mastodon() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/api/v2/media", axum::routing::post(media))
        .route("/api/v1/statuses", axum::routing::post(statuses))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// An owned Mastodon source delivering to `instance`, and its ingest token.
async fn mastodon_source(app: &TestApp, instance: &str) -> String {
    let (source, token) = app
        .store
        .create_source(&NewSource {
            kind: "mastodon".into(),
            name: "Mastodon".into(),
            delivery_kind: DeliveryKind::Mastodon,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap();
    let mut settings = SourceSettings::from(&source);
    settings.url = Some(format!("{instance}/tags/zuiderbank"));
    settings.owned = true;
    app.store
        .update_source_settings(source.id, &settings, None)
        .await
        .unwrap();
    app.store
        .set_source_delivery(source.id, DeliveryKind::Mastodon, None, Some("tok"))
        .await
        .unwrap();
    token
}

async fn ingest_with(app: &TestApp, token: &str, items: serde_json::Value) -> ConversationId {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(items.to_string()))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    conversation_of(&r.json()["results"][0])
}

#[tokio::test]
async fn an_ecard_is_previewed_as_png_and_sent_as_media_to_mastodon() {
    let (instance, seen) = fake_mastodon().await;
    for app in spawn_apps().await {
        let b = app.backend;
        let token = mastodon_source(&app, &instance).await;
        let id = ingest_with(
            &app,
            &token,
            json!([{"id": "301", "text": "Eindelijk is mijn hypotheek rond, dank voor jullie hulp!", "author": {"handle": "@sanne"}}]),
        )
        .await;
        let agent = app.login_as(&app.agent).await;

        // The case page offers the card; the card page shows the preview of a line.
        let page = app.get(&format!("/c/{}", id.0), Some(&agent)).await.text();
        assert!(page.contains(&format!("href=\"/c/{}/kaart\"", id.0)), "{b}");
        let page = app
            .get(
                &format!(
                    "/c/{}/kaart?template=congratulations&line=Veel+plezier+in+het+nieuwe+huis%21",
                    id.0
                ),
                Some(&agent),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}: {}", page.text());
        let html = page.text();
        assert!(html.contains("id=\"card-send\""), "{b}: {html}");
        assert!(
            html.contains("kaart.png?template=congratulations&amp;line=Veel%20plezier"),
            "{b}: {html}"
        );

        // The preview is a PNG of the card's size.
        let png = app
            .get(
                &format!("/c/{}/kaart.png?template=congratulations&line=Veel%20plezier%20in%20het%20nieuwe%20huis%21", id.0),
                Some(&agent),
            )
            .await;
        assert_eq!(png.status, StatusCode::OK, "{b}: {}", png.text());
        assert_eq!(png.content_type(), "image/png", "{b}");
        assert_eq!(MediaType::sniff(&png.body), Some(MediaType::Png), "{b}");
        assert_eq!(png_dimensions(&png.body), Some((1200, 675)), "{b}");

        // A line with an IBAN is refused, in the preview and when sent; nothing is queued.
        let iban = "Het geld staat op NL91ABNA0417164300";
        let r = app
            .get(
                &format!(
                    "/c/{}/kaart.png?template=thanks&line={}",
                    id.0,
                    iban.replace(' ', "%20")
                ),
                Some(&agent),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = app
            .post_form(
                &format!("/c/{}/kaart", id.0),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("template", "thanks"),
                    ("line", iban),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("persoonsgegevens"), "{b}: {}", r.text());
        assert!(
            app.detail(id).await.replies.is_empty(),
            "{b}: nothing queued"
        );
        // An unknown template and a missing CSRF token are refused too.
        let r = app
            .post_form(
                &format!("/c/{}/kaart", id.0),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("template", "<svg>"),
                    ("line", "Hoi"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        let r = app
            .post_form(
                &format!("/c/{}/kaart", id.0),
                Some(&agent),
                &[("csrf", "wrong"), ("template", "thanks"), ("line", "Hoi")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");

        // Sent: one reply in the outbox, carrying the PNG.
        let r = app
            .post_form(
                &format!("/c/{}/kaart", id.0),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("template", "congratulations"),
                    ("line", "Veel plezier in het nieuwe huis!"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let detail = app.detail(id).await;
        assert_eq!(detail.replies.len(), 1, "{b}");
        let before = seen.lock().unwrap().statuses.len();
        let delivered = wederhoor_listen::run_outbox_once(
            &app.store,
            &wederhoor_listen::MastodonConnector::new().unwrap(),
            &wederhoor_listen::OutboxConfig::default(),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(delivered, 1, "{b}");
        {
            let s = seen.lock().unwrap();
            let (content_type, body) = s.uploads.last().unwrap();
            assert!(
                content_type.starts_with("multipart/form-data; boundary="),
                "{b}"
            );
            // The uploaded file is the card: a PNG of the card's size inside the multipart body.
            let at = body
                .windows(8)
                .position(|w| w == b"\x89PNG\r\n\x1a\n")
                .expect("a PNG in the upload");
            assert_eq!(png_dimensions(&body[at..]), Some((1200, 675)), "{b}");
            assert!(
                String::from_utf8_lossy(body).contains("name=\"description\""),
                "{b}"
            );
            assert_eq!(s.statuses.len(), before + 1, "{b}");
            let status = s.statuses.last().unwrap();
            let media_id = format!("m{}", s.uploads.len());
            assert!(
                status
                    .iter()
                    .any(|(k, v)| k == "media_ids[]" && *v == media_id),
                "{b}: {status:?}"
            );
            assert!(
                status
                    .iter()
                    .any(|(k, v)| k == "status" && v.contains("Veel plezier in het nieuwe huis!")),
                "{b}: {status:?}"
            );
        }
        let page = app
            .get(&format!("/c/{}/kaart", id.0), Some(&agent))
            .await
            .text();
        assert!(page.contains("id=\"cards-sent\""), "{b}");
        // The case history says so.
        let page = app.get(&format!("/c/{}", id.0), Some(&agent)).await.text();
        assert!(page.contains("E-kaart verstuurd"), "{b}");
    }
}

#[tokio::test]
async fn an_ecard_on_a_channel_without_media_links_to_its_public_picture() {
    for app in spawn_apps().await {
        let b = app.backend;
        let report = app
            .ingest_ok(&json!([{"id": "f1", "text": "Top geholpen vandaag, dank!", "author": {"handle": "@piet"}}]))
            .await;
        let id = conversation_of(&report["results"][0]);
        let agent = app.login_as(&app.agent).await;
        let r = app
            .post_form(
                &format!("/c/{}/kaart", id.0),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("template", "thanks"),
                    ("line", "Fijn dat het gelukt is!"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let reply = app.detail(id).await.replies.pop().unwrap();
        let link = reply
            .text
            .split_whitespace()
            .find(|w| w.contains("/kaarten/"))
            .unwrap_or_else(|| panic!("{b}: no link in {:?}", reply.text));
        let path = &link[link.find("/kaarten/").unwrap()..];
        // Anyone may follow the link: it is the card's picture.
        let picture = app.get(path, None).await;
        assert_eq!(picture.status, StatusCode::OK, "{b}");
        assert_eq!(png_dimensions(&picture.body), Some((1200, 675)), "{b}");
        // Nothing else is served there.
        assert_eq!(
            app.get(&path.replace(".png", ".svg"), None).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let other = format!("/kaarten/{}.png", "0".repeat(64));
        assert_eq!(
            app.get(&other, None).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        // Customers and visitors cannot make cards.
        let r = app
            .get(&format!("/c/{}/kaart.png?line=hoi", id.0), None)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
    }
}

#[tokio::test]
async fn printed_cards_stay_within_the_monthly_budget_and_forget_the_address_once_sent() {
    for mut app in spawn_apps().await {
        let b = app.backend;
        app.state.config.printed_cards = wederhoor_app::cards::PrintedPolicy {
            monthly_budget_cents: 500,
            cost_cents: 250,
        };
        let report = app
            .ingest_ok(&json!([
                {"id": "p1", "text": "Dank voor het meedenken over mijn lening!", "author": {"handle": "@jan"}},
                {"id": "p2", "text": "Super geholpen vandaag", "author": {"handle": "@eva"}},
                {"id": "p3", "text": "Top service", "author": {"handle": "@rob"}},
            ]))
            .await;
        let ids: Vec<ConversationId> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(conversation_of)
            .collect();
        let agent = app.login_as(&app.agent).await;
        let lead = app.login_as(&app.lead).await;
        let request = |id: ConversationId, address: &'static str| {
            let path = format!("/c/{}/kaart/drukwerk", id.0);
            let csrf = agent.csrf.clone();
            let app = &app;
            let agent = &agent;
            async move {
                app.post_form(
                    &path,
                    Some(agent),
                    &[
                        ("csrf", &csrf),
                        ("template", "thanks"),
                        ("line", "Dank voor je vertrouwen!"),
                        ("recipient", "J. Jansen"),
                        ("address", address),
                    ],
                )
                .await
            }
        };
        // An address that is not one is refused; nothing is spent.
        let r = request(ids[0], "x").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("id=\"printed-error\""), "{b}");
        // Two cards fit the budget of 5 euros at 2.50 each; the third does not.
        let r = request(ids[0], "Dorpsstraat 12\n1234 AB Ergens").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(
            r.location(),
            Some(format!("/c/{}/kaart?printed=true", ids[0].0).as_str())
        );
        let r = request(ids[1], "Laan 3\n4321 BA Elders").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let r = request(ids[2], "Weg 9\n1111 AA Hier").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("budget van deze maand is op"),
            "{b}: {}",
            r.text()
        );
        // The case history says a card was requested, without the address.
        let page = app
            .get(&format!("/c/{}", ids[0].0), Some(&agent))
            .await
            .text();
        assert!(page.contains("Gedrukte kaart aangevraagd"), "{b}");
        assert!(
            !page.contains("Dorpsstraat"),
            "{b}: no address on the case page"
        );

        // The fulfilment list: leads only, with the addresses of cards still to send.
        assert_eq!(
            app.get("/drukwerk", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let page = app.get("/drukwerk", Some(&lead)).await.text();
        assert_eq!(page.matches("data-state=\"requested\"").count(), 2, "{b}");
        assert!(
            page.contains("Dorpsstraat 12, 1234 AB Ergens"),
            "{b}: {page}"
        );
        assert!(page.contains("5,00 van 5,00 euro"), "{b}: {page}");
        let card: i64 = page
            .split("action=\"/drukwerk/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let r = app
            .post_form(
                &format!("/drukwerk/{card}/verstuurd"),
                Some(&agent),
                &[("csrf", &agent.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = app
            .post_form(
                &format!("/drukwerk/{card}/verstuurd"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        // Twice is not found (it is sent already).
        let r = app
            .post_form(
                &format!("/drukwerk/{card}/verstuurd"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        let page = app.get("/drukwerk", Some(&lead)).await.text();
        assert_eq!(page.matches("data-state=\"sent\"").count(), 1, "{b}");
        assert!(
            !page.contains("Dorpsstraat"),
            "{b}: the address is forgotten once sent"
        );
        // Sending does not give the budget back.
        let r = request(ids[2], "Weg 9\n1111 AA Hier").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    }
}

/// A `multipart/form-data` body with the reply's fields and a file.
fn multipart(csrf: &str, text: &str, file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "grens-4711";
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf", csrf),
        ("text", text),
        ("description", "Een foto van de nieuwe pas"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    session: &Session,
    id: ConversationId,
    name: &str,
    file: &[u8],
) -> TestResponse {
    let (content_type, body) = multipart(&session.csrf, "Zo ziet de nieuwe pas eruit", name, file);
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/c/{}/media", id.0))
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::COOKIE,
            format!("wederhoor_session={}", session.cookie),
        )
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_reply_carries_a_photo_checked_by_its_bytes_to_mastodon() {
    let (instance, seen) = fake_mastodon().await;
    for app in spawn_apps().await {
        let b = app.backend;
        let token = mastodon_source(&app, &instance).await;
        let id = ingest_with(
            &app,
            &token,
            json!([{"id": "401", "text": "Hoe ziet de nieuwe pas eruit?", "author": {"handle": "@mila"}}]),
        )
        .await;
        let agent = app.login_as(&app.agent).await;
        let page = app.get(&format!("/c/{}", id.0), Some(&agent)).await.text();
        assert!(
            page.contains("id=\"media-form\""),
            "{b}: Mastodon takes media"
        );
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x02\x08\x02\0\0\0".to_vec();
        png.extend_from_slice(&[7u8; 64]);

        // HTML with a picture's name is not a picture.
        let r = upload(
            &app,
            &agent,
            id,
            "pas.png",
            b"<html><script>alert(1)</script></html>",
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert!(
            r.location().unwrap().contains("error=media_not_media"),
            "{b}"
        );
        // Too large for a picture.
        let mut big = png.clone();
        big.resize(5 * 1024 * 1024 + 1, 0);
        let r = upload(&app, &agent, id, "groot.png", &big).await;
        assert!(
            r.location()
                .unwrap_or_default()
                .contains("error=media_too_large"),
            "{b}: {:?}",
            r.status
        );
        assert!(
            app.detail(id).await.replies.is_empty(),
            "{b}: nothing queued"
        );

        let r = upload(&app, &agent, id, "pas.png", &png).await;
        assert_eq!(r.location(), Some(format!("/c/{}", id.0).as_str()), "{b}");
        assert_eq!(app.detail(id).await.replies.len(), 1, "{b}");
        let delivered = wederhoor_listen::run_outbox_once(
            &app.store,
            &wederhoor_listen::MastodonConnector::new().unwrap(),
            &wederhoor_listen::OutboxConfig::default(),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(delivered, 1, "{b}");
        let s = seen.lock().unwrap();
        let (_, body) = s.uploads.last().unwrap();
        assert!(
            body.windows(png.len()).any(|w| w == png.as_slice()),
            "{b}: the file as uploaded"
        );
        assert!(
            String::from_utf8_lossy(body).contains("Een foto van de nieuwe pas"),
            "{b}"
        );
        let status = s.statuses.last().unwrap();
        assert!(
            status.iter().any(|(k, _)| k == "media_ids[]"),
            "{b}: {status:?}"
        );
    }
}

#[tokio::test]
async fn a_channel_without_a_media_connector_refuses_photos() {
    for app in spawn_apps().await {
        let b = app.backend;
        let report = app
            .ingest_ok(&json!([{"id": "m1", "text": "Foto graag", "author": {"handle": "@kim"}}]))
            .await;
        let id = conversation_of(&report["results"][0]);
        let agent = app.login_as(&app.agent).await;
        let page = app.get(&format!("/c/{}", id.0), Some(&agent)).await.text();
        assert!(
            !page.contains("id=\"media-form\""),
            "{b}: the manual forum takes no media"
        );
        let r = upload(
            &app,
            &agent,
            id,
            "pas.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        )
        .await;
        assert!(
            r.location()
                .unwrap()
                .contains("error=media_channel_takes_none"),
            "{b}"
        );
        let page = app.get(r.location().unwrap(), Some(&agent)).await.text();
        assert!(page.contains("Via dit kanaal gaan geen foto"), "{b}");
        assert!(app.detail(id).await.replies.is_empty(), "{b}");
    }
}
