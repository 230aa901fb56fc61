//! `wederhoor bench ideas`: the feedback page's idea lists on a big store.
//!
//! Seeds the store once (skipped when it already holds the requested ideas, so a rerun only
//! measures), then prints the query plan of the trending list, store-level latency of
//! `list_ideas` per order, page and filter, the trending page over HTTP with concurrent
//! readers, and the throughput of `Store::vote` on hot ideas.

use super::ms;
use anyhow::Context;
use std::time::{Duration, Instant};
use wederhoor_core::idea::IdeaSort;
use wederhoor_store::{Backend, IdeaFilter, Store};
use wederhoor_web::{ActiveRules, AppState, WebConfig};

/// Calls per store-level scenario.
const STORE_CALLS: usize = 200;
/// Ideas per page, as the feedback page shows them.
const PAGE: i64 = 20;
/// `Store::vote` calls in the throughput run.
const VOTES: usize = 10_000;
/// Boards the seeder makes.
const BOARDS: usize = 2;

pub struct IdeasBench {
    pub ideas: u64,
    pub votes: u64,
    pub accounts: u64,
    pub readers: usize,
    pub requests: usize,
}

pub async fn run(store: Store, rules: ActiveRules, o: IdeasBench) -> anyhow::Result<()> {
    let have = store.idea_count().await?;
    println!(
        "backend {:?}: {have} ideas stored; wanted {} ideas, {} votes, {} accounts",
        store.backend(),
        o.ideas,
        o.votes,
        o.accounts
    );
    if have as u64 >= o.ideas {
        println!("seeding skipped: the store holds enough ideas");
    } else {
        let started = Instant::now();
        store
            .seed_feedback_bulk(BOARDS, o.ideas, o.votes, o.accounts, |line| {
                println!("  [{:>6.1} s] {line}", started.elapsed().as_secs_f64());
            })
            .await
            .context("seeding")?;
        println!(
            "seeded {} ideas and {} votes in {:.1} s",
            o.ideas,
            o.votes,
            started.elapsed().as_secs_f64()
        );
    }
    let boards = store.boards().await?;
    let board = boards
        .iter()
        .find(|b| b.slug == "bench-1")
        .or(boards.first())
        .context("no board")?
        .clone();

    // The plan of the trending list.
    for (label, b) in [("board", Some(board.id)), ("all boards", None)] {
        let plan = store.explain_trending(b).await?;
        let ok = plan_uses_index(store.backend(), &plan);
        println!(
            "trending plan ({label}): {} {}",
            if ok { "uses an index:" } else { "NO INDEX:" },
            plan.join(" | ")
        );
    }

    // Store level.
    println!("store level, {STORE_CALLS} calls each, {PAGE} ideas a page:");
    let mut scenarios = Vec::new();
    for (sort, name) in [
        (IdeaSort::Trending, "trending"),
        (IdeaSort::Newest, "newest"),
        (IdeaSort::MostVotes, "votes"),
    ] {
        for (scope, b) in [("board", Some(board.id)), ("all", None)] {
            for page in [1, 50] {
                scenarios.push((
                    format!("{name:<8} {scope:<5} page {page:>2}"),
                    filter(b, None, sort, page),
                ));
            }
        }
    }
    scenarios.push((
        "trending board status=planned page 1".to_owned(),
        filter(
            Some(board.id),
            Some("planned".into()),
            IdeaSort::Trending,
            1,
        ),
    ));
    scenarios.push((
        "trending all   status=planned page 1".to_owned(),
        filter(None, Some("planned".into()), IdeaSort::Trending, 1),
    ));
    for (label, f) in &scenarios {
        let mut times = Vec::with_capacity(STORE_CALLS);
        for _ in 0..STORE_CALLS {
            let t = Instant::now();
            let (page, _) = store.list_ideas(f).await?;
            times.push(t.elapsed());
            anyhow::ensure!(!page.is_empty(), "{label}: empty page");
        }
        times.sort();
        println!(
            "  {label:<38} p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms",
            ms(pct(&times, 0.50)),
            ms(pct(&times, 0.95)),
            ms(pct(&times, 0.99))
        );
    }

    // Over HTTP.
    http(&store, rules, &board.slug, o.readers, o.requests).await?;

    // Votes on hot ideas by accounts that have not voted yet.
    let (hot, _) = store
        .list_ideas(&filter(Some(board.id), None, IdeaSort::Trending, 1))
        .await?;
    let hot: Vec<_> = hot.iter().take(10).map(|i| i.id).collect();
    let voters = store.add_bulk_accounts(VOTES as u64).await?;
    let tasks_n = o.readers.clamp(1, 20);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..tasks_n {
        let store = store.clone();
        let hot = hot.clone();
        let mine: Vec<_> = voters.iter().skip(t).step_by(tasks_n).copied().collect();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(mine.len());
            let mut added = 0usize;
            for (i, account) in mine.iter().enumerate() {
                let Some(idea) = hot.get(i % hot.len().max(1)) else {
                    break;
                };
                let t = Instant::now();
                if store.vote(*idea, *account).await? == wederhoor_store::VoteOutcome::Added {
                    added += 1;
                }
                times.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>((times, added))
        }));
    }
    let mut times = Vec::new();
    let mut added = 0;
    for t in tasks {
        let (mut ts, a) = t.await.context("vote task")??;
        times.append(&mut ts);
        added += a;
    }
    let secs = started.elapsed().as_secs_f64();
    times.sort();
    println!(
        "votes: {} calls ({added} added) on {} hot ideas by {tasks_n} concurrent clients in {secs:.2} s = {:.0} votes/s; per vote p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        times.len(),
        hot.len(),
        times.len() as f64 / secs,
        ms(pct(&times, 0.50)),
        ms(pct(&times, 0.95)),
        ms(pct(&times, 0.99))
    );
    Ok(())
}

