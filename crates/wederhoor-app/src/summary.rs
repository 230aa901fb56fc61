//! The daily summary (seed 004: "het webcareteam registreert alle contacten op een dag; de
//! samenvatting daarvan gaat naar de afdeling klantenservice"): what came in on one calendar day
//! in the team's time zone, what the team did with it, and what a customer-service lead should
//! look at. The CLI prints it, the daily mail sends it.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use wederhoor_core::triage::PiiSpan;
use wederhoor_store::Store;

/// How many escalated or alerted messages the summary quotes.
pub const SAMPLES: i64 = 5;
/// How many topics the summary lists.
pub const TOP_TOPICS: usize = 5;
/// How many characters of a quoted message the summary shows.
const SAMPLE_CHARS: usize = 160;

/// Why a summary could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("the day {0} does not exist in the time zone: {1}")]
    Day(Date, jiff::Error),
    #[error(transparent)]
    Store(#[from] wederhoor_store::StoreError),
}

/// The summary of one day. `messages` equals the sum of `by_source` and of `by_verdict`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailySummary {
    /// The calendar day, `YYYY-MM-DD`.
    pub date: String,
    /// The time zone the day is taken in (IANA name).
    pub time_zone: String,
    /// The day in UTC, `[start, end)`, RFC 3339 (23, 24 or 25 hours long).
    pub start: String,
    pub end: String,
    /// Inbound messages created that day.
    pub messages: i64,
    pub by_source: BTreeMap<String, i64>,
    pub by_verdict: BTreeMap<String, i64>,
    /// Cases that got a reply that day.
    pub answered: i64,
    /// Messages the rules say not to answer: `ignore` and `no_engage` (stored and counted).
    pub not_answered: NotAnswered,
    /// Messages escalated to a lead that day.
    pub escalations: i64,
    /// Cases opened that day that missed their first-response target (answered late, or still
    /// unanswered after it), counted in business hours from the configured targets.
    pub past_sla: i64,
    /// Messages that raised an alert (phishing, fraud) that day.
    pub alerts: i64,
    pub cases: CaseCounts,
    /// Replies written that day, per agent (the name they sign with).
    pub replies_by_agent: BTreeMap<String, i64>,
    /// Median seconds from a case's first message to its first reply, over the cases first
    /// answered that day; `null` when none was.
    pub first_response_median_secs: Option<i64>,
    /// The most frequent topics of the day's messages.
    pub top_topics: Vec<TopicCount>,
    /// The first escalated or alerted messages, personal data masked.
    pub samples: Vec<Sample>,
    /// Structural issues made that day or growing (cases that came in that day against the
    /// week before).
    pub structural_issues: Vec<crate::structural::SummaryIssue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NotAnswered {
    pub ignore: i64,
    pub no_engage: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaseCounts {
    pub opened: i64,
    pub answered: i64,
    pub closed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicCount {
    pub topic: String,
    pub messages: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub conversation: i64,
    pub source: String,
    pub verdict: String,
    /// Local time in the summary's zone, `HH:MM`.
    pub time: String,
    /// The start of the message, personal data replaced by `•`.
    pub text: String,
}

/// The UTC range `[start, end)` of `date` in `zone`: from its first moment to the next day's
/// (a day with a daylight-saving change is 23 or 25 hours long).
pub fn day_range(date: Date, zone: &TimeZone) -> Result<(jiff::Zoned, jiff::Zoned), SummaryError> {
    let start = date
        .to_zoned(zone.clone())
        .map_err(|e| SummaryError::Day(date, e))?;
    let end = date
        .tomorrow()
        .and_then(|d| d.to_zoned(zone.clone()))
        .map_err(|e| SummaryError::Day(date, e))?;
    Ok((start, end))
}

/// The summary of `date` in `zone`, counted from the store, with the default service levels
/// at the current time.
pub async fn daily_summary(
    store: &Store,
    date: Date,
    zone: &TimeZone,
) -> Result<DailySummary, SummaryError> {
    let levels = crate::service_levels::ServiceLevelPolicy::default().levels;
    daily_summary_at(
        store,
        date,
        zone,
        &levels,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await
}

/// The summary of `date` in `zone` with the configured service levels, `past_sla` as it
/// stands at `now_ms`.
pub async fn daily_summary_at(
    store: &Store,
    date: Date,
    zone: &TimeZone,
    levels: &wederhoor_core::service_level::ServiceLevels,
    now_ms: i64,
) -> Result<DailySummary, SummaryError> {
    let (start, end) = day_range(date, zone)?;
    let opened = store
        .cases_opened_between(
            start.timestamp().as_millisecond(),
            end.timestamp().as_millisecond(),
        )
        .await?;
    let past_sla = crate::service_levels::past_sla(levels, &opened, now_ms);
    let counts = store
        .period_counts(
            start.timestamp().as_millisecond(),
            end.timestamp().as_millisecond(),
            SAMPLES,
        )
        .await?;
    let verdict = |name: &str| counts.by_verdict.get(name).copied().unwrap_or(0);
    let mut topics: Vec<TopicCount> = counts
        .by_topic
        .iter()
        .map(|(topic, n)| TopicCount {
            topic: topic.clone(),
            messages: *n,
        })
        .collect();
    topics.sort_by(|a, b| b.messages.cmp(&a.messages).then(a.topic.cmp(&b.topic)));
    topics.truncate(TOP_TOPICS);
    let samples = counts
        .samples
        .iter()
        .map(|s| {
            let spans: Vec<PiiSpan> = serde_json::from_str(&s.pii).unwrap_or_default();
            // Unreadable spans: show nothing rather than risk showing personal data.
            let masked = if spans.is_empty() && s.pii.trim() != "[]" {
                String::new()
            } else {
                wederhoor_core::pii::mask(&s.text, &spans)
            };
            Sample {
                conversation: s.conversation,
                source: s.source.clone(),
                verdict: s.action.clone(),
                time: jiff::Timestamp::from_millisecond(s.created_at)
                    .map(|t| t.to_zoned(zone.clone()).strftime("%H:%M").to_string())
                    .unwrap_or_default(),
                text: shorten(&masked),
            }
        })
        .collect();
    let (start_ms, end_ms) = (
        start.timestamp().as_millisecond(),
        end.timestamp().as_millisecond(),
    );
    let structural_issues = crate::structural::summary_issues(
        &store.structural_day(start_ms, end_ms).await?,
        start_ms,
        end_ms,
    );
    Ok(DailySummary {
        structural_issues,
        date: date.to_string(),
        time_zone: zone.iana_name().unwrap_or("UTC").to_owned(),
        start: start.timestamp().to_string(),
        end: end.timestamp().to_string(),
        messages: counts.messages,
        answered: counts.cases_answered,
        not_answered: NotAnswered {
            ignore: verdict("ignore"),
            no_engage: verdict("no_engage"),
        },
        escalations: verdict("escalate"),
        past_sla,
        alerts: verdict("alert"),
        cases: CaseCounts {
            opened: counts.cases_opened,
            answered: counts.cases_answered,
            closed: counts.cases_closed,
        },
        replies_by_agent: counts.replies_by_agent.clone(),
        first_response_median_secs: median(&counts.first_response_ms).map(|ms| ms / 1000),
        top_topics: topics,
        samples,
        by_source: counts.by_source,
        by_verdict: counts.by_verdict,
    })
}

/// The median of sorted values (the lower middle one for an even count).
pub fn median(sorted: &[i64]) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    sorted.get((sorted.len() - 1) / 2).copied()
}

fn shorten(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(SAMPLE_CHARS) {
        Some((i, _)) => format!("{}…", flat.get(..i).unwrap_or(&flat)),
        None => flat,
    }
}

/// The language of a rendered summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Dutch,
    English,
}

impl Language {
    /// `nl` or `en`.
    pub fn parse(code: &str) -> Option<Language> {
        match code {
            "nl" => Some(Language::Dutch),
            "en" => Some(Language::English),
            _ => None,
        }
    }
}

/// The words of the text rendering, per language.
struct Words {
    subject: &'static str,
    messages: &'static str,
    by_source: &'static str,
    by_verdict: &'static str,
    cases: &'static str,
    opened: &'static str,
    answered: &'static str,
    closed: &'static str,
    not_answered: &'static str,
    ignore: &'static str,
    no_engage: &'static str,
    escalations: &'static str,
    past_sla: &'static str,
    alerts: &'static str,
    replies_by_agent: &'static str,
    first_response: &'static str,
    none: &'static str,
    topics: &'static str,
    samples: &'static str,
    minutes: &'static str,
    structural: &'static str,
    structural_new: &'static str,
    structural_growing: &'static str,
    structural_cases: &'static str,
}

const DUTCH: Words = Words {
    subject: "Webcare-samenvatting van",
    messages: "Berichten binnengekomen",
    by_source: "Per bron",
    by_verdict: "Per oordeel",
    cases: "Zaken",
    opened: "geopend",
    answered: "beantwoord",
    closed: "gesloten",
    not_answered: "Bewust niet beantwoord",
    ignore: "genegeerd (ignore)",
    no_engage: "niet op ingegaan (no_engage)",
    escalations: "Geëscaleerd naar een teamleider",
    past_sla: "Zaken over de servicenorm (eerste reactie)",
    alerts: "Waarschuwingen (phishing, fraude)",
    replies_by_agent: "Antwoorden per medewerker",
    first_response: "Mediane tijd tot eerste antwoord",
    none: "geen",
    topics: "Meest genoemde onderwerpen",
    samples: "Voorbeelden van escalaties en waarschuwingen",
    minutes: "min",
    structural: "Structurele problemen, nieuw of groeiend",
    structural_new: "nieuw",
    structural_growing: "groeit",
    structural_cases: "zaken die dag / de week ervoor",
};

const ENGLISH: Words = Words {
    subject: "Webcare summary of",
    messages: "Messages received",
    by_source: "By source",
    by_verdict: "By verdict",
    cases: "Cases",
    opened: "opened",
    answered: "answered",
    closed: "closed",
    not_answered: "Deliberately not answered",
    ignore: "ignored (ignore)",
    no_engage: "not engaged (no_engage)",
    escalations: "Escalated to a team lead",
    past_sla: "Cases past their service level (first response)",
    alerts: "Alerts (phishing, fraud)",
    replies_by_agent: "Replies per agent",
    first_response: "Median time to first reply",
    none: "none",
    topics: "Most mentioned topics",
    samples: "Examples of escalations and alerts",
    minutes: "min",
    structural: "Structural issues, new or growing",
    structural_new: "new",
    structural_growing: "growing",
    structural_cases: "cases that day / the week before",
};

/// The subject line of the summary mail.
pub fn subject(summary: &DailySummary, language: Language) -> String {
    let w = words(language);
    format!("{} {}", w.subject, summary.date)
}

fn words(language: Language) -> &'static Words {
    match language {
        Language::Dutch => &DUTCH,
        Language::English => &ENGLISH,
    }
}

