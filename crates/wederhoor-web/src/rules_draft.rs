//! A draft rule from a precedent ("make this a rule"): a condition from the engine's signals and
//! a distinctive word of the decided message, put where its precedence needs it in the rules
//! file, and checked on the precedent itself before the lead sees it.
//!
//! The loop from doubt to rule only closes when the draft decides the case it came from: a rule
//! on words the engine never sees (a handle, the brand's own name) or placed where a stronger
//! rule wins would be saved and change nothing.

use wederhoor_core::{Action, SentimentLabel};
use wederhoor_store::Precedent;
use wederhoor_triage::{Engine, RuleSummary, TriageInput};

/// The id a rule drafted from precedent `id` gets.
pub fn draft_rule_id(precedent: i64) -> String {
    format!("precedent-{precedent}")
}

/// A rules file with a draft rule in it, and what it does to the precedent's message.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The whole rules file, the draft rule in its place.
    pub rules: String,
    pub rule_id: String,
    /// The precedent's decision, the draft's action.
    pub action: Action,
    pub check: DraftCheck,
}

/// What the engine says about the precedent's message under the drafted rules.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftCheck {
    /// The message gets the decided action.
    Decides { rule: String },
    /// It gets something else (a stronger rule wins, or the engine still doubts).
    Differs {
        action: Action,
        rule: String,
        reason: String,
    },
    /// The drafted file does not compile (no condition could be drafted).
    Invalid(String),
}

/// Drafts a rule from precedent `p` into `rules_text` (the text `engine` was compiled from) and
/// checks it on the precedent's message.
pub fn draft_from_precedent(
    engine: &Engine,
    rules_text: &str,
    p: &Precedent,
    message: &TriageInput<'_>,
) -> Draft {
    let conditions = draft_conditions(engine, message);
    let summaries = engine.rule_summaries();
    let matching = engine.matching_rules(message);
    let priority = draft_priority(&summaries, &matching, p.action);
    let rule_id = draft_rule_id(p.id);
    let block = rule_block(p, &rule_id, priority, &conditions);
    let rules = insert_rule(rules_text, &summaries, p.action, &block);
    let check = match engine.with_rules(&rules) {
        Err(e) => DraftCheck::Invalid(e.to_string()),
        Ok(drafted) => {
            let v = drafted.triage(message).verdict;
            if v.action == p.action {
                DraftCheck::Decides { rule: v.rule }
            } else {
                DraftCheck::Differs {
                    action: v.action,
                    rule: v.rule,
                    reason: v.reason,
                }
            }
        }
    };
    Draft {
        rules,
        rule_id,
        action: p.action,
        check,
    }
}

/// Tests a draft may use besides words, most telling first: personal data, the engine's
/// signals of what a message is, and scolding. `about_brand` is left out on purpose: it holds
/// for nearly every message we see, as the brand's name does.
const DRAFT_SIGNALS: &[&str] = &[
    "pii",
    "phishing",
    "legal",
    "press",
    "abusive",
    "problem",
    "request",
    "question",
    "complaint",
    "claim",
    "thanks",
    "addressed",
];

/// At most this many signal tests in a draft: more would make it as narrow as the words.
const MAX_SIGNALS: usize = 2;

