//! Customer accounts of the feedback page: register with e-mail and password (verified by
//! mail), log in with a password or OIDC, profile and notification settings, delete.
//!
//! Registering with an address that already has an account looks exactly like a new
//! registration to the visitor; the owner of the address gets a "you already have an account"
//! mail instead (at most one per address per hour), so nobody learns which addresses are known.

use crate::AppState;
use crate::auth::{constant_time_eq, cookie, safe_back};
use crate::error::{AppError, url_encode};
use crate::i18n::{Lang, text};
use crate::oidc::{OidcConfig, Provider, finish_login, start_login};
use crate::public::{ACCOUNT_COOKIE, LANG_COOKIE, Visitor, public_cookie, render_public};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;
use wederhoor_core::idea::{DisplayName, EmailAddress};
use wederhoor_store::{NewAccount, NewMail, OidcLogin, StoreError};

/// The templates of this module (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "account_register.html",
        include_str!("../templates/account_register.html"),
    ),
    (
        "account_login.html",
        include_str!("../templates/account_login.html"),
    ),
    (
        "account_profile.html",
        include_str!("../templates/account_profile.html"),
    ),
    (
        "account_message.html",
        include_str!("../templates/account_message.html"),
    ),
];

/// The short-lived cookie that carries an OIDC login from its start to the callback.
pub const OIDC_COOKIE: &str = "wederhoor_oidc";
/// Customer sessions last thirty days (the store expires them then too).
const SESSION_SECONDS: i64 = 30 * 24 * 3600;
const OIDC_COOKIE_SECONDS: i64 = 600;
const LANG_COOKIE_SECONDS: i64 = 365 * 24 * 3600;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 200;
const REGISTER_PER_HOUR: usize = 5;
const HOUR: Duration = Duration::from_secs(3600);

/// A customer's OIDC provider as configured, with the label of its button.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub config: OidcConfig,
    /// Shown as "Inloggen met {label}".
    pub label: String,
}

/// Validation messages per field (field name → catalogue text).
type FieldErrors = BTreeMap<&'static str, &'static str>;

/// What a message page offers besides its text.
#[derive(Default)]
struct MessageLinks {
    /// A "send a new link" button (a logged-in account that is not verified).
    resend: bool,
    /// A link to log in (to ask for a new link).
    login_hint: bool,
}

fn message_page(
    state: &AppState,
    visitor: &Visitor,
    title: &str,
    message: &str,
    links: MessageLinks,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tr = |k| text(visitor.lang, k);
    render_public(
        state,
        visitor,
        "account_message.html",
        minijinja::context! {
            title => tr(title),
            message => tr(message),
            resend => links.resend,
            login_hint => links.login_hint,
        },
        status,
    )
}

