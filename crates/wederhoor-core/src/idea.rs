//! The public feedback page: ideas, their traffic-light statuses, staff departments, the trending
//! score and the search terms. Pure: the store and the web edge build on these.

use crate::case::named_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// The colour a status shows as. Every board status maps to one of these, so custom labels
    /// ("In onderzoek", "Op de roadmap") still read as the traffic light customers know.
    IdeaColour, "colour", {
        Grey => "grey",
        Orange => "orange",
        Green => "green",
        Red => "red",
        Done => "done",
    }
);

named_enum!(
    /// The department a staff answer speaks for; shown as a badge next to the name.
    Department, "department", {
        Product => "product",
        Marketing => "marketing",
        CustomerService => "customer_service",
    }
);

named_enum!(
    /// Why an idea or reaction is not shown. Hidden posts keep their place and show the reason:
    /// `staff` (hidden by staff, with a public reason) or `pending_review` (triage found abusive
    /// text; it waits for a person to look at it).
    Hidden, "hidden state", {
        Staff => "staff",
        PendingReview => "pending_review",
    }
);

named_enum!(
    /// The orders of the idea list.
    IdeaSort, "sort", {
        Trending => "trending",
        Newest => "newest",
        MostVotes => "votes",
        RecentlyUpdated => "updated",
    }
);

/// The default statuses of a new board: (key, Dutch label, English label, colour).
pub const DEFAULT_STATUSES: &[(&str, &str, &str, IdeaColour)] = &[
    ("new", "Nieuw", "New", IdeaColour::Grey),
    (
        "under_review",
        "Wordt bekeken",
        "Under review",
        IdeaColour::Orange,
    ),
    ("planned", "Gaat door", "Planned", IdeaColour::Green),
    ("declined", "Gaat niet door", "Declined", IdeaColour::Red),
    ("done", "Gerealiseerd", "Done", IdeaColour::Done),
];

// ---------------------------------------------------------------- trending

/// The start of the trending clock: 2025-01-01T00:00:00Z.
pub const TREND_EPOCH_MS: i64 = 1_735_689_600_000;
/// A vote counts half as much for trending after a week.
pub const TREND_HALF_LIFE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The trending weight of one vote (or of the idea's creation) cast at `at_ms`.
///
/// The stored score of an idea is the plain sum of the weights of its votes. Because each weight
/// is `2^((t - epoch) / half_life)`, comparing two sums at any later moment gives the same order
/// as comparing the time-decayed vote counts then: every term would be divided by the same
/// factor. So the score never needs recomputing, a vote is an atomic `score = score + w`, and an
/// index on the score serves the trending list without a scan. The weights grow by 2^52 a year;
/// f64 holds them until about 2044, by which time a migration multiplies every score by the same
/// small power of two (order is unchanged).
pub fn trend_weight(at_ms: i64) -> f64 {
    let exp = (at_ms - TREND_EPOCH_MS) as f64 / TREND_HALF_LIFE_MS as f64;
    exp.exp2()
}

// ---------------------------------------------------------------- text input

/// Why a piece of user input was refused; the web edge turns the kind into a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {kind} (limit {limit})")]
pub struct InputError {
    pub field: &'static str,
    pub kind: InputProblem,
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputProblem {
    TooShort,
    TooLong,
    Invalid,
}

impl InputProblem {
    /// The key of the sentence in the message catalogue.
    pub fn key(self) -> &'static str {
        match self {
            InputProblem::TooShort => "input_too_short",
            InputProblem::TooLong => "input_too_long",
            InputProblem::Invalid => "input_invalid",
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputProblem::TooShort => "too short",
            InputProblem::TooLong => "too long",
            InputProblem::Invalid => "not valid",
        })
    }
}

