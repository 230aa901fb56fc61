//! `wederhoor import FILE…`: JSON Lines in the ingest schema, in batches of a thousand, with a
//! progress line on a terminal and a summary. Re-running is safe: stored lines are duplicates.

use anyhow::Context;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use wederhoor_app::ActiveRules;
use wederhoor_app::NoEvents;
use wederhoor_app::ingest::{ItemResult, PreparedBatch, prepare_values, store_prepared};
use wederhoor_app::live_alerts::{FeedItem, LiveAlerts};
use wederhoor_core::DeliveryKind;
use wederhoor_store::{NewSource, Source, Store};
use wederhoor_triage::Engine;

const BATCH: usize = 1000;
/// At most this many rejected lines are listed one by one; the rest are counted.
const LIST_REJECTED: usize = 50;

#[derive(Debug, Default)]
pub struct Summary {
    pub lines: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

pub async fn import_files(
    store: &Store,
    rules: &ActiveRules,
    files: &[PathBuf],
    default_source: &str,
) -> anyhow::Result<Summary> {
    anyhow::ensure!(!files.is_empty(), "name at least one JSON Lines file");
    let progress = std::io::stderr().is_terminal();
    let mut summary = Summary::default();
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    let started = Instant::now();
    let mut listed = 0usize;
    // Imported messages of the last hours go through the burst detector too (rebuilt from the
    // stored ones first, so a wave half in the store and half in the file is seen).
    let alerts = Arc::new(LiveAlerts::default());
    alerts.rebuild(store, &NoEvents).await?;
    // The detector is fed a stored batch while the database stores the next one (in order: a
    // batch's feed starts when the one before it has finished).
    let mut feeding: Option<tokio::task::JoinHandle<()>> = None;
    // Batches read and handed to the blocking pool to be parsed and triaged, in file order: as
    // many as there are cores (and one more), so triage runs on every core while the database
    // stores the oldest.
    let ahead = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
    let mut in_flight: VecDeque<tokio::task::JoinHandle<ParsedBatch>> = VecDeque::new();
    for path in files {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let path: Arc<PathBuf> = Arc::new(path.clone());
        let mut line_no = 0u64;
        let mut at_end = false;
        loop {
            while !at_end && in_flight.len() < ahead {
                let mut lines: Vec<(u64, Vec<u8>)> = Vec::with_capacity(BATCH);
                while lines.len() < BATCH {
                    let mut buf = Vec::new();
                    let n = reader
                        .read_until(b'\n', &mut buf)
                        .with_context(|| format!("reading {}", path.display()))?;
                    if n == 0 {
                        at_end = true;
                        break;
                    }
                    line_no += 1;
                    lines.push((line_no, buf));
                }
                if lines.is_empty() {
                    break;
                }
                let known = sources.clone();
                let engine = rules.engine.clone();
                let default_source = default_source.to_owned();
                let path = path.clone();
                in_flight.push_back(tokio::task::spawn_blocking(move || {
                    parse_batch(path, lines, &default_source, &known, &engine)
                }));
            }
            let Some(next) = in_flight.pop_front() else {
                break;
            };
            let parsed = next.await.context("triage task")?;
            let stored = store_batch(
                store,
                rules,
                &mut sources,
                parsed,
                &mut summary,
                &mut listed,
            )
            .await?;
            if let Some(before) = feeding.take() {
                before.await.context("burst detector task")?;
            }
            let (alerts, store) = (alerts.clone(), store.clone());
            feeding = Some(tokio::spawn(async move {
                for items in stored {
                    wederhoor_app::ingest::feed_items(&alerts, &store, &NoEvents, items).await;
                }
            }));
            if progress {
                let rate = summary.lines as f64 / started.elapsed().as_secs_f64().max(0.001);
                eprint!(
                    "\r{}: {} regels · {} nieuw · {} dubbel · {} afgewezen · {:.0}/s   ",
                    path.display(),
                    summary.lines,
                    summary.stored,
                    summary.duplicates,
                    summary.rejected,
                    rate
                );
                let _ = std::io::stderr().flush();
            }
        }
    }
    if let Some(last) = feeding.take() {
        last.await.context("burst detector task")?;
    }
    if progress {
        eprintln!();
    }
    if listed < summary.rejected as usize {
        eprintln!(
            "… and {} more rejected lines",
            summary.rejected as usize - listed
        );
    }
    // Nothing is reported stored before it is on disk (the batches were committed without
    // waiting for it; `Store::for_bulk_load`).
    store
        .make_durable()
        .await
        .context("flushing the imported batches to disk")?;
    if summary.stored > 0 {
        // Part of the import: the inbox is fast right after it, not after autovacuum.
        store
            .refresh_statistics()
            .await
            .context("refreshing the planner statistics after the import")?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "imported {} lines in {:.1} s: {} stored, {} duplicates, {} rejected ({:.0} lines/s)",
        summary.lines,
        secs,
        summary.stored,
        summary.duplicates,
        summary.rejected,
        summary.lines as f64 / secs.max(0.001)
    );
    Ok(summary)
}

/// A batch of lines parsed (and, for sources already known, triaged) on a blocking thread.
struct ParsedBatch {
    path: Arc<PathBuf>,
    /// Non-blank lines.
    lines: u64,
    /// Lines that are not a JSON object, with the reason.
    rejected: Vec<(u64, String)>,
    groups: Vec<Group>,
}

/// The lines of one source within a batch.
enum Group {
    /// A source known when the batch was read: triaged already.
    Triaged(Source, Vec<u64>, Box<PreparedBatch>),
    /// A source not known yet (it is looked up or created first): parsed only.
    Parsed(String, Vec<u64>, Vec<serde_json::Value>),
}

/// Parses a batch of lines, groups them by source, and triages the groups whose source is known
/// (pure: no I/O).
fn parse_batch(
    path: Arc<PathBuf>,
    lines: Vec<(u64, Vec<u8>)>,
    default_source: &str,
    known: &BTreeMap<String, Source>,
    engine: &Engine,
) -> ParsedBatch {
    let mut parsed = ParsedBatch {
        path,
        lines: 0,
        rejected: Vec::new(),
        groups: Vec::new(),
    };
    let mut by_source: BTreeMap<String, (Vec<u64>, Vec<serde_json::Value>)> = BTreeMap::new();
    for (line, raw) in lines {
        match parse_line(&raw, default_source) {
            None | Some(Ok(None)) => {}
            Some(Ok(Some((source, value)))) => {
                parsed.lines += 1;
                let group = by_source.entry(source).or_default();
                group.0.push(line);
                group.1.push(value);
            }
            Some(Err(why)) => {
                parsed.lines += 1;
                parsed.rejected.push((line, why));
            }
        }
    }
    for (name, (lines, values)) in by_source {
        parsed.groups.push(match known.get(&name) {
            Some(source) => {
                let direct = wederhoor_core::is_direct_channel(&source.kind);
                let prepared = prepare_values(engine, &source.name, direct, values);
                Group::Triaged(source.clone(), lines, Box::new(prepared))
            }
            None => Group::Parsed(name, lines, values),
        });
    }
    parsed
}

/// `None` for a blank line; `Ok((source, value))` for a JSON object; `Err(reason)` otherwise.
#[allow(clippy::type_complexity)]
fn parse_line(
    raw: &[u8],
    default_source: &str,
) -> Option<Result<Option<(String, serde_json::Value)>, String>> {
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            return Some(Err(format!(
                "not valid UTF-8 (at byte {})",
                e.valid_up_to()
            )));
        }
    };
    if text.trim().is_empty() {
        return Some(Ok(None));
    }
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Some(Err(format!("not valid JSON: {e}"))),
    };
    if !value.is_object() {
        return Some(Err("not a JSON object".into()));
    }
    let source = value
        .get("source")
        .and_then(|s| s.as_str())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(default_source)
        .to_owned();
    Some(Ok(Some((source, value))))
}

