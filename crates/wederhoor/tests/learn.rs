//! `wederhoor learn` and `wederhoor triage --model` (issue #10): the team's decisions become a
//! model that changes later verdicts; bad lines are reported with their number and skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use serde_json::{Value, json};

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_teams_decisions_change_later_verdicts() {
    let t = Target::sqlite("learn");
    // The team answers problems with the app but never answers questions about the share price,
    // although the rules would answer every question put to us.
    let mut file = String::new();
    for i in 0..40 {
        let respond = json!({"id": format!("r{i}"), "text": format!("@zuiderbank mijn app werkt niet sinds update {i}, wat nu?"),
            "author": {"handle": format!("@klant{i}")}, "created_at": format!("2026-01-01T10:{:02}:00Z", i % 60),
            "decision": "respond"});
        let ignore = json!({"id": format!("i{i}"), "text": format!("@zuiderbank hoe staat het aandeel vandaag, koersdoel {i}?"),
            "author": {"handle": format!("@belegger{i}")}, "created_at": format!("2026-01-01T11:{:02}:00Z", i % 60),
            "decision": "ignore"});
        file.push_str(&format!("{respond}\n{ignore}\n"));
        if i == 0 {
            file.push_str("dit is geen json\n");
            file.push_str(&format!(
                "{}\n",
                json!({"id": "x", "text": "@zuiderbank hallo?", "decision": "bellen"})
            ));
        }
    }
    let decisions = t.data_dir.join("decisions.jsonl");
    std::fs::write(&decisions, file).unwrap();
    let model = t.data_dir.join("model.bin");
    let out = t.run(
        &[
            "learn",
            "--decisions",
            decisions.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("line 3: invalid JSON"), "{err}");
    assert!(err.contains("line 4: unknown decision \"bellen\""), "{err}");
    assert!(err.contains("learned from 80 decisions"), "{err}");

    let question = json!({"id": "q", "text": "@zuiderbank hoe staat het aandeel vandaag, koersdoel 99?", "author": {"handle": "@nieuw"}}).to_string();
    let without = lines(&t.run(&["triage"], &format!("{question}\n")));
    assert_eq!(without[0]["verdict"]["action"], "respond", "{}", without[0]);
    let with = lines(&t.run(
        &["triage", "--model", model.to_str().unwrap()],
        &format!("{question}\n"),
    ));
    let v = &with[0]["verdict"];
    assert_eq!(v["action"], "ignore", "{v}");
    assert_eq!(v["rule"], "geleerd", "{v}");
    let c = v["confidence"].as_f64().unwrap();
    assert!(c > 0.55 && c <= 1.0, "{v}");

    // A problem like the ones the team answers stays `respond`, now with more confidence.
    let problem = json!({"id": "p", "text": "@zuiderbank mijn app werkt niet sinds vanochtend, wat nu?", "author": {"handle": "@nieuw"}}).to_string();
    let base = lines(&t.run(&["triage"], &format!("{problem}\n")));
    let with = lines(&t.run(
        &["triage", "--model", model.to_str().unwrap()],
        &format!("{problem}\n"),
    ));
    assert_eq!(with[0]["verdict"]["action"], "respond");
    assert!(
        with[0]["verdict"]["confidence"].as_f64().unwrap()
            > base[0]["verdict"]["confidence"].as_f64().unwrap()
    );
}

#[test]
fn a_damaged_model_or_too_few_decisions_is_a_clear_error() {
    let t = Target::sqlite("learn-bad");
    let model = t.data_dir.join("model.bin");
    std::fs::write(&model, b"not a model").unwrap();
    let out = t.run(
        &["triage", "--model", model.to_str().unwrap()],
        "{\"id\":\"a\",\"text\":\"x\"}\n",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a Wederhoor decision model"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decisions = t.data_dir.join("few.jsonl");
    std::fs::write(
        &decisions,
        "{\"id\":\"a\",\"text\":\"@zuiderbank help\",\"decision\":\"respond\"}\n",
    )
    .unwrap();
    let out = t.run(
        &[
            "learn",
            "--decisions",
            decisions.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("at least two are needed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn learning_from_the_store_needs_decisions_and_one_source_of_them() {
    let t = Target::sqlite("learn-store");
    // A fresh installation keeps no decisions yet: a clear error, no version.
    let out = t.run(&["learn", "--from-store"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("learning from the stored decisions"), "{err}");
    assert!(
        err.contains("too few") || err.contains("at least two"),
        "{err}"
    );
    // A file and the store at once, or --activate without the store, are refused.
    let out = t.run(
        &[
            "learn",
            "--from-store",
            "--decisions",
            "x.jsonl",
            "--out",
            "m",
        ],
        "",
    );
    assert!(!out.status.success());
    let out = t.run(
        &[
            "learn",
            "--activate",
            "--decisions",
            "x.jsonl",
            "--out",
            "m",
        ],
        "",
    );
    assert!(!out.status.success());
    let out = t.run(&["learn", "--out", "m"], "");
    assert!(!out.status.success());
}