fn bounded(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
    single_line: bool,
) -> Result<String, InputError> {
    let text = raw.trim().replace("\r\n", "\n");
    let bad_control = text
        .chars()
        .any(|c| c.is_control() && (single_line || (c != '\n' && c != '\t')));
    if bad_control {
        return Err(InputError {
            field,
            kind: InputProblem::Invalid,
            limit: 0,
        });
    }
    let n = text.chars().count();
    if n < min {
        return Err(InputError {
            field,
            kind: InputProblem::TooShort,
            limit: min,
        });
    }
    if n > max {
        return Err(InputError {
            field,
            kind: InputProblem::TooLong,
            limit: max,
        });
    }
    Ok(text)
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr, $single:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MIN: usize = $min;
            pub const MAX: usize = $max;
            pub fn parse(raw: &str) -> Result<$name, InputError> {
                bounded($field, raw, $min, $max, $single).map($name)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// The title of an idea: one line.
    IdeaTitle, "title", 8, 140, true
);
text_type!(
    /// The text of an idea (Markdown, rendered safely).
    IdeaBody, "body", 0, 10_000, false
);
text_type!(
    /// A reaction to an idea, or a staff answer.
    ReactionBody, "reaction", 2, 2_000, false
);
text_type!(
    /// The public explanation that every status change needs.
    Explanation, "explanation", 10, 2_000, false
);
text_type!(
    /// The public reason given when staff hide a post.
    HideReason, "reason", 3, 300, true
);
text_type!(
    /// The name a customer shows on the feedback page.
    DisplayName, "display_name", 2, 60, true
);

/// An e-mail address, trimmed and lower-cased (local parts are case-sensitive on paper, never in
/// practice; one person should not get two accounts for `Zoe@` and `zoe@`). Deliberately simple: one `@`, a
/// non-empty local part, a dotted domain, no spaces, at most 254 characters. The verification
/// mail proves the rest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, InputError> {
        let invalid = InputError {
            field: "email",
            kind: InputProblem::Invalid,
            limit: 254,
        };
        let s = raw.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(invalid);
        };
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || !domain_ok || local.contains(['<', '>', ',']) {
            return Err(invalid);
        }
        Ok(EmailAddress(format!(
            "{}@{}",
            local.to_lowercase(),
            domain.to_lowercase()
        )))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key of a status or board slug: lower-case ASCII letters, digits, `_` and `-`, 1–32 long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Key(String);

