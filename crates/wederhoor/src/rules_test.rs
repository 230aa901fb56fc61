//! `wederhoor rules test DRAFT --against FILE.jsonl | --against-store`: which verdicts a draft
//! rules file would change, before anyone saves it ("test, then add a rule").

use crate::config::Config;
use anyhow::Context;
use std::io::{BufRead, Write};
use std::path::Path;
use wederhoor_core::IncomingMessage;
use wederhoor_triage::Engine;

/// Runs the backtest; `Ok(false)` when the draft does not compile (reported on stderr).
pub async fn run(
    config: &Config,
    draft: &Path,
    against: Option<&Path>,
    against_store: bool,
) -> anyhow::Result<bool> {
    anyhow::ensure!(
        against.is_some() != against_store,
        "name exactly one of --against FILE.jsonl and --against-store"
    );
    let brand = crate::brand(config, None)?;
    let text =
        std::fs::read_to_string(draft).with_context(|| format!("reading {}", draft.display()))?;
    let engine = match crate::engine(config, &text, brand.clone())? {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}: {e}", draft.display());
            return Ok(false);
        }
    };
    let store = crate::open_store(config).await?;
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let (checked, changed) = match against {
        Some(file) => {
            let old = match store.active_rules().await? {
                Some((version, rules)) => crate::engine(config, &rules, brand)?.map_err(|e| {
                    anyhow::anyhow!("stored rules version {version} does not compile: {e}")
                })?,
                None => crate::engine(config, wederhoor_triage::DEFAULT_RULES, brand)?
                    .map_err(|e| anyhow::anyhow!("default rules: {e}"))?,
            };
            against_file(&old, &engine, file, &mut out)?
        }
        None => {
            let items = store.messages_for_backtest(i64::MAX).await?;
            let changes = wederhoor_web::backtest_items(&engine, &items);
            for c in &changes {
                writeln!(
                    out,
                    "{}: {} ({}) → {} ({})",
                    c.id, c.old_action, c.old_rule, c.new_action, c.new_rule
                )?;
            }
            (items.len(), changes.len())
        }
    };
    writeln!(out, "{checked} messages, {changed} verdicts change")?;
    out.flush()?;
    Ok(true)
}

/// Triages every line of `file` with both engines; bad lines are reported and skipped.
fn against_file(
    old: &Engine,
    new: &Engine,
    file: &Path,
    out: &mut impl Write,
) -> anyhow::Result<(usize, usize)> {
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?,
    );
    let now = jiff::Timestamp::now();
    let (mut checked, mut changed) = (0usize, 0usize);
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{}:{line_no}: {e}", file.display());
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<IncomingMessage>(&line)
            .map_err(|e| e.to_string())
            .and_then(|m| m.parse(now).map_err(|e| e.to_string()));
        let m = match parsed {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{}:{line_no}: skipped: {e}", file.display());
                continue;
            }
        };
        let source = m.source.clone().unwrap_or_else(|| "import".to_owned());
        let a = wederhoor_web::triage_message(old, &m, &source, false).verdict;
        let b = wederhoor_web::triage_message(new, &m, &source, false).verdict;
        checked += 1;
        if a.action != b.action || a.rule != b.rule {
            changed += 1;
            writeln!(
                out,
                "{}: {} ({}) → {} ({})",
                m.external_id, a.action, a.rule, b.action, b.rule
            )?;
        }
    }
    Ok((checked, changed))
}
