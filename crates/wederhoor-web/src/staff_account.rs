//! The staff member's own account page (`/me`) with the second factor (TOTP): set it up (the
//! secret shown as base32 and as an `otpauth://` URI), confirm it with a first code, and the
//! login's second step (`/login/code`) once it is on. Resetting a lost factor is an admin's
//! job (`wederhoor user reset-totp NAME`).

use crate::auth::{AGENT, Auth, SESSION_COOKIE, constant_time_eq, cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::security::{self, ClientAddress};
use crate::system::CsrfForm;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wederhoor_app::totp;

/// The cookie of a login that passed the password and waits for the code.
pub const PENDING_COOKIE: &str = "wederhoor_login_pending";
/// The login form's CSRF cookie (shared with the password step).
const LOGIN_CSRF_COOKIE: &str = crate::auth::LOGIN_CSRF_COOKIE;

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn app_error(e: wederhoor_app::Error) -> AppError {
    match e {
        wederhoor_app::Error::Store(s) => AppError::Store(s),
        wederhoor_app::Error::Invalid(m) => AppError::Unprocessable(m),
        wederhoor_app::Error::Internal(m) => AppError::Internal(m),
    }
}

async fn render_me(
    state: &AppState,
    auth: &Auth<AGENT>,
    enrolment: Option<&totp::Enrolment>,
    error: Option<&str>,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let on = totp::is_on(&state.store, auth.agent.id)
        .await
        .map_err(app_error)?;
    let routing = state.store.agent_routing(auth.agent.id).await.ok();
    let profile = state.store.public_profile(auth.agent.id).await?;
    let html = pages::render(
        state,
        "me.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            totp_on => on,
            routing => routing,
            profile => profile,
            enrolment => enrolment,
            error => error,
            notice => notice,
        },
    )?;
    Ok((status, html).into_response())
}

/// The account page with an error (a refused team-page entry).
pub(crate) async fn page(
    state: &AppState,
    auth: &Auth<AGENT>,
    error: Option<&str>,
) -> Result<Response, AppError> {
    render_me(state, auth, None, error, None, StatusCode::OK).await
}

pub async fn show(State(state): State<AppState>, auth: Auth<AGENT>) -> Result<Response, AppError> {
    render_me(&state, &auth, None, None, None, StatusCode::OK).await
}

