//! The reports for leads (issue #13): over a period of calendar days in the team's time zone,
//! first response and resolution times (median and p90), volume per source, topic and verdict —
//! including what was deliberately not answered (`ignore`, `no_engage`) —, the workload per
//! agent, and the NPS of the surveys with their response rate per agent, topic, channel and day
//! (or month, for long periods). `report_csv` is the same report as CSV.

use crate::summary::day_range;
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use wederhoor_core::satisfaction::{NpsTally, Score, percentile};
use wederhoor_store::{AgentWorkload, Store};
use wederhoor_triage::Engine;

/// The longest period a report covers, in days.
pub const MAX_DAYS: i32 = 366;
/// How many survey comments the report lists.
pub const COMMENTS: usize = 50;

/// A period of whole days, `from` to `to` inclusive, in a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    pub zone: TimeZone,
}

/// Why a period was refused (each a catalogue key of the team's pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    /// Not a date like 2026-03-31.
    BadDate,
    /// `from` after `to`.
    Reversed,
    TooLong,
}

impl PeriodError {
    pub fn key(self) -> &'static str {
        match self {
            PeriodError::BadDate => "report_bad_date",
            PeriodError::Reversed => "report_reversed",
            PeriodError::TooLong => "report_too_long",
        }
    }
}

impl Period {
    /// The period the form asks for: empty fields mean the last seven days up to `today`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: Date,
        zone: TimeZone,
    ) -> Result<Period, PeriodError> {
        let date = |s: Option<&str>| -> Result<Option<Date>, PeriodError> {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) if s.len() == 10 => s
                    .parse::<Date>()
                    .map(Some)
                    .map_err(|_| PeriodError::BadDate),
                Some(_) => Err(PeriodError::BadDate),
            }
        };
        let to_date = date(to)?.unwrap_or(today);
        let from_date = match date(from)? {
            Some(d) => d,
            None => to_date
                .checked_sub(6.days())
                .map_err(|_| PeriodError::BadDate)?,
        };
        if from_date > to_date {
            return Err(PeriodError::Reversed);
        }
        let days = (to_date - from_date).get_days() + 1;
        if days > MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Period {
            from: from_date,
            to: to_date,
            zone,
        })
    }

    /// `[start, end)` in UTC milliseconds.
    pub fn range_ms(&self) -> Result<(i64, i64), crate::Error> {
        let (start, _) =
            day_range(self.from, &self.zone).map_err(|e| crate::Error::Invalid(e.to_string()))?;
        let (_, end) =
            day_range(self.to, &self.zone).map_err(|e| crate::Error::Invalid(e.to_string()))?;
        Ok((
            start.timestamp().as_millisecond(),
            end.timestamp().as_millisecond(),
        ))
    }

    pub fn days(&self) -> i32 {
        (self.to - self.from).get_days() + 1
    }
}

/// Median and p90 of durations, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Times {
    pub count: usize,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
}

impl Times {
    /// From sorted milliseconds.
    pub fn of(sorted_ms: &[i64]) -> Times {
        Times {
            count: sorted_ms.len(),
            median_secs: percentile(sorted_ms, 50).map(|ms| ms / 1000),
            p90_secs: percentile(sorted_ms, 90).map(|ms| ms / 1000),
        }
    }
}

/// NPS of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsGroup {
    pub name: String,
    pub tally: NpsTally,
    pub nps: Option<i64>,
    pub response_rate: Option<i64>,
}

/// A survey comment as staff lists show it (personal data masked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub conversation: i64,
    pub score: i64,
    pub agent: Option<String>,
    pub answered_at: i64,
    pub text: String,
    pub follow_up: bool,
}

/// The whole report of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub messages: i64,
    pub by_source: BTreeMap<String, i64>,
    pub by_topic: BTreeMap<String, i64>,
    pub by_verdict: BTreeMap<String, i64>,
    /// Messages per day (or month), in order.
    pub by_day: Vec<(String, i64)>,
    pub not_answered_ignore: i64,
    pub not_answered_no_engage: i64,
    pub cases_opened: i64,
    pub cases_closed: i64,
    pub first_response: Times,
    pub resolution: Times,
    pub workload: Vec<AgentWorkload>,
    pub nps: NpsGroup,
    pub nps_by_agent: Vec<NpsGroup>,
    pub nps_by_topic: Vec<NpsGroup>,
    pub nps_by_channel: Vec<NpsGroup>,
    pub nps_by_period: Vec<NpsGroup>,
    pub comments: Vec<Comment>,
    /// Detractors whose case waits for a follow-up.
    pub follow_ups: usize,
}

