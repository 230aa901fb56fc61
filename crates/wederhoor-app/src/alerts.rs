//! Alerts on a replayed stream: `wederhoor alerts replay FILE.jsonl`. Reads messages in the ingest
//! schema (with `created_at`) in time order, triages each, feeds the burst detector and writes one
//! JSON line per alert event.

use serde::Serialize;
use std::io::{BufRead, Write};
use wederhoor_core::{Action, IncomingMessage, SentimentLabel};
use wederhoor_triage::burst::{AlertEventKind, BurstDetector, BurstMessage};
use wederhoor_triage::{Engine, TriageInput};

/// Why a replay stopped (bad lines do not stop it: they are reported and skipped).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("reading the stream: {0}")]
    Read(std::io::Error),
    #[error("writing the alerts: {0}")]
    Write(std::io::Error),
}

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplaySummary {
    pub messages: u64,
    pub skipped: u64,
    pub alerts: u64,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

#[derive(Serialize)]
struct Line<'a> {
    alert: u64,
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    opened_at: Option<String>,
    kind: &'static str,
    topic: Option<&'a str>,
    message_ids: &'a [String],
    sample: &'a str,
}

/// Replays `reader` (JSON Lines) through the triage and the burst detector, writing alert events
/// to `writer`. Lines that cannot be read, lack `created_at`, or go back in time are reported to
/// `errors` with their line number and skipped.
pub fn replay(
    engine: &Engine,
    reader: impl BufRead,
    mut writer: impl Write,
    mut errors: impl Write,
) -> Result<ReplaySummary, ReplayError> {
    let mut det = BurstDetector::default();
    let mut summary = ReplaySummary::default();
    let mut last: Option<jiff::Timestamp> = None;
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(ReplayError::Read)?;
        if line.trim().is_empty() {
            continue;
        }
        let number = n + 1;
        let msg = match read_line(&line, last) {
            Ok(m) => m,
            Err(why) => {
                summary.skipped += 1;
                writeln!(errors, "line {number}: {why}").map_err(ReplayError::Write)?;
                continue;
            }
        };
        last = Some(msg.at);
        summary.messages += 1;
        let at = msg.at.as_second();
        summary.first_at.get_or_insert(at);
        summary.last_at = Some(at);
        let triage = engine.triage(&TriageInput {
            text: &msg.text,
            source: msg.source.as_deref(),
            author_handle: &msg.handle,
            author_name: None,
            followers: 0,
            reposts: 0,
            likes: 0,
            direct: false,
        });
        let phishing = triage.topics.iter().any(|t| t.contains("phishing"))
            || (triage.verdict.action == Action::Alert && triage.verdict.rule.contains("phishing"));
        let problem = triage.sentiment.label == SentimentLabel::Negative;
        let Some(event) = det.push(&BurstMessage {
            id: &msg.id,
            at,
            author: &msg.handle,
            text: &msg.text,
            topic: triage.topics.first().map(String::as_str),
            phishing,
            problem,
        }) else {
            continue;
        };
        let opened = event.event == AlertEventKind::Opened;
        if opened {
            summary.alerts += 1;
        }
        let out = Line {
            alert: event.alert,
            event: if opened { "opened" } else { "update" },
            opened_at: opened.then(|| rfc3339(event.opened_at)),
            kind: event.kind.as_str(),
            topic: event.topic.as_deref(),
            message_ids: &event.message_ids,
            sample: &event.sample,
        };
        let json = serde_json::to_string(&out).map_err(|e| ReplayError::Write(e.into()))?;
        writeln!(writer, "{json}").map_err(ReplayError::Write)?;
    }
    writer.flush().map_err(ReplayError::Write)?;
    Ok(summary)
}

struct Read {
    id: String,
    text: String,
    handle: String,
    source: Option<String>,
    at: jiff::Timestamp,
}

fn read_line(line: &str, last: Option<jiff::Timestamp>) -> Result<Read, String> {
    let m: IncomingMessage = serde_json::from_str(line)
        .map_err(|e| format!("not a message in the ingest schema: {e}"))?;
    let id = match m.id {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err("missing \"id\"".into()),
    };
    let text = m.text.ok_or("missing \"text\"")?;
    let created = m
        .created_at
        .ok_or("missing \"created_at\" (a replay needs the time of each message)")?;
    let at: jiff::Timestamp = created
        .parse()
        .map_err(|e| format!("\"created_at\" is not an RFC 3339 time: {e}"))?;
    if let Some(prev) = last
        && at < prev
    {
        return Err(format!(
            "out of order: {created} is before the previous message ({prev}); sort the stream by created_at"
        ));
    }
    let handle = m.author.and_then(|a| a.handle).unwrap_or_default();
    Ok(Read {
        id,
        text,
        handle,
        source: m.source,
        at,
    })
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_and_out_of_order_lines_are_reported_and_skipped() {
        let input = concat!(
            "{\"id\":\"1\",\"text\":\"hallo daar\",\"created_at\":\"2024-05-01T10:00:00Z\"}\n",
            "not json\n",
            "{\"id\":\"2\",\"text\":\"te vroeg\",\"created_at\":\"2024-05-01T09:00:00Z\"}\n",
            "{\"id\":\"3\",\"text\":\"geen tijd\"}\n",
            "{\"id\":\"4\",\"text\":\"verder\",\"created_at\":\"2024-05-01T10:01:00Z\"}\n",
        );
        let mut out = Vec::new();
        let mut err = Vec::new();
        let s = replay(
            &Engine::default_engine(),
            input.as_bytes(),
            &mut out,
            &mut err,
        )
        .expect("replay");
        assert_eq!(s.messages, 2);
        assert_eq!(s.skipped, 3);
        let err = String::from_utf8(err).expect("utf8");
        assert!(err.contains("line 2:"), "{err}");
        assert!(err.contains("line 3: out of order"), "{err}");
        assert!(err.contains("line 4: missing \"created_at\""), "{err}");
        assert!(out.is_empty());
    }
}
