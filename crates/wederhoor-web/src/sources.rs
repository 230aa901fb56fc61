//! Listening sources: the admin page (`/admin/sources`), the public list of what we monitor
//! (`/bronnen`) and manual capture of posts from sites without an API (`/capture`).

use crate::auth::{ADMIN, AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, text};
use crate::ingest::ItemResult;
use crate::system::CsrfForm;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wederhoor_core::message::{MAX_FIELD_BYTES, MAX_TEXT_BYTES};
use wederhoor_core::{DeliveryKind, SourceId};
use wederhoor_store::{NewSource, Source, SourceHealth, SourceSettings};

/// Every kind of source, in the order the pages show them. This is the one list; each kind has
/// a label `kind_<kind>` in the catalogue.
pub const SOURCE_KINDS: &[&str] = &[
    "rss",
    "mastodon",
    "bluesky",
    "email",
    "webhook",
    "whatsapp",
    "facebook",
    "instagram",
    "forum",
    "consumer_site",
    "manual",
    "import",
];
/// The kind a new source gets when none is chosen.
pub const DEFAULT_KIND: &str = "webhook";
/// The kind of a source made while capturing a post by hand.
pub const CAPTURE_KIND: &str = "consumer_site";
/// Kinds whose URL is a public web address we may show on `/bronnen` (never e-mail, webhook,
/// WhatsApp or import addresses).
const PUBLIC_URL_KINDS: &[&str] = &[
    "rss",
    "mastodon",
    "bluesky",
    "facebook",
    "forum",
    "consumer_site",
];
pub const MIN_POLL_SECS: i64 = 30;
pub const MAX_POLL_SECS: i64 = 86_400;
pub const DEFAULT_POLL_SECS: i64 = 300;
pub const MAX_RETENTION_DAYS: i64 = 3650;
const MAX_NAME_CHARS: usize = 100;
const MAX_URL_BYTES: usize = 2048;
const MAX_QUERY_BYTES: usize = 4096;

/// An `http://` or `https://` address with a host and no spaces or control characters.
fn is_http_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// A source URL that may be shown to the public: a web address of a public kind, without
/// credentials, query string or fragment (feeds sometimes carry API keys there).
fn public_url(source: &Source) -> Option<String> {
    let url = source.url.as_deref()?;
    if !PUBLIC_URL_KINDS.contains(&source.kind.as_str()) || !is_http_url(url) {
        return None;
    }
    let host = url.split("://").nth(1)?.split(['/', '?', '#']).next()?;
    if host.contains('@') || url.contains('?') || url.contains('#') {
        return None;
    }
    Some(url.to_owned())
}

/// `scheme://host` of a URL (for a consumer site made while capturing), when it has no credentials.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !host.contains('@')).then(|| format!("{}://{host}", scheme.to_lowercase()))
}

fn kind_label(lang: Lang, kind: &str) -> String {
    pages::kind_name(lang, kind)
}

// ----- the admin page -----

/// The fields of the add and edit forms, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    listening_query: String,
    #[serde(default)]
    poll_interval_secs: String,
    #[serde(default)]
    retention_days: String,
    /// Checkboxes: absent when unchecked.
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    owned: Option<String>,
    /// Set by our own forms, so an absent checkbox means "off"; clients that post only a name
    /// and kind get an enabled, owned source.
    #[serde(default)]
    checkboxes: Option<String>,
    /// Add form only: where replies go.
    #[serde(default)]
    webhook_url: String,
    #[serde(default)]
    webhook_secret: String,
}

/// Source settings as typed values (the JSON API and `sources.toml`), checked by the same rules
/// as the admin form.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub listening_query: Option<String>,
    #[serde(default)]
    pub poll_interval_secs: Option<i64>,
    #[serde(default)]
    pub retention_days: Option<i64>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub owned: bool,
}

fn yes() -> bool {
    true
}

impl SourceSpec {
    /// The settings, or a sentence saying what is wrong (in `lang`).
    pub fn validate(&self, lang: Lang) -> Result<SourceSettings, String> {
        let flag = |b: bool| Some(if b { "1" } else { "0" }.to_owned());
        let form = SettingsForm {
            name: self.name.clone(),
            kind: self.kind.clone(),
            url: self.url.clone().unwrap_or_default(),
            listening_query: self.listening_query.clone().unwrap_or_default(),
            poll_interval_secs: self
                .poll_interval_secs
                .map(|p| p.to_string())
                .unwrap_or_default(),
            retention_days: self
                .retention_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            enabled: flag(self.enabled),
            owned: flag(self.owned),
            checkboxes: Some("1".to_owned()),
            ..SettingsForm::default()
        };
        validate_settings(&form, lang)
    }
}

