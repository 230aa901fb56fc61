//! Evaluates the triage engine on the shared public data sets, read at run time and never
//! copied into the repository (see `../shared/data/README.md`).
//!
//! ```text
//! cargo run --release -p wederhoor-triage --example evaluate -- /work/shared/data
//! ```
//!
//! Prints language accuracy (Lingua test data; Twitter's `tweet_lang` on the Orange BE
//! webcare tweets), sentiment macro-F1 (Dutch political tweets, polarity train split) and
//! accuracy (bol.com book reviews), abuse F1 (HateCheck-NL) and the share of Orange customer
//! tweets flagged `abusive`. A missing set is skipped with a message.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wederhoor_triage::{Engine, Triage, TriageInput};

fn main() {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    println!("Data: {}", root.display());
    let engine = Engine::default_engine();
    lingua(&engine, &root.join("lingua-langid-testdata"));
    orange(&engine, &root.join("orange-be-webcare-nl"));
    political(&engine, &root.join("nl-political-tweets-polarity"));
    bolcom(&engine, &root.join("bolcom-book-reviews-nl"));
    hatecheck(&engine, &root.join("hatecheck-nl"));
}

fn triage(engine: &Engine, text: &str) -> Triage {
    engine.triage(&TriageInput {
        text,
        ..Default::default()
    })
}

/// Reads a file of a set, or says why the set is skipped.
fn read(set: &Path, file: &str) -> Option<String> {
    let path = set.join(file);
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) => {
            println!("SKIPPED: cannot read {} ({e})", path.display());
            None
        }
    }
}

fn pct(right: usize, n: usize) -> String {
    if n == 0 {
        return "n/a".into();
    }
    format!("{:.1}% ({right}/{n})", 100.0 * right as f64 / n as f64)
}

fn lingua(engine: &Engine, dir: &Path) {
    println!("\n== Language: lingua-langid-testdata (label = folder)");
    if !dir.is_dir() {
        println!("SKIPPED: {} not found", dir.display());
        return;
    }
    for lang in ["nl", "en", "fr", "de"] {
        let mut parts = Vec::new();
        for file in ["sentences.txt", "word-pairs.txt"] {
            let Some(text) = read(&dir.join(lang), file) else {
                continue;
            };
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let right = lines
                .iter()
                .filter(|l| triage(engine, l).language == lang)
                .count();
            parts.push(format!("{file} {}", pct(right, lines.len())));
        }
        println!("  {lang}: {}", parts.join("; "));
    }
}

/// The tweets of the Orange BE set: (author, text, tweet_lang).
fn orange_tweets(dir: &Path) -> Option<Vec<(String, String, String)>> {
    let text = read(dir, "dialogue-orangebenl-pre2020.txt")?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(Value::Array(turns)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for t in turns {
            let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            out.push((s("author_id"), s("text"), s("tweet_lang")));
        }
    }
    Some(out)
}

fn orange(engine: &Engine, dir: &Path) {
    println!("\n== orange-be-webcare-nl (pre-2020 conversations)");
    let Some(tweets) = orange_tweets(dir) else {
        return;
    };
    // Language against Twitter's own (noisy) tag, for the four languages we label.
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (_, text, tag) in &tweets {
        if !["nl", "en", "fr", "de"].contains(&tag.as_str()) {
            continue;
        }
        let got = triage(engine, text).language;
        let e = per.entry(tag.clone()).or_default();
        e.1 += 1;
        if got == *tag {
            e.0 += 1;
        } else {
            *confusion.entry((tag.clone(), got)).or_default() += 1;
        }
    }
    let (right, n) = per.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "  language vs tweet_lang (nl/en/fr/de tweets): {}",
        pct(right, n)
    );
    for (lang, (r, n)) in &per {
        println!("    {lang}: {}", pct(*r, *n));
    }
    let mut top: Vec<_> = confusion.into_iter().collect();
    top.sort_by_key(|e| std::cmp::Reverse(e.1));
    let top: Vec<String> = top
        .iter()
        .take(6)
        .map(|((w, g), k)| format!("{w}->{g} {k}"))
        .collect();
    println!("    most frequent errors: {}", top.join(", "));
    // Abuse false positives: customer tweets (not the operator) flagged abusive.
    let customer: Vec<&(String, String, String)> = tweets
        .iter()
        .filter(|(a, _, _)| !a.eq_ignore_ascii_case("orangebenl"))
        .collect();
    let flagged: Vec<&str> = customer
        .iter()
        .filter(|(_, t, _)| triage(engine, t).abusive)
        .map(|(_, t, _)| t.as_str())
        .collect();
    println!(
        "  abusive flagged on customer tweets (upper bound of the false-positive rate): {}",
        pct(flagged.len(), customer.len())
    );
    if std::env::var_os("EVAL_SHOW").is_some() {
        for t in &flagged {
            println!("    flagged: {t}");
        }
    }
}

