//! `wederhoor bench search`: fills a store with N messages of real text through the real import
//! path (parse, triage, batched store with the search index kept current), reporting the import
//! rate per segment as the store grows, then times a fixed set of searches (store and excerpts,
//! as the `/zoeken` page runs them) and reports p50/p95/max. `--no-index` imports the same
//! messages without writing the index, to measure what the index costs (no searches then).

use super::ms;
use anyhow::Context;
use std::io::BufRead;
use std::time::{Duration, Instant};
use wederhoor_app::search::SearchForm;
use wederhoor_core::DeliveryKind;
use wederhoor_store::{NewSource, Store};
use wederhoor_web::{ActiveRules, PreparedBatch, prepare_values, store_prepared};

/// What to run.
pub struct SearchBench {
    pub messages: u64,
    pub segment: u64,
    /// JSON lines with a `text` field (e.g. the `stream.jsonl` of `gen_listening.py`); without
    /// it, the import benchmark's templates.
    pub file: Option<std::path::PathBuf>,
    pub runs: usize,
    pub no_index: bool,
    /// Fill through the store's batched ingest with a fixed triage (verdicts in turn): no triage
    /// CPU, for the search latency at 1 M on a slow machine. The import rate is then the store's.
    pub fast: bool,
}

/// The searches timed: common and rare words, word forms, two words, an author, and filters.
const QUERIES: &[(&str, &str, &str, &str)] = &[
    // (words, verdict, from, until)
    ("internet", "", "", ""),
    ("factuur", "", "", ""),
    ("facturen", "", "", ""),
    ("abonnement opzeggen", "", "", ""),
    ("storing", "", "", ""),
    ("klantenservice", "", "", ""),
    ("wachten", "", "", ""),
    ("telefoon probleem", "", "", ""),
    ("betalingen", "", "", ""),
    ("simkaart", "", "", ""),
    ("netwerk", "respond", "", ""),
    ("internet", "ignore", "", ""),
    ("dank", "", "2025-10-10", "2025-10-12"),
    ("klant123", "", "", ""),
    ("thanks", "", "", ""),
    ("zuiderbank", "", "", ""),
    ("onbestaandwoord", "", "", ""),
];

pub async fn run(store: Store, rules: ActiveRules, bench: SearchBench) -> anyhow::Result<()> {
    let store = if bench.no_index {
        store.without_search_index()
    } else {
        store
    };
    fill(&store, &rules, &bench).await?;
    if bench.no_index {
        return Ok(());
    }
    println!(
        "search index: {} documents",
        store.search_documents().await?
    );
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC);
    let mut all: Vec<Duration> = Vec::new();
    let mut slowest: Vec<(Duration, String, usize)> = Vec::new();
    for (words, verdict, from, until) in QUERIES {
        let form = SearchForm {
            query: (*words).to_owned(),
            verdict: (*verdict).to_owned(),
            from: (*from).to_owned(),
            until: (*until).to_owned(),
            page: 1,
            ..SearchForm::default()
        };
        let mut times = Vec::with_capacity(bench.runs);
        let mut hits = 0;
        for _ in 0..bench.runs {
            let t = Instant::now();
            let page = wederhoor_app::search::search(&store, &form, &tz)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            times.push(t.elapsed());
            hits = page.hits.len();
        }
        times.sort();
        let p95 = percentile(&times, 0.95);
        println!(
            "  {:<40} first page {hits:>2} hits: p50 {:>6.1} ms, p95 {:>6.1} ms",
            format!("{words:?} {verdict} {from} {until}"),
            ms(percentile(&times, 0.5)),
            ms(p95)
        );
        slowest.push((p95, (*words).to_owned(), hits));
        all.extend(times);
    }
    all.sort();
    println!(
        "search over {} queries × {} runs: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        QUERIES.len(),
        bench.runs,
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.95)),
        ms(percentile(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default())
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// The texts to import, cycled when there are fewer than `messages`.
fn texts(bench: &SearchBench) -> anyhow::Result<Vec<String>> {
    let Some(path) = &bench.file else {
        return Ok((0..1000u64)
            .map(|i| super::message(i)["text"].as_str().unwrap_or("").to_owned())
            .collect());
    };
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        let value: serde_json::Value = serde_json::from_str(&line).context("a JSON line")?;
        if let Some(text) = value["text"].as_str() {
            out.push(text.to_owned());
        }
        if out.len() as u64 >= bench.messages {
            break;
        }
    }
    anyhow::ensure!(!out.is_empty(), "no texts in {}", path.display());
    Ok(out)
}

