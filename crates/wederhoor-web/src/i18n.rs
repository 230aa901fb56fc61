//! The one message catalogue: every user-facing string, in Dutch (default), English and, for the
//! public pages and the customers' mails, French. The texts live in Fluent files that
//! translators edit without touching Rust (`crates/wederhoor-web/i18n/LANG/*.ftl`, compiled in;
//! the subset is described in `i18n/fluent.rs`): `team.ftl` (the team's pages, Dutch and English)
//! and `public.ftl` (the feedback page, idea pages, source list, customer accounts, their mails
//! and the error pages, in every language). A French reader of a team page sees English.
//! Templates read the catalogue as `tr.key`; an unknown key is a template error, caught by the
//! tests.

use std::collections::BTreeMap;
use std::sync::LazyLock;

mod fluent;

/// The languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Nl,
    En,
    Fr,
}

impl Lang {
    /// Every language, Dutch (the default) first.
    pub const ALL: [Lang; 3] = [Lang::Nl, Lang::En, Lang::Fr];

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// Whether the team's pages exist in this language (Dutch and English; French is for the
    /// public pages and the customers' mails).
    pub fn for_the_team(self) -> bool {
        matches!(self, Lang::Nl | Lang::En)
    }

    /// The language a browser asks for first among ours (`Accept-Language`, quality values
    /// respected, `fr-BE` counts as `fr`); `None` when it names none of them.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, usize, Lang)> = None;
        for (position, item) in header.split(',').enumerate().take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            let Some(lang) = Lang::parse(primary) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // Also refuses NaN.
            if quality.is_nan() || quality <= 0.0 {
                continue;
            }
            // Thousandths: q has at most three decimals.
            let q = (quality.clamp(0.0, 1.0) * 1000.0).round() as u16;
            let better = match best {
                None => true,
                Some((bq, _, _)) => q > bq,
            };
            if better {
                best = Some((q, position, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }
}

/// The Fluent files, per language: (language, file name, text).
const FILES: &[(Lang, &str, &str)] = &[
    (Lang::Nl, "nl/team.ftl", include_str!("../i18n/nl/team.ftl")),
    (
        Lang::Nl,
        "nl/public.ftl",
        include_str!("../i18n/nl/public.ftl"),
    ),
    (Lang::En, "en/team.ftl", include_str!("../i18n/en/team.ftl")),
    (
        Lang::En,
        "en/public.ftl",
        include_str!("../i18n/en/public.ftl"),
    ),
    (
        Lang::Fr,
        "fr/public.ftl",
        include_str!("../i18n/fr/public.ftl"),
    ),
];

/// The language whose text stands in for a key a language lacks (French team pages: English).
fn fallback(lang: Lang) -> Option<Lang> {
    match lang {
        Lang::Fr => Some(Lang::En),
        Lang::Nl | Lang::En => None,
    }
}

struct Catalogues {
    /// Per language (index: `Lang as usize`), every key with its text (fallback included).
    texts: [BTreeMap<&'static str, &'static str>; 3],
    /// Problems reading the files ("file:line: problem"); the tests require none.
    errors: Vec<String>,
}

static CATALOGUES: LazyLock<Catalogues> = LazyLock::new(|| {
    let mut texts: [BTreeMap<&'static str, &'static str>; 3] = Default::default();
    let mut errors = Vec::new();
    for (lang, name, source) in FILES {
        let (messages, problems) = fluent::parse(source);
        errors.extend(
            problems
                .iter()
                .map(|p| format!("{name}:{}: {}", p.line, p.problem)),
        );
        if let Some(map) = texts.get_mut(*lang as usize) {
            for (key, text) in messages {
                // Read once and kept for the life of the process, as `include_str!` texts are.
                if map.insert(key, text.leak()).is_some() {
                    errors.push(format!("{name}: {key} is defined twice"));
                }
            }
        }
    }
    for lang in Lang::ALL {
        if let Some(from) = fallback(lang) {
            let base = texts.get(from as usize).cloned().unwrap_or_default();
            if let Some(map) = texts.get_mut(lang as usize) {
                for (key, text) in base {
                    map.entry(key).or_insert(text);
                }
            }
        }
    }
    for problem in &errors {
        tracing::error!(%problem, "message catalogue");
    }
    Catalogues { texts, errors }
});

/// Problems reading the catalogue files ("file:line: problem"); empty in a good build (a test
/// requires it).
pub fn problems() -> &'static [String] {
    &CATALOGUES.errors
}

fn texts(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    static EMPTY: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    CATALOGUES.texts.get(lang as usize).unwrap_or(&EMPTY)
}

/// The catalogue for one language, as the templates see it.
pub fn catalogue(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    texts(lang)
}

/// The keys of the public pages (`public.ftl`: every language has them all), for checks that a
/// public page speaks its reader's language.
pub fn public_keys() -> Vec<&'static str> {
    FILES
        .iter()
        .filter(|(lang, name, _)| *lang == Lang::Nl && name.ends_with("public.ftl"))
        .flat_map(|(_, _, source)| fluent::parse(source).0)
        .map(|(key, _)| key)
        .collect()
}

/// Every key of the catalogue (the Dutch one holds them all).
pub fn all_keys() -> Vec<&'static str> {
    texts(Lang::Nl).keys().copied().collect()
}

/// A text a customer receives, in the language their message was written in (`nl`, `en`,
/// `fr`); anything else is Dutch.
pub fn customer_text(language: &str, key: &str) -> &'static str {
    let lang = Lang::parse(language).unwrap_or(Lang::Nl);
    match text(lang, key) {
        "" => text(Lang::Nl, key),
        found => found,
    }
}