/// Starts setting up the second factor: a new secret, shown once.
pub async fn begin(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let enrolment = totp::begin(&state.store, auth.agent.id, &auth.agent.username)
        .await
        .map_err(app_error)?;
    tracing::info!(agent = %security::loggable(&auth.agent.username), "second factor set-up started");
    render_me(&state, &auth, Some(&enrolment), None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

/// Confirms the set-up with a first code: from then on password logins ask for one.
pub async fn confirm(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let ok = totp::confirm(&state.store, auth.agent.id, &form.code, now_secs())
        .await
        .map_err(app_error)?;
    if ok {
        tracing::info!(agent = %security::loggable(&auth.agent.username), "second factor on");
        let notice = crate::i18n::text(auth.lang, "totp_now_on");
        render_me(&state, &auth, None, None, Some(notice), StatusCode::OK).await
    } else {
        let error = crate::i18n::text(auth.lang, "totp_wrong_code");
        render_me(
            &state,
            &auth,
            None,
            Some(error),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
}

/// The login's second step: the form for the code.
pub async fn code_page(State(state): State<AppState>) -> Result<Response, AppError> {
    render_code(&state, None, StatusCode::OK)
}

fn render_code(
    state: &AppState,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let csrf = wederhoor_store::random_token();
    let html = pages::render(
        state,
        "login_code.html",
        Lang::Nl,
        minijinja::context! { csrf => &csrf, error => error },
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
pub struct LoginCodeForm {
    csrf: String,
    code: String,
}

/// Checks the code of a login that passed the password; a right, unused code starts the
/// session. Wrong codes are throttled like wrong passwords.
pub async fn code_login(
    State(state): State<AppState>,
    ClientAddress(ip): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginCodeForm>,
) -> Result<Response, AppError> {
    crate::auth::check_login_csrf(&headers, &form.csrf)?;
    let pending = cookie(&headers, PENDING_COOKIE).unwrap_or("").to_owned();
    let agent = if pending.is_empty() {
        None
    } else {
        state.store.pending_session(&pending).await?
    };
    let Some(agent) = agent else {
        // Expired or never started: back to the password.
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response());
    };
    let account_key = format!("staff-code:{}", agent.username.to_lowercase());
    let address_key = format!("staff::{ip}");
    let throttle = &state.limits.logins;
    if let Some(wait) = throttle.wait_any(&[
        (&account_key, security::STAFF_PER_ACCOUNT_AND_ADDRESS),
        (&address_key, security::STAFF_PER_ADDRESS),
    ]) {
        return Ok(security::too_many_attempts(wait));
    }
    let ok = totp::check(&state.store, agent.id, &form.code, now_secs())
        .await
        .map_err(app_error)?;
    if !ok {
        throttle.failed(&[&account_key, &address_key]);
        tracing::info!(agent = %security::loggable(&agent.username), "second factor refused");
        let msg = crate::i18n::text(Lang::Nl, "totp_wrong_code");
        return render_code(&state, Some(msg), StatusCode::UNAUTHORIZED);
    }
    throttle.succeeded(&account_key);
    let token = state.store.promote_session(&pending, agent.id).await?;
    tracing::info!(agent = %security::loggable(&agent.username), "login");
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/inbox")]).into_response();
    for c in [
        set_cookie(&state, SESSION_COOKIE, &token, 12 * 3600),
        set_cookie(&state, PENDING_COOKIE, "", 0),
    ] {
        if let Ok(v) = header::HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

// ---------------------------------------------------------------- staff single sign-on

/// The cookie that ties an OIDC login to the browser that started it.
const SSO_COOKIE: &str = "wederhoor_staff_oidc";
const SSO_SECONDS: i64 = 600;
/// Marks a stored OIDC login as a staff login (the customer logins store a path there).
const SSO_MARK: &str = "staff-sso";

fn sso_settings(state: &AppState) -> Result<&crate::accounts::OidcSettings, AppError> {
    state.config.staff_oidc.as_ref().ok_or(AppError::NotFound)
}

fn sso_http() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::Internal(format!("building the OIDC HTTP client: {e}")))
}

fn sso_refused(state: &AppState, status: StatusCode) -> Result<Response, AppError> {
    let mut response = crate::auth::render_login(
        state,
        Some(crate::i18n::text(Lang::Nl, "login_sso_failed")),
        status,
    )?;
    if let Ok(v) = header::HeaderValue::from_str(&set_cookie(state, SSO_COOKIE, "", 0)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// `GET /login/oidc`: staff single sign-on through the configured provider (`[staff_oidc]`).
pub async fn sso_start(State(state): State<AppState>) -> Result<Response, AppError> {
    let settings = sso_settings(&state)?;
    let http = sso_http()?;
    let start = match crate::oidc::Provider::discover(&http, &settings.config.issuer).await {
        Ok(provider) => crate::oidc::start_login(&provider, &settings.config),
        Err(e) => Err(e),
    };
    let start = match start {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "staff OIDC login could not start");
            return sso_refused(&state, StatusCode::BAD_GATEWAY);
        }
    };
    state
        .store
        .save_oidc_login(
            &start.state,
            &start.nonce,
            &start.verifier,
            SSO_MARK,
            SSO_SECONDS * 1000,
        )
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, start.url.clone()),
            (
                header::SET_COOKIE,
                set_cookie(&state, SSO_COOKIE, &start.state, SSO_SECONDS),
            ),
        ],
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct SsoCallback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /login/oidc/terug`: the provider's answer. The identity must belong to an enabled agent
/// (username equal to the OIDC subject or to the verified e-mail address); anyone else is
/// refused. The provider's own second factor applies; ours is for password logins.
pub async fn sso_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<SsoCallback>,
) -> Result<Response, AppError> {
    let settings = sso_settings(&state)?;
    let browser = cookie(&headers, SSO_COOKIE).unwrap_or("");
    let (Some(code), Some(got_state), None) = (q.code, q.state, q.error.as_deref()) else {
        tracing::info!("staff OIDC callback without code or state, or with an error");
        return sso_refused(&state, StatusCode::BAD_REQUEST);
    };
    if browser.is_empty() || !constant_time_eq(browser.as_bytes(), got_state.as_bytes()) {
        tracing::warn!("staff OIDC callback with a state that is not this browser's");
        return sso_refused(&state, StatusCode::BAD_REQUEST);
    }
    let Some((nonce, verifier, mark)) = state.store.take_oidc_login(&got_state).await? else {
        return sso_refused(&state, StatusCode::BAD_REQUEST);
    };
    if mark != SSO_MARK {
        return sso_refused(&state, StatusCode::BAD_REQUEST);
    }
    let http = sso_http()?;
    let identity = match crate::oidc::Provider::discover(&http, &settings.config.issuer).await {
        Ok(p) => {
            crate::oidc::finish_login(&http, &p, &settings.config, &code, &verifier, &nonce).await
        }
        Err(e) => Err(e),
    };
    let identity = match identity {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "staff OIDC login failed");
            return sso_refused(&state, StatusCode::UNAUTHORIZED);
        }
    };
    let email = identity.email.filter(|_| identity.email_verified);
    let agent = state
        .store
        .agent_for_sso(&identity.subject, email.as_deref())
        .await?;
    let Some(agent) = agent else {
        tracing::info!("staff OIDC login for an identity that is no agent; refused");
        return sso_refused(&state, StatusCode::FORBIDDEN);
    };
    let token = state.store.create_session(agent.id).await?;
    tracing::info!(agent = %security::loggable(&agent.username), "login through OIDC");
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/inbox")]).into_response();
    for c in [
        set_cookie(&state, SESSION_COOKIE, &token, 12 * 3600),
        set_cookie(&state, SSO_COOKIE, "", 0),
    ] {
        if let Ok(v) = header::HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}