impl Key {
    pub fn parse(raw: &str) -> Result<Key, InputError> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(Key(s.to_owned()))
        } else {
            Err(InputError {
                field: "key",
                kind: InputProblem::Invalid,
                limit: 32,
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------- slugs and search

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ÿ' | 'ý' => 'y',
        c => c,
    }
}

/// The readable part of an idea's URL: `/ideeen/42-betalen-met-je-horloge`. A URL travels
/// further than the page (logs, referrers, shared links), so it never carries what could be
/// personal data, even while the idea itself is held for review: words with an `@` or `(at)`
/// (e-mail addresses) are left out, and so is every run of words with digits that holds five
/// or more digits together (an IBAN, phone, BSN or card number however it was grouped).
pub fn slug(title: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for word in title.split_whitespace() {
        let lower = word.to_lowercase();
        if lower.contains('@') || lower.contains('＠') || lower.contains("(at)") {
            continue;
        }
        let mut current = String::new();
        for c in lower.chars().map(fold) {
            if c.is_ascii_alphanumeric() {
                current.push(c);
            } else if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            words.push(current);
        }
    }
    let digits = |w: &String| w.bytes().filter(u8::is_ascii_digit).count();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let run = words
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|w| digits(w) > 0)
            .count();
        if run == 0 {
            kept.extend(words.get(i).map(String::as_str));
            i += 1;
            continue;
        }
        let group = words.get(i..i + run).unwrap_or(&[]);
        if group.iter().map(digits).sum::<usize>() < 5 {
            kept.extend(group.iter().map(String::as_str));
        }
        i += run;
    }
    let mut out = String::new();
    for w in kept {
        if out.len() + w.len() > 60 {
            let room = 60usize.saturating_sub(out.len() + usize::from(!out.is_empty()));
            if room > 0 {
                if !out.is_empty() {
                    out.push('-');
                }
                out.push_str(w.get(..room).unwrap_or(""));
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(w);
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "idee".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Words too common to say anything about an idea (Dutch and English).
const STOPWORDS: &[&str] = &[
    "de", "het", "een", "en", "of", "van", "in", "op", "te", "dat", "die", "is", "voor", "met",
    "aan", "er", "als", "bij", "om", "ook", "dan", "maar", "zijn", "wordt", "worden", "kan",
    "kunnen", "je", "jullie", "ik", "we", "wij", "u", "uw", "mijn", "niet", "wel", "nog", "naar",
    "uit", "over", "dit", "deze", "zou", "graag", "heel", "meer", "the", "a", "an", "and", "or",
    "of", "to", "for", "with", "on", "at", "it", "be", "please", "would", "could", "my", "your",
    "you", "i", "we", "not", "this", "that", "are", "was",
];

/// Search terms of a text: lower-cased, accents folded, stop words dropped, each word reduced to
/// its Dutch Snowball stem (so `betalingen` finds `betaling` and `betalen`), without repeats, in
/// order of first appearance, at most `max` of them.
pub fn search_terms(text: &str, max: usize) -> Vec<String> {
    let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Dutch);
    let mut out: Vec<String> = Vec::new();
    let lowered: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold)
        .collect();
    for word in lowered.split(|c: char| !c.is_alphanumeric()) {
        if word.chars().count() < 2 || STOPWORDS.contains(&word) {
            continue;
        }
        let stem = stemmer.stem(word).into_owned();
        let stem: String = stem.chars().take(40).collect();
        if !out.contains(&stem) {
            out.push(stem);
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_vote_weighs_more_and_a_week_doubles_it() {
        let t = TREND_EPOCH_MS + 100 * 24 * 3_600_000;
        let w0 = trend_weight(t);
        let w1 = trend_weight(t + TREND_HALF_LIFE_MS);
        assert!((w1 / w0 - 2.0).abs() < 1e-9);
        // Ten votes a month ago lose to three votes today.
        let month = 30 * 24 * 3_600_000;
        assert!(10.0 * trend_weight(t - month) < 3.0 * trend_weight(t));
        // …but three votes a day ago beat one vote today.
        assert!(3.0 * trend_weight(t - 24 * 3_600_000) > trend_weight(t));
        // Still finite in 2043.
        assert!(trend_weight(TREND_EPOCH_MS + 18 * 365 * 24 * 3_600_000).is_finite());
    }

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(
            slug("Betalen met je horloge — ook bij café's?"),
            "betalen-met-je-horloge-ook-bij-cafe-s"
        );
        assert_eq!(slug("!!!"), "idee");
        assert!(slug(&"lang ".repeat(40)).len() <= 60);
    }

    #[test]
    fn slugs_never_carry_personal_data() {
        for (title, want) in [
            (
                "Stort terug op NL91 ABNA 0417 1643 00 graag",
                "stort-terug-op-nl91-abna-graag",
            ),
            ("Stort terug op NL91ABNA0417164300", "stort-terug-op"),
            ("Bel 06-12345678 of 06.12.34.56.78 terug", "bel-of-terug"),
            ("Mail jan@example.nl of jan(at)example.nl", "mail-of"),
            ("Mijn bsn 111-222-333 klopt niet", "mijn-bsn-klopt-niet"),
            ("5G in 2024 en Windows 11", "5g-in-2024-en-windows-11"),
        ] {
            assert_eq!(slug(title), want, "{title}");
        }
    }

    #[test]
    fn search_terms_are_stemmed_and_without_stop_words() {
        let a = search_terms("De betalingen in de app zijn traag", 50);
        let b = search_terms("Betaling met de app, traag!", 50);
        assert_eq!(b.len(), 3);
        assert!(!a.contains(&"de".to_owned()));
        for t in &b {
            assert!(a.contains(t), "{t} missing from {a:?}");
        }
        assert_eq!(
            search_terms("Crédit café", 50),
            search_terms("credit cafe", 50)
        );
        assert_eq!(search_terms("een twee drie vier", 2).len(), 2);
    }

    #[test]
    fn inputs_are_trimmed_and_bounded() {
        assert_eq!(
            IdeaTitle::parse("  Donkere modus in de app  ")
                .map(|t| t.as_str().to_owned())
                .ok(),
            Some("Donkere modus in de app".to_owned())
        );
        assert_eq!(
            IdeaTitle::parse("kort").err().map(|e| e.kind),
            Some(InputProblem::TooShort)
        );
        assert_eq!(
            IdeaTitle::parse("een\nregel te veel").err().map(|e| e.kind),
            Some(InputProblem::Invalid)
        );
        assert!(IdeaBody::parse("twee\nregels mogen").is_ok());
        assert_eq!(
            ReactionBody::parse(&"x".repeat(2001)).err().map(|e| e.kind),
            Some(InputProblem::TooLong)
        );
        assert!(Explanation::parse("te kort").is_err());
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            EmailAddress::parse(" Sanne@Voorbeeld.NL ")
                .map(|e| e.as_str().to_owned())
                .ok(),
            Some("sanne@voorbeeld.nl".to_owned())
        );
        for bad in [
            "geen-apenstaart",
            "a@b",
            "a b@c.nl",
            "@c.nl",
            "a@c..nl",
            "a@@c.nl",
            "<a>@c.nl",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        assert!(Key::parse("in_onderzoek").is_ok());
        assert!(Key::parse("zakelijk-mkb").is_ok());
        assert!(Key::parse("Hoofdletter").is_err());
        assert!(Key::parse("").is_err());
        assert!(Key::parse("met spatie").is_err());
    }

    #[test]
    fn default_statuses_cover_every_colour() {
        for colour in IdeaColour::ALL {
            assert!(DEFAULT_STATUSES.iter().any(|s| s.3 == *colour));
        }
    }
}
