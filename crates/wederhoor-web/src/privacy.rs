//! Privacy (GDPR): team leads and admins look up what is stored about one person (a handle in a
//! source), download it as JSON, or erase it. Exports and erasures are audited by the store.

use crate::auth::{Auth, LEAD};
use crate::error::AppError;
use crate::error::url_encode;
use crate::i18n::text;
use crate::live::LiveEvent;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wederhoor_core::handle::same_handle;
use wederhoor_store::{ErasureReport, PersonExport, Source};

/// The longest handle we look up (authors' handles are far shorter).
const MAX_HANDLE_BYTES: usize = 512;

/// Which person: the source (id or name) and the author handle.
#[derive(Debug, Default, Deserialize)]
pub struct PersonQuery {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub handle: String,
    /// Set after an account of the feedback page was erased (shows a notice).
    #[serde(default)]
    pub account_erased: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub confirm: String,
    #[serde(default)]
    pub reason: String,
}

/// A source named by its id or its name.
async fn find_source(state: &AppState, source: &str) -> Result<Option<Source>, AppError> {
    let source = source.trim();
    if source.is_empty() {
        return Ok(None);
    }
    Ok(state
        .store
        .list_sources()
        .await?
        .into_iter()
        .find(|s| s.id.0.to_string() == source || s.name == source))
}

/// The person named by a query, with what is stored about them; `None` when no source is given.
async fn lookup(
    state: &AppState,
    query: &PersonQuery,
) -> Result<Option<(Source, PersonExport)>, AppError> {
    let handle = query.handle.trim();
    if handle.is_empty() || handle.len() > MAX_HANDLE_BYTES {
        return Ok(None);
    }
    let Some(source) = find_source(state, &query.source).await? else {
        return Ok(None);
    };
    // One lookup by the handle's key (`wederhoor_core::handle`): with or without `@`, any letter
    // case; telling a customer nothing is kept while it is would be wrong.
    let export = state.store.person_export(source.id, handle).await?;
    Ok(Some((source, export)))
}

struct PageParts<'a> {
    query: &'a PersonQuery,
    found: Option<(Source, PersonExport)>,
    error: Option<&'static str>,
    report: Option<ErasureReport>,
    reason: &'a str,
}

