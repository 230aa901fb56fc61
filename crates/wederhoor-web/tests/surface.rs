//! The working surface through the real router: error pages in Dutch and English with the layout
//! (JSON under `/api/`), counts in the singular and plural, the case history in words, delivery
//! problems in words, topics and source kinds by their names, the pinned idea once, the privacy
//! lookup with or without `@`, a captured post's author, and the cap on live streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use std::time::Duration;
use tower::ServiceExt;
use wederhoor_core::{ConversationId, IdeaId};
use wederhoor_store::{NewBoard, NewIdea, NewSource, Poster};

/// The visible text of a page, roughly: tags dropped, scripts, closed `<details>` and dialogs
/// (not shown until opened) left out, whitespace collapsed.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while !rest.is_empty() {
        let skipped = [
            ("<script", "</script>"),
            ("<details", "</details>"),
            ("<dialog", "</dialog>"),
        ]
        .iter()
        .find(|(open, _)| rest.starts_with(open));
        if let Some((_, close)) = skipped {
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
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn first_conversation(app: &TestApp, id: &str, text: &str) -> ConversationId {
    let report = app.ingest_ok(&msg(id, text)).await;
    conversation_of(&report["results"][0])
}

#[tokio::test]
async fn unknown_pages_answer_a_page_in_the_users_language_with_the_layout() {
    for app in spawn_apps().await {
        let b = app.backend;
        let anna = app.login_as(&app.agent).await;
        // An agent: the inbox layout, in Dutch.
        for path in ["/beheer", "/c/999999", "/review/x/y"] {
            let r = app.get(path, Some(&anna)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{b} {path}");
            assert!(r.content_type().starts_with("text/html"), "{b} {path}");
            let html = r.text();
            let text = visible(&html);
            assert!(
                html.contains("<header class=\"top\">"),
                "{b} {path}: {html}"
            );
            assert!(text.contains("Pagina niet gevonden"), "{b} {path}: {text}");
            assert!(
                !text.to_lowercase().contains("not found"),
                "{b} {path}: {text}"
            );
            assert!(text.contains("Referentie"), "{b} {path}");
        }
        let text = visible(&app.get("/c/999999", Some(&anna)).await.text());
        assert!(text.contains("Dit gesprek bestaat niet"), "{b}: {text}");
        // The feedback page's own missing idea keeps its public page.
        let r = app.get("/ideeen/999999", Some(&anna)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(visible(&r.text()).contains("Idee niet gevonden"), "{b}");
        // In English once the agent chose English.
        app.store
            .set_agent_language(app.agent.id, "en")
            .await
            .unwrap();
        let text = visible(&app.get("/beheer", Some(&anna)).await.text());
        assert!(text.contains("Page not found"), "{b}: {text}");
        assert!(!text.contains("Pagina"), "{b}: {text}");
        // A visitor without a session: the public layout, Dutch unless they chose English.
        let r = app.get("/beheer", None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let html = r.text();
        assert!(html.contains("class=\"public-top\""), "{b}: {html}");
        assert!(visible(&html).contains("Pagina niet gevonden"), "{b}");
        let r = app.get_with_cookies("/beheer", "wederhoor_lang=en").await;
        assert!(visible(&r.text()).contains("Page not found"), "{b}");
        // A refused form (403 CSRF) is a page too, not a bare line.
        let r = app
            .post_form(
                "/c/1/note",
                Some(&app.login_as(&app.lead).await),
                &[("csrf", "wrong"), ("text", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert!(visible(&r.text()).contains("Geen toegang"), "{b}");
        // The router's own refusal (wrong method) becomes a page as well.
        let r = app.get("/c/1/reply", Some(&anna)).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{b}");
        assert!(visible(&r.text()).contains("Not allowed here"), "{b}");
    }
}

#[tokio::test]
async fn api_errors_are_json_even_when_the_router_or_an_extractor_refuses() {
    for app in spawn_apps().await {
        let b = app.backend;
        let bea = app.login_as(&app.admin).await;
        let send = |method: Method, path: &str, body: Body| {
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::COOKIE, format!("wederhoor_session={}", bea.cookie))
                .header("x-csrf-token", &bea.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .unwrap()
        };
        let cases = [
            (
                send(Method::GET, "/api/v1/nothing-here", Body::empty()),
                StatusCode::NOT_FOUND,
            ),
            // JSON of the wrong shape: 422.
            (
                send(
                    Method::POST,
                    "/api/v1/sources",
                    Body::from(r#"{"name": 5}"#),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // Not JSON at all: 400.
            (
                send(Method::POST, "/api/v1/sources", Body::from("{nope")),
                StatusCode::BAD_REQUEST,
            ),
            // A path that is not a number: 400.
            (
                send(Method::PUT, "/api/v1/sources/abc", Body::from("{}")),
                StatusCode::BAD_REQUEST,
            ),
            // Over the body limit: 413.
            (
                send(
                    Method::POST,
                    "/api/v1/sources",
                    Body::from(vec![b' '; 9 * 1024 * 1024]),
                ),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            // The wrong method: 405.
            (
                send(Method::DELETE, "/api/v1/ingest", Body::empty()),
                StatusCode::METHOD_NOT_ALLOWED,
            ),
        ];
        for (request, status) in cases {
            let what = format!("{} {}", request.method(), request.uri());
            let r = app.send(request).await;
            assert_eq!(r.status, status, "{b} {what}: {}", r.text());
            assert!(
                r.content_type().starts_with("application/json"),
                "{b} {what}: {}",
                r.content_type()
            );
            let body = r.json();
            assert!(
                body["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{b} {what}: {body}"
            );
            assert!(body["request_id"].as_str().is_some(), "{b} {what}: {body}");
        }
        // A handler's own JSON error keeps its words.
        let r = app.ingest_raw("[1, 2").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(r.json()["error"].as_str().unwrap().contains("JSON"), "{b}");
    }
}

#[tokio::test]
async fn counts_history_and_delivery_problems_read_as_words() {
    for app in spawn_apps().await {
        let b = app.backend;
        let anna = app.login_as(&app.agent).await;
        let id =
            first_conversation(&app, "s-1", "De spaarrente is weer omlaag gegaan, waarom?").await;
        let inbox = app.get("/inbox", Some(&anna)).await.text();
        let text = visible(&inbox);
        assert!(text.contains("1 bericht "), "{b}: {text}");
        assert!(!text.contains("1 berichten"), "{b}");
        // Topics by their label.
        assert!(text.contains("spaarrente"), "{b}: {text}");
        assert!(!text.contains("savings_interest"), "{b}: {text}");

        // Assign to the lead, close, reply; a delivery that failed twice.
        let lars = app.lead.id.0.to_string();
        for (path, fields) in [
            ("assign", vec![("owner", lars.as_str())]),
            ("state", vec![("state", "closed")]),
            (
                "reply",
                vec![("text", "We kijken ernaar, excuses voor het ongemak.")],
            ),
        ] {
            let mut all = vec![("csrf", anna.csrf.as_str())];
            all.extend(fields);
            let r = app
                .post_form(&format!("/c/{id}/{path}"), Some(&anna), &all)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b} {path}: {}", r.text());
        }
        let reply = app.detail(id).await.replies[0].id;
        app.store
            .mark_reply_failed(
                reply,
                "could not reach http://127.0.0.1:9/hook: error sending request for url (http://127.0.0.1:9/hook)",
                Some(0),
            )
            .await
            .unwrap();
        let html = app.get(&format!("/c/{id}"), Some(&anna)).await.text();
        let text = visible(&html);
        for words in [
            "Anna Agent wees het gesprek toe aan Lars Lead",
            "Anna Agent zette de status op gesloten",
            "Anna Agent zette een antwoord klaar voor verzending",
            "1 poging",
            "De ontvanger was niet bereikbaar.",
        ] {
            assert!(text.contains(words), "{b}: {words:?} in {text}");
        }
        for raw in [
            "case.assign",
            "case.state",
            "reply.queue",
            "agent ",
            "1 pogingen",
            "error sending request",
        ] {
            assert!(!text.contains(raw), "{b}: {raw:?} in {text}");
        }
        // The connector's own words stay available, folded away.
        assert!(html.contains("error sending request"), "{b}");
        app.store
            .mark_reply_failed(reply, "webhook answered HTTP 503", Some(0))
            .await
            .unwrap();
        let text = visible(&app.get(&format!("/c/{id}"), Some(&anna)).await.text());
        assert!(text.contains("2 pogingen"), "{b}: {text}");
        assert!(text.contains("(HTTP 503)"), "{b}: {text}");

        // English: the same in English words.
        app.store
            .set_agent_language(app.agent.id, "en")
            .await
            .unwrap();
        let text = visible(&app.get(&format!("/c/{id}"), Some(&anna)).await.text());
        assert!(
            text.contains("assigned the conversation to Lars Lead"),
            "{b}: {text}"
        );
        assert!(text.contains("2 attempts"), "{b}: {text}");
        assert!(text.contains("savings interest"), "{b}: {text}");
        let text = visible(&app.get("/inbox", Some(&anna)).await.text());
        assert!(text.contains("1 message "), "{b}: {text}");
    }
}

#[tokio::test]
async fn source_kinds_and_delivery_by_name() {
    for app in spawn_apps().await {
        let b = app.backend;
        app.store
            .create_source(&NewSource {
                kind: "twitter".into(),
                name: "Twitter Zuiderbank".into(),
                delivery_kind: wederhoor_core::DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let text = visible(&app.get("/bronnen", None).await.text());
        assert!(text.contains("Twitter Twitter Zuiderbank"), "{b}: {text}");
        let bea = app.login_as(&app.admin).await;
        let html = app.get("/admin/sources", Some(&bea)).await.text();
        assert!(html.contains("<td>handmatig"), "{b}");
        assert!(!html.contains("<td>manual"), "{b}");
    }
}

#[tokio::test]
async fn the_idea_list_shows_a_pinned_idea_once_and_names_colours_as_statuses_do() {
    for app in spawn_apps().await {
        let b = app.backend;
        let board = app
            .store
            .create_board(
                &NewBoard {
                    slug: "particulier".into(),
                    name_nl: "Particulier".into(),
                    name_en: "Personal".into(),
                    description_nl: String::new(),
                    description_en: String::new(),
                },
                None,
            )
            .await
            .unwrap();
        let mut ids: Vec<IdeaId> = Vec::new();
        for title in ["Donkere modus in de app", "Spaardoelen delen met partner"] {
            ids.push(
                app.store
                    .create_idea(&NewIdea {
                        board: board.id,
                        poster: Poster::Staff {
                            agent: app.lead.id,
                            name: "Lars Lead".into(),
                            department: None,
                        },
                        title: title.into(),
                        body: String::new(),
                        hidden: None,
                    })
                    .await
                    .unwrap(),
            );
        }
        app.store.pin_idea(ids[0], true, app.lead.id).await.unwrap();
        let html = app.get("/ideeen", None).await.text();
        assert_eq!(
            html.matches(&format!("id=\"idee-{}\"", ids[0].0)).count(),
            1,
            "{b}: the pinned idea once"
        );
        assert_eq!(
            html.matches(&format!("id=\"idee-{}\"", ids[1].0)).count(),
            1
        );
        let text = visible(&html);
        assert!(text.contains("0 reacties"), "{b}: {text}");
        let legend = html.split("class=\"legend\"").nth(1).unwrap();
        let legend = &legend[..legend.find("</p>").unwrap()];
        assert!(legend.contains("Wordt bekeken"), "{b}: {legend}");
        assert!(!legend.contains("In behandeling"), "{b}: {legend}");
    }
}

#[tokio::test]
async fn the_privacy_lookup_finds_a_handle_typed_without_its_at_sign_in_any_letter_case() {
    for app in spawn_apps().await {
        let b = app.backend;
        first_conversation(&app, "p-1", "Mijn rekening is dicht, wat nu?").await;
        let lars = app.login_as(&app.lead).await;
        let source = app.source.id.0.to_string();
        let nothing = "Er is niets opgeslagen over deze persoon.";
        // The networks treat handles without regard to letter case, and so does the lookup.
        for handle in ["@klant", "klant", "Klant", "%40KLANT"] {
            let text = visible(
                &app.get(
                    &format!("/privacy?source={source}&handle={handle}"),
                    Some(&lars),
                )
                .await
                .text(),
            );
            assert!(!text.contains(nothing), "{b} {handle}: {text}");
            assert!(text.contains("Mijn rekening is dicht"), "{b} {handle}");
        }
        let other = visible(
            &app.get(
                &format!("/privacy?source={source}&handle=klan"),
                Some(&lars),
            )
            .await
            .text(),
        );
        assert!(other.contains(nothing), "{b}: another handle finds nobody");
        // Erasing with the handle as typed erases the stored person.
        let r = app
            .post_form(
                "/privacy/erase",
                Some(&lars),
                &[
                    ("csrf", &lars.csrf),
                    ("source", &source),
                    ("handle", "KLANT"),
                    ("confirm", "@klant"),
                    ("reason", "verzoek van de klant"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(app.message_count().await, 0, "{b}");
    }
}

#[tokio::test]
async fn a_captured_post_keeps_its_authors_name_and_no_zero_followers() {
    for app in spawn_apps().await {
        let b = app.backend;
        let anna = app.login_as(&app.agent).await;
        let source = app.source.id.0.to_string();
        let r = app
            .post_form(
                "/capture",
                Some(&anna),
                &[
                    ("csrf", &anna.csrf),
                    ("source", &source),
                    ("url", "https://www.kassa.nl/forum/zuiderbank/123"),
                    ("author", "Jan de Vries"),
                    (
                        "text",
                        "De Zuiderbank rekent ineens kosten voor een tweede pas.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let case = r.location().unwrap().to_owned();
        let text = visible(&app.get(&case, Some(&anna)).await.text());
        assert!(text.contains("Jan de Vries"), "{b}: {text}");
        assert!(!text.contains("0 volgers"), "{b}: {text}");
        assert!(!text.contains("Jan de Vries Jan de Vries"), "{b}: {text}");
        // A known number of followers is shown, in the right form.
        first_conversation(&app, "f-1", "Waarom is de app traag vandaag?").await;
        let inbox = app.get("/inbox", Some(&anna)).await.text();
        let at = inbox.find("Klaas Klant").unwrap();
        let before = &inbox[..at];
        let start = before.rfind("href=\"").unwrap() + 6;
        let klaas = &before[start..start + before[start..].find('"').unwrap()];
        let text = visible(&app.get(klaas, Some(&anna)).await.text());
        assert!(text.contains("12 volgers"), "{b}: {text}");
    }
}

#[tokio::test]
async fn one_session_holds_at_most_three_live_streams() {
    for app in spawn_apps().await {
        let b = app.backend;
        let anna = app.login_as(&app.agent).await;
        let open = || async {
            let request = Request::builder()
                .uri("/events")
                .header(header::COOKIE, format!("wederhoor_session={}", anna.cookie))
                .body(Body::empty())
                .unwrap();
            let r = wederhoor_web::app(app.state.clone())
                .oneshot(request)
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{b}");
            r
        };
        let first = open().await;
        let mut rest = Vec::new();
        for _ in 0..3 {
            rest.push(open().await);
        }
        // The fourth stream of the session ended the first: it says so, then ends.
        let body = tokio::time::timeout(
            Duration::from_secs(30),
            axum::body::to_bytes(first.into_body(), 1 << 20),
        )
        .await
        .expect("the oldest stream was not ended")
        .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("event: replaced"), "{b}: {body}");
        // Another session is not affected by this one's cap.
        let lars = app.login_as(&app.lead).await;
        let request = Request::builder()
            .uri("/events")
            .header(header::COOKIE, format!("wederhoor_session={}", lars.cookie))
            .body(Body::empty())
            .unwrap();
        let other = wederhoor_web::app(app.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK);
        assert_eq!(app.state.presence.open_streams(), 4, "{b}");
        drop(rest);
        drop(other);
        // The ended streams leave the list once their pages are gone.
        let gone = async {
            while app.state.presence.open_streams() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), gone)
            .await
            .expect("closed streams stayed on the list");
    }
}