/// One string, for code outside templates (flash messages, errors).
pub fn text(lang: Lang, key: &str) -> &'static str {
    texts(lang).get(key).copied().unwrap_or("")
}

/// A count in words: the entry `key` holds the forms `one|other` (a Fluent selector on `$n` in
/// the files), and `{n}` in the chosen form becomes the number. Dutch and English use "one" for
/// exactly 1, French for 0 and 1.
pub fn plural(lang: Lang, key: &str, n: i64) -> String {
    let forms = text(lang, key);
    let mut parts = forms.split('|');
    let one = parts.next().unwrap_or_default();
    let other = parts.next().unwrap_or(one);
    let form = if plural_is_one(lang, n) { one } else { other };
    form.replace("{n}", &n.to_string())
}

/// The plural rule of a language: does `n` take the "one" form?
fn plural_is_one(lang: Lang, n: i64) -> bool {
    match lang {
        Lang::Nl | Lang::En => n == 1,
        Lang::Fr => n == 0 || n == 1,
    }
}

/// Fills `{name}` placeholders of a catalogue text.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The keys of one file.
    fn keys(name: &str) -> BTreeSet<&'static str> {
        let (_, _, source) = FILES.iter().find(|(_, n, _)| *n == name).unwrap();
        fluent::parse(source)
            .0
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        out.insert(name.to_owned());
                    }
                    rest = &after[close + 1..];
                }
                None => break,
            }
        }
        out
    }

    #[test]
    fn every_file_reads_without_a_problem() {
        assert_eq!(problems(), &[] as &[String]);
        assert!(keys("nl/team.ftl").len() > 250);
        assert!(keys("nl/public.ftl").len() > 250);
    }

    #[test]
    fn every_public_key_exists_in_every_language_and_every_team_key_in_dutch_and_english() {
        let nl = keys("nl/public.ftl");
        for other in ["en/public.ftl", "fr/public.ftl"] {
            let theirs = keys(other);
            let missing: Vec<_> = nl.difference(&theirs).collect();
            assert!(missing.is_empty(), "{other} lacks {missing:?}");
            let extra: Vec<_> = theirs.difference(&nl).collect();
            assert!(extra.is_empty(), "{other} has keys Dutch lacks: {extra:?}");
        }
        let team = keys("nl/team.ftl");
        assert_eq!(team, keys("en/team.ftl"), "team keys in Dutch and English");
        let both: Vec<_> = team.intersection(&nl).collect();
        assert!(both.is_empty(), "keys in team.ftl and public.ftl: {both:?}");
    }

    #[test]
    fn translations_keep_the_placeholders_and_plural_forms() {
        for lang in [Lang::En, Lang::Fr] {
            for (key, dutch) in texts(Lang::Nl) {
                let text = text(lang, key);
                assert_eq!(
                    placeholders(text),
                    placeholders(dutch),
                    "{key} ({}): {text}",
                    lang.code()
                );
                assert_eq!(
                    text.matches('|').count(),
                    dutch.matches('|').count(),
                    "{key} ({})",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn counts_take_the_right_plural_form() {
        assert_eq!(plural(Lang::Nl, "n_messages", 1), "1 bericht");
        assert_eq!(plural(Lang::Nl, "n_messages", 2), "2 berichten");
        assert_eq!(plural(Lang::Nl, "n_messages", 0), "0 berichten");
        assert_eq!(plural(Lang::En, "n_attempts", 1), "1 attempt");
        assert_eq!(plural(Lang::En, "n_attempts", 3), "3 attempts");
        assert_eq!(plural(Lang::Nl, "n_reactions", 1), "1 reactie");
        assert_eq!(plural(Lang::Nl, "n_votes_word", 1), "stem");
        // French takes the singular for 0 and 1.
        assert_eq!(plural(Lang::Fr, "n_reactions", 0), "0 réaction");
        assert_eq!(plural(Lang::Fr, "n_reactions", 1), "1 réaction");
        assert_eq!(plural(Lang::Fr, "n_reactions", 2), "2 réactions");
        // A key without forms reads the same for every count.
        assert_eq!(plural(Lang::Nl, "logout", 2), "Uitloggen");
    }

    #[test]
    fn every_plural_entry_has_two_forms_in_every_language() {
        for lang in Lang::ALL {
            for (k, text) in texts(lang).iter().filter(|(k, _)| k.starts_with("n_")) {
                assert_eq!(text.matches('|').count(), 1, "{k} ({})", lang.code());
            }
        }
    }

    #[test]
    fn french_readers_of_a_team_page_see_english_and_texts_are_filled() {
        assert_eq!(text(Lang::En, "logout"), "Log out");
        assert_eq!(text(Lang::Nl, "logout"), "Uitloggen");
        assert_eq!(text(Lang::Fr, "logout"), "Se déconnecter");
        assert_eq!(text(Lang::Fr, "add_agent"), text(Lang::En, "add_agent"));
        for lang in Lang::ALL {
            for (k, text) in texts(lang) {
                assert!(!text.is_empty(), "{k} ({})", lang.code());
            }
        }
    }

    #[test]
    fn the_browser_language_is_read_from_accept_language() {
        let cases = [
            ("fr-BE,fr;q=0.9,en;q=0.8", Some(Lang::Fr)),
            ("de-DE,de;q=0.9,en;q=0.5,fr;q=0.4", Some(Lang::En)),
            ("en-GB, nl;q=1.0", Some(Lang::En)),
            ("nl;q=0.2, fr;q=0.8", Some(Lang::Fr)),
            ("FR", Some(Lang::Fr)),
            ("de, *;q=0.5", None),
            ("fr;q=0, nl;q=0.1", Some(Lang::Nl)),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::from_accept_language(header), want, "{header:?}");
        }
    }
}