impl SettingsForm {
    fn from_source(s: &Source) -> SettingsForm {
        SettingsForm {
            name: s.name.clone(),
            kind: s.kind.clone(),
            url: s.url.clone().unwrap_or_default(),
            listening_query: s.listening_query.clone().unwrap_or_default(),
            poll_interval_secs: s.poll_interval_secs.to_string(),
            retention_days: s.retention_days.map(|d| d.to_string()).unwrap_or_default(),
            enabled: s.enabled.then(|| "1".to_owned()),
            owned: s.owned.then(|| "1".to_owned()),
            ..SettingsForm::default()
        }
    }

    fn checked(&self, field: &Option<String>) -> bool {
        match field {
            Some(v) => !matches!(v.as_str(), "" | "0" | "false" | "off"),
            None => self.checkboxes.is_none(),
        }
    }
}

/// Checks a settings form; the error is a sentence for the user in `lang`.
pub fn validate_settings(form: &SettingsForm, lang: Lang) -> Result<SourceSettings, String> {
    let name = form.name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(text(lang, "src_err_name").to_owned());
    }
    let kind = match form.kind.trim() {
        "" => DEFAULT_KIND,
        k => k,
    };
    if !SOURCE_KINDS.contains(&kind) {
        return Err(format!(
            "{} {}",
            text(lang, "src_err_kind"),
            SOURCE_KINDS.join(", ")
        ));
    }
    let url = form.url.trim();
    // An e-mail source reads a mailbox: `imap://user@host:port/MAILBOX` or `imaps://…`.
    let url_ok = if kind == "email" {
        wederhoor_listen::email::ImapEndpoint::parse(url).is_ok()
    } else {
        is_http_url(url)
    };
    if !url.is_empty() && (url.len() > MAX_URL_BYTES || !url_ok) {
        return Err(text(lang, "src_err_url").to_owned());
    }
    if url.is_empty() && kind == "rss" {
        return Err(text(lang, "src_err_url_required").to_owned());
    }
    let query = form.listening_query.trim();
    if query.len() > MAX_QUERY_BYTES {
        return Err(text(lang, "src_err_query_long").to_owned());
    }
    if !query.is_empty()
        && let Err(e) = wederhoor_listen::query::Query::parse(query)
    {
        return Err(format!("{} {e}", text(lang, "src_err_query")));
    }
    let poll_interval_secs = match form.poll_interval_secs.trim() {
        "" => DEFAULT_POLL_SECS,
        p => match p.parse::<i64>() {
            Ok(n) if (MIN_POLL_SECS..=MAX_POLL_SECS).contains(&n) => n,
            _ => return Err(text(lang, "src_err_poll").to_owned()),
        },
    };
    let retention_days = match form.retention_days.trim() {
        "" => None,
        r => match r.parse::<i64>() {
            Ok(n) if (1..=MAX_RETENTION_DAYS).contains(&n) => Some(n),
            _ => return Err(text(lang, "src_err_retention").to_owned()),
        },
    };
    Ok(SourceSettings {
        kind: kind.to_owned(),
        name: name.to_owned(),
        url: (!url.is_empty()).then(|| url.to_owned()),
        listening_query: (!query.is_empty()).then(|| query.to_owned()),
        poll_interval_secs,
        enabled: form.checked(&form.enabled),
        retention_days,
        owned: form.checked(&form.owned),
    })
}

/// One source as the admin page shows it: its settings as form values, its delivery and health.
#[derive(Serialize)]
struct SourceRow {
    id: i64,
    kind_label: String,
    delivery_kind: &'static str,
    delivery_url: Option<String>,
    created_at: i64,
    /// What the table shows (stored values).
    stored: SettingsForm,
    stored_enabled: bool,
    stored_owned: bool,
    /// What the edit form shows (the stored values, or what was just typed when it was refused).
    form: SettingsForm,
    form_enabled: bool,
    form_owned: bool,
    health: Option<SourceHealth>,
    degraded: bool,
    /// The edit form is open (it was just refused).
    open: bool,
}

/// What a page render adds to the list.
#[derive(Default)]
struct PageExtra {
    token: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
    /// A refused form: the source it was for (None: the add form) and what was typed.
    draft: Option<(Option<SourceId>, SettingsForm)>,
}