fn filter(
    board: Option<wederhoor_core::BoardId>,
    status: Option<String>,
    sort: IdeaSort,
    page: i64,
) -> IdeaFilter {
    IdeaFilter {
        board,
        status,
        terms: Vec::new(),
        sort,
        limit: PAGE,
        offset: (page - 1) * PAGE,
    }
}

/// Whether the plan reads the ideas through an index (no full scan).
fn plan_uses_index(backend: Backend, plan: &[String]) -> bool {
    match backend {
        Backend::Sqlite => {
            plan.iter().any(|l| l.contains("USING INDEX"))
                && !plan
                    .iter()
                    .any(|l| l.starts_with("SCAN") && !l.contains("INDEX"))
        }
        Backend::Postgres => {
            plan.iter().any(|l| l.contains("Index Scan"))
                && !plan.iter().any(|l| l.contains("Seq Scan on ideas"))
        }
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// The trending page over HTTP with concurrent readers: the HTML page if the app has it,
/// else the JSON API, else nothing (said so).
async fn http(
    store: &Store,
    rules: ActiveRules,
    slug: &str,
    readers: usize,
    requests: usize,
) -> anyhow::Result<()> {
    let state = AppState::new(store.clone(), rules, WebConfig::default())
        .map_err(|e| anyhow::anyhow!("templates: {e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, wederhoor_web::app(state)).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(readers)
        .build()?;
    let mut chosen = None;
    for path in [
        format!("/ideeen?bord={slug}&sort=trending"),
        format!("/api/v1/ideas?board={slug}&sort=trending"),
    ] {
        let status = client.get(format!("{base}{path}")).send().await?.status();
        println!("HTTP probe {path}: {status}");
        if status.is_success() {
            chosen = Some(path);
            break;
        }
    }
    let Some(path) = chosen else {
        println!("HTTP: neither the page nor the API answers; store-level figures only");
        return Ok(());
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..readers {
        let (client, url) = (client.clone(), format!("{base}{path}"));
        let per_reader = requests / readers;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_reader);
            for _ in 0..per_reader {
                let t = Instant::now();
                let response = client.get(&url).send().await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "{url}: HTTP {}",
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
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "GET {path} over HTTP, {readers} readers: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} requests in {secs:.1} s = {:.0} requests/s",
        ms(pct(&all, 0.50)),
        ms(pct(&all, 0.95)),
        ms(pct(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default()),
        all.len(),
        all.len() as f64 / secs
    );
    Ok(())
}
