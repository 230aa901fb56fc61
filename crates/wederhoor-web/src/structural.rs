//! Structural issues (`/structureel`, leads): the list, one issue with its count over time,
//! samples, cases, owner, state and public idea; and, for agents, linking a case to an issue
//! from the case page (`/c/{id}/structureel`). Thin handlers over `wederhoor_app::structural`;
//! the broadcast of a fixed issue is in `broadcasts.rs`.

use crate::AppState;
use crate::auth::{AGENT, Auth, LEAD};
use crate::charts::{Bar, column_chart};
use crate::error::AppError;
use crate::i18n::{Lang, text};
use crate::pages;
use crate::system::see_other;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use jiff::tz::TimeZone;
use serde::Deserialize;
use wederhoor_app::structural::{self, IssueEdit, StructuralError};
use wederhoor_core::{ConversationId, Role, StructuralState};

/// Issues are counted in the team's time zone.
const ZONE: &str = "Europe/Amsterdam";

fn zone() -> TimeZone {
    TimeZone::get(ZONE).unwrap_or(TimeZone::UTC)
}

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl AppError {
    fn from_structural(e: StructuralError, lang: Lang) -> AppError {
        match e {
            StructuralError::Invalid(why) => {
                AppError::Unprocessable(text(lang, why.key()).to_owned())
            }
            StructuralError::NotFound => AppError::NotFound,
            StructuralError::Store(e) => AppError::Store(e),
        }
    }
}

/// `GET /structureel`: every issue, active first, and the form for a new one.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    let issues = state.store.structural_issues(false).await?;
    pages::render(
        &state,
        "structural_list.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            issues => issues,
            states => StructuralState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        },
    )
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    #[serde(default)]
    titel: String,
    #[serde(default)]
    beschrijving: String,
}

/// `POST /structureel`: a new issue.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = structural::create_issue(
        &state.store,
        &form.titel,
        &form.beschrijving,
        auth.agent.id,
        now(),
    )
    .await
    .map_err(|e| AppError::from_structural(e, auth.lang))?;
    Ok(see_other(format!("/structureel/{id}")))
}

/// `GET /structureel/{id}`: the issue page.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let zone = zone();
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let page = structural::issue_page(&state.store, id, today, &zone)
        .await
        .map_err(|e| AppError::from_structural(e, auth.lang))?;
    let columns: Vec<Bar> = page
        .days
        .iter()
        .map(|d| Bar::new(d.day.clone(), d.cases))
        .collect();
    let chart = column_chart(text(auth.lang, "structural_chart"), &columns);
    let owners: Vec<_> = state
        .store
        .list_agents()
        .await?
        .into_iter()
        .filter(|a| !a.disabled && a.role.allows(Role::Agent))
        .collect();
    let broadcasts = state
        .store
        .broadcasts_of(wederhoor_store::BroadcastSubject::StructuralIssue(id))
        .await?;
    pages::render(
        &state,
        "structural.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            p => &page,
            i => &page.issue,
            chart => chart,
            owners => owners,
            states => StructuralState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            broadcasts => broadcasts.len(),
        },
    )
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: String,
    #[serde(default)]
    titel: String,
    #[serde(default)]
    beschrijving: String,
    #[serde(default)]
    eigenaar: String,
    #[serde(default)]
    idee: String,
    #[serde(default)]
    oplossing: String,
}

/// An optional id from a form field: empty is `None`; `/ideeen/12` or `12` is 12.
fn optional_id(raw: &str) -> Result<Option<i64>, ()> {
    let raw = raw.trim().trim_end_matches('/');
    if raw.is_empty() {
        return Ok(None);
    }
    raw.rsplit('/')
        .next()
        .unwrap_or_default()
        .parse::<i64>()
        .map(Some)
        .map_err(|_| ())
}

/// `POST /structureel/{id}`: title, description, owner, public idea and resolution text.
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let invalid =
        |why: structural::Invalid| AppError::Unprocessable(text(auth.lang, why.key()).to_owned());
    let owner =
        optional_id(&form.eigenaar).map_err(|()| invalid(structural::Invalid::UnknownOwner))?;
    let idea = optional_id(&form.idee).map_err(|()| invalid(structural::Invalid::UnknownIdea))?;
    structural::edit_issue(
        &state.store,
        id,
        &IssueEdit {
            title: &form.titel,
            description: &form.beschrijving,
            owner,
            idea,
            resolution: &form.oplossing,
        },
        auth.agent.id,
        now(),
    )
    .await
    .map_err(|e| AppError::from_structural(e, auth.lang))?;
    Ok(see_other(format!("/structureel/{id}")))
}

#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    #[serde(default)]
    status: String,
}