fn report_rejected(listed: &mut usize, path: &std::path::Path, line: u64, why: &str) {
    if *listed < LIST_REJECTED {
        eprintln!("{}:{line}: rejected: {why}", path.display());
        *listed += 1;
    }
}

/// The source named `name`: from the ones seen before, else looked up, else created.
async fn resolve_source(
    store: &Store,
    sources: &mut BTreeMap<String, Source>,
    name: &str,
) -> anyhow::Result<Source> {
    if let Some(s) = sources.get(name) {
        return Ok(s.clone());
    }
    let source = match store.source_by_name(name).await? {
        Some(s) => s,
        None => {
            store
                .create_source(&NewSource {
                    kind: "import".into(),
                    name: name.to_owned(),
                    delivery_kind: DeliveryKind::Manual,
                    delivery_url: None,
                    delivery_secret: None,
                })
                .await?
                .0
        }
    };
    sources.insert(name.to_owned(), source.clone());
    Ok(source)
}

/// Stores a parsed batch (one transaction per source; a group of a source seen for the first
/// time is triaged here) and counts the results.
async fn store_batch(
    store: &Store,
    rules: &ActiveRules,
    sources: &mut BTreeMap<String, Source>,
    batch: ParsedBatch,
    summary: &mut Summary,
    listed: &mut usize,
) -> anyhow::Result<Vec<Vec<FeedItem>>> {
    let mut stored = Vec::new();
    summary.lines += batch.lines;
    for (line, why) in &batch.rejected {
        summary.rejected += 1;
        report_rejected(listed, &batch.path, *line, why);
    }
    for group in batch.groups {
        let (source, lines, prepared) = match group {
            Group::Triaged(source, lines, prepared) => (source, lines, *prepared),
            Group::Parsed(name, lines, values) => {
                let source = resolve_source(store, sources, &name).await?;
                let engine = rules.engine.clone();
                let source_name = source.name.clone();
                let direct = wederhoor_core::is_direct_channel(&source.kind);
                let prepared = tokio::task::spawn_blocking(move || {
                    prepare_values(&engine, &source_name, direct, values)
                })
                .await
                .context("triage task")?;
                (source, lines, prepared)
            }
        };
        let feed = prepared.pending_feed();
        let report = store_prepared(store, rules.version, &source, prepared).await?;
        stored.push(feed.items(&report));
        for (line, result) in lines.iter().zip(report.results) {
            match result {
                ItemResult::Stored { .. } => summary.stored += 1,
                ItemResult::Duplicate { .. } | ItemResult::Updated { .. } => {
                    summary.duplicates += 1
                }
                ItemResult::Rejected { error } => {
                    summary.rejected += 1;
                    report_rejected(listed, &batch.path, *line, &error);
                }
            }
        }
    }
    Ok(stored)
}