/// The tests of a draft's condition (each a TOML inline table), all of which hold for `message`:
/// up to two signals (sentiment when none holds), then one distinctive word — two when no
/// signal says anything.
pub fn draft_conditions(engine: &Engine, message: &TriageInput<'_>) -> Vec<String> {
    let triage = engine.triage(message);
    let signals = engine.signals_of(message);
    let holds = |name: &str| match name {
        "pii" => !triage.pii.is_empty(),
        "abusive" => triage.abusive,
        other => signals.contains(&other),
    };
    let mut tests: Vec<String> = DRAFT_SIGNALS
        .iter()
        .filter(|name| holds(name))
        .take(MAX_SIGNALS)
        .map(|name| match *name {
            "pii" => "{ pii = [\"any\"] }".to_owned(),
            "abusive" => "{ abusive = true }".to_owned(),
            other => format!("{{ signal = {} }}", toml_string(other)),
        })
        .collect();
    if tests.is_empty() && triage.sentiment.label != SentimentLabel::Neutral {
        tests.push(format!(
            "{{ sentiment = {} }}",
            toml_string(triage.sentiment.label.as_str())
        ));
    }
    let words_wanted = if tests.is_empty() { 2 } else { 1 };
    // Personal data never becomes a word of the rules file.
    let text: String = message
        .text
        .char_indices()
        .map(|(i, c)| {
            if triage.pii.iter().any(|s| (s.start..s.end).contains(&i)) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let brand_words = brand_words(engine);
    let mut words = distinctive_words(&engine.words_of(&text), &brand_words);
    // A word that names a topic of the taxonomy ("geblokkeerd") is shared by many messages; one
    // the engine has no name for tells this one apart better.
    words.sort_by_key(|w| !engine.topics_of(w).is_empty());
    tests.extend(
        words
            .iter()
            .take(words_wanted)
            .map(|w| format!("{{ phrase = {} }}", toml_string(w))),
    );
    tests
}

/// The words of the brand's name, aliases, handles, products and domains: a condition on them
/// would hold for almost every message we see.
fn brand_words(engine: &Engine) -> Vec<String> {
    let Some(b) = engine.brand() else {
        return Vec::new();
    };
    std::iter::once(&b.name)
        .chain(&b.aliases)
        .chain(&b.products)
        .chain(&b.domains)
        .map(String::as_str)
        // A handle is dropped from text before matching; its name is what remains.
        .chain(b.handles.iter().map(|h| h.trim_start_matches('@')))
        .flat_map(|s| engine.words_of(&s.replace('_', " ")))
        .collect()
}

/// Words too common to tell a message apart (Dutch and English), checked after accents are
/// removed.
const COMMON_WORDS: &[&str] = &[
    "about",
    "alleen",
    "altijd",
    "andere",
    "anders",
    "because",
    "beetje",
    "could",
    "daarom",
    "dankzij",
    "eigenlijk",
    "gekregen",
    "gestuurd",
    "gewoon",
    "geworden",
    "hebben",
    "heeft",
    "jullie",
    "klopt",
    "kregen",
    "kunnen",
    "maar",
    "misschien",
    "moeten",
    "nergens",
    "niets",
    "nooit",
    "omdat",
    "please",
    "should",
    "stuurde",
    "stuurden",
    "their",
    "there",
    "these",
    "thing",
    "tijdens",
    "vandaag",
    "waarom",
    "wanneer",
    "where",
    "which",
    "would",
    "worden",
    "wordt",
    "zonder",
    "zouden",
];

/// The distinctive words among a message's normalised `words` (see [`Engine::words_of`]): plain
/// words of five letters or more that are neither common nor the brand's, longest first, the
/// message's order among equals.
pub fn distinctive_words(words: &[String], brand_words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if w.chars().count() >= 5
            && w.chars().all(|c| c.is_ascii_alphabetic())
            && !COMMON_WORDS.contains(&w.as_str())
            && !brand_words
                .iter()
                .any(|b| b == w || (b.len() >= 5 && w.contains(b.as_str())))
            && !out.contains(w)
        {
            out.push(w.clone());
        }
    }
    // A stable sort keeps the message's order among equals.
    out.sort_by_key(|w| std::cmp::Reverse(w.len()));
    out
}

/// The priority a draft gets: what rules of its action usually have in this file (the lower
/// middle), and at least that of every rule of its action that also matches the message, so the
/// draft (placed before them) wins.
fn draft_priority(summaries: &[RuleSummary], matching: &[RuleSummary], action: Action) -> u8 {
    let mut same: Vec<u8> = summaries
        .iter()
        .filter(|r| r.action == action)
        .map(|r| r.priority)
        .collect();
    same.sort_unstable();
    let usual = same
        .get(same.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(1);
    matching
        .iter()
        .filter(|r| r.action == action)
        .map(|r| r.priority)
        .fold(usual, u8::max)
}

/// The `[[rule]]` block of a draft, with a comment line saying where it came from.
fn rule_block(p: &Precedent, rule_id: &str, priority: u8, tests: &[String]) -> String {
    let when = match tests {
        [] => "{ phrase = \"…\" }".to_owned(),
        [one] => one.clone(),
        more => format!("{{ all = [ {} ] }}", more.join(", ")),
    };
    let reason: String = p.reason.lines().collect::<Vec<_>>().join(" ");
    format!(
        "# Uit precedent #{id} (besloten door {who}); bericht {msg}.\n\
         [[rule]]\n\
         id = {rule_id}\n\
         action = {action}\n\
         priority = {priority}\n\
         reason = {reason}\n\
         when = {when}\n",
        id = p.id,
        who = p.decided_by_name.replace(['\n', '\r'], " "),
        msg = p.message_id.0,
        rule_id = toml_string(rule_id),
        action = toml_string(p.action.as_str()),
        reason = toml_string(&reason),
    )
}

/// Puts `block` before the first rule whose action does not outrank `action` (with the comment
/// lines right above that rule), so that among rules of its action and priority the draft comes
/// first; at the end when there is no such rule or the file's `[[rule]]` lines cannot be told
/// apart from its rules.
pub fn insert_rule(
    rules_text: &str,
    summaries: &[RuleSummary],
    action: Action,
    block: &str,
) -> String {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in rules_text.split_inclusive('\n') {
        if line.trim() == "[[rule]]" {
            starts.push(offset);
        }
        offset += line.len();
    }
    let target = summaries
        .iter()
        .position(|r| r.action.precedence() <= action.precedence());
    let at = match target {
        Some(i) if starts.len() == summaries.len() => starts.get(i).copied(),
        _ => None,
    };
    let Some(mut at) = at else {
        let mut out = rules_text.to_owned();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
        out.push_str(block);
        return out;
    };
    // Move up over the comment lines that belong to that rule.
    let before = rules_text.get(..at).unwrap_or("");
    for line in before.split_inclusive('\n').rev() {
        if line.trim_start().starts_with('#') {
            at -= line.len();
        } else {
            break;
        }
    }
    let (head, tail) = (
        rules_text.get(..at).unwrap_or(""),
        rules_text.get(at..).unwrap_or(""),
    );
    format!("{head}{block}\n{tail}")
}

/// A TOML basic string.
pub(crate) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn distinctive_words_are_the_longest_uncommon_ones_and_never_the_brand() {
        let engine = Engine::default_engine();
        let w = engine.words_of("Waarom is de zonnepanelenlening ineens duurder geworden?");
        assert_eq!(
            distinctive_words(&w, &[]),
            vec!["zonnepanelenlening", "duurder", "ineens"]
        );
        let w = engine.words_of("@zuiderbank_helpdesk Zuiderbank-medewerker wil verifiëren");
        assert_eq!(
            distinctive_words(&w, &brand_words(&engine)),
            vec!["medewerker", "verifieren"]
        );
        assert!(distinctive_words(&words(&["ok", "ja", "nee"]), &[]).is_empty());
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a \"b\" \\ c\n"), "\"a \\\"b\\\" \\\\ c\\n\"");
    }

    #[test]
    fn a_draft_goes_before_the_first_rule_it_outranks_with_that_rules_comments() {
        let text = "# header\n\n# 1. private\n[[rule]]\nid = \"p\"\n\n# 2. ignore\n# more\n[[rule]]\nid = \"i\"\n";
        let summaries = vec![
            RuleSummary {
                id: "p".into(),
                action: Action::Private,
                priority: 2,
            },
            RuleSummary {
                id: "i".into(),
                action: Action::Ignore,
                priority: 0,
            },
        ];
        let out = insert_rule(text, &summaries, Action::Alert, "BLOCK\n");
        assert_eq!(
            out,
            "# header\n\n# 1. private\n[[rule]]\nid = \"p\"\n\nBLOCK\n\n# 2. ignore\n# more\n[[rule]]\nid = \"i\"\n"
        );
        let out = insert_rule(text, &summaries, Action::Private, "BLOCK\n");
        assert!(
            out.starts_with("# header\n\nBLOCK\n\n# 1. private\n"),
            "{out}"
        );
        // Nothing it outranks: at the end.
        let only_private = &summaries[..1];
        let out = insert_rule(
            "[[rule]]\nid = \"p\"",
            only_private,
            Action::Ignore,
            "BLOCK\n",
        );
        assert_eq!(out, "[[rule]]\nid = \"p\"\n\nBLOCK\n");
    }

    #[test]
    fn the_priority_beats_matching_rules_of_the_same_action() {
        let r = |action, priority| RuleSummary {
            id: String::new(),
            action,
            priority,
        };
        let all = vec![
            r(Action::Respond, 2),
            r(Action::Respond, 2),
            r(Action::Respond, 1),
            r(Action::Respond, 0),
            r(Action::Alert, 3),
        ];
        assert_eq!(draft_priority(&all, &[], Action::Respond), 1);
        assert_eq!(
            draft_priority(&all, &[r(Action::Respond, 2)], Action::Respond),
            2
        );
        assert_eq!(draft_priority(&all, &[], Action::Alert), 3);
        assert_eq!(draft_priority(&all, &[], Action::Escalate), 1);
    }
}
