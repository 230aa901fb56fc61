//! The rules of engagement as a team lead edits them (`/rules`), the review queue (`/review`)
//! where doubtful cases are decided into precedents, and the backtest of a rules change.
//!
//! "When in doubt, don't act — test, then add a rule": a decision is kept as a precedent, a
//! precedent can become a draft rule, and saving rules shows which stored verdicts would change.

use crate::auth::{Auth, LEAD};
use crate::error::AppError;
use crate::i18n::text;
use crate::rules_draft::{Draft, DraftCheck, draft_from_precedent, draft_rule_id};
use crate::{ActiveRules, AppState, pages};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wederhoor_core::{Action, ConversationId};
use wederhoor_store::{Precedent, RetriageItem, Store};
use wederhoor_triage::TriageInput;

/// The backtest after a save looks at this many of the newest stored messages.
pub const BACKTEST_CAP: i64 = 20_000;
/// Longest rules file accepted from the editor.
const MAX_RULES_BYTES: usize = 1024 * 1024;
/// Review items per page.
const REVIEW_PAGE: i64 = 25;

pub use wederhoor_app::backtest::{VerdictChange, backtest_items, backtest_store};

/// The stored message a precedent is about, as triage reads it; when it is gone (erased), its
/// text alone.
async fn precedent_message(store: &Store, p: &Precedent) -> Result<RetriageItem, AppError> {
    // Message ids are unique and ordered: the first after `id - 1` is the message itself.
    let found = store
        .messages_for_retriage(p.message_id.0.saturating_sub(1), 1)
        .await?
        .into_iter()
        .find(|m| m.message == p.message_id);
    Ok(found.unwrap_or_else(|| RetriageItem {
        message: p.message_id,
        text: p.text.clone(),
        source: String::new(),
        author_handle: String::new(),
        author_name: None,
        followers: 0,
        reposts: 0,
        likes: 0,
        direct: false,
    }))
}

/// The text of the rules the server runs now.
async fn active_text(state: &AppState, active: &ActiveRules) -> Result<String, AppError> {
    if let Some(v) = active.version
        && let Some((_, text)) = state.store.rules_version(v).await?
    {
        return Ok(text);
    }
    if active.version.is_some()
        && let Some((_, text)) = state.store.active_rules().await?
    {
        return Ok(text);
    }
    Ok(wederhoor_triage::DEFAULT_RULES.to_owned())
}

/// What the rules page shows besides the stored data.
#[derive(Default)]
struct RulesPage {
    editor: Option<String>,
    comment: String,
    precedent: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
    backtest: Option<(Vec<VerdictChange>, usize)>,
    /// A draft from a precedent, with what it does to the precedent's message.
    draft: Option<Draft>,
}

#[derive(Serialize)]
struct RuleWithPrecedents {
    id: String,
    precedents: Vec<Precedent>,
}

