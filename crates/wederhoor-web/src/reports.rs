//! The reports for leads (`/rapporten`, its CSV `/rapporten.csv` and the live wall view
//! `/rapporten/wand`): thin handlers over `wederhoor_app::reports`; the charts are SVG drawn
//! here on the server (`charts.rs`).

use crate::AppState;
use crate::auth::{Auth, LEAD};
use crate::charts::{Bar, bar_chart, column_chart};
use crate::error::AppError;
use crate::i18n::{Lang, fill, text};
use crate::pages;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::ToSpan;
use jiff::tz::TimeZone;
use serde::Deserialize;
use wederhoor_app::reports::{self, NpsGroup, Period, Report};

/// Reports are read in the team's time zone.
const ZONE: &str = "Europe/Amsterdam";

fn zone() -> TimeZone {
    TimeZone::get(ZONE).unwrap_or(TimeZone::UTC)
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(zone()).date()
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    van: Option<String>,
    tot: Option<String>,
    fragment: Option<String>,
}

/// A duration in words: minutes, hours and minutes, or days and hours.
pub fn duration_words(lang: Lang, secs: Option<i64>) -> String {
    let Some(secs) = secs else {
        return text(lang, "report_none").to_owned();
    };
    let minutes = (secs + 30) / 60;
    let (d, h, m) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    let (key, values) = if minutes < 60 {
        ("report_minutes", vec![("m", m.to_string())])
    } else if minutes < 48 * 60 {
        (
            "report_hours",
            vec![("h", (minutes / 60).to_string()), ("m", m.to_string())],
        )
    } else {
        (
            "report_days",
            vec![("d", d.to_string()), ("h", h.to_string())],
        )
    };
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(text(lang, key), &values)
}

fn label_or(lang: Lang, key: String, fallback: &str) -> String {
    match text(lang, &key) {
        "" => fallback.replace('_', " "),
        found => found.to_owned(),
    }
}

fn nps_bars(groups: &[NpsGroup], label: impl Fn(&str) -> String) -> Vec<Bar> {
    groups
        .iter()
        .filter_map(|g| g.nps.map(|n| Bar::new(label(&g.name), n)))
        .collect()
}

/// Every chart of the report, as SVG text, with its title in the page's language.
fn charts(lang: Lang, r: &Report) -> minijinja::Value {
    let topic = |t: &str| {
        if t.is_empty() {
            text(lang, "report_no_topic").to_owned()
        } else {
            label_or(lang, format!("topic_{t}"), t)
        }
    };
    let channel = |c: &str| label_or(lang, format!("channel_{c}"), c);
    let sources: Vec<Bar> = r
        .by_source
        .iter()
        .map(|(k, v)| Bar::new(k.clone(), *v))
        .collect();
    let mut topics: Vec<Bar> = r
        .by_topic
        .iter()
        .map(|(k, v)| Bar::new(topic(k), *v))
        .collect();
    topics.sort_by_key(|b| std::cmp::Reverse(b.value));
    topics.truncate(12);
    let verdicts: Vec<Bar> = r
        .by_verdict
        .iter()
        .map(|(k, v)| Bar::new(label_or(lang, format!("action_{k}"), k), *v))
        .collect();
    let days: Vec<Bar> = r
        .by_day
        .iter()
        .map(|(k, v)| Bar::new(k.clone(), *v))
        .collect();
    let workload: Vec<Bar> = r
        .workload
        .iter()
        .map(|w| Bar::new(w.agent.clone(), w.replies))
        .collect();
    minijinja::context! {
        by_day => column_chart(text(lang, "report_chart_days"), &days),
        by_source => bar_chart(text(lang, "report_chart_sources"), &sources),
        by_topic => bar_chart(text(lang, "report_chart_topics"), &topics),
        by_verdict => bar_chart(text(lang, "report_chart_verdicts"), &verdicts),
        workload => bar_chart(text(lang, "report_chart_workload"), &workload),
        nps_by_agent => bar_chart(text(lang, "report_chart_nps_agents"), &nps_bars(&r.nps_by_agent, str::to_owned)),
        nps_by_topic => bar_chart(text(lang, "report_chart_nps_topics"), &nps_bars(&r.nps_by_topic, topic)),
        nps_by_channel => bar_chart(text(lang, "report_chart_nps_channels"), &nps_bars(&r.nps_by_channel, channel)),
    }
}

/// Labels of the NPS tables' rows (topics and channels by name).
fn labelled(lang: Lang, groups: &[NpsGroup], prefix: &str) -> Vec<minijinja::Value> {
    groups
        .iter()
        .map(|g| {
            let label = if g.name.is_empty() {
                text(lang, "report_no_topic").to_owned()
            } else if prefix.is_empty() {
                g.name.clone()
            } else {
                label_or(lang, format!("{prefix}{}", g.name), &g.name)
            };
            minijinja::context! {
                label => label,
                g => g,
                answered => g.tally.answered(),
            }
        })
        .collect()
}