/// Validation messages for `fields`, all empty (templates are strict about missing keys).
fn no_errors(fields: &[&'static str]) -> FieldErrors {
    fields.iter().map(|f| (*f, "")).collect()
}

const REGISTER_FIELDS: &[&str] = &["display_name", "email", "password"];
const PROFILE_FIELDS: &[&str] = &["display_name", "language", "confirm"];

fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

fn see_other(location: &str, cookies: &[String]) -> Response {
    let response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response();
    with_cookies(response, cookies)
}

/// A local path to go to after a form; anything else (another site, nothing) is `/ideeen`.
fn local_back(back: Option<&str>) -> String {
    match back.filter(|b| !b.is_empty()) {
        Some(b) if safe_back(Some(b)) == b => b.to_owned(),
        _ => "/ideeen".to_owned(),
    }
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_owned(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

/// A random token for a mail link or an idempotency key, without panicking.
fn token() -> String {
    wederhoor_store::random_token()
}

fn verification_mail(state: &AppState, lang: Lang, to: &str, name: &str, token: &str) -> NewMail {
    let link = format!(
        "{}/account/bevestigen?token={}",
        state.config.public_url,
        url_encode(token)
    );
    NewMail {
        to: to.to_owned(),
        subject: text(lang, "account_mail_verify_subject").to_owned(),
        body: fill(
            text(lang, "account_mail_verify_body"),
            &[
                ("name", name),
                ("brand", &state.config.brand_name),
                ("link", &link),
            ],
        ),
        idempotency_key: format!("account-verify:{}", self::token()),
    }
}

async fn hash_in_background(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_in_background(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || crate::auth::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A hash to check passwords against when the address is unknown, so a wrong address takes as
/// long as a wrong password.
pub(crate) fn dummy_hash() -> Option<String> {
    static HASH: OnceLock<Option<String>> = OnceLock::new();
    HASH.get_or_init(|| crate::auth::hash_password("wederhoor-no-such-account").ok())
        .clone()
}

// ---------------------------------------------------------------- register

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The honeypot: hidden by CSS, only robots fill it in.
    #[serde(default)]
    website: String,
}

fn render_register(
    state: &AppState,
    visitor: &Visitor,
    display_name: &str,
    email: &str,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_public(
        state,
        visitor,
        "account_register.html",
        minijinja::context! { display_name, email, errors },
        status,
    )
}

pub async fn register_page(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, AppError> {
    render_register(
        &state,
        &visitor,
        "",
        "",
        &no_errors(REGISTER_FIELDS),
        StatusCode::OK,
    )
}

pub async fn register(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    if !state.limits.allow(
        &format!("ip:{}:register", visitor.ip),
        REGISTER_PER_HOUR,
        HOUR,
    ) {
        return Err(AppError::TooManyRequests);
    }
    let check_mail = |visitor: &Visitor| {
        message_page(
            &state,
            visitor,
            "account_check_mail_title",
            "account_check_mail",
            MessageLinks::default(),
            StatusCode::OK,
        )
    };
    if !form.website.trim().is_empty() {
        tracing::info!(ip = %visitor.ip, "registration honeypot filled in; nothing created");
        return check_mail(&visitor);
    }
    let mut errors = no_errors(REGISTER_FIELDS);
    let name = DisplayName::parse(&form.display_name)
        .map_err(|_| {
            errors.insert(
                "display_name",
                text(visitor.lang, "account_err_display_name"),
            )
        })
        .ok();
    let email = EmailAddress::parse(&form.email)
        .map_err(|_| errors.insert("email", text(visitor.lang, "account_err_email")))
        .ok();
    let length = form.password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&length) {
        errors.insert("password", text(visitor.lang, "account_err_password"));
    }
    let (Some(name), Some(email), true) = (name, email, errors.values().all(|e| e.is_empty()))
    else {
        return render_register(
            &state,
            &visitor,
            &form.display_name,
            &form.email,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    // Hashed in both cases below, so a known address answers as slowly as a new one.
    let password_hash = hash_in_background(form.password).await?;
    let account_token = token();
    let mail = verification_mail(
        &state,
        visitor.lang,
        email.as_str(),
        name.as_str(),
        &account_token,
    );
    let new = NewAccount {
        email: email.as_str().to_owned(),
        display_name: name.as_str().to_owned(),
        password_hash,
        language: visitor.lang.code().to_owned(),
    };
    match state
        .store
        .create_account(&new, &account_token, &mail)
        .await
    {
        Ok(account) => {
            tracing::info!(account = account.id.0, "account registered");
        }
        Err(StoreError::Conflict(_)) => {
            // The address has an account: tell its owner, not the visitor.
            let hour = jiff::Timestamp::now().as_second() / 3600;
            let link = format!("{}/account/inloggen", state.config.public_url);
            state
                .store
                .queue_mail(&NewMail {
                    to: email.as_str().to_owned(),
                    subject: text(visitor.lang, "account_mail_exists_subject").to_owned(),
                    body: fill(
                        text(visitor.lang, "account_mail_exists_body"),
                        &[("brand", &state.config.brand_name), ("link", &link)],
                    ),
                    idempotency_key: format!("account-exists:{}:{hour}", email.as_str()),
                })
                .await?;
        }
        Err(e) => return Err(e.into()),
    }
    state.mail_wakeup.notify_one();
    check_mail(&visitor)
}

// ---------------------------------------------------------------- verify

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn verify(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let verified = match q.token.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => state.store.verify_account(t).await?,
        None => None,
    };
    let Some(id) = verified else {
        let may_resend = visitor
            .account
            .as_ref()
            .is_some_and(|a| !a.email_verified && a.email.is_some());
        return message_page(
            &state,
            &visitor,
            "account_verify_failed_title",
            "account_verify_failed",
            MessageLinks {
                resend: may_resend,
                login_hint: visitor.account.is_none(),
            },
            StatusCode::BAD_REQUEST,
        );
    };
    tracing::info!(account = id.0, "e-mail address verified");
    let session = state.store.create_account_session(id).await?;
    Ok(see_other(
        "/ideeen",
        &[public_cookie(
            &state,
            ACCOUNT_COOKIE,
            &session,
            SESSION_SECONDS,
        )],
    ))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn resend(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let account = visitor
        .account
        .as_ref()
        .ok_or_else(|| AppError::LoginRequired("/account".to_owned()))?;
    let Some(email) = account.email.as_deref().filter(|_| !account.email_verified) else {
        return Ok(see_other("/account", &[]));
    };
    if !state
        .limits
        .allow(&format!("account:{}:resend", account.id.0), 3, HOUR)
    {
        return Err(AppError::TooManyRequests);
    }
    let new_token = token();
    let mail = verification_mail(
        &state,
        visitor.lang,
        email,
        &account.display_name,
        &new_token,
    );
    state
        .store
        .renew_verification(account.id, &new_token, &mail)
        .await?;
    state.mail_wakeup.notify_one();
    message_page(
        &state,
        &visitor,
        "account_resent_title",
        "account_resent",
        MessageLinks::default(),
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------- log in and out

#[derive(Deserialize)]
pub struct BackQuery {
    terug: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    terug: Option<String>,
}

fn render_login(
    state: &AppState,
    visitor: &Visitor,
    email: &str,
    back: &str,
    failed: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let oidc_label = state.config.oidc.as_ref().map(|o| o.label.as_str());
    render_public(
        state,
        visitor,
        "account_login.html",
        minijinja::context! { email, terug => back, failed, oidc_label },
        status,
    )
}

pub async fn login_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<BackQuery>,
) -> Result<Response, AppError> {
    let back = local_back(q.terug.as_deref());
    render_login(&state, &visitor, "", &back, false, StatusCode::OK)
}

pub async fn login(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let back = local_back(form.terug.as_deref());
    let email = EmailAddress::parse(&form.email).ok();
    let email_key = email.as_ref().map_or_else(
        || form.email.trim().to_lowercase(),
        |e| e.as_str().to_lowercase(),
    );
    // Failed logins are throttled per address and account, and (far more loosely) per address:
    // many customers share one address, and one guesser there must not lock them all out.
    let account_key = format!("customer:{email_key}:{}", visitor.ip);
    let address_key = format!("customer::{}", visitor.ip);
    let throttle = &state.limits.logins;
    if let Some(wait) = throttle.wait_any(&[
        (
            &account_key,
            crate::security::CUSTOMER_PER_ACCOUNT_AND_ADDRESS,
        ),
        (&address_key, crate::security::CUSTOMER_PER_ADDRESS),
    ]) {
        return Ok(crate::security::too_many_attempts(wait));
    }
    let found = match &email {
        Some(e) => state.store.account_for_login(e.as_str()).await?,
        None => None,
    };
    let account = match found {
        Some((account, Some(hash))) => verify_in_background(form.password, hash)
            .await?
            .then_some(account),
        _ => {
            if let Some(hash) = dummy_hash() {
                verify_in_background(form.password, hash).await?;
            }
            None
        }
    };
    let Some(account) = account else {
        throttle.failed(&[&account_key, &address_key]);
        tracing::info!("customer login refused");
        return render_login(
            &state,
            &visitor,
            &form.email,
            &back,
            true,
            StatusCode::UNAUTHORIZED,
        );
    };
    throttle.succeeded(&account_key);
    let session = state.store.create_account_session(account.id).await?;
    tracing::info!(account = account.id.0, "customer login");
    Ok(see_other(
        &back,
        &[public_cookie(
            &state,
            ACCOUNT_COOKIE,
            &session,
            SESSION_SECONDS,
        )],
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, ACCOUNT_COOKIE).filter(|t| !t.is_empty()) {
        state.store.delete_account_session(token).await?;
    }
    Ok(see_other(
        "/ideeen",
        &[public_cookie(&state, ACCOUNT_COOKIE, "", 0)],
    ))
}

// ---------------------------------------------------------------- OIDC

/// An OIDC login in progress: the browser's cookie holds only the `state`; the nonce, the PKCE
/// verifier and the way back wait in the store (any node can finish the login, used once).
struct PendingOidc {
    nonce: String,
    verifier: String,
    back: String,
}

/// A state value fit for a cookie (what `start_login` makes: URL-safe characters).
fn cookie_safe(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn oidc_http() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::Internal(format!("building the OIDC HTTP client: {e}")))
}

fn oidc_failed(
    state: &AppState,
    visitor: &Visitor,
    cookies: &[String],
) -> Result<Response, AppError> {
    let page = message_page(
        state,
        visitor,
        "account_oidc_failed_title",
        "account_oidc_failed",
        MessageLinks::default(),
        StatusCode::BAD_REQUEST,
    )?;
    Ok(with_cookies(page, cookies))
}

pub async fn oidc_start(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<BackQuery>,
) -> Result<Response, AppError> {
    let Some(settings) = &state.config.oidc else {
        return Err(AppError::NotFound);
    };
    let http = oidc_http()?;
    let provider = match Provider::discover(&http, &settings.config.issuer).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC discovery failed");
            return oidc_failed(&state, &visitor, &[]);
        }
    };
    let start = match start_login(&provider, &settings.config) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC login could not start");
            return oidc_failed(&state, &visitor, &[]);
        }
    };
    if !cookie_safe(&start.state) {
        return Err(AppError::Internal("OIDC state is not cookie-safe".into()));
    }
    state
        .store
        .save_oidc_login(
            &start.state,
            &start.nonce,
            &start.verifier,
            &local_back(q.terug.as_deref()),
            OIDC_COOKIE_SECONDS * 1000,
        )
        .await?;
    Ok(see_other(
        &start.url,
        &[public_cookie(
            &state,
            OIDC_COOKIE,
            &start.state,
            OIDC_COOKIE_SECONDS,
        )],
    ))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn oidc_callback(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let clear = public_cookie(&state, OIDC_COOKIE, "", 0);
    let Some(settings) = &state.config.oidc else {
        return Err(AppError::NotFound);
    };
    let browser_state = cookie(&headers, OIDC_COOKIE).filter(|s| cookie_safe(s));
    let (Some(browser_state), Some(code), Some(got_state), None) =
        (browser_state, q.code, q.state, q.error.as_deref())
    else {
        if let Some(error) = q.error.as_deref() {
            tracing::info!(error, "OIDC provider refused the login");
        } else {
            tracing::info!("OIDC callback without code, state or login cookie");
        }
        return oidc_failed(&state, &visitor, &[clear]);
    };
    if !constant_time_eq(got_state.as_bytes(), browser_state.as_bytes()) {
        tracing::warn!("OIDC callback with a state that is not this browser's");
        return oidc_failed(&state, &visitor, &[clear]);
    }
    let Some((nonce, verifier, back)) = state.store.take_oidc_login(&got_state).await? else {
        tracing::warn!("OIDC callback for a login that is unknown, used or expired");
        return oidc_failed(&state, &visitor, &[clear]);
    };
    let pending = PendingOidc {
        nonce,
        verifier,
        back,
    };
    let http = oidc_http()?;
    let identity = match Provider::discover(&http, &settings.config.issuer).await {
        Ok(provider) => {
            finish_login(
                &http,
                &provider,
                &settings.config,
                &code,
                &pending.verifier,
                &pending.nonce,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let identity = match identity {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC login failed");
            return oidc_failed(&state, &visitor, &[clear]);
        }
    };
    let name = identity
        .name
        .as_deref()
        .and_then(|n| DisplayName::parse(n).ok())
        .or_else(|| {
            let local = identity.email.as_deref()?.split('@').next()?;
            DisplayName::parse(local).ok()
        })
        .map_or_else(
            || text(visitor.lang, "account_default_name").to_owned(),
            |n| n.as_str().to_owned(),
        );
    let email = identity
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
        .map(|e| e.as_str().to_owned());
    let account = state
        .store
        .oidc_account(&OidcLogin {
            issuer: identity.issuer,
            subject: identity.subject,
            email,
            email_verified: identity.email_verified,
            name,
            language: visitor.lang.code().to_owned(),
        })
        .await?;
    let session = state.store.create_account_session(account.id).await?;
    tracing::info!(account = account.id.0, "customer login through OIDC");
    Ok(see_other(
        &local_back(Some(&pending.back)),
        &[
            clear,
            public_cookie(&state, ACCOUNT_COOKIE, &session, SESSION_SECONDS),
        ],
    ))
}

// ---------------------------------------------------------------- profile

#[derive(Deserialize)]
pub struct SavedQuery {
    opgeslagen: Option<String>,
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    notify_status: Option<String>,
    notify_reactions: Option<String>,
}

struct ProfileView<'a> {
    display_name: &'a str,
    language: &'a str,
    notify_status: bool,
    notify_reactions: bool,
    saved: bool,
    errors: FieldErrors,
}

fn render_profile(
    state: &AppState,
    visitor: &Visitor,
    view: &ProfileView<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_public(
        state,
        visitor,
        "account_profile.html",
        minijinja::context! {
            display_name => view.display_name,
            language => view.language,
            notify_status => view.notify_status,
            notify_reactions => view.notify_reactions,
            saved => view.saved,
            errors => &view.errors,
        },
        status,
    )
}

pub async fn profile_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let Some(account) = &visitor.account else {
        return Err(AppError::LoginRequired("/account".to_owned()));
    };
    let view = ProfileView {
        display_name: &account.display_name,
        language: &account.language,
        notify_status: account.notify_status,
        notify_reactions: account.notify_reactions,
        saved: q.opgeslagen.is_some(),
        errors: no_errors(PROFILE_FIELDS),
    };
    render_profile(&state, &visitor, &view, StatusCode::OK)
}

pub async fn profile_save(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let Some(account) = &visitor.account else {
        return Err(AppError::LoginRequired("/account".to_owned()));
    };
    visitor.check_csrf(&form.csrf)?;
    let mut errors = no_errors(PROFILE_FIELDS);
    let name = DisplayName::parse(&form.display_name)
        .map_err(|_| {
            errors.insert(
                "display_name",
                text(visitor.lang, "account_err_display_name"),
            )
        })
        .ok();
    let language = Lang::parse(&form.language);
    if language.is_none() {
        errors.insert("language", text(visitor.lang, "account_err_language"));
    }
    let notify_status = form.notify_status.is_some();
    let notify_reactions = form.notify_reactions.is_some();
    let (Some(name), Some(language)) = (name, language) else {
        let view = ProfileView {
            display_name: &form.display_name,
            language: &form.language,
            notify_status,
            notify_reactions,
            saved: false,
            errors,
        };
        return render_profile(&state, &visitor, &view, StatusCode::UNPROCESSABLE_ENTITY);
    };
    state
        .store
        .update_account(
            account.id,
            name.as_str(),
            language.code(),
            notify_status,
            notify_reactions,
        )
        .await?;
    Ok(see_other(
        "/account?opgeslagen=1",
        &[public_cookie(
            &state,
            LANG_COOKIE,
            language.code(),
            LANG_COOKIE_SECONDS,
        )],
    ))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// The confirmation word is accepted in either language, so a language switch between page and
/// form does not trip anyone up.
fn confirms_deletion(word: &str) -> bool {
    let word = word.trim().to_lowercase();
    Lang::ALL
        .iter()
        .any(|l| text(*l, "account_delete_word") == word)
}

pub async fn delete(
    State(state): State<AppState>,
    mut visitor: Visitor,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let Some(account) = visitor.account.clone() else {
        return Err(AppError::LoginRequired("/account".to_owned()));
    };
    visitor.check_csrf(&form.csrf)?;
    if !confirms_deletion(&form.confirm) {
        let mut errors = no_errors(PROFILE_FIELDS);
        errors.insert("confirm", text(visitor.lang, "account_err_confirm"));
        let view = ProfileView {
            display_name: &account.display_name,
            language: &account.language,
            notify_status: account.notify_status,
            notify_reactions: account.notify_reactions,
            saved: false,
            errors,
        };
        return render_profile(&state, &visitor, &view, StatusCode::UNPROCESSABLE_ENTITY);
    }
    state.store.delete_account(account.id).await?;
    tracing::info!(account = account.id.0, "account deleted by its owner");
    // The page that confirms it is shown to a visitor without an account (and a fresh form token).
    visitor.account = None;
    visitor.csrf = token();
    visitor.new_csrf_cookie = true;
    let page = message_page(
        &state,
        &visitor,
        "account_deleted_title",
        "account_deleted",
        MessageLinks::default(),
        StatusCode::OK,
    )?;
    Ok(with_cookies(
        page,
        &[public_cookie(&state, ACCOUNT_COOKIE, "", 0)],
    ))
}

// ---------------------------------------------------------------- language

#[derive(Deserialize)]
pub struct LanguageQuery {
    lang: Option<String>,
    terug: Option<String>,
}

pub async fn switch_language(
    State(state): State<AppState>,
    Query(q): Query<LanguageQuery>,
) -> Result<Response, AppError> {
    // A GET only sets the cookie: a link from another site must not change stored state. The
    // cookie wins over the account's stored language; the profile form changes that.
    let back = local_back(q.terug.as_deref());
    let Some(lang) = q.lang.as_deref().and_then(Lang::parse) else {
        return Ok(see_other(&back, &[]));
    };
    Ok(see_other(
        &back,
        &[public_cookie(
            &state,
            LANG_COOKIE,
            lang.code(),
            LANG_COOKIE_SECONDS,
        )],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_come_back() {
        assert_eq!(local_back(Some("/ideeen/12")), "/ideeen/12");
        assert_eq!(local_back(Some("//evil.example")), "/ideeen");
        assert_eq!(local_back(Some("https://evil.example")), "/ideeen");
        assert_eq!(local_back(Some("/\\evil.example")), "/ideeen");
        assert_eq!(local_back(Some("")), "/ideeen");
        assert_eq!(local_back(None), "/ideeen");
        assert_eq!(local_back(Some("/inbox")), "/inbox");
    }

    #[test]
    fn only_url_safe_states_go_into_the_cookie() {
        assert!(cookie_safe("Abc-_123"));
        assert!(!cookie_safe(""));
        assert!(!cookie_safe("a;b"));
        assert!(!cookie_safe("a b"));
        assert!(!cookie_safe(&"x".repeat(300)));
    }

    #[test]
    fn the_deletion_word_works_in_both_languages() {
        assert!(confirms_deletion(" Verwijderen "));
        assert!(confirms_deletion("delete"));
        assert!(!confirms_deletion("ja"));
    }
}
