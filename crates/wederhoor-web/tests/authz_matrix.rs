#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The authorisation matrix: every route of the real router (listed by `route_paths`, its
//! methods read from the router's own `405 Allow` answer) × anonymous, customer, agent,
//! specialist, lead and admin, with the status each must get. A route added without an entry
//! here, or an entry for a route that is gone, fails the test.
//!
//! Each request carries a valid CSRF token and an otherwise empty body, so a role that may use
//! a route gets past authorisation and is stopped by validation (422, 400) or answered; a role
//! that may not gets 303 to a login page, 401 or 403. Every request uses a fresh session, so a
//! logout or an account deletion does not change the next row.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use common::{PASSWORD, TestApp, VISITOR_CSRF, msg, spawn_app};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use tower::ServiceExt;
use wederhoor_core::Role;
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::{NewAccount, NewAgent, NewBoard, NewIdea, NewMail, Poster};
use wederhoor_web::{hash_password, route_paths};

/// Columns: anonymous, customer, agent, specialist, lead, admin.
const ROLES: [&str; 6] = [
    "anonymous",
    "customer",
    "agent",
    "specialist",
    "lead",
    "admin",
];

/// `(method, route, [status per role])`. Path parameters are sent as `1` (the first
/// conversation, source, idea...), `{file}` as `app.css`.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [u16; 6])] = &[
//   method  route                                     anon customer agent spec lead admin
    ("DELETE", "/api/v1/sources/{id}", [401, 401, 403, 403, 403, 404]),
    ("GET", "/", [303, 303, 303, 303, 303, 303]),
    ("GET", "/account", [303, 200, 303, 303, 303, 303]),
    ("GET", "/account/bevestigen", [400, 400, 400, 400, 400, 400]),
    ("GET", "/account/gegevens", [303, 200, 303, 303, 303, 303]),
    ("GET", "/account/inloggen", [200, 200, 200, 200, 200, 200]),
    ("GET", "/account/oidc", [404, 404, 404, 404, 404, 404]),
    ("GET", "/account/oidc/terug", [404, 404, 404, 404, 404, 404]),
    ("GET", "/account/registreren", [200, 200, 200, 200, 200, 200]),
    ("GET", "/account/panels", [303, 200, 303, 303, 303, 303]),
    ("GET", "/panels", [303, 303, 403, 403, 200, 200]),
    ("GET", "/panels/{id}", [303, 303, 403, 403, 404, 404]),
    ("GET", "/panel/{id}", [404, 404, 404, 404, 404, 404]),
    ("GET", "/admin", [303, 303, 403, 403, 200, 200]),
    ("GET", "/admin/audit", [303, 303, 403, 403, 403, 200]),
    ("GET", "/admin/audit.csv", [303, 303, 403, 403, 403, 200]),
    ("GET", "/admin/sources", [303, 303, 403, 403, 200, 200]),
    ("GET", "/antwoorden", [303, 303, 403, 403, 200, 200]),
    ("GET", "/api/v1/conversations", [401, 401, 200, 200, 200, 200]),
    ("GET", "/api/v1/ideas", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/ideas/similar", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/meta/{source_id}", [404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/sources", [401, 401, 403, 403, 200, 200]),
    ("GET", "/attachments/{id}", [303, 303, 404, 404, 404, 404]),
    ("GET", "/bronnen", [200, 200, 200, 200, 200, 200]),
    ("GET", "/c/{id}", [303, 303, 200, 200, 200, 200]),
    ("GET", "/c/{id}/kaart", [303, 303, 200, 200, 200, 200]),
    ("GET", "/c/{id}/kaart.png", [303, 303, 422, 422, 422, 422]),
    ("GET", "/kaarten/{file}", [404, 404, 404, 404, 404, 404]),
    ("GET", "/drukwerk", [303, 303, 403, 403, 200, 200]),
    ("GET", "/capture", [303, 303, 200, 200, 200, 200]),
    ("GET", "/events", [303, 303, 200, 200, 200, 200]),
    ("GET", "/healthz", [200, 200, 200, 200, 200, 200]),
    ("GET", "/ideeen", [200, 200, 200, 200, 200, 200]),
    ("GET", "/ideeen/beheer", [303, 303, 200, 200, 200, 200]),
    ("GET", "/ideeen/feed.atom", [200, 200, 200, 200, 200, 200]),
    ("GET", "/ideeen/nieuw", [200, 200, 200, 200, 200, 200]),
    ("GET", "/ideeen/{id}", [200, 200, 200, 200, 200, 200]),
    ("GET", "/inbox", [303, 303, 200, 200, 200, 200]),
    ("GET", "/zoeken", [303, 303, 200, 200, 200, 200]),
    ("GET", "/login", [200, 200, 200, 200, 200, 200]),
    ("GET", "/login/code", [200, 200, 200, 200, 200, 200]),
    ("GET", "/login/oidc", [404, 404, 404, 404, 404, 404]),
    ("GET", "/login/oidc/terug", [404, 404, 404, 404, 404, 404]),
    ("GET", "/me", [303, 303, 200, 200, 200, 200]),
    ("GET", "/metrics", [401, 401, 401, 401, 200, 200]),
    ("GET", "/privacy", [303, 303, 403, 403, 200, 200]),
    ("GET", "/privacy/account", [303, 303, 403, 403, 400, 400]),
    ("GET", "/privacy/export", [303, 303, 403, 403, 404, 404]),
    ("GET", "/readyz", [200, 200, 200, 200, 200, 200]),
    ("GET", "/review", [303, 303, 403, 403, 200, 200]),
    ("GET", "/contacten", [303, 303, 200, 200, 200, 200]),
    ("GET", "/contacten/{id}", [303, 303, 200, 200, 200, 200]),
    ("GET", "/escalaties", [303, 303, 403, 403, 200, 200]),
    ("GET", "/escalaties/volglijst", [303, 303, 403, 403, 200, 200]),
    ("GET", "/meldingen", [303, 303, 403, 403, 200, 200]),
    ("GET", "/rapporten", [303, 303, 403, 403, 200, 200]),
    ("GET", "/rapporten.csv", [303, 303, 403, 403, 200, 200]),
    ("GET", "/rapporten/wand", [303, 303, 403, 403, 200, 200]),
    ("GET", "/enquete/{token}", [404, 404, 404, 404, 404, 404]),
    ("POST", "/enquete/{token}", [404, 404, 404, 404, 404, 404]),
    ("GET", "/incidenten/{id}", [303, 303, 404, 404, 404, 404]),
    ("GET", "/incidenten/{id}/rondzending", [303, 303, 403, 403, 404, 404]),
    ("GET", "/structureel", [303, 303, 403, 403, 200, 200]),
    ("GET", "/structureel/{id}", [303, 303, 403, 403, 404, 404]),
    ("GET", "/structureel/{id}/rondzending", [303, 303, 403, 403, 404, 404]),
    ("GET", "/rules", [303, 303, 403, 403, 200, 200]),
    ("GET", "/rules/model", [303, 303, 403, 403, 200, 200]),
    ("GET", "/rules/model/{id}", [303, 303, 403, 403, 404, 404]),
    ("GET", "/rules/versions/{id}", [303, 303, 403, 403, 404, 404]),
    ("GET", "/static/{file}", [200, 200, 200, 200, 200, 200]),
    ("GET", "/terugbellen/{token}", [410, 410, 410, 410, 410, 410]),
    ("GET", "/taal", [303, 303, 303, 303, 303, 303]),
    ("POST", "/account", [303, 422, 303, 303, 303, 303]),
    ("POST", "/account/inloggen", [401, 401, 401, 401, 401, 401]),
    ("POST", "/account/opnieuw", [303, 303, 303, 303, 303, 303]),
    ("POST", "/account/registreren", [422, 422, 422, 422, 422, 422]),
    ("POST", "/account/uitloggen", [303, 303, 303, 303, 303, 303]),
    ("POST", "/account/verwijderen", [303, 422, 303, 303, 303, 303]),
    ("POST", "/account/panels", [303, 422, 303, 303, 303, 303]),
    ("POST", "/panels", [303, 303, 403, 403, 422, 422]),
    ("POST", "/panels/{id}/publiceren", [303, 303, 403, 403, 404, 404]),
    ("POST", "/panel/{id}", [303, 404, 303, 303, 303, 303]),
    ("POST", "/admin/agents", [303, 303, 403, 403, 403, 422]),
    ("POST", "/admin/retriage", [303, 303, 403, 403, 200, 200]),
    ("POST", "/admin/sources", [303, 303, 403, 403, 403, 422]),
    ("POST", "/admin/sources/{id}", [303, 303, 403, 403, 403, 422]),
    ("POST", "/admin/sources/{id}/delete", [303, 303, 403, 403, 403, 404]),
    ("POST", "/admin/sources/{id}/token", [303, 303, 403, 403, 403, 200]),
    ("POST", "/antwoorden", [303, 303, 403, 403, 422, 422]),
    ("POST", "/antwoorden/{id}", [303, 303, 403, 403, 422, 422]),
    ("POST", "/antwoorden/{id}/verwijderen", [303, 303, 403, 403, 404, 404]),
    ("POST", "/api/v1/ingest", [401, 401, 401, 401, 401, 401]),
    ("POST", "/api/v1/meta/{source_id}", [404, 404, 404, 404, 404, 404]),
    ("POST", "/api/v1/sources", [401, 401, 403, 403, 403, 422]),
    ("POST", "/api/v1/sources/{id}/token", [401, 401, 403, 403, 403, 200]),
    ("POST", "/api/v1/webhook/{source_id}", [401, 401, 401, 401, 401, 401]),
    ("POST", "/c/{id}/assign", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/idee", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/nieuw-idee", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/note", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/presence", [303, 303, 415, 415, 415, 415]),
    ("POST", "/c/{id}/prive", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/concept", [303, 303, 404, 404, 404, 404]),
    ("GET", "/feiten", [303, 303, 403, 403, 200, 200]),
    ("POST", "/feiten", [303, 303, 403, 403, 422, 422]),
    ("POST", "/feiten/{id}", [303, 303, 403, 403, 422, 422]),
    ("POST", "/feiten/{id}/verwijderen", [303, 303, 403, 403, 404, 404]),
    ("GET", "/team", [200, 200, 200, 200, 200, 200]),
    ("POST", "/me/team", [303, 303, 303, 303, 303, 303]),
    ("POST", "/c/{id}/reply", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/kaart", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/kaart/drukwerk", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/media", [303, 303, 400, 400, 400, 400]),
    ("POST", "/drukwerk/{id}/verstuurd", [303, 303, 403, 403, 404, 404]),
    ("POST", "/c/{id}/state", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/oordeel", [303, 303, 422, 422, 422, 422]),
    ("POST", "/capture", [303, 303, 422, 422, 422, 422]),
    ("POST", "/ideeen/beheer/afdeling", [303, 303, 303, 303, 303, 303]),
    ("POST", "/ideeen/beheer/borden", [403, 403, 403, 403, 403, 422]),
    ("POST", "/ideeen/beheer/borden/{slug}/status", [403, 403, 403, 403, 403, 404]),
    ("POST", "/ideeen/beheer/meldingen/{id}/afwijzen", [403, 403, 403, 403, 303, 303]),
    ("POST", "/ideeen/nieuw", [303, 422, 303, 303, 303, 303]),
    ("POST", "/ideeen/{id}/antwoord", [403, 403, 303, 303, 303, 303]),
    ("POST", "/ideeen/{id}/melden", [303, 422, 303, 303, 303, 303]),
    ("POST", "/ideeen/{id}/reactie", [303, 422, 303, 303, 303, 303]),
    ("POST", "/ideeen/{id}/samenvoegen", [403, 403, 403, 403, 303, 303]),
    ("POST", "/ideeen/{id}/status", [403, 403, 403, 303, 303, 303]),
    ("POST", "/ideeen/{id}/stem", [303, 400, 303, 303, 303, 303]),
    ("POST", "/ideeen/{id}/vastzetten", [403, 403, 403, 403, 303, 303]),
    ("POST", "/ideeen/{id}/verbergen", [403, 403, 403, 403, 303, 303]),
    ("POST", "/ideeen/{id}/volgen", [303, 303, 303, 303, 303, 303]),
    ("POST", "/language", [303, 303, 422, 422, 422, 422]),
    ("POST", "/login", [422, 422, 422, 422, 422, 422]),
    ("POST", "/login/code", [422, 422, 422, 422, 422, 422]),
    ("POST", "/logout", [303, 303, 303, 303, 303, 303]),
    ("POST", "/me/totp", [303, 303, 200, 200, 200, 200]),
    ("POST", "/me/totp/confirm", [303, 303, 422, 422, 422, 422]),
    ("POST", "/privacy/account/erase", [303, 303, 403, 403, 422, 422]),
    ("POST", "/privacy/erase", [303, 303, 403, 403, 422, 422]),
    ("POST", "/reacties/{id}/verbergen", [403, 403, 403, 403, 404, 404]),
    ("POST", "/replies/{id}/retry", [303, 303, 404, 404, 404, 404]),
    ("POST", "/replies/{id}/sent", [303, 303, 404, 404, 404, 404]),
    ("POST", "/review/{id}", [303, 303, 403, 403, 422, 422]),
    ("POST", "/contacten/{id}/losmaken", [303, 303, 400, 400, 400, 400]),
    ("POST", "/contacten/{id}/samenvoegen", [303, 303, 422, 422, 422, 422]),
    ("POST", "/escalaties/{id}/oppakken", [303, 303, 403, 403, 404, 404]),
    ("POST", "/escalaties/{id}/toewijzen", [303, 303, 403, 403, 422, 422]),
    ("POST", "/escalaties/{id}/checklist", [303, 303, 403, 403, 400, 400]),
    ("POST", "/escalaties/{id}/afronden", [303, 303, 403, 403, 404, 404]),
    ("POST", "/escalaties/volglijst", [303, 303, 403, 403, 422, 422]),
    ("POST", "/escalaties/volglijst/{id}/verwijderen", [303, 303, 403, 403, 404, 404]),
    ("POST", "/meldingen/{id}/negeren", [303, 303, 403, 403, 404, 404]),
    ("POST", "/meldingen/{id}/incident", [303, 303, 403, 403, 422, 422]),
    ("POST", "/incidenten/{id}/publiceren", [303, 303, 403, 403, 400, 400]),
    ("POST", "/incidenten/{id}/posten", [303, 303, 403, 403, 404, 404]),
    ("POST", "/incidenten/{id}/sluiten", [303, 303, 403, 403, 422, 422]),
    ("POST", "/incidenten/{id}/rondzending", [303, 303, 403, 403, 422, 422]),
    ("POST", "/structureel", [303, 303, 403, 403, 422, 422]),
    ("POST", "/structureel/{id}", [303, 303, 403, 403, 422, 422]),
    ("POST", "/structureel/{id}/status", [303, 303, 403, 403, 422, 422]),
    ("POST", "/structureel/{id}/rondzending", [303, 303, 403, 403, 422, 422]),
    ("POST", "/c/{id}/structureel", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/structureel/{issue}/ontkoppelen", [303, 303, 404, 404, 404, 404]),
    ("POST", "/rules", [303, 303, 403, 403, 422, 422]),
    ("POST", "/rules/model", [303, 303, 403, 403, 200, 200]),
    ("POST", "/rules/model/rollback", [303, 303, 403, 403, 200, 200]),
    ("POST", "/rules/model/{id}/activate", [303, 303, 403, 403, 404, 404]),
    ("POST", "/terugbellen/{token}", [410, 410, 410, 410, 410, 410]),
    ("PUT", "/api/v1/sources/{id}", [401, 401, 403, 403, 403, 422]),
    // sla
    ("GET", "/beloftes", [303, 303, 403, 403, 200, 200]),
    ("POST", "/c/{id}/snooze", [303, 303, 422, 422, 422, 422]),
    ("POST", "/c/{id}/wake", [303, 303, 303, 303, 303, 303]),
    ("POST", "/me/beschikbaarheid", [303, 303, 303, 303, 303, 303]),
];

/// Fields of the feedback forms, empty: those handlers read the form before they check the
/// role, so a form without them would be refused (422) before the role is looked at.
const FEEDBACK_FIELDS: &str = "&actie=&volgen=&tekst=&reden=&status=&uitleg=&vast=&naar=&afdeling=\
&slug=&naam_nl=&naam_en=&sleutel=&label_nl=&label_en=&kleur=&bord=&titel=";

/// The request path of a route: parameters `1`, `{file}` `app.css`; a deleting route names a
/// source that does not exist (999), so no row changes what the next one finds.
fn concrete_for(method: &str, path: &str) -> String {
    let concrete = concrete(path);
    if method == "DELETE" || path.ends_with("/delete") {
        concrete.replace("/1", "/999")
    } else {
        concrete
    }
}

fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        let name = &rest[start + 1..end];
        out.push_str(if name == "file" { "app.css" } else { "1" });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The methods a route answers, from its `405` answer to a method nobody routes.
async fn methods_of(app: &TestApp, path: &str) -> Vec<String> {
    let request = Request::builder()
        .method(Method::from_bytes(b"BREW").unwrap())
        .uri(concrete(path))
        .body(Body::empty())
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
    let allow = r
        .headers
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    allow
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty() && m != "HEAD")
        .collect()
}

/// The `Cookie` header and CSRF token of a fresh session of `role` (index into `ROLES`).
async fn credentials(app: &TestApp, role: usize, hash: &str, n: usize) -> (String, String) {
    // The public forms check the visitor CSRF cookie; it carries the session's own token, so
    // one `csrf` field satisfies whichever check a route makes.
    let visitor = |csrf: &str| format!("wederhoor_pcsrf={csrf}");
    match role {
        0 => (visitor(VISITOR_CSRF), VISITOR_CSRF.to_owned()),
        1 => {
            let email = format!("klant{n}@example.nl");
            let account = app
                .store
                .create_account(
                    &NewAccount {
                        email: email.clone(),
                        display_name: format!("Klant {n}"),
                        password_hash: hash.to_owned(),
                        language: "nl".into(),
                    },
                    &format!("verify-{n}"),
                    &NewMail {
                        to: email,
                        subject: "x".into(),
                        body: "x".into(),
                        idempotency_key: format!("verify-{n}"),
                    },
                )
                .await
                .unwrap();
            app.store
                .verify_account(&format!("verify-{n}"))
                .await
                .unwrap();
            let session = app.store.create_account_session(account.id).await.unwrap();
            let (_, csrf) = app.store.account_session(&session).await.unwrap().unwrap();
            (
                format!("wederhoor_account={session}; {}", visitor(&csrf)),
                csrf,
            )
        }
        _ => {
            let username = ["", "", "anna", "sem", "lars", "bea"][role];
            let (agent, _) = app.store.agent_for_login(username).await.unwrap().unwrap();
            let s = app.login_as(&agent).await;
            (
                format!("wederhoor_session={}; {}", s.cookie, visitor(&s.csrf)),
                s.csrf,
            )
        }
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_matrix_says() {
    let (backend, store) = fresh_stores().await.unwrap().into_iter().next().unwrap();
    let app = spawn_app(backend, store).await;
    let hash = hash_password(PASSWORD).unwrap();
    app.store
        .create_agent(
            &NewAgent {
                username: "sem".into(),
                display_name: "Sem Specialist".into(),
                role: Role::Specialist,
                password_hash: hash.clone(),
            },
            None,
        )
        .await
        .unwrap();
    // Conversation 1 and idea 1 exist, so `/c/1` and `/ideeen/1` routes reach their handlers.
    app.ingest_ok(&json!([msg("m1", "Mijn pas doet het niet")]))
        .await;
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
    app.store
        .create_idea(&NewIdea {
            board: board.id,
            poster: Poster::Staff {
                agent: app.lead.id,
                name: "Lars Lead".into(),
                department: None,
            },
            title: "Sparen voor de kinderen".into(),
            body: "Zou fijn zijn.".into(),
            hidden: None,
        })
        .await
        .unwrap();

    let mut found = BTreeSet::new();
    for path in route_paths() {
        for method in methods_of(&app, path).await {
            found.insert((method, path.to_owned()));
        }
    }
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();

    let mut observed = Vec::new();
    let mut n = 0;
    for (method, path) in &found {
        let mut row = [0u16; 6];
        for (role, status) in row.iter_mut().enumerate() {
            n += 1;
            let (cookies, csrf) = credentials(&app, role, &hash, n).await;
            let api = path.starts_with("/api/");
            let (content_type, body) = if api {
                ("application/json", "{}".to_owned())
            } else {
                let extra = if path.starts_with("/ideeen") || path.starts_with("/reacties") {
                    FEEDBACK_FIELDS
                } else {
                    ""
                };
                (
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}{extra}"),
                )
            };
            let mut request = Request::builder()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(concrete_for(method, path))
                .header(header::COOKIE, cookies)
                .header("x-csrf-token", &csrf)
                // Each request from its own address, so the per-address login and registration
                // limits do not answer 429 for the later roles.
                .extension(ConnectInfo(SocketAddr::from((
                    [10, 0, (n / 250) as u8, (n % 250) as u8 + 1],
                    40000,
                ))));
            let body = if method == "GET" {
                Body::empty()
            } else {
                request = request.header(header::CONTENT_TYPE, content_type);
                Body::from(body)
            };
            // Only the status: `/events` answers with a stream that never ends.
            let r = wederhoor_web::app(app.state.clone())
                .oneshot(request.body(body).unwrap())
                .await
                .unwrap();
            *status = r.status().as_u16();
        }
        observed.push((method.clone(), path.clone(), row));
    }

    let table: String = observed
        .iter()
        .map(|(m, p, row)| format!("    (\"{m}\", \"{p}\", {row:?}),\n"))
        .collect();
    let missing: Vec<_> = found.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&found).collect();
    let mut wrong = Vec::new();
    for (m, p, expected) in MATRIX {
        if let Some((_, _, got)) = observed.iter().find(|(om, op, _)| om == m && op == p) {
            for (i, role) in ROLES.iter().enumerate() {
                if got[i] != expected[i] {
                    wrong.push(format!(
                        "{m} {p} as {role}: expected {}, got {}",
                        expected[i], got[i]
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty() && stale.is_empty() && wrong.is_empty(),
        "routes without an entry: {missing:?}\nentries without a route: {stale:?}\n\
         wrong answers:\n{}\nthe router as it answers now:\n{table}",
        wrong.join("\n")
    );
    eprintln!(
        "authorisation matrix: {} route methods x {} roles = {} answers",
        MATRIX.len(),
        ROLES.len(),
        MATRIX.len() * ROLES.len()
    );
}
