//! Does a text say that its writer contacted us several times already ("zes keer gebeld",
//! "voor de derde keer", "already called three times", "pour la troisième fois")? Pure and
//! industry-neutral: it looks for a repeat count or ordinal next to a word for time(s), and for a
//! count also a verb of getting in touch nearby, so "drie keer per jaar" or "two times faster"
//! are not a repeat contact. Dutch, English and French.

/// Counts that mean "more than once" (words; digits are read as numbers).
const COUNTS: &[&str] = &[
    // nl
    "twee",
    "drie",
    "vier",
    "vijf",
    "zes",
    "zeven",
    "acht",
    "negen",
    "tien",
    "elf",
    "twaalf",
    "twintig",
    "meerdere",
    "verschillende",
    "tig",
    "talloze",
    "zoveel",
    "ontelbaar",
    "honderd",
    // en
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "several",
    "multiple",
    "many",
    "countless",
    "numerous",
    "dozen",
    "hundred",
    // fr
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "vingt",
    "plusieurs",
    "maintes",
    "nombreuses",
    "cent",
];

/// Ordinals from "second" on (a first time is no repeat).
const ORDINALS: &[&str] = &[
    "tweede",
    "derde",
    "vierde",
    "vijfde",
    "zesde",
    "zevende",
    "achtste",
    "negende",
    "tiende",
    "zoveelste",
    "ntiende",
    "honderdste",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "umpteenth",
    "nth",
    "hundredth",
    "deuxième",
    "troisième",
    "quatrième",
    "cinquième",
    "sixième",
    "septième",
    "huitième",
    "neuvième",
    "dixième",
    "énième",
    "nième",
    "centième",
    "2e",
    "3e",
    "4e",
    "5e",
    "6e",
    "7e",
    "8e",
    "9e",
    "10e",
    "2de",
    "3de",
    "4de",
    "5de",
    "2nd",
    "3rd",
    "4th",
    "5th",
    "6th",
    "7th",
    "8th",
    "9th",
    "10th",
];

/// Words for "time(s)" in "three times", "de derde keer".
const TIME_WORDS: &[&str] = &["keer", "keren", "maal", "time", "times", "fois"];

/// Beginnings of verbs of getting in touch (nl, en, fr), matched as word prefixes.
const CONTACT_VERBS: &[&str] = &[
    // nl
    "gebeld",
    "belde",
    "bellen",
    "gemaild",
    "mail",
    "gemeld",
    "meld",
    "contact",
    "geschreven",
    "schrijf",
    "geprobeerd",
    "probeer",
    "gevraagd",
    "vraag",
    "geklaagd",
    "klaag",
    "aangegeven",
    "gereageerd",
    "ingediend",
    "doorverbonden",
    "chat",
    "geappt",
    // en
    "call",
    "phon",
    "email",
    "e-mail",
    "contact",
    "writ",
    "wrot",
    "tried",
    "try",
    "ask",
    "complain",
    "reach",
    "report",
    "messag",
    "chat",
    "rang",
    "ring",
    // fr
    "appel",
    "téléphon",
    "contact",
    "écri",
    "relanc",
    "essay",
    "réclam",
    "demand",
    "signal",
    "envoy",
];

/// How far (in words) a contact verb may be from "N times".
const VERB_WINDOW: usize = 4;

/// Whether `text` says its writer has been in touch several times.
pub fn says_repeat_contact(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, word)| {
        if !TIME_WORDS.contains(word) || i == 0 {
            return false;
        }
        let before = words.get(i - 1).copied().unwrap_or_default();
        if ORDINALS.contains(&before) {
            return true;
        }
        is_count(before) && contact_verb_near(&words, i)
    })
}

fn is_count(word: &str) -> bool {
    match word.parse::<u32>() {
        Ok(n) => (2..=1000).contains(&n),
        Err(_) => COUNTS.contains(&word),
    }
}

fn contact_verb_near(words: &[&str], at: usize) -> bool {
    let from = at.saturating_sub(VERB_WINDOW + 1);
    let to = (at + VERB_WINDOW + 1).min(words.len());
    words
        .get(from..to)
        .unwrap_or_default()
        .iter()
        .any(|w| CONTACT_VERBS.iter().any(|v| w.starts_with(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_english_and_french_repeat_contacts_are_found() {
        for text in [
            "Ik heb al zes keer gebeld en niemand helpt me.",
            "Voor de derde keer: mijn pas werkt niet!",
            "Dit is de zoveelste keer dat ik jullie mail.",
            "Heb jullie 4 keer gemaild zonder antwoord",
            "ik heb meerdere keren contact opgenomen",
            "Al twee maal gemeld, nog steeds kapot",
            "I already called three times about this.",
            "For the third time, my card is blocked",
            "This is the umpteenth time I contact you",
            "Emailed you 5 times, no answer",
            "J'ai appelé trois fois le service client.",
            "Pour la troisième fois, ma carte ne marche pas",
            "C'est la 3e fois que je vous écris",
            "Je vous ai contacté plusieurs fois",
            "VOOR DE TWEEDE KEER: geen reactie",
        ] {
            assert!(says_repeat_contact(text), "{text}");
        }
    }

    #[test]
    fn counts_without_contact_and_first_times_are_not_repeats() {
        for text in [
            "Ik krijg drie keer per jaar een afschrift.",
            "Voor de eerste keer een fijne app, dank je!",
            "Your new app is two times faster, nice",
            "I called once and it was fixed.",
            "Les frais ont augmenté deux fois cette année",
            "De rente is 2 keer zo hoog als vorig jaar",
            "Hoe laat gaat het kantoor open?",
            "",
            "keer",
            "The first time I called it worked",
        ] {
            assert!(!says_repeat_contact(text), "{text}");
        }
    }
}