async fn fill(store: &Store, rules: &ActiveRules, bench: &SearchBench) -> anyhow::Result<()> {
    let texts = std::sync::Arc::new(texts(bench)?);
    let source = match store.source_by_name("bench-search").await? {
        Some(s) => s,
        None => {
            store
                .create_source(&NewSource {
                    kind: "bench".into(),
                    name: "bench-search".into(),
                    delivery_kind: DeliveryKind::Manual,
                    delivery_url: None,
                    delivery_secret: None,
                })
                .await?
                .0
        }
    };
    let first = store.message_count().await? as u64;
    let messages = bench.messages;
    println!(
        "backend {:?}, {first} messages stored before, importing {messages} ({}), search index {}",
        store.backend(),
        bench
            .file
            .as_ref()
            .map_or("templates".to_owned(), |p| p.display().to_string()),
        if bench.no_index { "off" } else { "on" }
    );
    if bench.fast {
        return fast_fill(store, source.id, &texts, first, bench).await;
    }
    let started = Instant::now();
    let mut segment_started = Instant::now();
    let (mut done, mut prepared_upto) = (0u64, 0u64);
    let mut pending: Option<(u64, tokio::task::JoinHandle<PreparedBatch>)> = None;
    while done < messages {
        let next = (prepared_upto < messages).then(|| {
            let n = 1000.min(messages - prepared_upto);
            let from = first + prepared_upto;
            prepared_upto += n;
            let (engine, name, texts) = (rules.engine.clone(), source.name.clone(), texts.clone());
            let handle = tokio::task::spawn_blocking(move || {
                let batch = (from..from + n)
                    .map(|i| {
                        let text = texts
                            .get((i % texts.len() as u64) as usize)
                            .map_or("", String::as_str);
                        message_json(i, text)
                    })
                    .collect();
                prepare_values(&engine, &name, false, batch)
            });
            (n, handle)
        });
        let Some((n, handle)) = std::mem::replace(&mut pending, next) else {
            continue;
        };
        let prepared = handle.await.context("triage task")?;
        let report = store_prepared(store, rules.version, &source, prepared).await?;
        anyhow::ensure!(report.rejected == 0, "bench messages were rejected");
        done += n;
        if done.is_multiple_of(bench.segment) || done == messages {
            let in_segment = if done.is_multiple_of(bench.segment) {
                bench.segment
            } else {
                done % bench.segment
            };
            println!(
                "{:>9} → {:>9} messages: {:>8.0} messages/s",
                first + done - in_segment,
                first + done,
                in_segment as f64 / segment_started.elapsed().as_secs_f64()
            );
            segment_started = Instant::now();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import: {messages} messages in {secs:.1} s = {:.0} messages/s",
        messages as f64 / secs
    );
    Ok(())
}

/// Message `i` of the benchmark: threads of five, 50,000 authors, one message every 20 seconds from
/// 2025-10-01 on.
fn message_json(i: u64, text: &str) -> serde_json::Value {
    let conversation = i / 5;
    let mut m = serde_json::json!({
        "id": format!("s{i}"),
        "text": text,
        "author": {"handle": format!("@klant{}", conversation % 50_000), "name": format!("Klant {}", conversation % 50_000)},
        "created_at": jiff::Timestamp::from_second(1_759_276_800 + 20 * i as i64).map(|t| t.to_string()).unwrap_or_default(),
    });
    if !i.is_multiple_of(5) {
        m["in_reply_to"] = serde_json::Value::String(format!("s{}", i - 1));
    }
    m
}

/// Fills through `Store::ingest_batch` directly (the index kept current), with a fixed triage.
async fn fast_fill(
    store: &Store,
    source: wederhoor_core::SourceId,
    texts: &[String],
    first: u64,
    bench: &SearchBench,
) -> anyhow::Result<()> {
    use wederhoor_core::{Action, IncomingMessage, Sentiment, SentimentLabel, Triage, Verdict};
    let started = Instant::now();
    let mut segment_started = Instant::now();
    let now = jiff::Timestamp::now();
    let mut done = 0u64;
    while done < bench.messages {
        let n = 1000.min(bench.messages - done);
        let mut batch = Vec::with_capacity(n as usize);
        for i in first + done..first + done + n {
            let text = texts
                .get((i % texts.len() as u64) as usize)
                .map_or("", String::as_str);
            let incoming: IncomingMessage = serde_json::from_value(message_json(i, text))?;
            let message = incoming
                .parse(now)
                .map_err(|e| anyhow::anyhow!("message {i}: {e}"))?;
            let action = Action::ALL
                .get((i / 5 % Action::ALL.len() as u64) as usize)
                .copied()
                .unwrap_or(Action::Respond);
            let triage = Triage {
                language: "nl".into(),
                sentiment: Sentiment {
                    label: SentimentLabel::Neutral,
                    score: 0.0,
                },
                abusive: false,
                pii: Vec::new(),
                topics: Vec::new(),
                priority: 0,
                verdict: Verdict {
                    action,
                    rule: "bench".into(),
                    reason: String::new(),
                    confidence: 1.0,
                },
                evidence: Vec::new(),
            };
            batch.push((message, triage));
        }
        store.ingest_batch(source, &batch, None).await?;
        done += n;
        if done.is_multiple_of(bench.segment) || done == bench.messages {
            let in_segment = if done.is_multiple_of(bench.segment) {
                bench.segment
            } else {
                done % bench.segment
            };
            println!(
                "{:>9} → {:>9} messages: {:>8.0} messages/s (store only)",
                first + done - in_segment,
                first + done,
                in_segment as f64 / segment_started.elapsed().as_secs_f64()
            );
            segment_started = Instant::now();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fill (store only): {} messages in {secs:.1} s = {:.0} messages/s",
        bench.messages,
        bench.messages as f64 / secs
    );
    Ok(())
}
