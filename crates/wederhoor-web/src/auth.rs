//! Login, logout, sessions, roles and CSRF.

use crate::error::{ApiError, AppError};
use crate::i18n::Lang;
use crate::security::{self, ClientAddress};
use crate::system::CsrfForm;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wederhoor_core::Role;
use wederhoor_store::Agent;

pub const SESSION_COOKIE: &str = "wederhoor_session";
pub(crate) const LOGIN_CSRF_COOKIE: &str = "wederhoor_login_csrf";

/// Roles as const-generic parameters: `Auth<LEAD>` only lets leads and admins in.
pub const AGENT: u8 = 0;
pub const LEAD: u8 = 2;
pub const ADMIN: u8 = 3;

fn role_of(level: u8) -> Role {
    match level {
        0 => Role::Agent,
        1 => Role::Specialist,
        2 => Role::Lead,
        _ => Role::Admin,
    }
}

/// A logged-in agent with at least the role `MIN`.
pub struct Auth<const MIN: u8> {
    pub agent: Agent,
    pub csrf: String,
    pub lang: Lang,
}

impl<const MIN: u8> Auth<MIN> {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// The same, for JSON routes: failures are JSON, not a redirect to the login page.
pub struct ApiAuth<const MIN: u8>(pub Auth<MIN>);

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn authenticate<const MIN: u8>(
    parts: &Parts,
    state: &AppState,
) -> Result<Auth<MIN>, AppError> {
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    let session = state
        .store
        .session(token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !session.agent.role.allows(role_of(MIN)) {
        return Err(AppError::Forbidden);
    }
    let lang = Lang::parse(&session.agent.language).unwrap_or(Lang::Nl);
    Ok(Auth {
        agent: session.agent,
        csrf: session.csrf,
        lang,
    })
}

impl<const MIN: u8> FromRequestParts<AppState> for Auth<MIN> {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state).await
    }
}

impl<const MIN: u8> FromRequestParts<AppState> for ApiAuth<MIN> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ApiAuth(authenticate(parts, state).await?))
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes a password with argon2id (default parameters) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub(crate) fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub async fn login_page(State(state): State<AppState>) -> Result<Response, AppError> {
    render_login(&state, None, StatusCode::OK)
}

pub(crate) fn render_login(
    state: &AppState,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let csrf = wederhoor_store::random_token();
    let html = pages::render(
        state,
        "login.html",
        Lang::Nl,
        minijinja::context! {
            csrf => &csrf,
            error => error,
            sso => state.config.staff_oidc.as_ref().map(|s| s.label.clone()),
        },
    )?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, 3600),
        )],
        html,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddress(ip): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    check_login_csrf(&headers, &form.csrf)?;
    let username = form.username.trim();
    // Throttled per account and address, and per address: a guesser waits, the same person
    // elsewhere and colleagues behind the same address do not.
    let account_key = format!("staff:{}:{ip}", username.to_lowercase());
    let address_key = format!("staff::{ip}");
    let throttle = &state.limits.logins;
    if let Some(wait) = throttle.wait_any(&[
        (&account_key, security::STAFF_PER_ACCOUNT_AND_ADDRESS),
        (&address_key, security::STAFF_PER_ADDRESS),
    ]) {
        tracing::info!(username = %security::loggable(username), "login throttled");
        return Ok(security::too_many_attempts(wait));
    }
    let found = state.store.agent_for_login(username).await?;
    let password = form.password;
    // An unknown or disabled account is checked against a dummy hash, so it answers as slowly
    // as a wrong password and does not tell which usernames exist.
    let (agent, hash) = match found {
        Some((agent, hash)) if !agent.disabled => (Some(agent), hash),
        _ => (None, crate::accounts::dummy_hash().unwrap_or_default()),
    };
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(agent) = agent.filter(|_| ok) else {
        throttle.failed(&[&account_key, &address_key]);
        tracing::info!(username = %security::loggable(username), "login refused");
        let msg = crate::i18n::text(Lang::Nl, "login_failed");
        return render_login(&state, Some(msg), StatusCode::UNAUTHORIZED);
    };
    throttle.succeeded(&account_key);
    // With a second factor on, the password only opens the step that asks for the code.
    if wederhoor_app::totp::is_on(&state.store, agent.id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        let pending = state.store.create_pending_session(agent.id).await?;
        return Ok((
            StatusCode::SEE_OTHER,
            [
                (
                    header::SET_COOKIE,
                    set_cookie(&state, crate::staff_account::PENDING_COOKIE, &pending, 300),
                ),
                (header::LOCATION, "/login/code".to_owned()),
            ],
        )
            .into_response());
    }
    let token = state.store.create_session(agent.id).await?;
    tracing::info!(agent = %security::loggable(&agent.username), "login");
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &token, 12 * 3600),
            ),
            (header::LOCATION, "/inbox".to_owned()),
        ],
    )
        .into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(token).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, "", 0),
            ),
            (header::LOCATION, "/login".to_owned()),
        ],
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    csrf: String,
    lang: String,
    back: Option<String>,
}

pub async fn switch_language(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Form(form): Form<LanguageForm>,
) -> Result<Redirect, AppError> {
    auth.check_csrf(&form.csrf)?;
    // The team's pages exist in Dutch and English (French is for the public pages).
    let lang = Lang::parse(&form.lang)
        .filter(|l| l.for_the_team())
        .ok_or_else(|| AppError::BadRequest("unknown language".into()))?;
    state
        .store
        .set_agent_language(auth.agent.id, lang.code())
        .await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref())))
}

/// Only local paths are followed after a form, never another site. Control characters are
/// refused too: browsers drop tabs and newlines from URLs, so `/\t/evil` would become `//evil`.
pub fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(char::is_control) =>
        {
            b.to_owned()
        }
        _ => "/inbox".to_owned(),
    }
}

/// The login forms' CSRF check: the token sent must equal the login cookie's (set with the form).
pub(crate) fn check_login_csrf(headers: &HeaderMap, sent: &str) -> Result<(), AppError> {
    let expected = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
        return Err(AppError::Csrf);
    }
    Ok(())
}
