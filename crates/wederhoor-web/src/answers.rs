//! Answers at hand on the case page (suggested replies from earlier answers, a draft from a
//! language model on request, the facts for a correction), the leads' fact base (`/feiten`),
//! the public team page (`/team`) and the agent's own entry on it (`/me/team`). Thin: the use
//! cases are in `wederhoor_app::{suggest, drafts, facts, team}`.

use crate::auth::{AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, text};
use crate::inbox::PageExtra;
use crate::system::see_other;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wederhoor_app::drafts::DraftOutcome;
use wederhoor_app::facts::FactInput;
use wederhoor_core::ConversationId;
use wederhoor_store::{ConversationDetail, Fact};

fn app_error(e: wederhoor_app::Error) -> AppError {
    match e {
        wederhoor_app::Error::Store(wederhoor_store::StoreError::NotFound(_)) => AppError::NotFound,
        wederhoor_app::Error::Store(s) => AppError::Store(s),
        wederhoor_app::Error::Invalid(m) => AppError::BadRequest(m),
        wederhoor_app::Error::Internal(m) => AppError::Internal(m),
    }
}

/// A suggestion as the composer shows it.
#[derive(Serialize)]
pub(crate) struct SuggestionView {
    conversation_id: i64,
    /// Similarity in percent.
    percent: i64,
    message: String,
    reply: String,
}

/// A fact offered on a case, with the text it inserts.
#[derive(Serialize)]
pub(crate) struct OfferedFact {
    id: i64,
    title: String,
    source: String,
    owner: String,
    text: String,
}

/// What the case page shows of the answers at hand.
#[derive(Serialize, Default)]
pub(crate) struct AnswersPanel {
    suggestions: Vec<SuggestionView>,
    facts: Vec<OfferedFact>,
    /// Drafts are configured: the composer shows the button.
    drafts_on: bool,
    /// The text to put into the composer (a suggestion or a fact the agent chose).
    pub inserted: Option<String>,
}

/// The text the case's latest customer message says (what suggestions are looked for with).
fn latest_text(detail: &ConversationDetail) -> &str {
    detail.messages.last().map_or("", |m| m.text.as_str())
}

pub(crate) async fn case_panel(
    state: &AppState,
    lang: Lang,
    detail: &ConversationDetail,
    extra: &PageExtra,
) -> Result<AnswersPanel, AppError> {
    let now = jiff::Timestamp::now().as_millisecond();
    let rules = state.active_rules();
    let found = wederhoor_app::suggest::suggestions(
        &state.store,
        &rules.engine,
        &state.config.suggest,
        &detail.summary,
        latest_text(detail),
        now,
    )
    .await
    .map_err(app_error)?;
    let mut panel = AnswersPanel {
        drafts_on: state.config.drafts.is_some(),
        ..AnswersPanel::default()
    };
    if let Some(id) = extra.suggestion_use {
        let s = found
            .iter()
            .find(|s| s.conversation_id.0 == id)
            .ok_or(AppError::NotFound)?;
        panel.inserted = Some(s.reply.clone());
    }
    panel.suggestions = found
        .into_iter()
        .map(|s| SuggestionView {
            conversation_id: s.conversation_id.0,
            percent: (f64::from(s.score.min(1.0)) * 100.0).round() as i64,
            message: s.message,
            reply: s.reply,
        })
        .collect();
    let rule_names: Vec<&str> = detail.messages.iter().map(|m| m.rule.as_str()).collect();
    let texts: Vec<&str> = detail.messages.iter().map(|m| m.text.as_str()).collect();
    let all = if rule_names.contains(&wederhoor_app::facts::CORRECT_RULE) {
        state.store.facts().await?
    } else {
        Vec::new()
    };
    let offered =
        wederhoor_app::facts::offered(&all, &rule_names, &texts, &detail.summary.topics, now);
    let source_label = text(lang, "fact_source");
    if let Some(id) = extra.fact_use {
        let f = offered
            .iter()
            .find(|f| f.id == id)
            .ok_or(AppError::NotFound)?;
        panel.inserted = Some(wederhoor_app::facts::insert_text(f, source_label));
    }
    panel.facts = offered
        .into_iter()
        .map(|f| OfferedFact {
            id: f.id,
            title: f.title.clone(),
            source: f.source.clone(),
            owner: f.owner.clone(),
            text: wederhoor_app::facts::insert_text(f, source_label),
        })
        .collect();
    Ok(panel)
}