async fn page(
    state: &AppState,
    auth: &Auth<LEAD>,
    parts: PageParts<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let sources: Vec<minijinja::Value> = state
        .store
        .list_sources()
        .await?
        .iter()
        .map(|s| minijinja::context! { id => s.id.0.to_string(), name => &s.name })
        .collect();
    let (source, export) = match parts.found {
        Some((s, e)) => (Some(s), Some(e)),
        None => (None, None),
    };
    let export_url = source.as_ref().map(|s| {
        format!(
            "/privacy/export?source={}&handle={}",
            s.id.0,
            url_encode(parts.query.handle.trim())
        )
    });
    let html = pages::render(
        state,
        "privacy.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            sources => sources,
            source_value => parts.query.source.trim(),
            handle => parts.query.handle.trim(),
            searched => !parts.query.handle.trim().is_empty(),
            source => source.as_ref().map(|s| minijinja::context! { id => s.id.0.to_string(), name => &s.name }),
            export => export,
            export_url => export_url,
            error => parts.error.map(|k| text(auth.lang, k)),
            report => parts.report,
            reason => parts.reason,
            account_erased => parts.query.account_erased.is_some(),
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /privacy`: the lookup form and, for a source and handle, what is stored about them.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(query): Query<PersonQuery>,
) -> Result<Response, AppError> {
    let found = lookup(&state, &query).await?;
    let parts = PageParts {
        query: &query,
        found,
        error: None,
        report: None,
        reason: "",
    };
    page(&state, &auth, parts, StatusCode::OK).await
}

/// `GET /privacy/export`: everything stored about the person as a JSON download (audited).
pub async fn export(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(query): Query<PersonQuery>,
) -> Result<Response, AppError> {
    let Some((source, export)) = lookup(&state, &query).await? else {
        return Err(AppError::NotFound);
    };
    state
        .store
        .record_person_export(&export, Some(auth.agent.id))
        .await?;
    json_download(
        &export,
        &format!(
            "wederhoor-export-{}-{}.json",
            source.id.0, export.exported_at
        ),
    )
}

/// `POST /privacy/erase`: erases the person after the handle is typed again and a reason given.
pub async fn erase(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<EraseForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let query = PersonQuery {
        source: form.source.clone(),
        handle: form.handle.clone(),
        account_erased: None,
    };
    let handle = form.handle.trim();
    let error = if handle.is_empty() || handle.len() > MAX_HANDLE_BYTES {
        Some("privacy_err_handle")
    } else if !same_handle(&form.confirm, handle) {
        Some("privacy_err_confirm")
    } else if form.reason.trim().is_empty() {
        Some("privacy_err_reason")
    } else {
        None
    };
    let Some(source) = find_source(&state, &form.source).await? else {
        let parts = PageParts {
            query: &query,
            found: None,
            error: Some("privacy_err_source"),
            report: None,
            reason: form.reason.trim(),
        };
        return page(&state, &auth, parts, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if let Some(error) = error {
        let found = lookup(&state, &query).await?;
        let parts = PageParts {
            query: &query,
            found,
            error: Some(error),
            report: None,
            reason: form.reason.trim(),
        };
        return page(&state, &auth, parts, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // The store finds every spelling of the handle (see `wederhoor_core::handle`).
    let report = state
        .store
        .person_erase(source.id, handle, Some(auth.agent.id), form.reason.trim())
        .await?;
    for conversation in &report.conversations {
        state.publish(LiveEvent::changed(*conversation, "case"));
    }
    let parts = PageParts {
        query: &query,
        found: None,
        error: None,
        report: Some(report),
        reason: "",
    };
    page(&state, &auth, parts, StatusCode::OK).await
}

// ---------------------------------------------------------------- feedback page accounts

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    pub email: String,
}

fn json_download(value: &impl serde::Serialize, filename: &str) -> Result<Response, AppError> {
    let body = serde_json::to_vec_pretty(value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// `GET /privacy/account?email=`: everything the feedback page stores about the customer with
/// this e-mail address, as a JSON download for the team (audited).
pub async fn account_export(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let email = wederhoor_core::idea::EmailAddress::parse(&q.email)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let account = state
        .store
        .account_by_email(email.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let export = state
        .store
        .account_export(account.id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .record_account_export(account.id, Some(auth.agent.id))
        .await?;
    json_download(
        &export,
        &format!(
            "wederhoor-account-{}-{}.json",
            account.id.0, export.exported_at
        ),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountEraseForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub confirm: String,
}

/// `POST /privacy/account/erase`: deletes a customer account the way "delete my account" does
/// (content stays without name), after the address is typed twice.
pub async fn account_erase(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<AccountEraseForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    if form.email.trim().is_empty() || form.email.trim() != form.confirm.trim() {
        return Err(AppError::Unprocessable(
            crate::i18n::text(auth.lang, "privacy_err_confirm").to_owned(),
        ));
    }
    let email = wederhoor_core::idea::EmailAddress::parse(&form.email)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let account = state
        .store
        .account_by_email(email.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    state.store.delete_account(account.id).await?;
    tracing::info!(account = account.id.0, agent = %auth.agent.username, "account erased by the team");
    Ok(axum::response::Redirect::to("/privacy?account_erased=1").into_response())
}

/// `GET /account/gegevens`: the customer downloads everything stored about their account.
pub async fn my_account_export(
    State(state): State<AppState>,
    visitor: crate::public::Visitor,
) -> Result<Response, AppError> {
    let Some(account) = &visitor.account else {
        return Err(AppError::LoginRequired("/account".to_owned()));
    };
    let export = state
        .store
        .account_export(account.id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.store.record_account_export(account.id, None).await?;
    json_download(
        &export,
        &format!("mijn-gegevens-{}.json", export.exported_at),
    )
}