/// The summary as plain text (the mail body and `wederhoor summary --format text`).
pub fn render_text(summary: &DailySummary, language: Language) -> String {
    use std::fmt::Write;
    let w = words(language);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({})",
        subject(summary, language),
        summary.time_zone
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{}: {}", w.messages, summary.messages);
    let list = |out: &mut String, title: &str, items: &BTreeMap<String, i64>| {
        let _ = writeln!(out, "{title}:");
        if items.is_empty() {
            let _ = writeln!(out, "  {}", w.none);
        }
        let mut items: Vec<_> = items.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (name, n) in items {
            let _ = writeln!(out, "  {name}: {n}");
        }
    };
    list(&mut out, w.by_source, &summary.by_source);
    list(&mut out, w.by_verdict, &summary.by_verdict);
    let _ = writeln!(
        out,
        "{}: {} {}, {} {}, {} {}",
        w.cases,
        summary.cases.opened,
        w.opened,
        summary.cases.answered,
        w.answered,
        summary.cases.closed,
        w.closed
    );
    let _ = writeln!(
        out,
        "{}: {} {}, {} {}",
        w.not_answered,
        summary.not_answered.ignore,
        w.ignore,
        summary.not_answered.no_engage,
        w.no_engage
    );
    let _ = writeln!(out, "{}: {}", w.escalations, summary.escalations);
    let _ = writeln!(out, "{}: {}", w.past_sla, summary.past_sla);
    let _ = writeln!(out, "{}: {}", w.alerts, summary.alerts);
    list(&mut out, w.replies_by_agent, &summary.replies_by_agent);
    match summary.first_response_median_secs {
        Some(secs) => {
            let _ = writeln!(
                out,
                "{}: {} {}",
                w.first_response,
                (secs + 30) / 60,
                w.minutes
            );
        }
        None => {
            let _ = writeln!(out, "{}: {}", w.first_response, w.none);
        }
    }
    let _ = writeln!(out, "{}:", w.topics);
    if summary.top_topics.is_empty() {
        let _ = writeln!(out, "  {}", w.none);
    }
    for t in &summary.top_topics {
        let _ = writeln!(out, "  {}: {}", t.topic, t.messages);
    }
    if !summary.structural_issues.is_empty() {
        let _ = writeln!(out, "{}:", w.structural);
        for i in &summary.structural_issues {
            let marks: Vec<&str> = [(i.new, w.structural_new), (i.growing, w.structural_growing)]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, word)| *word)
                .collect();
            let _ = writeln!(
                out,
                "  #{} {} [{}] — {}: {} / {}",
                i.id,
                i.title,
                marks.join(", "),
                w.structural_cases,
                i.cases_that_day,
                i.cases_week_before
            );
        }
    }
    if !summary.samples.is_empty() {
        let _ = writeln!(out, "{}:", w.samples);
        for s in &summary.samples {
            let _ = writeln!(
                out,
                "  {} {} [{}] #{}: {}",
                s.time, s.source, s.verdict, s.conversation, s.text
            );
        }
    }
    out
}

