//! Language identification against Lingua's public test sentences (read from
//! ../shared/data, never copied into the repository). Skipped with a message when absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use wederhoor_triage::{Engine, TriageInput};

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/lingua-langid-testdata");
    dir.is_dir().then_some(dir)
}

fn accuracy(engine: &Engine, dir: &Path, lang: &str, file: &str) -> (f64, usize) {
    let text = std::fs::read_to_string(dir.join(lang).join(file)).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let right = lines
        .iter()
        .filter(|l| {
            engine
                .triage(&TriageInput {
                    text: l,
                    ..Default::default()
                })
                .language
                == lang
        })
        .count();
    (right as f64 / lines.len() as f64, lines.len())
}

#[test]
fn sentences_in_the_four_languages() {
    let Some(dir) = data_dir() else {
        eprintln!("SKIPPED: ../shared/data/lingua-langid-testdata not found");
        return;
    };
    let engine = Engine::default_engine();
    for lang in ["nl", "en", "fr", "de"] {
        let (acc, n) = accuracy(&engine, &dir, lang, "sentences.txt");
        let (pairs, _) = accuracy(&engine, &dir, lang, "word-pairs.txt");
        eprintln!(
            "{lang}: sentences {:.1}% of {n}, word pairs {:.1}%",
            acc * 100.0,
            pairs * 100.0
        );
        assert!(acc >= 0.90, "{lang}: {acc}");
    }
    // Other languages should mostly not be called nl/en/fr/de.
    for lang in ["af", "da", "sv", "es", "it"] {
        let text = std::fs::read_to_string(dir.join(lang).join("sentences.txt")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let und = lines
            .iter()
            .filter(|l| {
                engine
                    .triage(&TriageInput {
                        text: l,
                        ..Default::default()
                    })
                    .language
                    == "und"
            })
            .count();
        eprintln!(
            "{lang}: und for {:.1}%",
            100.0 * und as f64 / lines.len() as f64
        );
    }
}