async fn report_of(
    state: &AppState,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Result<(Period, Report), String>, AppError> {
    let period = match Period::parse(q.van.as_deref(), q.tot.as_deref(), today(), zone()) {
        Ok(p) => p,
        Err(e) => return Ok(Err(text(lang, e.key()).to_owned())),
    };
    let engine = state.active_rules().engine;
    let report = reports::build_report(&state.store, &engine, &period).await?;
    Ok(Ok((period, report)))
}

/// The report's first response, resolution and attainment within business hours.
async fn business_of(
    state: &AppState,
    period: &Period,
) -> Result<wederhoor_app::service_levels::BusinessTimes, AppError> {
    wederhoor_app::service_levels::business_report(
        &state.store,
        &state.config.service_levels.levels,
        period,
    )
    .await
    .map_err(|e| match e {
        wederhoor_app::Error::Store(s) => AppError::Store(s),
        other => AppError::Internal(other.to_string()),
    })
}

/// `GET /rapporten`: the report of a period (the last seven days unless `van`/`tot` say
/// otherwise).
pub async fn page(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let lang = auth.lang;
    let (error, ctx, status) = match report_of(&state, lang, &q).await? {
        Ok((period, r)) => {
            let b = business_of(&state, &period).await?;
            (
                None,
                minijinja::context! {
                    r => &r,
                    b => &b,
                    b_first_median => duration_words(lang, b.first_response.median_secs),
                    b_first_p90 => duration_words(lang, b.first_response.p90_secs),
                    b_resolution_median => duration_words(lang, b.resolution.median_secs),
                    b_resolution_p90 => duration_words(lang, b.resolution.p90_secs),
                    van => period.from.to_string(),
                    tot => period.to.to_string(),
                    charts => charts(lang, &r),
                    first_median => duration_words(lang, r.first_response.median_secs),
                    first_p90 => duration_words(lang, r.first_response.p90_secs),
                    resolution_median => duration_words(lang, r.resolution.median_secs),
                    resolution_p90 => duration_words(lang, r.resolution.p90_secs),
                    nps_agents => labelled(lang, &r.nps_by_agent, ""),
                    nps_topics => labelled(lang, &r.nps_by_topic, "topic_"),
                    nps_channels => labelled(lang, &r.nps_by_channel, "channel_"),
                    nps_periods => labelled(lang, &r.nps_by_period, ""),
                    answered => r.nps.tally.answered(),
                },
                StatusCode::OK,
            )
        }
        Err(message) => (
            Some(message),
            minijinja::context! {
                r => (),
                van => q.van.clone().unwrap_or_default(),
                tot => q.tot.clone().unwrap_or_default(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let html = pages::render(
        &state,
        "reports.html",
        lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            error => error,
            ..ctx
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /rapporten.csv`: the same report as CSV.
pub async fn export(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (period, report) = report_of(&state, auth.lang, &q)
        .await?
        .map_err(AppError::Unprocessable)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"wederhoor-rapport-{}-{}.csv\"",
                    period.from, period.to
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        reports::report_csv(&report)
            + &wederhoor_app::service_levels::business_csv(&business_of(&state, &period).await?),
    )
        .into_response())
}

/// `GET /rapporten/wand`: today's figures in large type for a screen on the wall, refreshed
/// live (the page's script reloads `?fragment=1` on every change); NPS over the last 30 days.
pub async fn wall(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, AppError> {
    let lang = auth.lang;
    let day = today();
    let today_period = Period {
        from: day,
        to: day,
        zone: zone(),
    };
    let month = Period {
        from: day.checked_sub(29_i64.days()).unwrap_or(day),
        to: day,
        zone: zone(),
    };
    let engine = state.active_rules().engine;
    let r = reports::build_report(&state.store, &engine, &today_period).await?;
    let m = reports::build_report(&state.store, &engine, &month).await?;
    let sources: Vec<Bar> = r
        .by_source
        .iter()
        .map(|(k, v)| Bar::new(k.clone(), *v))
        .collect();
    let ctx = minijinja::context! {
        agent => &auth.agent,
        csrf => &auth.csrf,
        r => &r,
        nps => m.nps.nps,
        nps_answered => m.nps.tally.answered(),
        first_median => duration_words(lang, r.first_response.median_secs),
        resolution_median => duration_words(lang, r.resolution.median_secs),
        by_source => bar_chart(text(lang, "report_chart_sources"), &sources),
        follow_ups => m.follow_ups,
        updated => jiff::Timestamp::now().as_millisecond(),
    };
    let name = if q.fragment.is_some() {
        "wall_body.html"
    } else {
        "wall.html"
    };
    pages::render(&state, name, lang, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_words() {
        assert_eq!(duration_words(Lang::Nl, Some(29)), "0 min");
        assert_eq!(duration_words(Lang::Nl, Some(125)), "2 min");
        assert_eq!(
            duration_words(Lang::Nl, Some(3 * 3600 + 5 * 60)),
            "3 u 5 min"
        );
        assert_eq!(duration_words(Lang::En, Some(3 * 86400 + 7200)), "3 d 2 h");
        assert_eq!(duration_words(Lang::En, None), "–");
    }
}
