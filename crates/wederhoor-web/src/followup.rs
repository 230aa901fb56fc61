//! "Take it private" on a case page, the customer's public call-back form, and the canned
//! replies (their page for leads and the search in the composer). Thin: the use cases are in
//! `wederhoor_app::private` and `wederhoor_app::canned`.

use crate::auth::{AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, customer_text, fill, text};
use crate::inbox::PageExtra;
use crate::public::{Visitor, render_public};
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wederhoor_app::canned::{CannedError, CannedInput, Values};
use wederhoor_app::private::{CallbackError, LinkProblem, Route, TakePrivate, TakePrivateOutcome};
use wederhoor_core::{CaseState, ConversationId};
use wederhoor_store::{Agent, CallbackLink, ConversationSummary};

/// Call-back submissions per address per hour (a public form).
const CALLBACKS_PER_HOUR: usize = 20;

/// A call-back link as the case page shows it.
#[derive(Serialize)]
pub(crate) struct LinkView {
    #[serde(flatten)]
    link: CallbackLink,
    /// `open`, `used`, `expired` or `closed`.
    status: &'static str,
}

/// A canned reply found from the composer, with its text filled in for this case.
#[derive(Serialize)]
pub(crate) struct CannedHit {
    id: i64,
    topic: String,
    lang: String,
    title: String,
    text: String,
}

/// What the case page shows for "take it private" and the canned replies.
#[derive(Serialize, Default)]
pub(crate) struct CasePanel {
    /// `dm` or `link` when the case can be taken private; `None` on a private channel or a
    /// closed case.
    route: Option<&'static str>,
    /// The public reply's template in the customer's language (`{link}` stays for the link).
    template: String,
    /// The direct message the customer receives (route `dm`).
    direct_text: String,
    links: Vec<LinkView>,
    canned_search: String,
    canned: Vec<CannedHit>,
    /// The text of the canned reply to insert into the composer.
    pub inserted: Option<String>,
}

fn customer_name(summary: &ConversationSummary) -> String {
    summary
        .author_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .and_then(|n| n.split_whitespace().next())
        .or(summary.author_handle.as_deref())
        .unwrap_or_default()
        .to_owned()
}

/// The public reply template and the direct message, in the customer's language.
fn texts_for(summary: &ConversationSummary, route: Route) -> (String, String) {
    let name = customer_name(summary);
    let key = match route {
        Route::DirectMessage => "private_public_reply_dm",
        Route::CallbackLink => "private_public_reply_link",
    };
    let template = fill(customer_text(&summary.language, key), &[("name", &name)]);
    let direct = fill(
        customer_text(&summary.language, "private_direct_message"),
        &[("name", &name)],
    );
    (template, direct)
}

pub(crate) async fn case_panel(
    state: &AppState,
    _lang: Lang,
    summary: &ConversationSummary,
    agent: &Agent,
    extra: &PageExtra,
) -> Result<CasePanel, AppError> {
    let mut panel = CasePanel::default();
    if summary.state != CaseState::Closed
        && let Some(route) =
            wederhoor_app::private::route(&state.store, &state.config.replies, summary.id).await?
    {
        panel.route = Some(match route {
            Route::DirectMessage => "dm",
            Route::CallbackLink => "link",
        });
        (panel.template, panel.direct_text) = texts_for(summary, route);
    }
    let now = jiff::Timestamp::now().as_millisecond();
    panel.links = state
        .store
        .callback_links(summary.id)
        .await?
        .into_iter()
        .map(|link| {
            let status = if link.used_at.is_some() {
                "used"
            } else if link.closed_at.is_some() || summary.state == CaseState::Closed {
                "closed"
            } else if link.expires_at <= now {
                "expired"
            } else {
                "open"
            };
            LinkView { link, status }
        })
        .collect();
    let search = extra.canned_search.as_deref().map(str::trim).unwrap_or("");
    if search.len() > 200 {
        return Err(AppError::BadRequest(
            "standaard: longer than 200 bytes".into(),
        ));
    }
    panel.canned_search = search.to_owned();
    let customer = customer_name(summary);
    let link = format!(
        "{}/c/{}",
        state.config.public_url.trim_end_matches('/'),
        summary.id
    );
    let values = Values {
        customer: &customer,
        agent: &agent.display_name,
        link: &link,
    };
    let found = wederhoor_app::canned::search(&state.store, Some(search), values)
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if let Some(id) = extra.canned_use {
        let (_, text) = found
            .iter()
            .find(|(c, _)| c.id == id)
            .ok_or(AppError::NotFound)?;
        panel.inserted = Some(text.clone());
    }
    // The customer's language first, then the rest.
    let mut hits: Vec<CannedHit> = found
        .into_iter()
        .map(|(c, text)| CannedHit {
            id: c.id,
            topic: c.topic,
            lang: c.lang,
            title: c.title,
            text,
        })
        .collect();
    hits.sort_by_key(|h| h.lang != summary.language);
    panel.canned = hits;
    Ok(panel)
}