fn group(name: String, tally: NpsTally) -> NpsGroup {
    NpsGroup {
        name,
        nps: tally.nps(),
        response_rate: tally.response_rate(),
        tally,
    }
}

fn groups(map: BTreeMap<String, NpsTally>) -> Vec<NpsGroup> {
    map.into_iter().map(|(k, t)| group(k, t)).collect()
}

/// Days of up to two months are shown per day, longer periods per month.
fn bucket(period: &Period, at_ms: i64) -> String {
    let day = jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_zoned(period.zone.clone()).date())
        .unwrap_or(period.from);
    if period.days() <= 62 {
        day.to_string()
    } else {
        day.strftime("%Y-%m").to_string()
    }
}

/// Builds the report of `period` from the store. Survey comments are masked with the triage's
/// personal-data spans.
pub async fn build_report(
    store: &Store,
    engine: &Engine,
    period: &Period,
) -> Result<Report, crate::Error> {
    let (start, end) = period.range_ms()?;
    let counts = store.period_counts(start, end, 0).await?;
    let times = store.report_times(start, end).await?;
    let workload = store.agent_workload(start, end).await?;
    let surveys = store.surveys_sent(start, end).await?;
    let per_hour = store.messages_per_hour(start, end).await?;

    let mut by_day: BTreeMap<String, i64> = BTreeMap::new();
    if period.days() <= 62 {
        let mut d = period.from;
        while d <= period.to {
            by_day.insert(d.to_string(), 0);
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
    }
    // Hours map onto days exactly: the zone's offsets are whole hours.
    for (hour_start, n) in per_hour {
        *by_day.entry(bucket(period, hour_start)).or_insert(0) += n;
    }

    let mut total = NpsTally::default();
    let mut by_agent: BTreeMap<String, NpsTally> = BTreeMap::new();
    let mut by_topic: BTreeMap<String, NpsTally> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, NpsTally> = BTreeMap::new();
    let mut by_period: BTreeMap<String, NpsTally> = BTreeMap::new();
    let mut comments = Vec::new();
    let mut follow_ups = 0;
    for s in &surveys {
        let score = s
            .score
            .and_then(|n| u8::try_from(n).ok())
            .and_then(|n| Score::parse(&n.to_string()));
        total.add(score);
        if let Some(agent) = &s.agent {
            by_agent.entry(agent.clone()).or_default().add(score);
        }
        by_topic
            .entry(s.topic.clone().unwrap_or_default())
            .or_default()
            .add(score);
        by_channel.entry(s.channel.clone()).or_default().add(score);
        by_period
            .entry(bucket(period, s.sent_at))
            .or_default()
            .add(score);
        if s.follow_up {
            follow_ups += 1;
        }
        if let (Some(score), Some(text)) = (s.score, &s.comment) {
            let spans = crate::reply::personal_data(engine, text);
            comments.push(Comment {
                conversation: s.conversation,
                score,
                agent: s.agent.clone(),
                answered_at: s.answered_at.unwrap_or(s.sent_at),
                text: wederhoor_core::pii::mask(text, &spans),
                follow_up: s.follow_up,
            });
        }
    }
    comments.sort_by_key(|c| std::cmp::Reverse(c.answered_at));
    comments.truncate(COMMENTS);
    let verdict = |name: &str| counts.by_verdict.get(name).copied().unwrap_or(0);
    Ok(Report {
        from: period.from.to_string(),
        to: period.to.to_string(),
        messages: counts.messages,
        not_answered_ignore: verdict("ignore"),
        not_answered_no_engage: verdict("no_engage"),
        by_source: counts.by_source,
        by_topic: counts.by_topic,
        by_verdict: counts.by_verdict,
        by_day: by_day.into_iter().collect(),
        cases_opened: counts.cases_opened,
        cases_closed: counts.cases_closed,
        first_response: Times::of(&times.first_response_ms),
        resolution: Times::of(&times.resolution_ms),
        workload,
        nps: group(String::new(), total),
        nps_by_agent: groups(by_agent),
        nps_by_topic: groups(by_topic),
        nps_by_channel: groups(by_channel),
        nps_by_period: groups(by_period),
        comments,
        follow_ups,
    })
}

/// A CSV cell: quoted when needed, and a leading `=`, `+`, `-` or `@` defused with `'` (a
/// spreadsheet would run it as a formula).
pub(crate) fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The report as CSV: `section,name,value` rows (machine-readable names; times in seconds,
/// NPS as a number from −100 to 100, empty when there is none).
pub fn report_csv(r: &Report) -> String {
    let mut out = String::from("section,name,value\n");
    let mut row = |section: &str, name: &str, value: String| {
        // Numbers stay numbers (a negative NPS is not a formula).
        let value = if value.parse::<i64>().is_ok() {
            value
        } else {
            cell(&value)
        };
        out.push_str(&format!("{},{},{value}\n", cell(section), cell(name)));
    };
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    row("period", "from", r.from.clone());
    row("period", "to", r.to.clone());
    row("volume", "messages", r.messages.to_string());
    row("volume", "cases_opened", r.cases_opened.to_string());
    row("volume", "cases_closed", r.cases_closed.to_string());
    row("not_answered", "ignore", r.not_answered_ignore.to_string());
    row(
        "not_answered",
        "no_engage",
        r.not_answered_no_engage.to_string(),
    );
    for (name, t) in [
        ("first_response", &r.first_response),
        ("resolution", &r.resolution),
    ] {
        row(name, "cases", t.count.to_string());
        row(name, "median_secs", opt(t.median_secs));
        row(name, "p90_secs", opt(t.p90_secs));
    }
    for (k, v) in &r.by_source {
        row("by_source", k, v.to_string());
    }
    for (k, v) in &r.by_topic {
        row("by_topic", k, v.to_string());
    }
    for (k, v) in &r.by_verdict {
        row("by_verdict", k, v.to_string());
    }
    for (k, v) in &r.by_day {
        row("by_day", k, v.to_string());
    }
    for w in &r.workload {
        row("workload_replies", &w.agent, w.replies.to_string());
        row("workload_closed", &w.agent, w.closed.to_string());
    }
    row("nps", "sent", r.nps.tally.sent.to_string());
    row("nps", "answered", r.nps.tally.answered().to_string());
    row("nps", "nps", opt(r.nps.nps));
    row("nps", "response_rate_pct", opt(r.nps.response_rate));
    for (section, list) in [
        ("nps_by_agent", &r.nps_by_agent),
        ("nps_by_topic", &r.nps_by_topic),
        ("nps_by_channel", &r.nps_by_channel),
        ("nps_by_period", &r.nps_by_period),
    ] {
        for g in list {
            row(section, &g.name, opt(g.nps));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ams() -> TimeZone {
        TimeZone::get("Europe/Amsterdam").unwrap_or(TimeZone::UTC)
    }

    #[test]
    fn periods_are_validated() {
        let today: Date = "2026-03-31".parse().unwrap_or_default();
        let p = Period::parse(None, None, today, ams());
        assert_eq!(
            p.as_ref().map(|p| (p.from.to_string(), p.days())),
            Ok(("2026-03-25".to_owned(), 7))
        );
        let p = Period::parse(Some("2026-03-01"), Some("2026-03-31"), today, ams());
        assert_eq!(p.map(|p| p.days()), Ok(31));
        for bad in [
            "31-03-2026",
            "2026-13-01",
            "gisteren",
            "2026-02-30",
            "2026-3-1",
        ] {
            assert_eq!(
                Period::parse(Some(bad), None, today, ams()).err(),
                Some(PeriodError::BadDate),
                "{bad}"
            );
        }
        assert_eq!(
            Period::parse(Some("2026-04-02"), Some("2026-04-01"), today, ams()).err(),
            Some(PeriodError::Reversed)
        );
        assert_eq!(
            Period::parse(Some("2024-01-01"), Some("2026-01-01"), today, ams()).err(),
            Some(PeriodError::TooLong)
        );
    }

    #[test]
    fn a_day_with_the_clock_change_is_23_hours() {
        // Summer time starts in Amsterdam on 2026-03-29.
        let d: Date = "2026-03-29".parse().unwrap_or_default();
        let p = Period::parse(Some("2026-03-29"), Some("2026-03-29"), d, ams());
        let (start, end) = p.ok().and_then(|p| p.range_ms().ok()).unwrap_or((0, 0));
        assert_eq!(end - start, 23 * 3600 * 1000);
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-5"), "'-5");
    }
}
