//! The HTTP suite: the real router over a fresh store, every test against every store
//! (SQLite always, PostgreSQL when WEDERHOOR_TEST_PG is set).

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;
use wederhoor_core::{Action, CaseState, ConversationId, DeliveryKind, DeliveryState, Role};
use wederhoor_store::ConversationFilter;
use wederhoor_web::verify_password;

const IBAN: &str = "NL91ABNA0417164300";

/// A digit-free, fixed-width marker for message `i` (digits could look like personal data).
fn marker(i: usize) -> String {
    let a = (b'a' + (i / 26) as u8) as char;
    let b = (b'a' + (i % 26) as u8) as char;
    format!("zz{a}{b}zz")
}

/// `n` messages starting at `from`, each its own conversation, one minute apart (older first).
fn plain_batch(from: usize, n: usize) -> Value {
    let items: Vec<Value> = (from..from + n)
        .map(|i| {
            let mut m = msg(
                &format!("p{i}"),
                &format!("Hoe werkt de app {} eigenlijk?", marker(i)),
            );
            m["created_at"] = json!(format!("2026-03-01T{:02}:{:02}:00Z", 8 + i / 60, i % 60));
            m
        })
        .collect();
    Value::Array(items)
}

// ----- 1. ingest -----

#[tokio::test]
async fn ingest_stores_deduplicates_and_reports_per_item() {
    for t in spawn_apps().await {
        let b = t.backend;
        let text = "Mijn pas is geblokkeerd, wat moet ik doen?";
        let r = t.ingest(&msg("m1", text)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let report = r.json();
        assert_eq!(report["stored"], 1, "{b}: {report}");
        assert_eq!(report["duplicates"], 0, "{b}: {report}");
        assert_eq!(report["rejected"], 0, "{b}: {report}");
        let conv = conversation_of(&report["results"][0]);
        let first_message = report["results"][0]["message"].as_i64().unwrap();
        assert_eq!(t.message_count().await, 1, "{b}");
        let listed = t
            .store
            .list_conversations(&ConversationFilter::default(), 0, 50)
            .await
            .unwrap();
        assert_eq!(
            listed.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![conv],
            "{b}"
        );
        assert_eq!(listed[0].source_name, "Forum", "{b}");
        let detail = t.detail(conv).await;
        assert_eq!(detail.messages.len(), 1, "{b}");
        assert_eq!(detail.messages[0].external_id, "m1", "{b}");
        assert_eq!(detail.messages[0].text, text, "{b}");
        assert_eq!(
            detail.messages[0].author_handle.as_deref(),
            Some("@klant"),
            "{b}"
        );

        // The same message again: a duplicate pointing at the stored one; nothing new.
        let again = t.ingest_ok(&msg("m1", text)).await;
        assert_eq!(again["stored"], 0, "{b}: {again}");
        assert_eq!(again["duplicates"], 1, "{b}: {again}");
        assert_eq!(again["results"][0]["status"], "duplicate", "{b}: {again}");
        assert_eq!(
            again["results"][0]["message"], first_message,
            "{b}: {again}"
        );
        assert_eq!(t.message_count().await, 1, "{b}");

        // A batch with a bad item first and a good one second: 200, results in input order.
        let batch = json!([{ "id": "m2" }, msg("m3", "Waarom is de app zo traag vandaag?")]);
        let report = t.ingest_ok(&batch).await;
        assert_eq!(
            (report["stored"].as_i64(), report["rejected"].as_i64()),
            (Some(1), Some(1)),
            "{b}: {report}"
        );
        let results = report["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "{b}: {report}");
        assert_eq!(results[0]["status"], "rejected", "{b}: {report}");
        assert!(
            results[0]["error"].as_str().unwrap().contains("`text`"),
            "{b}: {report}"
        );
        assert_eq!(results[1]["status"], "stored", "{b}: {report}");
        assert_ne!(
            conversation_of(&results[1]),
            conv,
            "{b}: a new thread is a new conversation"
        );
        assert_eq!(t.message_count().await, 2, "{b}");
        assert_eq!(
            t.store.external_ids(t.source.id).await.unwrap(),
            vec!["m1", "m3"],
            "{b}"
        );
    }
}

#[tokio::test]
async fn refused_ingests_write_nothing() {
    for t in spawn_apps().await {
        let b = t.backend;
        t.ingest_ok(&msg("base", "Een gewone vraag over de app"))
            .await;
        let unchanged =
            |count: i64, what: &str| assert_eq!(count, 1, "{b}: {what} wrote something");

        // Malformed JSON.
        let r = t.ingest_raw(r#"{"id": "x1", "text": "#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: {}", r.text());
        assert!(
            r.content_type().starts_with("application/json"),
            "{b}: {}",
            r.content_type()
        );
        assert!(
            r.json()["error"].as_str().unwrap().contains("JSON"),
            "{b}: {}",
            r.text()
        );
        unchanged(t.message_count().await, "malformed JSON");

        // JSON that is neither an object nor an array.
        let r = t.ingest_raw(r#""just a string""#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: {}", r.text());
        unchanged(t.message_count().await, "a JSON string");

        // A single message without text: 422 naming the field.
        let r = t
            .ingest(&json!({ "id": "x2", "author": { "handle": "@a" } }))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            r.text()
        );
        assert!(
            r.json()["error"].as_str().unwrap().contains("`text`"),
            "{b}: {}",
            r.text()
        );
        unchanged(t.message_count().await, "missing text");

        // A text of 1 MiB: over the per-message limit (64 KiB), under the body limit (8 MiB).
        let big = "a".repeat(1024 * 1024);
        let r = t.ingest(&msg("x3", &big)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {:.200}",
            r.text()
        );
        let error = r.json()["error"].as_str().unwrap().to_owned();
        assert!(
            error.contains("`text`") && error.contains("limit"),
            "{b}: {error}"
        );
        unchanged(t.message_count().await, "a 1 MiB text");

        // Invalid UTF-8 in the body.
        let r = t
            .ingest_raw(b"{\"id\": \"x4\", \"text\": \"caf\xff\"}".to_vec())
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: {}", r.text());
        assert!(
            r.json()["error"].as_str().unwrap().contains("UTF-8"),
            "{b}: {}",
            r.text()
        );
        unchanged(t.message_count().await, "invalid UTF-8");

        // No token, an unknown token, another scheme: 401 with a JSON error.
        let good = msg("x5", "Een prima bericht");
        for auth in [
            None,
            Some("Bearer 00ff00ff"),
            Some("Bearer "),
            Some(&*format!("Basic {}", t.token)),
        ] {
            let mut request = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/ingest")
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(a) = auth {
                request = request.header(header::AUTHORIZATION, a);
            }
            let r = t
                .send(request.body(Body::from(good.to_string())).unwrap())
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{b}: {auth:?}: {}",
                r.text()
            );
            assert!(r.json()["error"].is_string(), "{b}: {auth:?}: {}", r.text());
            unchanged(t.message_count().await, "an unauthenticated ingest");
        }

        // 1001 good messages: too many for one request, and none of them is stored.
        let too_many: Vec<Value> = (0..1001)
            .map(|i| msg(&format!("big{i}"), "Een vraag over de app"))
            .collect();
        let r = t.ingest(&Value::Array(too_many)).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{b}: {}", r.text());
        assert!(
            r.json()["error"].as_str().unwrap().contains("1000"),
            "{b}: {}",
            r.text()
        );
        unchanged(t.message_count().await, "a batch of 1001");

        // Exactly 1000 is allowed.
        let max: Vec<Value> = (0..1000)
            .map(|i| msg(&format!("ok{i}"), "Een vraag over de app"))
            .collect();
        let report = t.ingest_ok(&Value::Array(max)).await;
        assert_eq!(report["stored"], 1000, "{b}");
        assert_eq!(t.message_count().await, 1001, "{b}");
    }
}

#[tokio::test]
async fn in_reply_to_threads_into_one_conversation() {
    for t in spawn_apps().await {
        let b = t.backend;
        let root = t
            .ingest_ok(&msg("t1", "Mijn betaling is niet aangekomen"))
            .await;
        let conv = conversation_of(&root["results"][0]);

        // Across requests.
        let mut answer = msg("t2", "Nog steeds niets ontvangen");
        answer["in_reply_to"] = json!("t1");
        let r = t.ingest_ok(&answer).await;
        assert_eq!(conversation_of(&r["results"][0]), conv, "{b}");

        // Within one batch, and a reply to an unknown parent starts its own conversation.
        let mut third = msg("t3", "Hallo? Iemand?");
        third["in_reply_to"] = json!("t2");
        let mut orphan = msg("o1", "Antwoord op iets onbekends");
        orphan["in_reply_to"] = json!("nooit-gezien");
        let r = t.ingest_ok(&json!([third, orphan])).await;
        assert_eq!(conversation_of(&r["results"][0]), conv, "{b}");
        assert_ne!(conversation_of(&r["results"][1]), conv, "{b}");

        let detail = t.detail(conv).await;
        assert_eq!(detail.summary.message_count, 3, "{b}");
        let ids: Vec<&str> = detail
            .messages
            .iter()
            .map(|m| m.external_id.as_str())
            .collect();
        assert_eq!(ids.len(), 3, "{b}");
        for id in ["t1", "t2", "t3"] {
            assert!(ids.contains(&id), "{b}: {ids:?}");
        }
        assert_eq!(t.message_count().await, 4, "{b}");
    }
}

// ----- 2. login, logout, CSRF -----

#[tokio::test]
async fn login_logout_and_csrf() {
    for t in spawn_apps().await {
        let b = t.backend;
        let page = t.get("/login", None).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let login_csrf = page
            .cookie_value("wederhoor_login_csrf")
            .expect("login csrf cookie");
        assert_eq!(login_csrf.len(), 64, "{b}: {login_csrf}");
        let form_csrf = attr_after(&page.text(), "name=\"csrf\"", "value").unwrap();
        assert_eq!(
            form_csrf, login_csrf,
            "{b}: the form carries the cookie's token"
        );

        let post_login = |cookie: Option<String>, csrf: String, password: &'static str| {
            let mut request = Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(c) = cookie {
                request = request.header(header::COOKIE, format!("wederhoor_login_csrf={c}"));
            }
            let body = form_body(&[
                ("username", "anna"),
                ("password", password),
                ("csrf", &csrf),
            ]);
            request.body(Body::from(body)).unwrap()
        };

        // Wrong password: 401, the form again, no session.
        let r = t
            .send(post_login(
                Some(login_csrf.clone()),
                login_csrf.clone(),
                "wrong password",
            ))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(
            r.set_cookie("wederhoor_session").is_none(),
            "{b}: {:?}",
            r.set_cookies()
        );
        assert!(
            r.text()
                .contains("Onbekende gebruikersnaam of verkeerd wachtwoord."),
            "{b}"
        );

        // Right password, but no CSRF cookie (and an empty token) or a token that does not match.
        for (cookie, csrf) in [
            (None, String::new()),
            (None, login_csrf.clone()),
            (Some(login_csrf.clone()), "f".repeat(64)),
            (Some(String::new()), String::new()),
        ] {
            let r = t
                .send(post_login(cookie.clone(), csrf.clone(), PASSWORD))
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{b}: cookie {cookie:?}, csrf {csrf:?}"
            );
            assert!(
                r.set_cookie("wederhoor_session").is_none(),
                "{b}: {:?}",
                r.set_cookies()
            );
        }

        // Right password and matching token: a session.
        let r = t
            .send(post_login(
                Some(login_csrf.clone()),
                login_csrf.clone(),
                PASSWORD,
            ))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(r.location(), Some("/inbox"), "{b}");
        let set = r.set_cookie("wederhoor_session").expect("session cookie");
        assert!(set.contains("; HttpOnly"), "{b}: {set}");
        assert!(set.contains("; SameSite=Lax"), "{b}: {set}");
        assert!(!set.contains("Secure"), "{b}: secure_cookies is off: {set}");
        let cookie = r.cookie_value("wederhoor_session").unwrap();
        assert!(!cookie.is_empty(), "{b}");

        // Without a cookie the inbox sends to the login page; with it, it renders.
        let r = t.get("/inbox", None).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some("/login")),
            "{b}"
        );
        let r = t
            .get(
                "/inbox",
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert!(html.contains("Anna Agent"), "{b}");
        let csrf = attr_after(&html, "<body", "data-csrf").unwrap();
        let session = Session {
            cookie: cookie.clone(),
            csrf: csrf.clone(),
        };
        assert_eq!(
            t.store.session(&cookie).await.unwrap().unwrap().csrf,
            csrf,
            "{b}: the page carries the session's CSRF token"
        );

        // Logout with the wrong token does nothing.
        let r = t
            .post_form("/logout", Some(&session), &[("csrf", "nope")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            t.get("/inbox", Some(&session)).await.status,
            StatusCode::OK,
            "{b}"
        );

        // Logout ends the session: the cookie is cleared and the old one no longer works.
        let r = t
            .post_form("/logout", Some(&session), &[("csrf", &csrf)])
            .await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some("/login")),
            "{b}"
        );
        let cleared = r.set_cookie("wederhoor_session").unwrap();
        assert!(
            cleared.starts_with("wederhoor_session=;") && cleared.contains("Max-Age=0"),
            "{b}: {cleared}"
        );
        let r = t.get("/inbox", Some(&session)).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some("/login")),
            "{b}"
        );
        assert!(t.store.session(&cookie).await.unwrap().is_none(), "{b}");
    }
}

