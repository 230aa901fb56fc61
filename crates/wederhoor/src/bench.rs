//! `wederhoor bench …`: measured figures for docs/benchmarks.md (never asserted in tests).
//!
//! - `bench import`: synthetic tweet-length messages (threads of five, so N/5 conversations)
//!   through the real ingest path (parse, triage, batched store), rate per segment as the store grows.
//! - `bench inbox`: the inbox list page over HTTP with concurrent readers (p50/p95/p99), and the
//!   time from `POST /api/v1/ingest` to the live event on an open `/events` stream.
//! - `bench ideas`: the feedback page's idea lists on a seeded store (100,000 ideas and
//!   5,000,000 votes by default): store-level latency per order and page, the trending page over
//!   HTTP with concurrent readers, vote throughput, and the query plan of the trending list.
//! - `bench search`: the import rate of real text with the search index kept current (or, with
//!   `--no-index`, without it), then search latency (p50/p95) over a fixed set of queries.

mod ideas;
mod search;

use crate::config::Config;
use anyhow::Context;
use std::time::{Duration, Instant};
use wederhoor_core::{DeliveryKind, Role};
use wederhoor_store::{NewAgent, NewSource, Store};
use wederhoor_web::{
    ActiveRules, AppState, PreparedBatch, WebConfig, prepare_values, store_prepared,
};

const TEMPLATES: &[&str] = &[
    "@zuiderbank mijn pinpas {n} werkt al {d} dagen niet, wat nu?",
    "Overboeking van €{n} is nog steeds niet aangekomen, al {d} dagen wachten #zuiderbank",
    "Top geholpen door de webcare van Zuiderbank vandaag, dank! ({n})",
    "Waarom kan ik niet inloggen in de ZuiderApp na de update van {d} november?",
    "Zuiderbank verhoogt de rente op sparen naar {d},{n}%? Klopt dat?",
    "Die nieuwe kleur van de app vind ik echt niks {n}",
    "Ik kreeg een sms over mijn pas {n}, is dit phishing? zuiderbank-verificatie.nl",
    "@zuiderbank_help hoe lang duurt het aanvragen van een hypotheekofferte? ref {n}",
    "Al {d} keer gebeld en niemand neemt op. Slechte service Zuiderbank",
    "Is Zuiderbank morgen bereikbaar tijdens de storing? {n}",
];

fn message(i: u64) -> serde_json::Value {
    let conversation = i / 5;
    let template = TEMPLATES
        .get((i % TEMPLATES.len() as u64) as usize)
        .copied()
        .unwrap_or("{n}");
    let text = template
        .replace(
            "{n}",
            &(i.wrapping_mul(2_654_435_761) % 100_000).to_string(),
        )
        .replace("{d}", &(1 + i % 28).to_string());
    let mut m = serde_json::json!({
        "id": format!("b{i}"),
        "text": text,
        "author": {"handle": format!("@klant{}", conversation % 50_000), "name": format!("Klant {}", conversation % 50_000), "followers": i % 3000},
        "created_at": jiff::Timestamp::from_second(1_760_000_000 + i as i64).map(|t| t.to_string()).unwrap_or_default(),
    });
    if !i.is_multiple_of(5) {
        m["in_reply_to"] = serde_json::Value::String(format!("b{}", i - 1));
    }
    m
}

