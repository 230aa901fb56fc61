//! `wederhoor import FILE…`: JSON Lines in the ingest schema, in batches of a thousand, with a
//! progress line on a terminal and a summary. Re-running is safe: stored lines are duplicates.

use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;
use wederhoor_app::ActiveRules;
use wederhoor_app::ingest::{ItemResult, PreparedBatch, prepare_values, store_prepared};
use wederhoor_core::DeliveryKind;
use wederhoor_store::{NewSource, Source, Store};

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
    let mut pending: Option<StartedBatch> = None;
    for path in files {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut batch: Vec<(u64, String, serde_json::Value)> = Vec::with_capacity(BATCH);
        let mut line_no = 0u64;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .with_context(|| format!("reading {}", path.display()))?;
            if n > 0 {
                line_no += 1;
                if let Some(problem) = parse_line(&buf, default_source) {
                    match problem {
                        Ok(None) => {}
                        Ok(Some((source, value))) => batch.push((line_no, source, value)),
                        Err(why) => {
                            summary.lines += 1;
                            summary.rejected += 1;
                            report_rejected(&mut listed, path, line_no, &why);
                        }
                    }
                }
            }
            if batch.len() >= BATCH || (n == 0 && !batch.is_empty()) {
                summary.lines += batch.len() as u64;
                // Triage this batch on another core while the database stores the previous one.
                let next =
                    start_batch(store, rules, &mut sources, std::mem::take(&mut batch), path)
                        .await?;
                if let Some(previous) = pending.replace(next) {
                    finish_batch(store, rules, previous, &mut summary, &mut listed).await?;
                }
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
            if n == 0 {
                break;
            }
        }
    }
    if let Some(last) = pending.take() {
        finish_batch(store, rules, last, &mut summary, &mut listed).await?;
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

/// A batch whose triage runs on a blocking thread: per source, its lines and the task.
struct StartedBatch {
    path: PathBuf,
    groups: Vec<(Source, Vec<u64>, tokio::task::JoinHandle<PreparedBatch>)>,
}

/// Resolves (or creates) the batch's sources and starts its triage.
async fn start_batch(
    store: &Store,
    rules: &ActiveRules,
    sources: &mut BTreeMap<String, Source>,
    batch: Vec<(u64, String, serde_json::Value)>,
    path: &std::path::Path,
) -> anyhow::Result<StartedBatch> {
    let mut by_source: BTreeMap<String, Vec<(u64, serde_json::Value)>> = BTreeMap::new();
    for (line, source, value) in batch {
        by_source.entry(source).or_default().push((line, value));
    }
    let mut groups = Vec::new();
    for (name, items) in by_source {
        let source = match sources.get(&name) {
            Some(s) => s.clone(),
            None => {
                let s = match store.source_by_name(&name).await? {
                    Some(s) => s,
                    None => {
                        store
                            .create_source(&NewSource {
                                kind: "import".into(),
                                name: name.clone(),
                                delivery_kind: DeliveryKind::Manual,
                                delivery_url: None,
                                delivery_secret: None,
                            })
                            .await?
                            .0
                    }
                };
                sources.insert(name.clone(), s.clone());
                s
            }
        };
        let (lines, values): (Vec<u64>, Vec<serde_json::Value>) = items.into_iter().unzip();
        let engine = rules.engine.clone();
        let source_name = source.name.clone();
        let direct = wederhoor_core::is_direct_channel(&source.kind);
        let task = tokio::task::spawn_blocking(move || {
            prepare_values(&engine, &source_name, direct, values)
        });
        groups.push((source, lines, task));
    }
    Ok(StartedBatch {
        path: path.to_owned(),
        groups,
    })
}

/// Waits for a batch's triage, stores it (one transaction per source) and counts the results.
async fn finish_batch(
    store: &Store,
    rules: &ActiveRules,
    batch: StartedBatch,
    summary: &mut Summary,
    listed: &mut usize,
) -> anyhow::Result<()> {
    for (source, lines, task) in batch.groups {
        let prepared = task.await.context("triage task")?;
        let report = store_prepared(store, rules.version, &source, prepared).await?;
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
    Ok(())
}
