//! The engine explained to the people who write rules: which of the rules language's signals
//! hold for a message, the words a rule sees in it, and which rules of the file match it.
//!
//! Everything here is answered through the rules language itself (a signal "holds" when a rule
//! `when = { signal = "…" }` matches), so it can never disagree with what a rule would see.

use crate::{Engine, TriageInput, rules, text};
use wederhoor_core::Action;

/// The names a rule can test as `signal = "…"` (see the top of `default_rules.toml`).
pub const SIGNAL_NAMES: &[&str] = &[
    "phishing",
    "press",
    "legal",
    "high_reach",
    "anonymous",
    "question",
    "claim",
    "about_brand",
    "substance",
    "complaint",
    "sarcasm",
    "addressed",
    "problem",
    "request",
    "thanks",
];

/// One rule of the engine's rules file, as compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSummary {
    pub id: String,
    pub action: Action,
    pub priority: u8,
}

impl Engine {
    /// The signals of [`SIGNAL_NAMES`] that hold for a message, in that order.
    pub fn signals_of(&self, input: &TriageInput<'_>) -> Vec<&'static str> {
        let Ok(inner) = &self.inner else {
            return Vec::new();
        };
        let analysis = inner.analyse(input);
        let facts = inner.facts(&analysis, input);
        SIGNAL_NAMES
            .iter()
            .copied()
            .filter(|name| {
                // One probe rule per signal: a name this engine does not know simply never holds.
                let probe = format!(
                    "[[rule]]\nid = \"probe\"\naction = \"ignore\"\nreason = \"probe\"\nwhen = {{ signal = \"{name}\" }}\n"
                );
                rules::RuleSet::parse(&probe, &inner.topics)
                    .is_ok_and(|set| !set.matching(&facts).is_empty())
            })
            .collect()
    }

    /// The words of a text as a rule's `phrase` sees them: lowercase, without accents, URLs and
    /// @handles, in text order (repeats included).
    pub fn words_of(&self, text: &str) -> Vec<String> {
        let norm = text::normalize(text);
        text::words(&norm).map(str::to_owned).collect()
    }

    /// The topics of the taxonomy a text mentions (a single word included), in taxonomy order.
    pub fn topics_of(&self, text: &str) -> Vec<String> {
        let Ok(inner) = &self.inner else {
            return Vec::new();
        };
        let hits = inner.topics.detect(&text::normalize(text));
        inner
            .topics
            .names
            .iter()
            .zip(hits)
            .filter(|(_, hit)| *hit)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Every rule of the file, in file order.
    pub fn rule_summaries(&self) -> Vec<RuleSummary> {
        match &self.inner {
            Ok(inner) => inner.rules.rules.iter().map(summary).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The rules whose condition holds for a message, in file order (before precedence decides
    /// between them).
    pub fn matching_rules(&self, input: &TriageInput<'_>) -> Vec<RuleSummary> {
        let Ok(inner) = &self.inner else {
            return Vec::new();
        };
        let analysis = inner.analyse(input);
        let facts = inner.facts(&analysis, input);
        inner
            .rules
            .matching(&facts)
            .into_iter()
            .map(summary)
            .collect()
    }
}

fn summary(r: &rules::Rule) -> RuleSummary {
    RuleSummary {
        id: r.id.clone(),
        action: r.action,
        priority: r.priority,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{Brand, DEFAULT_RULES};

    fn input(text: &str) -> TriageInput<'_> {
        TriageInput {
            text,
            author_handle: "@klant",
            author_name: Some("Klaas Klant"),
            ..TriageInput::default()
        }
    }

    #[test]
    fn signals_are_those_a_rule_would_see() {
        let engine = Engine::new(DEFAULT_RULES, Brand::demo()).unwrap();
        let s = engine.signals_of(&input("@zuiderbank waarom werkt mijn pas niet?"));
        assert!(
            s.contains(&"question") && s.contains(&"about_brand"),
            "{s:?}"
        );
        assert!(
            !s.contains(&"anonymous") && !s.contains(&"phishing"),
            "{s:?}"
        );
    }

    #[test]
    fn words_drop_handles_and_accents() {
        let engine = Engine::default_engine();
        assert_eq!(
            engine.words_of("@zuiderbank_help Verifiëren via https://x.nl?"),
            vec!["verifieren", "via"]
        );
    }

    #[test]
    fn topics_of_a_single_word() {
        let engine = Engine::default_engine();
        assert_eq!(engine.topics_of("geblokkeerd"), vec!["account_blocked"]);
        assert!(engine.topics_of("verifieren").is_empty());
    }

    #[test]
    fn rules_are_listed_and_matched_in_file_order() {
        let engine = Engine::new(DEFAULT_RULES, Brand::demo()).unwrap();
        let all = engine.rule_summaries();
        assert_eq!(all.first().unwrap().id, "persoonsgegevens-prive");
        assert_eq!(all.len(), engine.rule_ids().len());
        let m = engine.matching_rules(&input("Mijn IBAN is NL91ABNA0417164300"));
        assert!(
            m.iter()
                .any(|r| r.id == "persoonsgegevens-prive" && r.action == Action::Private),
            "{m:?}"
        );
    }
}