pub async fn import(
    store: &Store,
    rules: &ActiveRules,
    messages: u64,
    segment: u64,
) -> anyhow::Result<()> {
    let source = match store.source_by_name("bench").await? {
        Some(s) => s,
        None => {
            store
                .create_source(&NewSource {
                    kind: "bench".into(),
                    name: "bench".into(),
                    delivery_kind: DeliveryKind::Manual,
                    delivery_url: None,
                    delivery_secret: None,
                })
                .await?
                .0
        }
    };
    let start_count = store.message_count().await? as u64;
    println!(
        "backend {:?}, {} messages stored before, importing {messages}",
        store.backend(),
        start_count
    );
    let started = Instant::now();
    let mut segment_started = Instant::now();
    let mut done = 0u64;
    let mut prepared_upto = 0u64;
    let first = start_count;
    // Like `wederhoor import`: the next batch is parsed and triaged on another core while the
    // database stores this one.
    let mut pending: Option<(u64, tokio::task::JoinHandle<PreparedBatch>)> = None;
    while done < messages {
        let next = (prepared_upto < messages).then(|| {
            let n = 1000.min(messages - prepared_upto);
            let batch: Vec<serde_json::Value> = (first + prepared_upto..first + prepared_upto + n)
                .map(message)
                .collect();
            prepared_upto += n;
            let engine = rules.engine.clone();
            let name = source.name.clone();
            (
                n,
                tokio::task::spawn_blocking(move || prepare_values(&engine, &name, false, batch)),
            )
        });
        let Some((n, handle)) = std::mem::replace(&mut pending, next) else {
            continue;
        };
        let prepared = handle.await.context("triage task")?;
        let report = store_prepared(store, rules.version, &source, prepared).await?;
        anyhow::ensure!(report.rejected == 0, "bench messages were rejected");
        done += n;
        if done.is_multiple_of(segment) || done == messages {
            let secs = segment_started.elapsed().as_secs_f64();
            let in_segment = if done.is_multiple_of(segment) {
                segment
            } else {
                done % segment
            };
            println!(
                "{:>9} → {:>9} messages: {:>8.0} messages/s",
                first + done - in_segment,
                first + done,
                in_segment as f64 / secs
            );
            segment_started = Instant::now();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "total: {messages} messages in {secs:.1} s = {:.0} messages/s",
        messages as f64 / secs
    );
    Ok(())
}

pub async fn inbox(
    store: Store,
    rules: ActiveRules,
    readers: usize,
    requests: usize,
) -> anyhow::Result<()> {
    let agent = match store.agent_for_login("bench").await? {
        Some((a, _)) => a,
        None => {
            store
                .create_agent(
                    &NewAgent {
                        username: "bench".into(),
                        display_name: "Bench".into(),
                        role: Role::Agent,
                        password_hash: "!".into(),
                    },
                    None,
                )
                .await?
        }
    };
    let cookie = format!(
        "wederhoor_session={}",
        store.create_session(agent.id).await?
    );
    let (_, token) = store
        .create_source(&NewSource {
            kind: "bench".into(),
            name: format!(
                "bench-live-{}",
                wederhoor_store::random_token().get(..8).unwrap_or("x")
            ),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await?;
    let conversations = store
        .count_conversations_by_verdict(&Default::default())
        .await?;
    let total: i64 = conversations.iter().map(|c| c.count).sum();
    println!(
        "backend {:?}: {} messages, {total} conversations; {readers} readers, {requests} requests",
        store.backend(),
        store.message_count().await?
    );
    let state = AppState::new(store, rules, WebConfig::default())
        .map_err(|e| anyhow::anyhow!("templates: {e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, wederhoor_web::app(state)).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(readers)
        .build()?;

    let paths = [
        "/inbox",
        "/inbox?verdict=respond",
        "/inbox?state=new",
        "/inbox?unassigned=1",
        "/inbox?page=3",
        "/inbox?verdict=private&page=2",
    ];
    let mut tasks = Vec::new();
    for r in 0..readers {
        let (client, base, cookie) = (client.clone(), base.clone(), cookie.clone());
        let per_reader = requests / readers;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_reader);
            for i in 0..per_reader {
                let path = paths
                    .get((r + i) % paths.len())
                    .copied()
                    .unwrap_or("/inbox");
                let t = Instant::now();
                let response = client
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "{path}: HTTP {}",
                    response.status()
                );
                let _ = response.bytes().await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.context("reader task")??);
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "inbox list over HTTP: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests)",
        ms(pct(0.50)),
        ms(pct(0.95)),
        ms(pct(0.99)),
        ms(all.last().copied().unwrap_or_default()),
        all.len()
    );

    // New message → live event on an open inbox.
    let mut events = client
        .get(format!("{base}/events"))
        .header("cookie", &cookie)
        .send()
        .await?;
    let mut live = Vec::new();
    for i in 0..50 {
        let id = format!(
            "live-{i}-{}",
            wederhoor_store::random_token().get(..8).unwrap_or("x")
        );
        let t = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"id": id, "text": "Storing bij het inloggen in de ZuiderApp?"}),
            )
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "ingest: HTTP {}",
            response.status()
        );
        loop {
            let chunk = tokio::time::timeout(Duration::from_secs(5), events.chunk())
                .await
                .context("no live event within 5 s")??
                .context("event stream ended")?;
            if String::from_utf8_lossy(&chunk).contains("\"kind\":\"message\"") {
                break;
            }
        }
        live.push(t.elapsed());
    }
    live.sort();
    println!(
        "new message → live event: median {:.1} ms, max {:.1} ms (50 messages)",
        ms(live.get(25).copied().unwrap_or_default()),
        ms(live.last().copied().unwrap_or_default())
    );
    Ok(())
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run(config: &Config, command: BenchCommand) -> anyhow::Result<()> {
    let store = crate::open_store(config).await?;
    let rules = crate::serve::load_rules(&store, config).await?;
    match command {
        BenchCommand::Import { messages, segment } => {
            import(&store, &rules, messages, segment.max(1000)).await
        }
        BenchCommand::Inbox { readers, requests } => {
            inbox(store, rules, readers.max(1), requests.max(readers)).await
        }
        BenchCommand::Search {
            messages,
            segment,
            file,
            runs,
            no_index,
            fast,
        } => {
            search::run(
                store,
                rules,
                search::SearchBench {
                    messages,
                    segment: segment.max(1000),
                    file,
                    runs: runs.max(1),
                    no_index,
                    fast,
                },
            )
            .await
        }
        BenchCommand::Ideas {
            ideas,
            votes,
            accounts,
            readers,
            requests,
        } => {
            ideas::run(
                store,
                rules,
                ideas::IdeasBench {
                    ideas,
                    votes,
                    accounts,
                    readers: readers.max(1),
                    requests: requests.max(readers),
                },
            )
            .await
        }
    }
}

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Import synthetic messages through the real ingest path and report the rate as the store grows.
    Import {
        #[arg(long, default_value_t = 100_000)]
        messages: u64,
        /// Report the rate per this many messages.
        #[arg(long, default_value_t = 100_000)]
        segment: u64,
    },
    /// Inbox list latency with concurrent readers, and new-message-to-live-event latency.
    Inbox {
        #[arg(long, default_value_t = 20)]
        readers: usize,
        #[arg(long, default_value_t = 2000)]
        requests: usize,
    },
    /// Import rate with the search index kept current, then search latency over fixed queries.
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        messages: u64,
        /// Report the import rate per this many messages.
        #[arg(long, default_value_t = 100_000)]
        segment: u64,
        /// JSON lines with a `text` field (real text); default: synthetic templates.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// Times each query runs.
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Import without writing the search index (to measure its cost; no searches).
        #[arg(long)]
        no_index: bool,
        /// Fill through the store with a fixed triage (no triage CPU; verdicts in turn).
        #[arg(long)]
        fast: bool,
    },
    /// Feedback idea lists on a seeded store: store and HTTP latency, votes/s, query plan.
    Ideas {
        #[arg(long, default_value_t = 100_000)]
        ideas: u64,
        #[arg(long, default_value_t = 5_000_000)]
        votes: u64,
        #[arg(long, default_value_t = 200_000)]
        accounts: u64,
        #[arg(long, default_value_t = 20)]
        readers: usize,
        #[arg(long, default_value_t = 2000)]
        requests: usize,
    },
}