// ---------------------------------------------------------------- take it private

#[derive(Deserialize)]
pub struct PrivateForm {
    csrf: String,
    text: String,
    #[serde(default)]
    opened_at: Option<i64>,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /c/{id}/prive`: the public reply and the private follow-up in one action.
pub async fn take_private(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<PrivateForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let summary = state
        .store
        .conversation_summary(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, direct_text) = texts_for(&summary, Route::DirectMessage);
    let rules = state.active_rules();
    let outcome = wederhoor_app::private::take_private(
        &state.store,
        &rules.engine,
        &state.config.replies,
        &state,
        TakePrivate {
            conversation: id,
            agent: auth.agent.id,
            agent_name: &auth.agent.display_name,
            public_text: &form.text,
            direct_text: &direct_text,
            base_url: &state.config.public_url,
            opened_at: form.opened_at,
            confirmed: form.confirm.is_some_and(|c| !c.is_empty()),
            now: jiff::Timestamp::now().as_millisecond(),
        },
    )
    .await
    .map_err(app_error)?;
    match outcome {
        TakePrivateOutcome::Done { .. } => {
            state
                .metrics
                .replies_queued
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            state.outbox_wakeup.notify_one();
            Ok(Redirect::to(&format!("/c/{id}#private-followup")).into_response())
        }
        TakePrivateOutcome::NotAvailable => Ok(Redirect::to(&format!(
            "/c/{id}?error=private_not_available#private-followup"
        ))
        .into_response()),
        TakePrivateOutcome::Refused { refusal, text } => {
            crate::inbox::refused_page(&state, &auth, id, &refusal, &text, true).await
        }
    }
}

fn app_error(e: wederhoor_app::Error) -> AppError {
    match e {
        wederhoor_app::Error::Store(s) => AppError::Store(s),
        wederhoor_app::Error::Invalid(m) => AppError::BadRequest(m),
        wederhoor_app::Error::Internal(m) => AppError::Internal(m),
    }
}

// ---------------------------------------------------------------- the public call-back form

fn problem_key(problem: LinkProblem) -> &'static str {
    match problem {
        LinkProblem::Used => "callback_link_used",
        LinkProblem::Expired => "callback_link_expired",
        LinkProblem::Closed => "callback_link_closed",
        LinkProblem::Unknown => "callback_link_unknown",
    }
}

/// A token as links carry it: hex, 32 characters. Anything else is an unknown link.
fn token_ok(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn callback_page(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    // Every name the template reads is defined (the environment is strict).
    let defaults = minijinja::context! {
        done => false, problem => None::<&str>, error => None::<&str>, error_field => "",
        telefoon => "", moment => "",
    };
    let mut response = render_public(
        state,
        visitor,
        "callback.html",
        minijinja::context! { token => token, ..minijinja::context! { ..ctx, ..defaults } },
        status,
    )?;
    // A link is a secret: never sent on as a referrer, never cached.
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `GET /terugbellen/{token}`: the form, or why the link no longer works.
pub async fn callback_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let now = jiff::Timestamp::now().as_millisecond();
    let problem = if token_ok(&token) {
        LinkProblem::of(&state.store.callback_link_use(&token, now).await?)
    } else {
        Some(LinkProblem::Unknown)
    };
    let (status, problem) = match problem {
        None => (StatusCode::OK, None),
        Some(p) => (StatusCode::GONE, Some(problem_key(p))),
    };
    callback_page(
        &state,
        &visitor,
        &token,
        minijinja::context! { problem => problem.map(|k| text(visitor.lang, k)) },
        status,
    )
}

#[derive(Deserialize)]
pub struct CallbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    telefoon: String,
    #[serde(default)]
    moment: String,
}

/// `POST /terugbellen/{token}`: the customer's phone number and good time.
pub async fn callback_submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<CallbackForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    if !state.limits.allow(
        &format!("ip:{}:callback", visitor.ip),
        CALLBACKS_PER_HOUR,
        Duration::from_secs(3_600),
    ) {
        return Err(AppError::TooManyRequests);
    }
    let lang = visitor.lang;
    let result = if token_ok(&token) {
        wederhoor_app::private::request_callback(
            &state.store,
            &state,
            &token,
            &form.telefoon,
            &form.moment,
            jiff::Timestamp::now().as_millisecond(),
        )
        .await
        .map_err(app_error)?
    } else {
        Err(CallbackError::Link(LinkProblem::Unknown))
    };
    let (status, ctx) = match result {
        Ok(_) => (StatusCode::OK, minijinja::context! { done => true }),
        Err(CallbackError::Link(p)) => (
            StatusCode::GONE,
            minijinja::context! { problem => text(lang, problem_key(p)) },
        ),
        Err(e) => {
            let (field, key) = match e {
                CallbackError::Phone => ("telefoon", "callback_err_phone"),
                _ => ("moment", "callback_err_time"),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                minijinja::context! {
                    error => text(lang, key), error_field => field,
                    telefoon => form.telefoon.chars().take(40).collect::<String>(),
                    moment => form.moment.chars().take(200).collect::<String>(),
                },
            )
        }
    };
    callback_page(&state, &visitor, &token, ctx, status)
}

// ---------------------------------------------------------------- canned replies

#[derive(Deserialize, Default)]
pub struct CannedQuery {
    #[serde(default)]
    q: Option<String>,
}

fn render_canned(
    state: &AppState,
    auth: &Auth<LEAD>,
    list: Vec<wederhoor_store::CannedReply>,
    search: &str,
    error: Option<(String, Option<i64>, CannedFormValues)>,
) -> Result<Html<String>, AppError> {
    let (error, error_id, values) = match error {
        Some((e, id, v)) => (Some(e), id, Some(v)),
        None => (None, None, None),
    };
    pages::render(
        state,
        "canned.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent, csrf => &auth.csrf, canned => list, q => search,
            error => error, error_id => error_id, values => values,
            variables => wederhoor_app::canned::VARIABLES,
            languages => wederhoor_app::canned::LANGUAGES,
        },
    )
}

/// `GET /antwoorden`: the canned replies, searchable, with forms to add, change and delete.
pub async fn canned_page(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(query): Query<CannedQuery>,
) -> Result<Html<String>, AppError> {
    let search = query.q.as_deref().unwrap_or("").trim();
    if search.len() > 200 {
        return Err(AppError::BadRequest("q: longer than 200 bytes".into()));
    }
    let list = state.store.canned_replies(Some(search)).await?;
    render_canned(&state, &auth, list, search, None)
}

#[derive(Deserialize, Serialize, Default)]
pub struct CannedFormValues {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn save_canned(
    state: &AppState,
    auth: &Auth<LEAD>,
    id: Option<i64>,
    form: CannedFormValues,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let result = wederhoor_app::canned::save(
        &state.store,
        id,
        CannedInput {
            topic: &form.topic,
            lang: &form.lang,
            title: &form.title,
            body: &form.body,
        },
        auth.agent.id,
    )
    .await
    .map_err(|e| match e {
        wederhoor_app::Error::Store(wederhoor_store::StoreError::NotFound(_)) => AppError::NotFound,
        other => app_error(other),
    })?;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/antwoorden#canned-{id}")).into_response()),
        Err(e) => {
            let mut message = text(auth.lang, e.key()).to_owned();
            if let CannedError::UnknownVariable(name) = &e {
                message = fill(&message, &[("variable", name)]);
            }
            let list = state.store.canned_replies(None).await?;
            let page = render_canned(state, auth, list, "", Some((message, id, form)))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /antwoorden`: a new canned reply.
pub async fn canned_create(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<CannedFormValues>,
) -> Result<Response, AppError> {
    save_canned(&state, &auth, None, form).await
}

/// `POST /antwoorden/{id}`: a changed canned reply.
pub async fn canned_update(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CannedFormValues>,
) -> Result<Response, AppError> {
    save_canned(&state, &auth, Some(id), form).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /antwoorden/{id}/verwijderen`.
pub async fn canned_delete(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    match state.store.delete_canned_reply(id, auth.agent.id).await {
        Ok(()) => Ok(Redirect::to("/antwoorden").into_response()),
        Err(wederhoor_store::StoreError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