/// The summary as CSV (the mail's attachment and `wederhoor summary --format csv`): one row per
/// figure, `section,item,count`, with machine names for the sections so a spreadsheet or script
/// reads every language the same; names from the data (sources, agents, topics, titles) are
/// quoted when needed and defused against formulas.
pub fn render_csv(summary: &DailySummary) -> String {
    use crate::reports::cell;
    let mut out = String::from("date,section,item,count\n");
    let mut row = |section: &str, item: &str, count: i64| {
        out.push_str(&format!(
            "{},{},{},{}\n",
            summary.date,
            section,
            cell(item),
            count
        ));
    };
    row("messages", "", summary.messages);
    for (name, n) in &summary.by_source {
        row("by_source", name, *n);
    }
    for (name, n) in &summary.by_verdict {
        row("by_verdict", name, *n);
    }
    row("answered", "", summary.answered);
    row("not_answered", "ignore", summary.not_answered.ignore);
    row("not_answered", "no_engage", summary.not_answered.no_engage);
    row("cases", "opened", summary.cases.opened);
    row("cases", "answered", summary.cases.answered);
    row("cases", "closed", summary.cases.closed);
    row("escalations", "", summary.escalations);
    row("past_sla", "", summary.past_sla);
    row("alerts", "", summary.alerts);
    for (name, n) in &summary.replies_by_agent {
        row("replies_by_agent", name, *n);
    }
    if let Some(secs) = summary.first_response_median_secs {
        row("first_response_median_secs", "", secs);
    }
    for t in &summary.top_topics {
        row("topic", &t.topic, t.messages);
    }
    for i in &summary.structural_issues {
        row(
            "structural_issue",
            &format!("#{} {}", i.id, i.title),
            i.cases_that_day,
        );
    }
    out
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The summary as an HTML document (the mail's HTML part and `wederhoor summary --format
/// html`): the same figures as the text, in tables; every name and sample escaped.
pub fn render_html(summary: &DailySummary, language: Language) -> String {
    use std::fmt::Write;
    let w = words(language);
    let e = html_escape;
    let mut out = String::new();
    let lang = match language {
        Language::Dutch => "nl",
        Language::English => "en",
    };
    let title = e(&subject(summary, language));
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;color:#1a1a1a\"><h1 style=\"font-size:1.3em\">{title}</h1>\
         <p>{} ({})</p><table cellpadding=\"4\" style=\"border-collapse:collapse\">",
        e(&summary.date),
        e(&summary.time_zone)
    );
    let figure = |out: &mut String, label: &str, value: String| {
        let _ = write!(
            out,
            "<tr><th align=\"left\" style=\"border-bottom:1px solid #ccc\">{}</th>\
             <td align=\"right\" style=\"border-bottom:1px solid #ccc\">{}</td></tr>",
            e(label),
            e(&value)
        );
    };
    figure(&mut out, w.messages, summary.messages.to_string());
    figure(
        &mut out,
        w.cases,
        format!(
            "{} {}, {} {}, {} {}",
            summary.cases.opened,
            w.opened,
            summary.cases.answered,
            w.answered,
            summary.cases.closed,
            w.closed
        ),
    );
    figure(
        &mut out,
        w.not_answered,
        format!(
            "{} {}, {} {}",
            summary.not_answered.ignore, w.ignore, summary.not_answered.no_engage, w.no_engage
        ),
    );
    figure(&mut out, w.escalations, summary.escalations.to_string());
    figure(&mut out, w.past_sla, summary.past_sla.to_string());
    figure(&mut out, w.alerts, summary.alerts.to_string());
    figure(
        &mut out,
        w.first_response,
        match summary.first_response_median_secs {
            Some(secs) => format!("{} {}", (secs + 30) / 60, w.minutes),
            None => w.none.to_owned(),
        },
    );
    out.push_str("</table>");
    let list = |out: &mut String, title: &str, items: Vec<(String, i64)>| {
        let _ = write!(out, "<h2 style=\"font-size:1.1em\">{}</h2>", e(title));
        if items.is_empty() {
            let _ = write!(out, "<p>{}</p>", e(w.none));
            return;
        }
        out.push_str("<table cellpadding=\"3\">");
        for (name, n) in items {
            let _ = write!(
                out,
                "<tr><td>{}</td><td align=\"right\">{n}</td></tr>",
                e(&name)
            );
        }
        out.push_str("</table>");
    };
    let sorted = |items: &BTreeMap<String, i64>| {
        let mut v: Vec<(String, i64)> = items.iter().map(|(k, n)| (k.clone(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    list(&mut out, w.by_source, sorted(&summary.by_source));
    list(&mut out, w.by_verdict, sorted(&summary.by_verdict));
    list(
        &mut out,
        w.replies_by_agent,
        sorted(&summary.replies_by_agent),
    );
    list(
        &mut out,
        w.topics,
        summary
            .top_topics
            .iter()
            .map(|t| (t.topic.clone(), t.messages))
            .collect(),
    );
    if !summary.structural_issues.is_empty() {
        list(
            &mut out,
            w.structural,
            summary
                .structural_issues
                .iter()
                .map(|i| (format!("#{} {}", i.id, i.title), i.cases_that_day))
                .collect(),
        );
    }
    if !summary.samples.is_empty() {
        let _ = write!(
            out,
            "<h2 style=\"font-size:1.1em\">{}</h2><ul>",
            e(w.samples)
        );
        for s in &summary.samples {
            let _ = write!(
                out,
                "<li>{} {} [{}] #{}: {}</li>",
                e(&s.time),
                e(&s.source),
                e(&s.verdict),
                s.conversation,
                e(&s.text)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amsterdam_days_are_23_24_or_25_hours() {
        let zone = TimeZone::get("Europe/Amsterdam").unwrap();
        let hours = |d: &str| {
            let (s, e) = day_range(d.parse().unwrap(), &zone).unwrap();
            (e.timestamp().as_second() - s.timestamp().as_second()) / 3600
        };
        assert_eq!(hours("2026-03-29"), 23);
        assert_eq!(hours("2026-10-25"), 25);
        assert_eq!(hours("2026-07-15"), 24);
        let (s, _) = day_range("2026-01-15".parse().unwrap(), &zone).unwrap();
        assert_eq!(s.timestamp().to_string(), "2026-01-14T23:00:00Z");
        let (s, _) = day_range("2026-07-15".parse().unwrap(), &zone).unwrap();
        assert_eq!(s.timestamp().to_string(), "2026-07-14T22:00:00Z");
    }

    fn sample_summary() -> DailySummary {
        DailySummary {
            date: "2026-07-15".into(),
            time_zone: "Europe/Amsterdam".into(),
            start: "2026-07-14T22:00:00Z".into(),
            end: "2026-07-15T22:00:00Z".into(),
            messages: 3,
            by_source: BTreeMap::from([("Forum, \"oud\"".into(), 2), ("=X".into(), 1)]),
            by_verdict: BTreeMap::from([("respond".into(), 2), ("ignore".into(), 1)]),
            answered: 1,
            not_answered: NotAnswered {
                ignore: 1,
                no_engage: 0,
            },
            escalations: 0,
            past_sla: 1,
            alerts: 0,
            cases: CaseCounts {
                opened: 3,
                answered: 1,
                closed: 0,
            },
            replies_by_agent: BTreeMap::from([("Sanne".into(), 1)]),
            first_response_median_secs: Some(600),
            top_topics: vec![TopicCount {
                topic: "passen".into(),
                messages: 2,
            }],
            samples: vec![Sample {
                conversation: 7,
                source: "Forum".into(),
                verdict: "escalate".into(),
                time: "09:15".into(),
                text: "<script>alert(1)</script> zesde keer".into(),
            }],
            structural_issues: Vec::new(),
        }
    }

    #[test]
    fn the_csv_has_one_row_per_figure_quoted_and_defused() {
        let csv = render_csv(&sample_summary());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "date,section,item,count");
        assert!(lines.contains(&"2026-07-15,messages,,3"), "{csv}");
        assert!(
            lines.contains(&"2026-07-15,by_source,\"Forum, \"\"oud\"\"\",2"),
            "{csv}"
        );
        assert!(lines.contains(&"2026-07-15,by_source,'=X,1"), "{csv}");
        assert!(lines.contains(&"2026-07-15,past_sla,,1"), "{csv}");
        assert!(lines.contains(&"2026-07-15,not_answered,ignore,1"), "{csv}");
        assert!(
            lines.contains(&"2026-07-15,first_response_median_secs,,600"),
            "{csv}"
        );
        // The sources sum to the messages, as in the JSON.
        let by_source: i64 = lines
            .iter()
            .filter(|l| l.contains(",by_source,"))
            .map(|l| l.rsplit(',').next().unwrap().parse::<i64>().unwrap())
            .sum();
        assert_eq!(by_source, 3);
    }

    #[test]
    fn the_html_escapes_names_and_samples() {
        let html = render_html(&sample_summary(), Language::Dutch);
        assert!(
            html.starts_with("<!doctype html><html lang=\"nl\">"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; zesde keer"),
            "{html}"
        );
        assert!(html.contains("Forum, &quot;oud&quot;"), "{html}");
        assert!(html.contains("10 "), "median in minutes: {html}");
        let en = render_html(&sample_summary(), Language::English);
        assert!(en.contains("lang=\"en\""), "{en}");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 2, 9]), Some(2));
        assert_eq!(median(&[1, 2, 8, 9]), Some(2));
    }
}