// ---------------------------------------------------------------- drafts

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /c/{id}/concept`: a draft from the language model in the composer (masked), or a
/// message that none came. 404 when drafts are off.
pub async fn draft(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<DraftForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let Some(policy) = state.config.drafts.clone() else {
        return Err(AppError::NotFound);
    };
    let id = ConversationId(id);
    let detail = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let texts: Vec<&str> = detail.messages.iter().map(|m| m.text.as_str()).collect();
    let rules = state.active_rules();
    let outcome = wederhoor_app::drafts::draft(&rules.engine, &policy, &detail.summary, &texts)
        .await
        .map_err(app_error)?;
    let (error, inserted) = match outcome {
        DraftOutcome::Draft(text) => (None, Some(text)),
        DraftOutcome::Unavailable => (Some(text(auth.lang, "draft_unavailable").to_owned()), None),
    };
    let page = crate::inbox::render_case(
        &state,
        &auth,
        id,
        error,
        PageExtra {
            inserted,
            ..PageExtra::default()
        },
    )
    .await?;
    Ok(page.into_response())
}

// ---------------------------------------------------------------- the fact base

/// A fact as the fact page shows it, its dates as `YYYY-MM-DD` in Europe/Amsterdam.
#[derive(Serialize)]
struct FactView {
    #[serde(flatten)]
    fact: Fact,
    from: String,
    until: String,
    valid: bool,
}

fn day_of(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .and_then(|t| t.in_tz("Europe/Amsterdam").ok())
        .map(|z| z.date().to_string())
        .unwrap_or_default()
}

#[derive(Deserialize, Serialize, Default)]
pub struct FactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

async fn render_facts(
    state: &AppState,
    auth: &Auth<LEAD>,
    error: Option<(String, Option<i64>, FactForm)>,
) -> Result<Html<String>, AppError> {
    let now = jiff::Timestamp::now().as_millisecond();
    let facts: Vec<FactView> = state
        .store
        .facts()
        .await?
        .into_iter()
        .map(|fact| FactView {
            from: day_of(fact.valid_from),
            until: day_of(fact.valid_until),
            valid: wederhoor_app::facts::valid_at(&fact, now),
            fact,
        })
        .collect();
    let (error, error_id, values) = match error {
        Some((e, id, v)) => (Some(e), id, Some(v)),
        None => (None, None, None),
    };
    pages::render(
        state,
        "facts.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent, csrf => &auth.csrf, facts => facts,
            error => error, error_id => error_id, values => values,
        },
    )
}

/// `GET /feiten`: the approved facts, with forms to add, change and delete (leads).
pub async fn facts_page(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    render_facts(&state, &auth, None).await
}

async fn save_fact(
    state: &AppState,
    auth: &Auth<LEAD>,
    id: Option<i64>,
    form: FactForm,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let result = wederhoor_app::facts::save(
        &state.store,
        id,
        FactInput {
            title: &form.title,
            body: &form.body,
            source: &form.source,
            owner: &form.owner,
            topic: &form.topic,
            valid_from: &form.from,
            valid_until: &form.until,
        },
        auth.agent.id,
    )
    .await
    .map_err(app_error)?;
    match result {
        Ok(id) => Ok(see_other(format!("/feiten#fact-{id}"))),
        Err(e) => {
            let message = text(auth.lang, e.key()).to_owned();
            let page = render_facts(state, auth, Some((message, id, form))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /feiten`: a new fact, approved by the lead who saves it.
pub async fn fact_create(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<FactForm>,
) -> Result<Response, AppError> {
    save_fact(&state, &auth, None, form).await
}

/// `POST /feiten/{id}`: a changed fact (approved again by the lead who saves it).
pub async fn fact_update(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<FactForm>,
) -> Result<Response, AppError> {
    save_fact(&state, &auth, Some(id), form).await
}

/// `POST /feiten/{id}/verwijderen`.
pub async fn fact_delete(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<DraftForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    match state.store.delete_fact(id, auth.agent.id).await {
        Ok(()) => Ok(see_other("/feiten")),
        Err(wederhoor_store::StoreError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- the team page

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `GET /team`: the people who answer (first names, what they do) and the opening hours;
/// public, no login.
pub async fn team_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<LangQuery>,
) -> Result<Html<String>, AppError> {
    let lang = crate::public::visitor_lang(q.lang.as_deref(), &headers, None);
    let team: Vec<minijinja::Value> = state
        .store
        .public_team()
        .await?
        .into_iter()
        .map(|(name, role)| minijinja::context! { name => name, role => role })
        .collect();
    pages::render(
        &state,
        "team_public.html",
        lang,
        minijinja::context! {
            team => team,
            hours => state.config.opening_hours.for_lang(lang.code()),
            other_langs => crate::public::other_languages(lang),
        },
    )
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    shown: Option<String>,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    role: String,
}

/// `POST /me/team`: the agent's own entry on the team page (opt in, first name, role).
pub async fn set_profile(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let result = wederhoor_app::team::set_profile(
        &state.store,
        auth.agent.id,
        form.shown.is_some(),
        &form.first_name,
        &form.role,
        auth.agent.id,
    )
    .await
    .map_err(app_error)?;
    match result {
        Ok(()) => Ok(see_other("/me#team")),
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::staff_account::page(&state, &auth, Some(text(auth.lang, e.key()))).await?,
        )
            .into_response()),
    }
}
