//! Helpers for the HTTP suite: the real router over a fresh store, with agents of every role
//! and one manual source, driven through `tower::ServiceExt::oneshot`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::OnceLock;
use tower::ServiceExt;
use wederhoor_core::{ConversationId, DeliveryKind, Role};
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::{Agent, ConversationDetail, NewAgent, NewSource, Source, Store};
use wederhoor_triage::Engine;
use wederhoor_web::{ActiveRules, AppState, WebConfig, app, hash_password};

/// The password of every agent `spawn_app` creates.
pub const PASSWORD: &str = "correct horse battery staple";

/// Argon2 is slow in debug builds: hash the shared password once per test binary.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).unwrap())
        .clone()
}

/// One app over one fresh store.
pub struct TestApp {
    pub backend: &'static str,
    pub state: AppState,
    pub store: Store,
    /// A manual-delivery source and its ingest token.
    pub source: Source,
    pub token: String,
    pub agent: Agent,
    pub lead: Agent,
    pub admin: Agent,
}

/// A logged-in browser: the session cookie value and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// A fully read response.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} {}", self.status, self.text()))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Every `Set-Cookie` header, whole.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The whole `Set-Cookie` header for cookie `name`, if one was set.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&prefix))
    }

    /// Just the value of cookie `name` as set by this response.
    pub fn cookie_value(&self, name: &str) -> Option<String> {
        let whole = self.set_cookie(name)?;
        let first = whole.split(';').next()?;
        Some(first.split_once('=')?.1.to_owned())
    }
}

/// Builds the real router's state over `store`, with three agents and a source.
pub async fn spawn_app(backend: &'static str, store: Store) -> TestApp {
    let mut agents = Vec::new();
    for (username, display_name, role) in [
        ("anna", "Anna Agent", Role::Agent),
        ("lars", "Lars Lead", Role::Lead),
        ("bea", "Bea Beheer", Role::Admin),
    ] {
        let agent = store
            .create_agent(
                &NewAgent {
                    username: username.into(),
                    display_name: display_name.into(),
                    role,
                    password_hash: password_hash(),
                },
                None,
            )
            .await
            .unwrap();
        agents.push(agent);
    }
    let (source, token) = store
        .create_source(&NewSource {
            kind: "webhook".into(),
            name: "Forum".into(),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap();
    let state = AppState::new(
        store.clone(),
        ActiveRules {
            engine: Engine::default_engine(),
            version: None,
        },
        WebConfig::default(),
    )
    .unwrap();
    let admin = agents.pop().unwrap();
    let lead = agents.pop().unwrap();
    let agent = agents.pop().unwrap();
    TestApp {
        backend,
        state,
        store,
        source,
        token,
        agent,
        lead,
        admin,
    }
}

/// One app per store the run can reach (SQLite always, PostgreSQL with `WEDERHOOR_TEST_PG`).
pub async fn spawn_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for (backend, store) in fresh_stores().await.unwrap() {
        apps.push(spawn_app(backend, store).await);
    }
    apps
}

/// Encodes form fields as `application/x-www-form-urlencoded`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A message as a source would send it.
pub fn msg(id: &str, text: &str) -> Value {
    json!({ "id": id, "text": text, "author": { "handle": "@klant", "name": "Klaas Klant", "followers": 12 } })
}

/// The `conversation` of a stored item of an ingest report.
pub fn conversation_of(item: &Value) -> ConversationId {
    assert_eq!(item["status"], "stored", "{item}");
    ConversationId(item["conversation"].as_i64().unwrap())
}

/// Pulls `attr="…"` after `marker` out of an HTML page.
pub fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let rest = &html[at..];
    let key = format!("{attr}=\"");
    let start = rest.find(&key)? + key.len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}

/// How many conversation rows an inbox page shows.
pub fn inbox_rows(html: &str) -> usize {
    html.matches("<tr class=\"conv ").count()
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> TestResponse {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(s) = session {
            request = request.header(header::COOKIE, format!("wederhoor_session={}", s.cookie));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Posts a form; `session` adds its cookie (the CSRF field is up to the caller).
    pub async fn post_form(
        &self,
        path: &str,
        session: Option<&Session>,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = session {
            request = request.header(header::COOKIE, format!("wederhoor_session={}", s.cookie));
        }
        self.send(request.body(Body::from(form_body(fields))).unwrap())
            .await
    }

    /// `POST /api/v1/ingest` with this app's source token.
    pub async fn ingest_raw(&self, body: impl Into<Body>) -> TestResponse {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/ingest")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap();
        self.send(request).await
    }

    pub async fn ingest(&self, value: &Value) -> TestResponse {
        self.ingest_raw(value.to_string()).await
    }

    /// Ingests and insists on a 200; returns the report.
    pub async fn ingest_ok(&self, value: &Value) -> Value {
        let r = self.ingest(value).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", self.backend, r.text());
        r.json()
    }

    /// A session for `agent`, started in the store (the login form has its own test).
    pub async fn login_as(&self, agent: &Agent) -> Session {
        let cookie = self.store.create_session(agent.id).await.unwrap();
        let csrf = self.store.session(&cookie).await.unwrap().unwrap().csrf;
        Session { cookie, csrf }
    }

    pub async fn message_count(&self) -> i64 {
        self.store.message_count().await.unwrap()
    }

    pub async fn detail(&self, id: ConversationId) -> ConversationDetail {
        self.store.conversation(id).await.unwrap().unwrap()
    }
}

/// A visitor CSRF token (64 hex digits) for the public forms of visitors without a session;
/// send it as the `wederhoor_pcsrf` cookie and as the `csrf` field.
pub const VISITOR_CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

impl TestApp {
    /// `GET` with a whole `Cookie` header (`a=1; b=2`), for the public pages.
    pub async fn get_with_cookies(&self, path: &str, cookies: &str) -> TestResponse {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if !cookies.is_empty() {
            request = request.header(header::COOKIE, cookies);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Posts a form with a whole `Cookie` header, for the public pages.
    pub async fn post_form_with_cookies(
        &self,
        path: &str,
        cookies: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookies.is_empty() {
            request = request.header(header::COOKIE, cookies);
        }
        self.send(request.body(Body::from(form_body(fields))).unwrap())
            .await
    }
}