async fn sources_page<const MIN: u8>(
    state: &AppState,
    auth: &Auth<MIN>,
    extra: PageExtra,
    status: StatusCode,
) -> Result<Response, AppError> {
    let sources = state.store.list_sources().await?;
    let health: HashMap<SourceId, SourceHealth> = state
        .store
        .source_health()
        .await?
        .into_iter()
        .filter_map(|h| h.source.map(|id| (id, h)))
        .collect();
    let lang = auth.lang;
    let rows: Vec<SourceRow> = sources
        .iter()
        .map(|s| {
            let stored = SettingsForm::from_source(s);
            let draft = match &extra.draft {
                Some((Some(id), form)) if *id == s.id => Some(form.clone()),
                _ => None,
            };
            let open = draft.is_some();
            let form = draft.unwrap_or_else(|| stored.clone());
            let h = health.get(&s.id).cloned();
            SourceRow {
                id: s.id.0,
                kind_label: kind_label(lang, &s.kind),
                delivery_kind: s.delivery_kind.as_str(),
                delivery_url: s.delivery_url.clone(),
                created_at: s.created_at,
                stored_enabled: s.enabled,
                stored_owned: s.owned,
                form_enabled: form.checked(&form.enabled),
                form_owned: form.checked(&form.owned),
                stored,
                form,
                degraded: h.as_ref().is_some_and(|h| h.consecutive_failures > 0),
                health: h,
                open,
            }
        })
        .collect();
    let add_form = match extra.draft {
        Some((None, form)) => form,
        _ => SettingsForm {
            kind: DEFAULT_KIND.to_owned(),
            poll_interval_secs: DEFAULT_POLL_SECS.to_string(),
            enabled: Some("1".to_owned()),
            owned: Some("1".to_owned()),
            ..SettingsForm::default()
        },
    };
    let kinds: Vec<minijinja::Value> = SOURCE_KINDS
        .iter()
        .map(|k| minijinja::context! { value => k, label => kind_label(lang, k) })
        .collect();
    let html = pages::render(
        state,
        "sources.html",
        lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            is_admin => auth.agent.role.allows(wederhoor_core::Role::Admin),
            sources => rows,
            kinds => kinds,
            add_enabled => add_form.checked(&add_form.enabled),
            add_owned => add_form.checked(&add_form.owned),
            add => add_form,
            min_poll => MIN_POLL_SECS,
            max_poll => MAX_POLL_SECS,
            max_retention => MAX_RETENTION_DAYS,
            new_token => extra.token.map(|(name, t)| minijinja::context! { source => name, token => t }),
            notice => extra.notice,
            error => extra.error,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<i64>,
}

/// `GET /admin/sources`: every source with its settings and health (leads read, admins edit).
pub async fn admin_list(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let notice = q.saved.map(|_| text(auth.lang, "src_saved").to_owned());
    sources_page(
        &state,
        &auth,
        PageExtra {
            notice,
            ..PageExtra::default()
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/sources`: adds a source and shows its ingest token once.
pub async fn add(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let refused = |error: String, form: SettingsForm| PageExtra {
        error: Some(error),
        draft: Some((None, form)),
        ..PageExtra::default()
    };
    let settings = match validate_settings(&form, auth.lang) {
        Ok(s) => s,
        Err(e) => {
            return sources_page(
                &state,
                &auth,
                refused(e, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let webhook_url = form.webhook_url.trim();
    if !webhook_url.is_empty() && (webhook_url.len() > MAX_URL_BYTES || !is_http_url(webhook_url)) {
        let e = text(auth.lang, "src_err_webhook_url").to_owned();
        return sources_page(
            &state,
            &auth,
            refused(e, form),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // Meta channels keep their credentials in the secret, as JSON (`wederhoor_listen::meta`).
    if DeliveryKind::meta(&settings.kind).is_some() && !form.webhook_secret.trim().is_empty() {
        let checked = wederhoor_listen::MetaSettings::parse(form.webhook_secret.trim())
            .and_then(|m| m.check_for(&settings.kind));
        if let Err(detail) = checked {
            let e = format!("{} ({detail})", text(auth.lang, "src_err_meta_settings"));
            return sources_page(
                &state,
                &auth,
                refused(e, form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    let (source, token) = state
        .store
        .create_source(&NewSource {
            kind: settings.kind.clone(),
            name: settings.name.clone(),
            delivery_kind: DeliveryKind::for_new_source(
                &settings.kind,
                !webhook_url.is_empty(),
                !form.webhook_secret.trim().is_empty(),
            ),
            delivery_url: (!webhook_url.is_empty()).then(|| webhook_url.to_owned()),
            delivery_secret: (!form.webhook_secret.trim().is_empty())
                .then(|| form.webhook_secret.trim().to_owned()),
        })
        .await?;
    state
        .store
        .update_source_settings(source.id, &settings, Some(auth.agent.id))
        .await?;
    sources_page(
        &state,
        &auth,
        PageExtra {
            token: Some((source.name, token)),
            ..PageExtra::default()
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/sources/{id}`: changes a source's settings.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Path(id): Path<i64>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = SourceId(id);
    if state.store.source(id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    match validate_settings(&form, auth.lang) {
        Ok(settings) => {
            state
                .store
                .update_source_settings(id, &settings, Some(auth.agent.id))
                .await?;
            Ok(Redirect::to(&format!("/admin/sources?saved={id}#source-{id}")).into_response())
        }
        Err(e) => {
            let error = format!("{}: {e}", form.name.trim());
            sources_page(
                &state,
                &auth,
                PageExtra {
                    error: Some(error),
                    draft: Some((Some(id), form)),
                    ..PageExtra::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /admin/sources/{id}/token`: a new ingest token, shown once; the old one stops working
/// at once. Audited.
pub async fn rotate_token(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = SourceId(id);
    let source = state.store.source(id).await?.ok_or(AppError::NotFound)?;
    let token = state
        .store
        .rotate_source_token(id, Some(auth.agent.id))
        .await?;
    sources_page(
        &state,
        &auth,
        PageExtra {
            token: Some((source.name, token)),
            ..PageExtra::default()
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/sources/{id}/delete`: removes a source without messages; one with messages is
/// retired (disabled, token replaced, hidden) so its messages keep their source. Audited.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let outcome = state
        .store
        .delete_source(SourceId(id), Some(auth.agent.id))
        .await?;
    let key = match outcome {
        wederhoor_store::SourceDeletion::Removed => "src_deleted",
        wederhoor_store::SourceDeletion::Retired => "src_retired",
    };
    sources_page(
        &state,
        &auth,
        PageExtra {
            notice: Some(text(auth.lang, key).to_owned()),
            ..PageExtra::default()
        },
        StatusCode::OK,
    )
    .await
}

// ----- the public list -----

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Serialize)]
struct PublicSource {
    name: String,
    url: Option<String>,
    since: i64,
    owned: bool,
}

#[derive(Serialize)]
struct PublicGroup {
    kind: String,
    label: String,
    sources: Vec<PublicSource>,
}

/// `GET /bronnen`: the sources we monitor, for anyone (no login), in the visitor's language
/// (`crate::public::visitor_lang`: `?lang=`, the switch's cookie, the browser's language).
pub async fn public_list(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<LangQuery>,
) -> Result<Html<String>, AppError> {
    let lang = crate::public::visitor_lang(q.lang.as_deref(), &headers, None);
    let sources = state.store.list_sources().await?;
    let mut groups: Vec<PublicGroup> = Vec::new();
    // Known kinds in their order, then any other kind stored by an older version.
    let mut order: Vec<String> = SOURCE_KINDS.iter().map(|k| (*k).to_owned()).collect();
    for s in &sources {
        if !order.contains(&s.kind) {
            order.push(s.kind.clone());
        }
    }
    for kind in order {
        let members: Vec<PublicSource> = sources
            .iter()
            .filter(|s| s.enabled && s.kind == kind)
            .map(|s| PublicSource {
                name: s.name.clone(),
                url: public_url(s),
                since: s.created_at,
                owned: s.owned,
            })
            .collect();
        if !members.is_empty() {
            groups.push(PublicGroup {
                label: kind_label(lang, &kind),
                kind,
                sources: members,
            });
        }
    }
    pages::render(
        &state,
        "public_sources.html",
        lang,
        minijinja::context! {
            groups => groups,
            other_langs => crate::public::other_languages(lang),
        },
    )
}

// ----- manual capture -----

/// The capture form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CaptureForm {
    #[serde(default)]
    csrf: String,
    /// A source id, or `new` for a new consumer site named `new_name`.
    #[serde(default)]
    source: String,
    #[serde(default)]
    new_name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    text: String,
    /// Amsterdam wall-clock time (`datetime-local`) or RFC 3339; empty: now.
    #[serde(default)]
    time: String,
}

/// What the capture page says above the form.
#[derive(Default)]
struct CaptureOutcome {
    error: Option<String>,
    /// The conversation that already holds this post.
    existing: Option<wederhoor_core::ConversationId>,
}

impl From<Option<String>> for CaptureOutcome {
    fn from(error: Option<String>) -> Self {
        CaptureOutcome {
            error,
            existing: None,
        }
    }
}

async fn capture_page(
    state: &AppState,
    auth: &Auth<AGENT>,
    form: &CaptureForm,
    outcome: impl Into<CaptureOutcome>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let outcome = outcome.into();
    let sources: Vec<minijinja::Value> = state
        .store
        .list_sources()
        .await?
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.id.0.to_string(),
                name => &s.name,
                kind_label => kind_label(auth.lang, &s.kind),
                enabled => s.enabled,
            }
        })
        .collect();
    let html = pages::render(
        state,
        "capture.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            sources => sources,
            form => form,
            error => outcome.error,
            existing => outcome.existing,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /capture`: the form for a post found by hand.
pub async fn capture_form(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
) -> Result<Response, AppError> {
    capture_page(&state, &auth, &CaptureForm::default(), None, StatusCode::OK).await
}

/// An Amsterdam wall-clock time (`2026-11-25T14:30`) or an RFC 3339 time, as RFC 3339 UTC.
fn parse_capture_time(s: &str) -> Option<String> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.to_string());
    }
    let civil = s.parse::<jiff::civil::DateTime>().ok()?;
    let zoned = civil.to_zoned(pages::AMSTERDAM.clone()).ok()?;
    Some(zoned.timestamp().to_string())
}

/// `POST /capture`: stores the post as a message of the chosen source, through the same path
/// as the ingest API (so it is triaged), with the post's URL as its external id.
pub async fn capture(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Form(form): Form<CaptureForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let lang = auth.lang;
    let refuse = |key: &str| Err::<(), String>(text(lang, key).to_owned());
    let checked: Result<(), String> = (|| {
        let url = form.url.trim();
        if url.is_empty() {
            return refuse("cap_err_url_required");
        }
        if url.len() > MAX_FIELD_BYTES || !is_http_url(url) {
            return refuse("cap_err_url");
        }
        if form.text.trim().is_empty() {
            return refuse("cap_err_text");
        }
        if form.text.len() > MAX_TEXT_BYTES {
            return refuse("cap_err_text_long");
        }
        if form.author.trim().len() > MAX_FIELD_BYTES {
            return refuse("cap_err_author");
        }
        if !form.time.trim().is_empty() && parse_capture_time(form.time.trim()).is_none() {
            return refuse("cap_err_time");
        }
        if form.source.trim() == "new" {
            let n = form.new_name.trim().chars().count();
            if n == 0 || n > MAX_NAME_CHARS {
                return refuse("cap_err_new_name");
            }
        } else if form.source.trim().parse::<i64>().is_err() {
            return refuse("cap_err_source");
        }
        Ok(())
    })();
    if let Err(e) = checked {
        return capture_page(
            &state,
            &auth,
            &form,
            Some(e),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let url = form.url.trim().to_owned();
    let source = if form.source.trim() == "new" {
        let name = form.new_name.trim();
        match state.store.source_by_name(name).await? {
            Some(existing) => existing,
            None => {
                let (created, _token) = state
                    .store
                    .create_source(&NewSource {
                        kind: CAPTURE_KIND.to_owned(),
                        name: name.to_owned(),
                        delivery_kind: DeliveryKind::Manual,
                        delivery_url: None,
                        delivery_secret: None,
                    })
                    .await?;
                // Somebody else's site: we listen, we do not own it. An agent's capture does not
                // publish a source on `/bronnen`: it stays disabled until an admin enables it.
                let mut settings = SourceSettings::from(&created);
                settings.owned = false;
                settings.enabled = false;
                settings.url = origin(&url);
                state
                    .store
                    .update_source_settings(created.id, &settings, Some(auth.agent.id))
                    .await?;
                state
                    .store
                    .source(created.id)
                    .await?
                    .ok_or(AppError::NotFound)?
            }
        }
    } else {
        let id = form.source.trim().parse::<i64>().unwrap_or_default();
        match state.store.source(SourceId(id)).await? {
            Some(s) => s,
            None => {
                let e = text(lang, "cap_err_source").to_owned();
                return capture_page(
                    &state,
                    &auth,
                    &form,
                    Some(e),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    };
    // An @handle is a handle; a plain name is kept as the author's name and as the handle that
    // ties the author's posts (and a privacy lookup) together.
    let author = wederhoor_core::handle::CapturedAuthor::parse(&form.author);
    let (handle, name) = (author.handle(), author.name());
    let mut value = serde_json::json!({
        "id": url,
        "text": form.text,
        "author": { "handle": handle, "name": name },
    });
    if let Some(t) = parse_capture_time(form.time.trim()) {
        value["created_at"] = serde_json::Value::String(t);
    }
    let rules = state.active_rules();
    let ctx = wederhoor_app::ingest::Ingest {
        store: &state.store,
        rules: &rules,
        events: &state,
        alerts: Some(&state.alerts),
        reach: &state.config.reach,
        escalations: &state.config.escalations,
    };
    let batch = wederhoor_app::ingest::Batch::Json(vec![value]);
    let report = wederhoor_app::ingest::ingest_batch(&ctx, &source, batch).await?;
    match report.results.into_iter().next() {
        // Captured again with more reach: the case, its metrics raised.
        Some(
            ItemResult::Stored { conversation, .. } | ItemResult::Updated { conversation, .. },
        ) => Ok(Redirect::to(&format!("/c/{conversation}")).into_response()),
        Some(ItemResult::Duplicate { message }) => {
            let e = format!("{} {} ({})", text(lang, "cap_duplicate"), source.name, url);
            let existing = state.store.message_conversation(message).await?;
            let outcome = CaptureOutcome {
                error: Some(e),
                existing,
            };
            capture_page(&state, &auth, &form, outcome, StatusCode::CONFLICT).await
        }
        Some(ItemResult::Rejected { error }) => {
            capture_page(
                &state,
                &auth,
                &form,
                Some(error),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        None => Err(AppError::Internal("capture: no ingest result".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_only_clean_public_ones_shown() {
        assert!(is_http_url("https://www.kassa.nl/forum/1"));
        assert!(is_http_url("HTTP://example.nl"));
        assert!(!is_http_url("ftp://example.nl"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https://a b"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert_eq!(
            origin("https://www.kassa.nl/forum/1?x=2"),
            Some("https://www.kassa.nl".to_owned())
        );
        assert_eq!(origin("https://user:pw@host/x"), None);
        assert_eq!(
            parse_capture_time("2026-07-01T14:00").as_deref(),
            Some("2026-07-01T12:00:00Z")
        );
        assert_eq!(parse_capture_time("gisteren"), None);
    }

    #[test]
    fn every_kind_has_a_label_in_both_languages() {
        for k in SOURCE_KINDS {
            for lang in [Lang::Nl, Lang::En] {
                assert!(!text(lang, &format!("kind_{k}")).is_empty(), "{k}");
            }
        }
        assert!(SOURCE_KINDS.contains(&DEFAULT_KIND) && SOURCE_KINDS.contains(&CAPTURE_KIND));
    }

    /// Whether a reply may reach the public is decided for every kind a source can have (issue
    /// 14): a new kind must be added here with its decision, and only e-mail and WhatsApp are
    /// private; a generic webhook source is public whatever its delivery.
    #[test]
    fn every_kind_has_an_explicit_decision_whether_its_replies_are_public() {
        use wederhoor_core::reply_is_public;
        let public = [
            "rss",
            "mastodon",
            "bluesky",
            "webhook",
            "facebook",
            "instagram",
            "forum",
            "consumer_site",
            "manual",
            "import",
        ];
        let private = ["email", "whatsapp"];
        let mut decided: Vec<&str> = public.iter().chain(private.iter()).copied().collect();
        let mut kinds = SOURCE_KINDS.to_vec();
        decided.sort_unstable();
        kinds.sort_unstable();
        assert_eq!(decided, kinds, "a source kind without a decision");
        for k in public {
            for delivery in [DeliveryKind::Manual, DeliveryKind::Webhook] {
                assert!(reply_is_public(k, delivery), "{k}/{delivery}");
            }
        }
        for k in private {
            for delivery in [DeliveryKind::Manual, DeliveryKind::Webhook] {
                assert!(!reply_is_public(k, delivery), "{k}/{delivery}");
            }
        }
    }
}
