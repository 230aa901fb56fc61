//! `wederhoor learn`: train the per-installation model of the team's decisions from a file, and
//! read a model file for `wederhoor triage --model`.

use anyhow::Context;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;
use wederhoor_triage::{DecisionModel, Engine};

/// Reads a model written by `wederhoor learn`.
pub fn load_model(path: &Path) -> anyhow::Result<Arc<DecisionModel>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading model {}", path.display()))?;
    let model =
        DecisionModel::from_bytes(&bytes).with_context(|| format!("model {}", path.display()))?;
    Ok(Arc::new(model))
}

/// Trains a model on a decisions file (JSON Lines: the ingest schema plus `"decision"`) and
/// writes it to `out`. Bad lines are reported on stderr with their number and skipped. Returns
/// the number of lines skipped.
pub fn learn(engine: &Engine, decisions: &Path, out: &Path) -> anyhow::Result<usize> {
    let file = std::fs::File::open(decisions)
        .with_context(|| format!("reading decisions {}", decisions.display()))?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut lines = Vec::new();
    let mut skipped = 0usize;
    for (n, line) in reader.split(b'\n').enumerate() {
        let line = line.with_context(|| format!("reading {}", decisions.display()))?;
        let Ok(text) = std::str::from_utf8(&line) else {
            eprintln!("line {}: not valid UTF-8, skipped", n + 1);
            skipped += 1;
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match Engine::read_decision(text) {
            Ok(d) => lines.push((n, d)),
            Err(why) => {
                eprintln!("line {}: {why}, skipped", n + 1);
                skipped += 1;
            }
        }
    }
    // Time order (lines without created_at keep their place among their neighbours): the model
    // is tuned on the later decisions, as it will be used on later messages.
    lines.sort_by(|(na, a), (nb, b)| match (&a.created_at, &b.created_at) {
        (Some(x), Some(y)) => x.cmp(y).then(na.cmp(nb)),
        _ => na.cmp(nb),
    });
    let decided: Vec<_> = lines
        .iter()
        .filter_map(|(_, d)| d.input().map(|i| (i, d.action)))
        .collect();
    let (examples, own) = engine.examples(&decided);
    let model = DecisionModel::train(&examples, own).context("learning from the decisions")?;
    let bytes = model.to_bytes();
    let tmp = out.with_extension("tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    let counts: Vec<String> = model
        .info
        .trained_on
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    let info = &model.info;
    eprintln!(
        "learned from {} decisions ({}); {skipped} lines skipped; own handles {}; on the later {} decisions (each quarter of them predicted by a model of the decisions before it) the balanced accuracy is {:.3} for the model alone, {:.3} for the rules alone and {:.3} for both together ({}; review {:.1} %); written to {} ({} KiB)",
        examples.len(),
        counts.join(", "),
        if info.own_handles.is_empty() {
            "none found".to_owned()
        } else {
            info.own_handles
                .iter()
                .map(|h| format!("@{h}"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        info.holdout_size,
        info.holdout_balanced_accuracy,
        info.holdout_rules,
        info.holdout_together,
        if info.decides > 1.0 {
            "the rules decide, a disagreement goes to review".to_owned()
        } else {
            format!("the model wins from {:.0} % sure", info.decides * 100.0)
        },
        info.holdout_review_share * 100.0,
        out.display(),
        bytes.len() / 1024
    );
    Ok(skipped)
}

/// `wederhoor learn --from-store`: a new model version from the decisions the store keeps, with
/// what it would change against the active engine; activated at once with `activate`.
pub async fn learn_from_store(
    store: &wederhoor_store::Store,
    config: &crate::config::Config,
    activate: bool,
) -> anyhow::Result<()> {
    use wederhoor_app::learning;
    let rules = crate::serve::load_rules(store, config).await?;
    let r = learning::train_team_model(store, &rules.engine, None)
        .await
        .context("learning from the stored decisions")?;
    println!(
        "version {} learned from {} decisions ({} KiB): on the later decisions the model alone agrees {:.3}, rules and model together {:.3} (review {:.1} %); {} of the newest {} verdicts change against the active version",
        r.version,
        r.decisions,
        r.size.div_ceil(1024),
        r.holdout,
        r.together,
        r.review_share * 100.0,
        r.changes,
        r.compared
    );
    if activate {
        learning::activate_team_model(store, &rules.engine, r.version, None)
            .await?
            .context("the new version disappeared")?;
        println!("version {} is now active", r.version);
    } else {
        println!(
            "version {} is kept inactive; a lead activates it on /rules/model",
            r.version
        );
    }
    Ok(())
}
