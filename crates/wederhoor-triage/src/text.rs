//! Text normalisation shared by all detectors, and a compiled set of terms (aho-corasick).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Folds a lowercase character to its unaccented form (é → e, ß → s).
pub(crate) fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ß' => 's',
        'ÿ' => 'y',
        other => other,
    }
}

/// Length in bytes of a URL or @handle starting at `rest`, or 0 when `rest` starts with neither.
fn skip_len(rest: &str, prev: Option<char>) -> usize {
    let lower_starts = |p: &str| {
        rest.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    };
    if lower_starts("http://") || lower_starts("https://") || lower_starts("www.") {
        return rest.find(char::is_whitespace).unwrap_or(rest.len());
    }
    if rest.starts_with('@') && !prev.is_some_and(char::is_alphanumeric) {
        let handle = rest
            .get(1..)
            .unwrap_or("")
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(rest.len(), |n| n + 1);
        return handle;
    }
    0
}

/// Normalises text for word matching: drops URLs and @handles, lowercases, folds accents,
/// removes apostrophes ("don't" → "dont"), turns every other non-alphanumeric character
/// (punctuation, `#`, emoji) into a single space, and pads the result with one space on each
/// side, so that `" word "` matches a whole word and `" stem"` the start of a word.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(rest) = text.get(i..) {
        let Some(c) = rest.chars().next() else { break };
        let skip = skip_len(rest, prev);
        if skip > 0 {
            i += skip;
            if !out.ends_with(' ') {
                out.push(' ');
            }
            prev = Some(' ');
            continue;
        }
        i += c.len_utf8();
        prev = Some(c);
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                out.push(fold(l));
            }
        } else if matches!(c, '\'' | '’' | '`' | '‘') {
            // joins: don't → dont
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Lowercases text and blanks out URLs and @handles (keeping every other character, so that
/// spelling games such as `k*nker` survive).
pub(crate) fn lower_without_handles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(rest) = text.get(i..) {
        let Some(c) = rest.chars().next() else { break };
        let skip = skip_len(rest, prev);
        if skip > 0 {
            i += skip;
            out.push(' ');
            prev = Some(' ');
            continue;
        }
        i += c.len_utf8();
        prev = Some(c);
        out.extend(c.to_lowercase());
    }
    out
}

/// The words of a normalised text.
pub(crate) fn words(norm: &str) -> impl Iterator<Item = &str> {
    norm.split(' ').filter(|w| !w.is_empty())
}

/// How a term matches in normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    /// Whole words: `"niet goed"` matches " niet goed ", not "niet goedkoop".
    Phrase,
    /// Start of a word: `"betal"` matches "betaling", "betalen".
    Stem,
}

/// Turns a term as written in a rules file into its pattern over normalised text, or `None`
/// when nothing is left after normalisation.
pub(crate) fn term_pattern(term: &str, kind: TermKind) -> Option<String> {
    let norm = normalize(term);
    if norm.trim().is_empty() {
        return None;
    }
    Some(match kind {
        TermKind::Phrase => norm,
        TermKind::Stem => norm.trim_end().to_owned(),
    })
}

/// Many terms compiled into one automaton; each term belongs to a group, and a search says
/// which groups were hit.
#[derive(Debug, Clone)]
pub(crate) struct TermSet {
    ac: Option<AhoCorasick>,
    owners: Vec<usize>,
    groups: usize,
}

impl TermSet {
    /// `terms` are (pattern over normalised text, group).
    pub(crate) fn build(
        terms: Vec<(String, usize)>,
        groups: usize,
    ) -> Result<TermSet, aho_corasick::BuildError> {
        let owners: Vec<usize> = terms.iter().map(|(_, g)| *g).collect();
        let ac = if terms.is_empty() {
            None
        } else {
            // A full DFA scans every message once at one table look-up per byte (measured:
            // the overlapping scan is the largest single cost of the signals); should the term
            // list ever be too large for one, the default automaton takes over.
            let patterns = || terms.iter().map(|(p, _)| p.as_str());
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(patterns())
                    .or_else(|_| {
                        AhoCorasick::builder()
                            .match_kind(MatchKind::Standard)
                            .build(patterns())
                    })?,
            )
        };
        Ok(TermSet { ac, owners, groups })
    }

    /// Which groups have at least one term in `norm`.
    pub(crate) fn hits(&self, norm: &str) -> Vec<bool> {
        let mut hit = vec![false; self.groups];
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(norm) {
                if let Some(&g) = self.owners.get(m.pattern().as_usize())
                    && let Some(slot) = hit.get_mut(g)
                {
                    *slot = true;
                }
            }
        }
        hit
    }
}

/// A fixed list of static terms as one group-0 term set (for simple cue lists).
pub(crate) fn cue_set(
    phrases: &[&str],
    stems: &[&str],
) -> Result<TermSet, aho_corasick::BuildError> {
    let mut terms = Vec::new();
    for p in phrases {
        if let Some(t) = term_pattern(p, TermKind::Phrase) {
            terms.push((t, 0));
        }
    }
    for s in stems {
        if let Some(t) = term_pattern(s, TermKind::Stem) {
            terms.push((t, 0));
        }
    }
    TermSet::build(terms, 1)
}

impl TermSet {
    /// Whether any term of a one-group set is present.
    pub(crate) fn any(&self, norm: &str) -> bool {
        self.ac.as_ref().is_some_and(|ac| ac.is_match(norm))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn normalize_strips_handles_urls_hash_and_emoji() {
        assert_eq!(
            normalize("@ZuiderBank Wéér #storing!! 😡 zie https://x.nl/a?b=c don't"),
            " weer storing zie dont "
        );
    }

    #[test]
    fn email_at_sign_is_not_a_handle() {
        assert_eq!(normalize("jan@mail.nl"), " jan mail nl ");
    }

    #[test]
    fn phrases_match_whole_words_stems_word_starts() {
        let set = TermSet::build(
            vec![
                (term_pattern("niet goed", TermKind::Phrase).unwrap(), 0),
                (term_pattern("betal", TermKind::Stem).unwrap(), 1),
            ],
            2,
        )
        .unwrap();
        assert_eq!(
            set.hits(&normalize("Niet goedkoop, de betaling")),
            vec![false, true]
        );
        assert_eq!(
            set.hits(&normalize("niet goed. Afbetalen")),
            vec![true, false]
        );
    }
}
