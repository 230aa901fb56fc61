//! The leads' escalations page (`/escalaties`) and watchlist (`/escalaties/volglijst`): thin
//! handlers over `wederhoor_app::escalations`.

use crate::AppState;
use crate::auth::{Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, fill, plural, text};
use crate::pages;
use crate::system::{CsrfForm, see_other};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wederhoor_app::escalations::{self, EscalationError, Invalid};
use wederhoor_core::{AgentId, Role};
use wederhoor_store::EscalationRow;

impl AppError {
    fn from_escalation(e: EscalationError, lang: Lang) -> AppError {
        match e {
            EscalationError::Invalid(why) => {
                AppError::Unprocessable(text(lang, why.key()).to_owned())
            }
            EscalationError::NotFound => AppError::NotFound,
            EscalationError::Store(e) => AppError::Store(e),
        }
    }
}

/// A duration in words: minutes below an hour, hours below two days, else days.
fn duration_words(lang: Lang, ms: i64) -> String {
    let minutes = (ms / 60_000).max(0);
    if minutes < 60 {
        plural(lang, "escalation_minutes", minutes)
    } else if minutes < 48 * 60 {
        plural(lang, "escalation_hours", minutes / 60)
    } else {
        plural(lang, "escalation_days", minutes / (24 * 60))
    }
}

/// Why an escalation opened, in words (from its reason code).
fn reason_words(lang: Lang, reason: &str) -> String {
    let mut words = reason.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("reposts"), Some(before), Some(after)) => fill(
            text(lang, "escalation_reason_reposts"),
            &[("before", before), ("after", after)],
        ),
        (
            Some(
                code @ ("text" | "count" | "watchlist" | "rule" | "first_response" | "resolution"),
            ),
            ..,
        ) => text(lang, &format!("escalation_reason_{code}")).to_owned(),
        _ => reason.to_owned(),
    }
}

#[derive(Serialize)]
struct Check {
    key: &'static str,
    label: &'static str,
    done: bool,
}

fn row_context(e: &EscalationRow, lang: Lang, now: i64) -> minijinja::Value {
    let checks: Vec<Check> = e
        .kind
        .checklist()
        .iter()
        .map(|key| Check {
            key,
            label: text(lang, &format!("escalation_check_{}_{key}", e.kind)),
            done: e.checks.iter().any(|c| c == key),
        })
        .collect();
    minijinja::context! {
        e => e,
        age => duration_words(lang, now - e.created_at),
        first_action => e.first_action_at.map(|at| duration_words(lang, at - e.created_at)),
        reason => reason_words(lang, &e.reason),
        checks => checks,
    }
}

/// `GET /escalaties`: the open escalations, newest first.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    let open = state.store.escalations(true, 200).await?;
    let leads: Vec<_> = state
        .store
        .list_agents()
        .await?
        .into_iter()
        .filter(|a| !a.disabled && a.role.allows(Role::Lead))
        .collect();
    let now = jiff::Timestamp::now().as_millisecond();
    pages::render(
        &state,
        "escalations.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            escalations => open.iter().map(|e| row_context(e, auth.lang, now)).collect::<Vec<_>>(),
            leads => leads,
        },
    )
}

fn back_to(id: i64) -> Response {
    see_other(format!("/escalaties#escalation-{id}"))
}

/// `POST /escalaties/{id}/oppakken`: the lead takes the escalation on.
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    escalations::acknowledge(&state.store, id, auth.agent.id)
        .await
        .map_err(|e| AppError::from_escalation(e, auth.lang))?;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf: String,
    #[serde(default)]
    owner: String,
}

/// `POST /escalaties/{id}/toewijzen`: another lead becomes the owner.
pub async fn assign(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let owner: i64 = form.owner.trim().parse().map_err(|_| {
        AppError::Unprocessable(text(auth.lang, Invalid::NotALead.key()).to_owned())
    })?;
    escalations::assign(&state.store, id, AgentId(owner), auth.agent.id)
        .await
        .map_err(|e| AppError::from_escalation(e, auth.lang))?;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct TickForm {
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    done: String,
}

/// `POST /escalaties/{id}/checklist`: tick (`done=1`) or untick (`done=0`) an item.
pub async fn tick(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<TickForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let ticked = match form.done.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("done must be 1 or 0".into())),
    };
    escalations::tick(&state.store, id, &form.item, ticked, auth.agent.id)
        .await
        .map_err(|e| AppError::from_escalation(e, auth.lang))?;
    Ok(back_to(id))
}

/// `POST /escalaties/{id}/afronden`: close the escalation.
pub async fn close(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    escalations::close(&state.store, id, auth.agent.id)
        .await
        .map_err(|e| AppError::from_escalation(e, auth.lang))?;
    Ok(see_other("/escalaties"))
}

async fn watchlist_page(
    state: &AppState,
    auth: &Auth<LEAD>,
    error: Option<&str>,
    handle: &str,
    note: &str,
) -> Result<Html<String>, AppError> {
    let list = state.store.watchlist().await?;
    pages::render(
        state,
        "watchlist.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            list => list,
            error => error,
            handle => handle,
            note => note,
        },
    )
}

/// `GET /escalaties/volglijst`: the watchlist with its form.
pub async fn watchlist(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    watchlist_page(&state, &auth, None, "", "").await
}

#[derive(Deserialize)]
pub struct WatchForm {
    csrf: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    note: String,
}

/// `POST /escalaties/volglijst`: add a handle; a refused one shows the form again with why.
pub async fn watch(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<WatchForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    match escalations::watch(&state.store, &form.handle, &form.note, auth.agent.id).await {
        Ok(()) => Ok(see_other("/escalaties/volglijst")),
        Err(EscalationError::Invalid(why)) => {
            let page = watchlist_page(
                &state,
                &auth,
                Some(text(auth.lang, why.key())),
                &form.handle,
                &form.note,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(AppError::from_escalation(e, auth.lang)),
    }
}

/// `POST /escalaties/volglijst/{id}/verwijderen`: remove a handle.
pub async fn unwatch(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    escalations::unwatch(&state.store, id, auth.agent.id)
        .await
        .map_err(|e| AppError::from_escalation(e, auth.lang))?;
    Ok(see_other("/escalaties/volglijst"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wederhoor_core::EscalationKind;

    #[test]
    fn every_kind_state_and_checklist_item_has_dutch_and_english_words() {
        for lang in [Lang::Nl, Lang::En] {
            for kind in EscalationKind::ALL {
                assert!(!text(lang, &format!("escalation_kind_{kind}")).is_empty());
                for item in kind.checklist() {
                    let key = format!("escalation_check_{kind}_{item}");
                    assert!(!text(lang, &key).is_empty(), "{key} in {lang:?}");
                }
            }
            for state in wederhoor_core::EscalationState::ALL {
                assert!(!text(lang, &format!("escalation_state_{state}")).is_empty());
            }
        }
    }

    #[test]
    fn durations_and_reasons_are_told_in_words() {
        assert_eq!(duration_words(Lang::Nl, 59_000), "0 minuten");
        assert_eq!(duration_words(Lang::Nl, 60_000), "1 minuut");
        assert_eq!(duration_words(Lang::En, 3 * 3_600_000), "3 hours");
        assert_eq!(duration_words(Lang::En, 3 * 86_400_000), "3 days");
        assert_eq!(
            reason_words(Lang::Nl, "reposts 2 4800"),
            "bereik groeide van 2 naar 4800 keer gedeeld"
        );
        assert_eq!(
            reason_words(Lang::En, "watchlist"),
            "the author is on the watchlist"
        );
    }
}