#[tokio::test]
async fn forms_with_a_wrong_csrf_token_change_nothing() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t
            .ingest_ok(&msg("c1", "Mijn pas werkt niet in de winkel"))
            .await;
        let conv = conversation_of(&report["results"][0]);
        let s = t.login_as(&t.agent).await;
        let other = t.login_as(&t.lead).await;
        assert_ne!(s.csrf, other.csrf, "{b}");

        // Missing-but-present-empty, garbage, and another session's token.
        for bad in ["", "garbage", other.csrf.as_str()] {
            for (path, fields) in [
                (format!("/c/{conv}/note"), vec![("text", "een notitie")]),
                (format!("/c/{conv}/reply"), vec![("text", "een antwoord")]),
                (format!("/c/{conv}/assign"), vec![("owner", "me")]),
                (format!("/c/{conv}/state"), vec![("state", "closed")]),
                ("/language".to_owned(), vec![("lang", "en")]),
            ] {
                let mut fields = fields.clone();
                fields.push(("csrf", bad));
                let r = t.post_form(&path, Some(&s), &fields).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{b}: {path} with csrf {bad:?}"
                );
            }
        }
        let d = t.detail(conv).await;
        assert!(d.notes.is_empty() && d.replies.is_empty(), "{b}: {d:?}");
        assert_eq!(d.summary.owner_id, None, "{b}");
        assert_eq!(d.summary.state, CaseState::New, "{b}");
        assert_eq!(
            t.store.agent(t.agent.id).await.unwrap().unwrap().language,
            "nl",
            "{b}"
        );
        assert!(
            t.store
                .audit_of("conversation", conv.0)
                .await
                .unwrap()
                .is_empty(),
            "{b}"
        );

        // Marking a reply sent needs the token too.
        let r = t
            .post_form(
                &format!("/c/{conv}/reply"),
                Some(&s),
                &[("csrf", &s.csrf), ("text", "We kijken ernaar")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let reply = t.detail(conv).await.replies[0].id;
        let r = t
            .post_form(
                &format!("/replies/{reply}/sent"),
                Some(&s),
                &[("csrf", "garbage")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            t.detail(conv).await.replies[0].state,
            DeliveryState::Queued,
            "{b}"
        );
    }
}

// ----- 3. roles -----

#[tokio::test]
async fn every_route_refuses_the_wrong_role() {
    for t in spawn_apps().await {
        let b = t.backend;
        let agent = t.login_as(&t.agent).await;
        let lead = t.login_as(&t.lead).await;
        let admin = t.login_as(&t.admin).await;
        let new_agent = |s: &Session, username: &str| {
            vec![
                ("csrf", s.csrf.clone()),
                ("username", username.to_owned()),
                ("display_name", "Nieuwe Collega".to_owned()),
                ("role", "agent".to_owned()),
                ("password", "lang-genoeg-wachtwoord".to_owned()),
            ]
        };
        let new_source = |s: &Session, name: &str| {
            vec![
                ("csrf", s.csrf.clone()),
                ("name", name.to_owned()),
                ("kind", "webhook".to_owned()),
            ]
        };
        let post = |path: &'static str, s: &Session, fields: Vec<(&'static str, String)>| {
            let s = s.clone();
            let t = &t;
            async move {
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.post_form(path, Some(&s), &fields).await
            }
        };
        let agents_before = t.store.list_agents().await.unwrap().len();
        let sources_before = t.store.list_sources().await.unwrap().len();

        // An agent: no admin page, no admin actions, no re-triage (even with a valid token).
        assert_eq!(
            t.get("/admin", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let r = post("/admin/agents", &agent, new_agent(&agent, "door.agent")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = post("/admin/sources", &agent, new_source(&agent, "Door agent")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = post(
            "/admin/retriage",
            &agent,
            vec![("csrf", agent.csrf.clone())],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");

        // A lead: sees the admin page and may re-triage, but adds no agents or sources.
        let r = t.get("/admin", Some(&lead)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(
            !r.text().contains("action=\"/admin/agents\""),
            "{b}: the lead gets no add-agent form"
        );
        let r = post("/admin/agents", &lead, new_agent(&lead, "door.lead")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = post("/admin/sources", &lead, new_source(&lead, "Door lead")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = post("/admin/retriage", &lead, vec![("csrf", lead.csrf.clone())]).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");

        assert_eq!(
            t.store.list_agents().await.unwrap().len(),
            agents_before,
            "{b}"
        );
        assert_eq!(
            t.store.list_sources().await.unwrap().len(),
            sources_before,
            "{b}"
        );
        assert!(
            t.store
                .agent_for_login("door.agent")
                .await
                .unwrap()
                .is_none(),
            "{b}"
        );
        assert!(
            t.store
                .agent_for_login("door.lead")
                .await
                .unwrap()
                .is_none(),
            "{b}"
        );

        // An admin adds an agent, who can then log in with that password.
        let r = t.get("/admin", Some(&admin)).await;
        assert!(r.text().contains("action=\"/admin/agents\""), "{b}");
        let r = post("/admin/agents", &admin, new_agent(&admin, "nieuw.agent")).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(r.text().contains("+ nieuw.agent"), "{b}");
        let (created, hash) = t
            .store
            .agent_for_login("nieuw.agent")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(created.role, Role::Agent, "{b}");
        assert_eq!(created.display_name, "Nieuwe Collega", "{b}");
        assert!(verify_password("lang-genoeg-wachtwoord", &hash), "{b}");
        assert_eq!(
            t.store.list_agents().await.unwrap().len(),
            agents_before + 1,
            "{b}"
        );
        // …but not twice, and not with a short password.
        let r = post("/admin/agents", &admin, new_agent(&admin, "nieuw.agent")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let mut short = new_agent(&admin, "kort");
        short[4].1 = "kort".into();
        assert_eq!(
            post("/admin/agents", &admin, short).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        assert_eq!(
            t.store.list_agents().await.unwrap().len(),
            agents_before + 1,
            "{b}"
        );

        // An admin adds a source; its token (shown once) ingests into that source.
        let r = post("/admin/sources", &admin, new_source(&admin, "Webchat")).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        let start = html.find("<code id=\"new-token\">").unwrap() + "<code id=\"new-token\">".len();
        let token = html[start..start + 64].to_owned();
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/ingest")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(msg("w1", "Hallo via de webchat").to_string()))
            .unwrap();
        let r = t.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let conv = conversation_of(&r.json()["results"][0]);
        assert_eq!(t.detail(conv).await.summary.source_name, "Webchat", "{b}");

        // Without a session: HTML routes redirect, the JSON API answers 401 in JSON.
        let r = t.get("/admin", None).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some("/login")),
            "{b}"
        );
        let r = t.get("/api/v1/conversations", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(r.location().is_none(), "{b}");
        assert!(
            r.content_type().starts_with("application/json"),
            "{b}: {}",
            r.content_type()
        );
        assert!(r.json()["error"].is_string(), "{b}");
        let r = t.get("/api/v1/conversations", Some(&agent)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert_eq!(
            r.json()["conversations"].as_array().unwrap().len(),
            1,
            "{b}"
        );
    }
}

// ----- 4. inbox -----

#[tokio::test]
async fn inbox_escapes_snippets_and_filters_by_verdict() {
    for t in spawn_apps().await {
        let b = t.backend;
        let mut items: Vec<Value> = plain_batch(0, 25).as_array().unwrap().clone();
        for i in 0..4 {
            items.push(msg(
                &format!("iban{i}"),
                &format!("Stort het terug op {IBAN} graag {}", marker(100 + i)),
            ));
        }
        items.push(msg("xss", "Kijk hier <script>alert(1)</script> eens naar"));
        let report = t.ingest_ok(&Value::Array(items)).await;
        assert_eq!(report["stored"], 30, "{b}");
        let s = t.login_as(&t.agent).await;

        let r = t.get("/inbox", Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert_eq!(inbox_rows(&html), 30, "{b}");
        assert!(
            html.contains("<span class=\"count\">30</span>"),
            "{b}: the 'all' tab counts 30"
        );
        assert!(
            !html.contains("<script>alert(1)"),
            "{b}: raw script tag in the page"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{b}: escaped snippet missing"
        );
        for i in 0..25 {
            assert!(html.contains(&marker(i)), "{b}: snippet {i} missing");
        }

        // Personal data makes a message `private`; the filter shows only those four.
        let r = t.get("/inbox?verdict=private", Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert_eq!(inbox_rows(&html), 4, "{b}");
        assert_eq!(
            html.matches("<span class=\"badge v-private\">").count(),
            4,
            "{b}"
        );
        assert_eq!(
            html.matches("<span class=\"badge v-").count(),
            4,
            "{b}: only private rows"
        );
        for i in 0..4 {
            assert!(
                html.contains(&marker(100 + i)),
                "{b}: private snippet {i} missing"
            );
        }
        assert!(
            !html.contains(&marker(0)) && !html.contains("alert(1)"),
            "{b}: a non-private row shows"
        );

        // The JSON API agrees.
        let r = t
            .get("/api/v1/conversations?verdict=private", Some(&s))
            .await;
        let list = r.json()["conversations"].as_array().unwrap().clone();
        assert_eq!(list.len(), 4, "{b}");
        assert!(list.iter().all(|c| c["verdict"] == "private"), "{b}");

        // A state filter with nothing in it, and a bad filter value.
        let r = t.get("/inbox?state=closed", Some(&s)).await;
        assert_eq!(inbox_rows(&r.text()), 0, "{b}");
        let r = t.get("/inbox?verdict=bogus", Some(&s)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
    }
}

#[tokio::test]
async fn inbox_pages_by_fifty() {
    for t in spawn_apps().await {
        let b = t.backend;
        t.ingest_ok(&plain_batch(0, 55)).await;
        let s = t.login_as(&t.agent).await;

        // Newest first: page 1 holds messages 54..=5, page 2 the five oldest.
        let one = t.get("/inbox", Some(&s)).await.text();
        assert_eq!(inbox_rows(&one), 50, "{b}");
        assert!(
            one.contains("rel=\"next\"") && !one.contains("rel=\"prev\""),
            "{b}"
        );
        assert!(one.contains("href=\"/inbox?page=2\" rel=\"next\""), "{b}");
        assert!(
            one.contains(&marker(54)) && one.contains(&marker(5)) && !one.contains(&marker(4)),
            "{b}"
        );

        let two = t.get("/inbox?page=2", Some(&s)).await.text();
        assert_eq!(inbox_rows(&two), 5, "{b}");
        assert!(
            two.contains("rel=\"prev\"") && !two.contains("rel=\"next\""),
            "{b}"
        );
        for i in 0..5 {
            assert!(
                two.contains(&marker(i)),
                "{b}: oldest message {i} not on page 2"
            );
        }
        assert!(!two.contains(&marker(5)), "{b}");

        // The fragment the live list reloads pages the same way.
        let frag = t.get("/inbox?page=2&fragment=list", Some(&s)).await.text();
        assert_eq!(inbox_rows(&frag), 5, "{b}");
        assert!(!frag.contains("<html"), "{b}");
    }
}

#[tokio::test]
async fn inbox_runs_the_same_queries_for_5_and_60_conversations() {
    for t in spawn_apps().await {
        let b = t.backend;
        let s = t.login_as(&t.agent).await;
        let (t, s) = (&t, &s);
        let measure = || async move {
            let before = t.store.query_count();
            let r = t.get("/inbox", Some(s)).await;
            let after = t.store.query_count();
            assert_eq!(r.status, StatusCode::OK, "{b}");
            (after - before, inbox_rows(&r.text()))
        };
        t.ingest_ok(&plain_batch(0, 5)).await;
        let (few, rows) = measure().await;
        assert_eq!(rows, 5, "{b}");
        t.ingest_ok(&plain_batch(5, 55)).await;
        let (many, rows) = measure().await;
        assert_eq!(rows, 50, "{b}");
        assert_eq!(
            few, many,
            "{b}: the inbox query count grows with the conversations"
        );
        assert!(few <= 6, "{b}: {few} queries for one inbox page");
    }
}

// ----- 5. conversation actions -----

#[tokio::test]
async fn reply_note_assign_state_and_mark_sent() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t
            .ingest_ok(&json!([
                msg("a1", "Mijn pas werkt niet in de winkel, wat moet ik doen?"),
                msg("a2", "Waarom duurt het overmaken zo lang?"),
            ]))
            .await;
        let conv = conversation_of(&report["results"][0]);
        let conv2 = conversation_of(&report["results"][1]);
        let s = t.login_as(&t.agent).await;
        let post = |path: String, fields: Vec<(&'static str, String)>| {
            let s = s.clone();
            let t = &t;
            async move {
                let mut all: Vec<(&str, &str)> = vec![("csrf", s.csrf.as_str())];
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                t.post_form(&path, Some(&s), &all).await
            }
        };

        // A reply goes to the outbox, queued for manual delivery; the case waits, owned by us.
        let r = post(
            format!("/c/{conv}/reply"),
            vec![("text", "Vervelend! We helpen je graag.".into())],
        )
        .await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some(&*format!("/c/{conv}"))),
            "{b}"
        );
        let d = t.detail(conv).await;
        assert_eq!(d.replies.len(), 1, "{b}");
        let reply = &d.replies[0];
        assert_eq!(reply.text, "Vervelend! We helpen je graag.", "{b}");
        assert_eq!(reply.state, DeliveryState::Queued, "{b}");
        assert_eq!(reply.delivery_kind, DeliveryKind::Manual, "{b}");
        assert_eq!(reply.agent_name, "Anna Agent", "{b}");
        assert_eq!(d.summary.state, CaseState::Waiting, "{b}");
        assert_eq!(d.summary.owner_id, Some(t.agent.id), "{b}");
        let reply_id = reply.id;

        // An IBAN in a public reply is refused and nothing is queued.
        let r = post(
            format!("/c/{conv}/reply"),
            vec![("text", format!("Maak het over naar {IBAN}"))],
        )
        .await;
        // The page comes back with the message and the agent's text still in the composer.
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(t.detail(conv).await.replies.len(), 1, "{b}");
        let page = r.text();
        assert!(
            page.contains("wordt openbaar geplaatst en bevat persoonsgegevens"),
            "{b}"
        );
        assert!(
            page.contains(&format!("Maak het over naar {IBAN}</textarea>")),
            "{b}"
        );

        // An empty reply is refused too.
        let r = post(format!("/c/{conv}/reply"), vec![("text", "   ".into())]).await;
        assert_eq!(
            r.location(),
            Some(&*format!("/c/{conv}?error=empty_text#composer")),
            "{b}"
        );
        assert_eq!(t.detail(conv).await.replies.len(), 1, "{b}");

        // A private case does not change that: this source (a generic webhook source) is not
        // known to be private, so its replies count as public. The case stays private.
        let r = post(
            format!("/c/{conv}/state"),
            vec![("state", "private".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = post(
            format!("/c/{conv}/reply"),
            vec![("text", format!("Maak het over naar {IBAN}"))],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let d = t.detail(conv).await;
        assert_eq!(d.replies.len(), 1, "{b}");
        assert_eq!(d.summary.state, CaseState::Private, "{b}");

        // A note.
        let r = post(
            format!("/c/{conv}/note"),
            vec![("text", "Klant gebeld, pas <nieuw> besteld".into())],
        )
        .await;
        assert_eq!(r.location(), Some(&*format!("/c/{conv}")), "{b}");
        let d = t.detail(conv).await;
        assert_eq!(d.notes.len(), 1, "{b}");
        assert_eq!(d.notes[0].text, "Klant gebeld, pas <nieuw> besteld", "{b}");
        assert_eq!(d.notes[0].agent_name, "Anna Agent", "{b}");

        // The conversation page shows the reply, the note (escaped) and a "mark sent" form.
        let page = t.get(&format!("/c/{conv}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains("Vervelend! We helpen je graag."), "{b}");
        assert!(
            html.contains("Klant gebeld, pas &lt;nieuw&gt; besteld"),
            "{b}"
        );
        assert!(
            html.contains(&format!("action=\"/replies/{reply_id}/sent\"")),
            "{b}"
        );
        assert!(html.contains("<option value=\"private\" selected>"), "{b}");
        for action in ["reply.queue", "note.add", "case.state"] {
            assert!(html.contains(action), "{b}: history lacks {action}");
        }

        // Assign the other conversation to me, then close it.
        assert_eq!(t.detail(conv2).await.summary.owner_id, None, "{b}");
        let r = post(format!("/c/{conv2}/assign"), vec![("owner", "me".into())]).await;
        assert_eq!(r.location(), Some(&*format!("/c/{conv2}")), "{b}");
        let d = t.detail(conv2).await;
        assert_eq!(d.summary.owner_id, Some(t.agent.id), "{b}");
        assert_eq!(
            d.summary.state,
            CaseState::Open,
            "{b}: assigning opens a new case"
        );
        let r = post(
            format!("/c/{conv2}/state"),
            vec![("state", "closed".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            t.detail(conv2).await.summary.state,
            CaseState::Closed,
            "{b}"
        );
        let html = t.get(&format!("/c/{conv2}"), Some(&s)).await.text();
        assert!(
            html.contains("<dd id=\"case-owner\">Anna Agent</dd>"),
            "{b}"
        );
        assert!(html.contains("<dd id=\"case-state\">gesloten</dd>"), "{b}");
        assert!(html.contains("<option value=\"closed\" selected>"), "{b}");
        assert!(html.contains("case.assign"), "{b}");

        // Bad values are refused.
        let r = post(
            format!("/c/{conv2}/state"),
            vec![("state", "gesloten".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        let r = post(
            format!("/c/{conv2}/assign"),
            vec![("owner", "999999".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(
            t.detail(conv2).await.summary.owner_id,
            Some(t.agent.id),
            "{b}"
        );
        let r = post("/c/999999/reply".into(), vec![("text", "Hallo".into())]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(
            t.get("/c/999999", Some(&s)).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // Marking the manual reply sent.
        let r = post(format!("/replies/{reply_id}/sent"), vec![]).await;
        assert_eq!(r.location(), Some(&*format!("/c/{conv}")), "{b}");
        let d = t.detail(conv).await;
        let sent = d.replies.iter().find(|r| r.id == reply_id).unwrap();
        assert_eq!(sent.state, DeliveryState::Sent, "{b}");
        assert!(sent.sent_at.is_some(), "{b}");
        let html = t.get(&format!("/c/{conv}"), Some(&s)).await.text();
        assert!(
            !html.contains(&format!("action=\"/replies/{reply_id}/sent\"")),
            "{b}"
        );
        // Not twice.
        let r = post(format!("/replies/{reply_id}/sent"), vec![]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
    }
}

// ----- 6. health, metrics, OpenAPI -----

#[tokio::test]
async fn health_metrics_and_openapi() {
    for t in spawn_apps().await {
        let b = t.backend;
        let r = t.get("/healthz", None).await;
        assert_eq!(
            (r.status, r.text()),
            (StatusCode::OK, "ok".to_owned()),
            "{b}"
        );
        let r = t.get("/readyz", None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(r.json()["status"], "ready", "{b}");
        assert_eq!(r.json()["store"], "ok", "{b}");

        // 3 stored, then 1 duplicate + 1 stored + 1 rejected, then a refused single message.
        t.ingest_ok(&json!([
            msg("k1", "Een"),
            msg("k2", "Twee"),
            msg("k3", "Drie")
        ]))
        .await;
        t.ingest_ok(&json!([msg("k1", "Een"), msg("k4", "Vier"), { "id": "k5" }]))
            .await;
        assert_eq!(
            t.ingest(&json!({ "id": "k6" })).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        let r = t.get("/metrics", Some(&t.login_as(&t.lead).await)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.content_type().starts_with("text/plain"), "{b}");
        let body = r.text();
        let lines: Vec<&str> = body.lines().collect();
        for want in [
            "wederhoor_ingest_messages_total{result=\"stored\"} 4",
            "wederhoor_ingest_messages_total{result=\"duplicate\"} 1",
            "wederhoor_ingest_messages_total{result=\"rejected\"} 2",
            "wederhoor_replies_queued_total 0",
        ] {
            assert!(lines.contains(&want), "{b}: no line {want:?} in\n{body}");
        }

        let r = t.get("/api/v1/openapi.json", None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.content_type().starts_with("application/json"), "{b}");
        let doc = r.json();
        assert!(doc["paths"]["/api/v1/ingest"]["post"].is_object(), "{b}");
        assert!(
            doc["paths"]["/api/v1/webhook/{source_id}"]["post"].is_object(),
            "{b}"
        );
        assert!(
            doc["paths"]["/api/v1/conversations"]["get"].is_object(),
            "{b}"
        );

        assert_eq!(
            t.get("/static/app.css", None).await.status,
            StatusCode::OK,
            "{b}"
        );
        assert_eq!(
            t.get("/static/secret.txt", None).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}

// ----- 7. live events -----

#[tokio::test]
async fn ingest_publishes_live_events() {
    for t in spawn_apps().await {
        let b = t.backend;
        let mut rx = t.state.events.subscribe();
        let report = t.ingest_ok(&msg("l1", "Is de app stuk?")).await;
        let conv = conversation_of(&report["results"][0]);
        let event = rx.try_recv().unwrap();
        assert_eq!((event.kind, event.conversation), ("message", conv), "{b}");
        assert!(rx.try_recv().is_err(), "{b}: one message, one event");

        // A duplicate announces nothing; two messages of one thread announce it once.
        t.ingest_ok(&msg("l1", "Is de app stuk?")).await;
        assert!(rx.try_recv().is_err(), "{b}: a duplicate was announced");
        let mut a = msg("l2", "Hij doet het nog steeds niet");
        a["in_reply_to"] = json!("l1");
        let mut c = msg("l3", "Hallo??");
        c["in_reply_to"] = json!("l2");
        t.ingest_ok(&json!([a, c])).await;
        let event = rx.try_recv().unwrap();
        assert_eq!((event.kind, event.conversation), ("message", conv), "{b}");
        assert!(rx.try_recv().is_err(), "{b}: one conversation, one event");

        // A reply is announced as well.
        let s = t.login_as(&t.agent).await;
        t.post_form(
            &format!("/c/{conv}/reply"),
            Some(&s),
            &[("csrf", &s.csrf), ("text", "We kijken!")],
        )
        .await;
        let event = rx.try_recv().unwrap();
        assert_eq!((event.kind, event.conversation), ("reply", conv), "{b}");
    }
}

#[tokio::test]
async fn event_stream_sends_new_messages() {
    for t in spawn_apps().await {
        let b = t.backend;
        let r = t.get("/events", None).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some("/login")),
            "{b}"
        );

        let s = t.login_as(&t.agent).await;
        let request = Request::builder()
            .uri("/events")
            .header(header::COOKIE, format!("wederhoor_session={}", s.cookie))
            .body(Body::empty())
            .unwrap();
        let response = wederhoor_web_app(&t).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{b}");
        let ct = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(ct.starts_with("text/event-stream"), "{b}: {ct}");
        let mut stream = response.into_body().into_data_stream();

        let report = t
            .ingest_ok(&msg("e1", "Werkt internetbankieren vandaag?"))
            .await;
        let conv: ConversationId = conversation_of(&report["results"][0]);
        let mut seen = String::new();
        let want = format!("\"kind\":\"message\",\"conversation\":{conv}");
        while !seen.contains(&want) {
            let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .unwrap_or_else(|_| panic!("{b}: no event within 10 s; got {seen:?}"))
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(seen.contains("event: change"), "{b}: {seen}");
    }
}

fn wederhoor_web_app(t: &TestApp) -> axum::Router {
    wederhoor_web::app(t.state.clone())
}

/// Sanity of the helpers the suite leans on (a wrong helper would make other tests vacuous).
#[test]
fn helpers_encode_and_extract() {
    assert_eq!(
        form_body(&[("a b", "x&y=z"), ("c", "ü")]),
        "a%20b=x%26y%3Dz&c=%C3%BC"
    );
    assert_eq!(
        inbox_rows("<tr class=\"conv state-new\"><tr class=\"conv state-open\">"),
        2
    );
    assert_eq!(
        attr_after("<i x=\"1\"><body data-csrf=\"abc\">", "<body", "data-csrf").as_deref(),
        Some("abc")
    );
    assert_ne!(marker(0), marker(26));
    assert!(Action::ALL.iter().any(|a| a.as_str() == "private"));
}

// ----- found while testing -----

#[tokio::test]
async fn form_redirects_stay_on_this_site() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t.ingest_ok(&msg("r1", "Een vraag over de app")).await;
        let conv = conversation_of(&report["results"][0]);
        let s = t.login_as(&t.agent).await;
        let back = |r: &TestResponse| r.location().map(str::to_owned);

        let r = t
            .post_form(
                "/language",
                Some(&s),
                &[("csrf", &s.csrf), ("lang", "en"), ("back", "/c/1?x=y")],
            )
            .await;
        assert_eq!(
            (r.status, back(&r).as_deref()),
            (StatusCode::SEE_OTHER, Some("/c/1?x=y")),
            "{b}"
        );
        assert_eq!(
            t.store.agent(t.agent.id).await.unwrap().unwrap().language,
            "en",
            "{b}"
        );
        // Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil.example".
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil",
        ] {
            let r = t
                .post_form(
                    "/language",
                    Some(&s),
                    &[("csrf", &s.csrf), ("lang", "nl"), ("back", evil)],
                )
                .await;
            assert_eq!(
                (r.status, back(&r).as_deref()),
                (StatusCode::SEE_OTHER, Some("/inbox")),
                "{b}: back={evil:?}"
            );
            let r = t
                .post_form(
                    &format!("/c/{conv}/state"),
                    Some(&s),
                    &[("csrf", &s.csrf), ("state", "open"), ("back", evil)],
                )
                .await;
            assert_eq!(
                (r.status, back(&r).as_deref()),
                (StatusCode::SEE_OTHER, Some("/inbox")),
                "{b}: back={evil:?}"
            );
        }
    }
}

#[tokio::test]
async fn absurd_page_numbers_are_an_empty_page() {
    for t in spawn_apps().await {
        let b = t.backend;
        t.ingest_ok(&plain_batch(0, 3)).await;
        let s = t.login_as(&t.agent).await;
        for page in ["0", "-5"] {
            let r = t.get(&format!("/inbox?page={page}"), Some(&s)).await;
            assert_eq!(r.status, StatusCode::OK, "{b}: page {page}");
            assert_eq!(inbox_rows(&r.text()), 3, "{b}: page {page} is page 1");
        }
        let huge = i64::MAX.to_string();
        let r = t.get(&format!("/inbox?page={huge}"), Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(inbox_rows(&r.text()), 0, "{b}");
        let r = t
            .get(&format!("/api/v1/conversations?page={huge}"), Some(&s))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(
            r.json()["conversations"].as_array().map(Vec::len),
            Some(0),
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_too_long_reply_says_so() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t.ingest_ok(&msg("q1", "Een vraag over de app")).await;
        let conv = conversation_of(&report["results"][0]);
        let s = t.login_as(&t.agent).await;
        let long = "a".repeat(10_001);
        let r = t
            .post_form(
                &format!("/c/{conv}/reply"),
                Some(&s),
                &[("csrf", &s.csrf), ("text", &long)],
            )
            .await;
        assert_eq!(
            r.location(),
            Some(&*format!("/c/{conv}?error=text_too_long#composer")),
            "{b}"
        );
        assert!(t.detail(conv).await.replies.is_empty(), "{b}");
        let page = t
            .get(&format!("/c/{conv}?error=text_too_long"), Some(&s))
            .await
            .text();
        assert!(page.contains("id=\"form-error\">Tekst is te lang"), "{b}");
        // Exactly at the limit is fine.
        let max = "a".repeat(10_000);
        let r = t
            .post_form(
                &format!("/c/{conv}/note"),
                Some(&s),
                &[("csrf", &s.csrf), ("text", &max)],
            )
            .await;
        assert_eq!(r.location(), Some(&*format!("/c/{conv}")), "{b}");
        assert_eq!(t.detail(conv).await.notes.len(), 1, "{b}");
    }
}

#[tokio::test]
async fn the_conversation_shows_messages_edited_or_deleted_by_their_author() {
    for t in spawn_apps().await {
        let report = t.ingest_ok(&msg("ed-1", "Mijn pas werkt niet")).await;
        let conversation = conversation_of(&report["results"][0]);
        let session = t.login_as(&t.agent).await;
        let page = t
            .get(&format!("/c/{}", conversation.0), Some(&session))
            .await
            .text();
        assert!(!page.contains("bewerkt door de auteur"), "{}", t.backend);
        let triage = wederhoor_web::triage_message(
            &wederhoor_triage::Engine::default_engine(),
            &wederhoor_core::IncomingMessage {
                id: Some("ed-1".into()),
                text: Some("Mijn pas werkt weer".into()),
                ..Default::default()
            }
            .parse(jiff::Timestamp::now())
            .unwrap(),
            "Forum",
            false,
        );
        t.store
            .edit_message(t.source.id, "ed-1", "Mijn pas werkt weer", &triage, None)
            .await
            .unwrap();
        t.store
            .mark_message_deleted(t.source.id, "ed-1")
            .await
            .unwrap();
        let page = t
            .get(&format!("/c/{}", conversation.0), Some(&session))
            .await
            .text();
        assert!(page.contains("Mijn pas werkt weer"), "{}", t.backend);
        assert!(page.contains("bewerkt door de auteur"));
        assert!(page.contains("verwijderd door de auteur"));
    }
}

#[tokio::test]
async fn inbox_sorts_by_priority_and_waiting_time_and_names_priorities_in_words() {
    for t in spawn_apps().await {
        let b = t.backend;
        let hours_ago = |h: i64| {
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_hours(h))
                .unwrap()
                .to_string()
        };
        let at = |mut m: Value, h: i64| {
            m["created_at"] = json!(hours_ago(h));
            m
        };
        let report = t
            .ingest_ok(&json!([
                // Oldest, normal priority, answered below.
                at(msg("o1", "Mijn pas werkt niet in de winkel"), 3),
                // Personal data: high priority.
                at(msg("o2", &format!("@zuiderbank mijn rekening is {IBAN}, waar blijft mijn geld?")), 2),
                // Phishing: urgent, and the newest.
                at(msg("o3", "Pas op: sms van 'Zuiderbank' dat je pas verloopt, verifieer via zuiderbank-verificatie.nl. Phishing!"), 1),
            ]))
            .await;
        let [normal, high, urgent] = [0, 1, 2].map(|i| conversation_of(&report["results"][i]));
        for (conv, priority) in [(normal, 1), (high, 2), (urgent, 3)] {
            let summary = t.store.conversation_summary(conv).await.unwrap().unwrap();
            assert_eq!(summary.priority, priority, "{b}: {summary:?}");
        }
        let s = t.login_as(&t.agent).await;
        let r = t
            .post_form(
                &format!("/c/{normal}/reply"),
                Some(&s),
                &[("csrf", &s.csrf), ("text", "We kijken ernaar")],
            )
            .await;
        assert!(r.status.is_redirection(), "{b}: {}", r.status);

        let order = |html: &str| {
            let mut rows: Vec<(usize, ConversationId)> = [normal, high, urgent]
                .iter()
                .map(|c| (html.find(&format!("data-id=\"{c}\"")).unwrap(), *c))
                .collect();
            rows.sort();
            rows.into_iter().map(|(_, c)| c).collect::<Vec<_>>()
        };
        let mut counts = Vec::new();
        for (sort, expected) in [
            ("", vec![urgent, high, normal]),
            ("newest", vec![urgent, high, normal]),
            ("priority", vec![urgent, high, normal]),
            // Waiting longest first; the answered one last.
            ("waiting", vec![high, urgent, normal]),
        ] {
            let before = t.store.query_count();
            let r = t.get(&format!("/inbox?sort={sort}"), Some(&s)).await;
            counts.push(t.store.query_count() - before);
            assert_eq!(r.status, StatusCode::OK, "{b}: {sort}");
            let html = r.text();
            assert_eq!(order(&html), expected, "{b}: sort={sort}");
            // The list fragment and the pager keep the order.
            if !sort.is_empty() {
                let list_url = attr_after(&html, "data-page=\"inbox\"", "data-list-url").unwrap();
                assert!(
                    list_url.contains(&format!("sort={sort}")),
                    "{b}: {list_url}"
                );
                assert!(
                    html.contains(&format!("<option value=\"{sort}\" selected>")),
                    "{b}: {sort}"
                );
            }
        }
        assert!(counts.windows(2).all(|w| w[0] == w[1]), "{b}: {counts:?}");
        // Priority reads as a word, in the agent's language.
        let html = t.get("/inbox?sort=priority", Some(&s)).await.text();
        assert!(
            html.contains(">urgent</span>") && html.contains(">hoog</span>"),
            "{b}"
        );
        assert!(!html.contains(">P3<") && !html.contains(">P2<"), "{b}");
        let thread = t.get(&format!("/c/{high}"), Some(&s)).await.text();
        assert!(thread.contains("Prioriteit: hoog"), "{b}");
        t.store.set_agent_language(t.agent.id, "en").await.unwrap();
        let html = t.get("/inbox?sort=priority", Some(&s)).await.text();
        assert!(
            html.contains(">urgent</span>") && html.contains(">high</span>"),
            "{b}"
        );
        let thread = t.get(&format!("/c/{normal}"), Some(&s)).await.text();
        assert!(thread.contains("Priority: normal"), "{b}");
        // An unknown order is refused.
        assert_eq!(
            t.get("/inbox?sort=random", Some(&s)).await.status,
            StatusCode::BAD_REQUEST,
            "{b}"
        );
    }
}