/// `POST /structureel/{id}/status`: open, in progress, fixed or closed. A fix leads to the
/// broadcast page.
pub async fn set_state(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let new = structural::set_state(&state.store, id, &form.status, auth.agent.id, now())
        .await
        .map_err(|e| AppError::from_structural(e, auth.lang))?;
    Ok(see_other(if new == StructuralState::Fixed {
        format!("/structureel/{id}/rondzending")
    } else {
        format!("/structureel/{id}")
    }))
}

#[derive(Deserialize)]
pub struct LinkForm {
    csrf: String,
    /// An existing issue's id.
    #[serde(default)]
    issue: String,
    /// Or the title of a new one.
    #[serde(default)]
    titel: String,
}

/// `POST /c/{id}/structureel`: link the case to an existing issue, or to a new one.
pub async fn link(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let conversation = ConversationId(id);
    let result = match (form.issue.trim(), form.titel.trim()) {
        ("", "") => Err(StructuralError::Invalid(structural::Invalid::NoIssueChosen)),
        ("", title) => {
            structural::create_and_link(&state.store, title, conversation, auth.agent.id, now())
                .await
                .map(|_| true)
        }
        (issue, _) => match issue.parse::<i64>() {
            Ok(issue) => {
                structural::link_case(&state.store, issue, conversation, auth.agent.id, now()).await
            }
            Err(_) => Err(StructuralError::NotFound),
        },
    };
    result.map_err(|e| AppError::from_structural(e, auth.lang))?;
    Ok(see_other(format!("/c/{id}#structural")))
}

/// `POST /c/{id}/structureel/{issue}/ontkoppelen`: take the case off an issue.
pub async fn unlink(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path((id, issue)): Path<(i64, i64)>,
    Form(form): Form<crate::system::CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let unlinked = structural::unlink_case(&state.store, issue, ConversationId(id), auth.agent.id)
        .await
        .map_err(|e| AppError::from_structural(e, auth.lang))?;
    if !unlinked {
        return Err(AppError::NotFound);
    }
    Ok(see_other(format!("/c/{id}#structural")))
}

/// The case page's structural-issues panel (linked issues, active ones to pick, suggestions).
pub(crate) async fn case_panel(
    state: &AppState,
    lang: Lang,
    id: ConversationId,
    summary: &wederhoor_store::ConversationSummary,
) -> Result<structural::CasePanel, AppError> {
    structural::case_panel(&state.store, id, &summary.snippet)
        .await
        .map_err(|e| AppError::from_structural(e, lang))
}

/// One next-best-action hint as the case page shows it: a sentence and, where one follows
/// naturally, the action one click away.
#[derive(Debug, serde::Serialize)]
pub(crate) struct HintView {
    kind: &'static str,
    text: String,
    action_href: Option<String>,
    action_label: Option<&'static str>,
}

/// The hints for a case, in words.
pub(crate) async fn case_hints(
    state: &AppState,
    lang: Lang,
    id: ConversationId,
    now: i64,
) -> Result<Vec<HintView>, AppError> {
    use crate::i18n::fill;
    use wederhoor_app::hints::{Hint, HintPolicy, hints_for_case};
    let hints = hints_for_case(&state.store, id, HintPolicy::default(), now).await?;
    Ok(hints
        .iter()
        .map(|h| match h {
            Hint::TellFixed {
                issue,
                title,
                has_text,
            } => HintView {
                kind: h.kind(),
                text: fill(text(lang, "hint_tell_fixed"), &[("title", title)]),
                action_href: has_text
                    .then(|| format!("/c/{}?structureel={issue}#reply-text", id.0)),
                action_label: has_text.then(|| text(lang, "hint_tell_fixed_action")),
            },
            Hint::RepeatContact { cases, days } => HintView {
                kind: h.kind(),
                text: fill(
                    text(lang, "hint_repeat_contact"),
                    &[("cases", &cases.to_string()), ("days", &days.to_string())],
                ),
                action_href: Some("#earlier-contacts".to_owned()),
                action_label: Some(text(lang, "hint_repeat_contact_action")),
            },
            Hint::Detractor { score } => HintView {
                kind: h.kind(),
                text: fill(
                    text(lang, "hint_detractor"),
                    &[("score", &score.to_string())],
                ),
                action_href: Some(format!("/c/{}/kaart", id.0)),
                action_label: Some(text(lang, "hint_detractor_action")),
            },
        })
        .collect())
}

/// The resolution text of a fixed issue, for the composer (a hint's one-click action).
pub(crate) async fn fixed_text(
    state: &AppState,
    issue: Option<i64>,
) -> Result<Option<String>, AppError> {
    let Some(issue) = issue else {
        return Ok(None);
    };
    Ok(state
        .store
        .structural_issue(issue)
        .await?
        .filter(|i| i.state == StructuralState::Fixed && !i.resolution.is_empty())
        .map(|i| i.resolution))
}