async fn rules_page(
    state: &AppState,
    auth: &Auth<LEAD>,
    page: RulesPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    let active = state.active_rules();
    let versions = state.store.list_rules_versions().await?;
    let editor = match page.editor {
        Some(t) => t,
        None => active_text(state, &active).await?,
    };
    let precedents = state.store.list_precedents(500).await?;
    let rule_ids = active.engine.rule_ids();
    let rules: Vec<RuleWithPrecedents> = rule_ids
        .iter()
        .map(|id| RuleWithPrecedents {
            id: id.clone(),
            precedents: precedents
                .iter()
                .filter(|p| p.rule_id.as_deref() == Some(id.as_str()))
                .cloned()
                .collect(),
        })
        .collect();
    let open: Vec<&Precedent> = precedents
        .iter()
        .filter(|p| {
            p.rule_id
                .as_deref()
                .is_none_or(|r| !rule_ids.iter().any(|id| id == r))
        })
        .collect();
    let backtest = page.backtest.map(|(changes, checked)| {
        minijinja::context! {
            changes => changes,
            checked => checked,
            capped => checked as i64 >= BACKTEST_CAP,
            cap => BACKTEST_CAP,
        }
    });
    let draft = page.draft.map(|d| {
        let (decides, action, rule, reason, error) = match d.check {
            DraftCheck::Decides { rule } => (true, d.action, rule, String::new(), None),
            DraftCheck::Differs {
                action,
                rule,
                reason,
            } => (false, action, rule, reason, None),
            DraftCheck::Invalid(e) => (false, d.action, String::new(), String::new(), Some(e)),
        };
        minijinja::context! {
            decides => decides,
            rule_id => d.rule_id,
            action => action.as_str(),
            rule => rule,
            reason => reason,
            error => error,
        }
    });
    let html = pages::render(
        state,
        "rules.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            active_version => active.version,
            versions => versions,
            editor => editor,
            comment => page.comment,
            precedent => page.precedent,
            error => page.error,
            notice => page.notice,
            rules => rules,
            open_precedents => open,
            backtest => backtest,
            draft => draft,
            cap => BACKTEST_CAP,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct RulesQuery {
    precedent: Option<i64>,
}

/// `GET /rules`: the active version, the history, the editor and the precedents per rule.
/// With `?precedent=ID` the editor holds the active rules plus a draft rule from that precedent.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, AppError> {
    let mut page = RulesPage::default();
    if let Some(id) = q.precedent {
        let p = state.store.precedent(id).await?.ok_or(AppError::NotFound)?;
        let active = state.active_rules();
        let rules_text = active_text(&state, &active).await?;
        let message = precedent_message(&state.store, &p).await?;
        let draft = tokio::task::spawn_blocking(move || {
            let input = TriageInput {
                text: &message.text,
                source: Some(&message.source),
                author_handle: &message.author_handle,
                author_name: message.author_name.as_deref(),
                followers: message.followers,
                reposts: message.reposts,
                likes: message.likes,
                direct: false,
            };
            draft_from_precedent(&active.engine, &rules_text, &p, &input)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        page.editor = Some(draft.rules.clone());
        page.draft = Some(draft);
        page.precedent = Some(id);
        page.comment = format!("{} #{id}", text(auth.lang, "rule_from_precedent"));
    }
    rules_page(&state, &auth, page, StatusCode::OK).await
}

/// `GET /rules/versions/{id}`: an old version's text.
pub async fn version(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let (version, rules) = state
        .store
        .rules_version(id)
        .await?
        .ok_or(AppError::NotFound)?;
    pages::render(
        &state,
        "rules_version.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            version => version,
            rules => rules,
        },
    )
}

#[derive(Deserialize)]
pub struct SaveForm {
    csrf: String,
    rules: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    precedent: String,
}

/// `POST /rules`: a new version. An invalid file is refused with its line and column and the
/// server keeps running the last good rules; a valid one is stored, swapped in, linked to its
/// precedent and backtested against the stored messages.
pub async fn save(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<SaveForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let precedent = match form.precedent.trim() {
        "" => None,
        p => Some(
            p.parse::<i64>()
                .map_err(|_| AppError::BadRequest("precedent must be a number".into()))?,
        ),
    };
    let rules = form.rules.replace("\r\n", "\n");
    let comment = form.comment.trim().to_owned();
    let refuse = |error: String, rules: String, comment: String| RulesPage {
        editor: Some(rules),
        comment,
        precedent,
        error: Some(error),
        ..RulesPage::default()
    };
    if rules.len() > MAX_RULES_BYTES {
        let page = refuse(
            text(auth.lang, "rules_too_long").to_owned(),
            String::new(),
            comment,
        );
        return rules_page(&state, &auth, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if comment.is_empty() {
        let page = refuse(
            text(auth.lang, "comment_required").to_owned(),
            rules,
            comment,
        );
        return rules_page(&state, &auth, page, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Some(p) = precedent {
        state.store.precedent(p).await?.ok_or(AppError::NotFound)?;
    }
    let previous = state.active_rules();
    let compiled = {
        let (rules, current) = (rules.clone(), previous.engine.clone());
        // Same brand and topic taxonomy as the running engine; only the rules change.
        tokio::task::spawn_blocking(move || current.with_rules(&rules))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    };
    let engine = match compiled {
        Ok(engine) => engine,
        Err(e) => {
            let error = format!("{}: {e}", text(auth.lang, "rules_invalid"));
            let page = refuse(error, rules, comment);
            return rules_page(&state, &auth, page, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let version = state
        .store
        .save_rules_version(&rules, Some(auth.agent.id), &comment)
        .await?;
    state.set_rules(ActiveRules {
        engine: engine.clone(),
        version: Some(version),
    });
    tracing::info!(version, agent = %auth.agent.username, "rules saved and active");
    let mut notice = format!("{} {version}", text(auth.lang, "rules_saved"));
    if let Some(p) = precedent {
        let ids = engine.rule_ids();
        let drafted = draft_rule_id(p);
        let new_ids: Vec<&String> = ids
            .iter()
            .filter(|id| !previous.engine.rule_ids().contains(id))
            .collect();
        let linked = if ids.contains(&drafted) {
            Some(drafted)
        } else if let [only] = new_ids.as_slice() {
            Some((*only).clone())
        } else {
            None
        };
        if let Some(rule_id) = linked {
            state
                .store
                .link_precedent_rule(p, &rule_id, Some(auth.agent.id))
                .await?;
            notice.push_str(&format!(
                " · {} #{p} → {rule_id}",
                text(auth.lang, "precedent")
            ));
        }
    }
    let backtest = backtest_store(&state.store, &engine, BACKTEST_CAP).await?;
    let page = RulesPage {
        notice: Some(notice),
        backtest: Some(backtest),
        ..RulesPage::default()
    };
    rules_page(&state, &auth, page, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    page: Option<i64>,
    decided: Option<i64>,
}

/// `GET /review`: conversations waiting for a person, newest first.
pub async fn review(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<ReviewQuery>,
) -> Result<Html<String>, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = state
        .store
        .review_queue(REVIEW_PAGE, (page - 1) * REVIEW_PAGE)
        .await?;
    let decided = match q.decided {
        Some(id) => state.store.precedent(id).await?,
        None => None,
    };
    let actions: Vec<&str> = Action::ALL
        .iter()
        .filter(|a| **a != Action::Review)
        .map(|a| a.as_str())
        .collect();
    pages::render(
        &state,
        "review.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            items => items,
            total => total,
            page => page,
            has_next => page * REVIEW_PAGE < total,
            actions => actions,
            decided => decided,
        },
    )
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
}

/// `POST /review/{conversation}`: the lead's decision, kept as a precedent.
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let action = form
        .action
        .parse::<Action>()
        .ok()
        .filter(|a| *a != Action::Review)
        .ok_or_else(|| AppError::Unprocessable(text(auth.lang, "decision_action").to_owned()))?;
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(AppError::Unprocessable(
            text(auth.lang, "reason_required").to_owned(),
        ));
    }
    if reason.len() > 2000 {
        return Err(AppError::Unprocessable(
            text(auth.lang, "text_too_long").to_owned(),
        ));
    }
    let conversation = ConversationId(id);
    let precedent = state
        .store
        .decide_review(conversation, action, reason, auth.agent.id)
        .await?;
    state.publish(crate::LiveEvent::changed(conversation, "case"));
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/review?decided={precedent}"))],
    )
        .into_response())
}
