//! Service levels on the team's pages (issue #12): the timers of the inbox rows, snoozing a case
//! or promising a follow-up (`/c/{id}/snooze`, `/c/{id}/wake`), the leads' list of promises
//! (`/beloftes`), an agent's availability, team and languages (`/me/beschikbaarheid`), and the
//! periodic sweep the binary runs. The server's [`Clock`] is injected so tests move time
//! instead of sleeping.

use crate::auth::{AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, text};
use crate::system::see_other;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use wederhoor_app::service_levels::{self, SweepOutcome};
use wederhoor_core::ConversationId;
use wederhoor_core::service_level::{TimerKind, TimerState};
use wederhoor_store::ConversationSummary;

/// How many promises the leads' list shows.
const PROMISES: i64 = 200;

/// The server's clock: the real time plus an offset that tests move forward.
#[derive(Clone, Default)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    /// Now, in UTC milliseconds.
    pub fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond() + self.0.load(Ordering::Relaxed)
    }

    /// Moves this server's time forward by `ms` (tests).
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Runs the service-level sweep at the server's time.
pub async fn sweep(state: &AppState) -> Result<SweepOutcome, wederhoor_app::Error> {
    service_levels::sweep(
        &state.store,
        &state.config.service_levels,
        &state.config.escalations,
        state,
        state.clock.now_ms(),
    )
    .await
}

/// A timer as an inbox row shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TimerView {
    /// `ok`, `warning` or `breached`.
    pub state: &'static str,
    /// `first_response` or `resolution`.
    pub kind: &'static str,
    pub due_at: i64,
    /// "nog 25 min" or "40 min te laat", in the page's language.
    pub label: String,
}

/// Business minutes in words: minutes up to two hours, then hours, then business days of 8 h.
fn minutes_words(lang: Lang, minutes: i64) -> String {
    let m = minutes.abs();
    let (n, key) = if m < 120 {
        (m, "sla_unit_min")
    } else if m < 8 * 60 * 2 {
        (m / 60, "sla_unit_hours")
    } else {
        (m / (8 * 60), "sla_unit_days")
    };
    format!("{n} {}", text(lang, key))
}

/// The timers of inbox rows at `now`, by conversation id.
pub fn timers(
    state: &AppState,
    lang: Lang,
    rows: &[ConversationSummary],
    now: i64,
) -> BTreeMap<String, TimerView> {
    let levels = &state.config.service_levels.levels;
    rows.iter()
        .filter_map(|c| {
            let t = service_levels::timer(levels, c, now)?;
            let label = if t.state == TimerState::Breached {
                crate::i18n::fill(
                    text(lang, "sla_overdue"),
                    &[("time", &minutes_words(lang, t.minutes_left))],
                )
            } else {
                crate::i18n::fill(
                    text(lang, "sla_left"),
                    &[("time", &minutes_words(lang, t.minutes_left))],
                )
            };
            Some((
                c.id.0.to_string(),
                TimerView {
                    state: t.state.as_str(),
                    kind: match t.kind {
                        TimerKind::FirstResponse => "first_response",
                        TimerKind::Resolution => "resolution",
                    },
                    due_at: t.due_at,
                    label,
                },
            ))
        })
        .collect()
}

fn app_error(lang: Lang, e: wederhoor_app::Error) -> AppError {
    match e {
        wederhoor_app::Error::Store(s) => AppError::Store(s),
        wederhoor_app::Error::Invalid(key) => AppError::Unprocessable(text(lang, &key).to_owned()),
        wederhoor_app::Error::Internal(m) => AppError::Internal(m),
    }
}

/// An Amsterdam wall-clock time (`2026-11-25T14:30`, as `datetime-local` sends it) or RFC 3339.
fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let civil = s.parse::<jiff::civil::DateTime>().ok()?;
    let zoned = civil.to_zoned(pages::AMSTERDAM.clone()).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

#[derive(Deserialize)]
pub struct SnoozeForm {
    csrf: String,
    /// Amsterdam wall-clock time.
    until: String,
    #[serde(default)]
    note: String,
}

/// `POST /c/{id}/snooze`: the case leaves the inbox until `until` (a follow-up promise when
/// there is a note) and comes back marked.
pub async fn snooze(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<SnoozeForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let until = parse_time(&form.until)
        .ok_or_else(|| AppError::Unprocessable(text(auth.lang, "snooze_bad_time").to_owned()))?;
    service_levels::snooze(
        &state.store,
        &state,
        ConversationId(id),
        until,
        &form.note,
        auth.agent.id,
        state.clock.now_ms(),
    )
    .await
    .map_err(|e| app_error(auth.lang, e))?;
    Ok(see_other("/inbox"))
}

/// `POST /c/{id}/wake`: ends the snooze, or marks the promise kept.
pub async fn wake(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<crate::system::CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    service_levels::wake(&state.store, &state, ConversationId(id), auth.agent.id)
        .await
        .map_err(|e| app_error(auth.lang, e))?;
    Ok(see_other(format!("/c/{id}")))
}

/// `GET /beloftes`: every snoozed case and follow-up promise, overdue ones marked (leads).
pub async fn promises(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    let now = state.clock.now_ms();
    let rows = state.store.promises(PROMISES).await?;
    let overdue = rows.iter().filter(|p| p.until <= now).count();
    pages::render(
        &state,
        "promises.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            rows => &rows,
            now => now,
            overdue => overdue,
        },
    )
}

#[derive(Deserialize)]
pub struct RoutingForm {
    csrf: String,
    #[serde(default)]
    available: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    languages: String,
}

/// `POST /me/beschikbaarheid`: the agent is available or away, with their team and languages
/// (auto-assignment reads them).
pub async fn set_routing(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Form(form): Form<RoutingForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    service_levels::set_routing(
        &state.store,
        auth.agent.id,
        form.available == "1",
        &form.team,
        &form.languages,
    )
    .await
    .map_err(|e| app_error(auth.lang, e))?;
    Ok(see_other("/me"))
}
