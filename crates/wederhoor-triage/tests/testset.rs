//! Held-out test set: 167 hand-written Dutch and English webcare messages about the fictional
//! Zuiderbank (`tests/data/testset.jsonl`), each with the action a team lead would choose under
//! DESIGN §4. The expected actions were decided by reading the rules of engagement, not by
//! running the engine, and the engine was not tuned on this set. It was run once (2026-11-25)
//! and the measured accuracy is the floor below, minus a small margin: a regression fails.
//! (After the later, evaluation-driven word-list changes it gives 88.0%, 147 of 167.)
//! Known data artefact: the IBANs in the set are made up and fail the mod-97 check, so an
//! IBAN is only found where the message also holds other personal data (t015 misses).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use wederhoor_triage::{Engine, TriageInput};

/// Verdict (action) accuracy measured on the first and only run (145 of 167), as a fraction.
const MEASURED: f64 = 0.868;
/// Allowed slack before the test calls it a regression.
const MARGIN: f64 = 0.03;

struct Case {
    id: String,
    text: String,
    handle: String,
    name: Option<String>,
    followers: i64,
    reposts: i64,
    likes: i64,
    action: String,
    rule: String,
}

fn load() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/testset.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |v: &Value| v.as_str().map(str::to_owned);
            let author = v.get("author").cloned().unwrap_or(Value::Null);
            let metrics = v.get("metrics").cloned().unwrap_or(Value::Null);
            Case {
                id: s(&v["id"]).unwrap(),
                text: s(&v["text"]).unwrap(),
                handle: s(&author["handle"]).unwrap_or_default(),
                name: s(&author["name"]),
                followers: author["followers"].as_i64().unwrap_or(0),
                reposts: metrics["reposts"].as_i64().unwrap_or(0),
                likes: metrics["likes"].as_i64().unwrap_or(0),
                action: s(&v["expected"]["action"]).unwrap(),
                rule: s(&v["expected"]["rule"]).unwrap(),
            }
        })
        .collect()
}

#[test]
fn held_out_test_set() {
    let cases = load();
    let engine = Engine::default_engine();
    let mut right = 0usize;
    let mut rule_right = 0usize;
    // (expected, got) -> count
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for c in &cases {
        let t = engine.triage(&TriageInput {
            text: &c.text,
            source: Some("twitter"),
            author_handle: &c.handle,
            author_name: c.name.as_deref(),
            followers: c.followers,
            reposts: c.reposts,
            likes: c.likes,
            direct: false,
        });
        let got = t.verdict.action.to_string();
        if got == c.action {
            right += 1;
        } else {
            wrong.push(format!(
                "{} want {} ({}), got {} ({}): {}",
                c.id, c.action, c.rule, got, t.verdict.rule, c.text
            ));
        }
        if t.verdict.rule == c.rule {
            rule_right += 1;
        }
        *confusion.entry((c.action.clone(), got)).or_default() += 1;
    }
    let n = cases.len();
    let acc = right as f64 / n as f64;
    eprintln!(
        "test set: action accuracy {:.1}% ({right}/{n}); same rule {:.1}% ({rule_right}/{n})",
        acc * 100.0,
        100.0 * rule_right as f64 / n as f64
    );
    eprintln!("confusion (expected -> got: count), off-diagonal only:");
    for ((want, got), k) in &confusion {
        if want != got {
            eprintln!("  {want} -> {got}: {k}");
        }
    }
    for w in &wrong {
        eprintln!("  {w}");
    }
    assert!(
        acc >= MEASURED - MARGIN,
        "accuracy {acc:.3} fell below {MEASURED} - {MARGIN}"
    );
}

#[test]
fn test_set_is_big_enough_and_covers_every_default_rule() {
    let cases = load();
    assert!(cases.len() >= 150, "{}", cases.len());
    let ids: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "duplicate ids");
    let used: HashSet<&str> = cases.iter().map(|c| c.rule.as_str()).collect();
    for id in Engine::default_engine().rule_ids() {
        assert!(
            used.contains(id.as_str()),
            "no expected outcome for rule {id}"
        );
    }
    assert!(used.contains("review"));
    for lang_hint in ["@zuiderbank", "the", "de"] {
        assert!(cases.iter().any(|c| c.text.contains(lang_hint)));
    }
}