/// A small RFC 4180 reader: fields separated by commas, quoted with `"`, `""` as a quote,
/// newlines allowed inside quotes.
fn csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn political(engine: &Engine, dir: &Path) {
    println!("\n== Sentiment: nl-political-tweets-polarity (polarity_train.csv)");
    let Some(text) = read(dir, "polarity_train.csv") else {
        return;
    };
    let labels = ["negative", "neutral", "positive"];
    // confusion[gold][predicted]
    let mut m = [[0usize; 3]; 3];
    for row in csv(&text).into_iter().skip(1) {
        let [text, gold] = row.as_slice() else {
            continue;
        };
        let Some(g) = labels.iter().position(|l| l == gold) else {
            continue;
        };
        let got = triage(engine, text).sentiment.label.to_string();
        let Some(p) = labels.iter().position(|l| *l == got) else {
            continue;
        };
        m[g][p] += 1;
    }
    let n: usize = m.iter().flatten().sum();
    let right: usize = (0..3).map(|i| m[i][i]).sum();
    let mut f1s = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let tp = m[i][i] as f64;
        let pred: usize = (0..3).map(|g| m[g][i]).sum();
        let gold: usize = m[i].iter().sum();
        let p = if pred == 0 { 0.0 } else { tp / pred as f64 };
        let r = if gold == 0 { 0.0 } else { tp / gold as f64 };
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        f1s.push(f1);
        println!("  {label}: precision {:.3} recall {:.3} F1 {:.3}", p, r, f1);
    }
    println!(
        "  macro-F1 {:.3}; accuracy {}",
        f1s.iter().sum::<f64>() / 3.0,
        pct(right, n)
    );
    println!("  confusion rows=gold neg/neu/pos, cols=predicted: {m:?}");
}

fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn bolcom(engine: &Engine, dir: &Path) {
    println!("\n== Sentiment: bolcom-book-reviews-nl (binary, from star ratings)");
    let Some(text) = read(dir, "polarity-nl-bol.com.csv") else {
        return;
    };
    let (mut n, mut by_label, mut by_sign, mut neutral) = (0, 0, 0, 0);
    for row in csv(&text) {
        let [gold, text] = row.as_slice() else {
            continue;
        };
        let positive = match gold.as_str() {
            "1" => true,
            "-1" => false,
            _ => continue,
        };
        n += 1;
        let t = triage(engine, &unescape_html(text));
        let label = t.sentiment.label.to_string();
        if label == "neutral" {
            neutral += 1;
        }
        if (positive && label == "positive") || (!positive && label == "negative") {
            by_label += 1;
        }
        let s = t.sentiment.score;
        if (positive && s > 0.0) || (!positive && s < 0.0) {
            by_sign += 1;
        }
    }
    println!(
        "  accuracy by label (neutral counts as wrong): {}",
        pct(by_label, n)
    );
    println!(
        "  accuracy by sign of the score (0 counts as wrong): {}; neutral labels {}",
        pct(by_sign, n),
        pct(neutral, n)
    );
}

fn hatecheck(engine: &Engine, dir: &Path) {
    println!("\n== Abuse: hatecheck-nl (hateful = positive class)");
    let Some(text) = read(dir, "hatecheck-nl.csv") else {
        return;
    };
    let (mut tp, mut fp, mut fn_, mut tn) = (0usize, 0usize, 0usize, 0usize);
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for row in csv(&text).into_iter().skip(1) {
        if row.len() < 4 {
            continue;
        }
        let (func, case, gold) = (&row[0], &row[2], &row[3]);
        let hateful = match gold.as_str() {
            "hateful" => true,
            "non-hateful" => false,
            _ => continue,
        };
        let got = triage(engine, case).abusive;
        match (hateful, got) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
        let e = per.entry(func.clone()).or_default();
        e.1 += 1;
        if got == hateful {
            e.0 += 1;
        }
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fn_).max(1) as f64;
    let f1 = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    println!(
        "  precision {p:.3} recall {r:.3} F1 {f1:.3}; accuracy {} (tp {tp} fp {fp} fn {fn_} tn {tn})",
        pct(tp + tn, tp + fp + fn_ + tn)
    );
    println!("  right per functionality:");
    for (func, (right, n)) in &per {
        println!("    {func}: {}", pct(*right, *n));
    }
}
