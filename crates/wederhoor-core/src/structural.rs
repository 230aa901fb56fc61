//! Structural issues (issue #12): one recurring cause of complaints ("pas ingeslikt door
//! automaat") with the cases that show it. Here are its states and the cheap text similarity
//! that suggests linking a case to an issue whose cases read alike.

use crate::case::named_enum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// Where a structural issue stands: open (seen, nobody works on it yet), in progress (the
    /// owner works on the cause), fixed (the cause is gone: tell everyone affected), closed.
    StructuralState, "structural issue state", {
        Open => "open",
        InProgress => "in_progress",
        Fixed => "fixed",
        Closed => "closed",
    }
);

impl StructuralState {
    /// Whether the issue still collects cases (open or in progress).
    pub fn is_active(self) -> bool {
        matches!(self, StructuralState::Open | StructuralState::InProgress)
    }
}

/// The words of a text that carry meaning: lowercased alphanumeric runs of at least four
/// characters (Dutch and English short words are mostly function words), handles and links
/// left out.
pub fn content_words(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.starts_with("http"))
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .collect()
}

/// How alike two word sets are: the share of the smaller set found in the other (0.0–1.0), so a
/// short case text fully contained in an issue's vocabulary scores high.
pub fn overlap(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    shared as f64 / smaller as f64
}

/// The similarity at or above which a case is suggested for an issue.
pub const SUGGEST_AT: f64 = 0.34;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_only_open_and_in_progress_are_active() {
        for s in StructuralState::ALL {
            assert_eq!(s.as_str().parse::<StructuralState>().ok(), Some(*s));
        }
        assert!(StructuralState::Open.is_active());
        assert!(StructuralState::InProgress.is_active());
        assert!(!StructuralState::Fixed.is_active());
        assert!(!StructuralState::Closed.is_active());
        assert!("done".parse::<StructuralState>().is_err());
    }

    #[test]
    fn similar_texts_overlap_and_others_do_not() {
        let issue = content_words(
            "Pas ingeslikt door de automaat bij het station. Automaat slikt mijn pas in!",
        );
        let case = content_words("@zuiderbank de automaat heeft mijn pas ingeslikt, wat nu?");
        let other = content_words("Wanneer komt de nieuwe app-versie uit met donkere modus?");
        assert!(overlap(&case, &issue) >= SUGGEST_AT, "{case:?} {issue:?}");
        assert!(overlap(&other, &issue) < SUGGEST_AT);
        assert_eq!(overlap(&BTreeSet::new(), &issue), 0.0);
        assert!(!case.contains("@zuiderbank"));
    }
}
