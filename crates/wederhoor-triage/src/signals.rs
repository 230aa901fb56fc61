//! Signals the rules can test: phishing, press, legal, reach, anonymity, question, claim,
//! and whether a message is about the brand at all.

use crate::text::{TermKind, TermSet, cue_set, term_pattern};
use crate::{Brand, RulesError};
use aho_corasick::AhoCorasick;
use regex::Regex;

/// Codes and credentials: a phishing cue only when somebody asks for them or a message wants
/// them typed in somewhere (see `ASKED`); "ik heb een verkeerde pincode ingetoetst" is not.
const CREDENTIALS: &[&str] = &[
    "pincode",
    "pin code",
    "inlogcode",
    "inloggegevens",
    "activatiecode",
    "beveiligingscode",
    "verificatiecode",
    "sms code",
    "smscode",
    "wachtwoord",
    "password",
    "pin",
];

/// Somebody asking for a code, or a link to hand it over.
const ASKED: &[&str] = &[
    "vroeg",
    "vroegen",
    "gevraagd",
    "vraagt",
    "vragen om",
    "vragen naar",
    "vroeg om",
    "wilde mijn",
    "wilden mijn",
    "doorgeven",
    "doorgegeven",
    "delen",
    "gedeeld",
    "invullen",
    "ingevuld",
    "opgeven",
    "noemen",
    "voorlezen",
    "link",
    "namens",
    "asked",
    "asking",
    "enter",
    "share",
    "shared",
];

const PHISHING: &[&str] = &[
    "veilige rekening",
    "kluisrekening",
    "iemand belde namens",
    "belde namens",
    "gebeld door iemand van",
    "gebeld namens",
    "sms namens",
    "whatsapp namens",
    "appje namens",
    "mail namens",
    "namens de bank",
    "nepmail",
    "nep mail",
    "nep sms",
    "nepsms",
    "valse mail",
    "valse sms",
    "phishing",
    "spoofing",
    "helpdeskfraude",
    "bankhelpdeskfraude",
    "vriend in nood",
    "oplichter",
    "oplichters",
    "oplichting",
    "fraudeurs",
    "geld overmaken naar een",
    "rekening wordt geblokkeerd",
    "pas wordt geblokkeerd",
    "pas verloopt",
    "nieuwe pas aanvragen via",
    "verify your account",
    "asked for my pin",
    "asked for my code",
    "pretending to be",
    "posing as",
    "fake text",
    "fake email",
    "scam text",
    "scam call",
    "scammer",
    "scammers",
    "smishing",
];

const PRESS: &[&str] = &[
    "journalist",
    "redactie",
    "verslaggever",
    "persvraag",
    "voor een artikel",
    "voor ons artikel",
    "voor een reportage",
    "wederhoor",
    "reactie voor publicatie",
    "persvoorlichting",
    "woordvoerder",
    "reporter",
    "for a story",
    "for an article",
    "press inquiry",
    "newsroom",
    "comment for publication",
];

const LEGAL: &[&str] = &[
    "advocaat",
    "mijn advocaat",
    "aansprakelijk",
    "aansprakelijkheid",
    "namens mijn client",
    "namens mijn clienten",
    "rechtszaak",
    "rechter",
    "dagvaarding",
    "dagvaarden",
    "ingebrekestelling",
    "in gebreke",
    "juridische stappen",
    "kifid",
    "schadeclaim",
    "lawyer",
    "attorney",
    "lawsuit",
    "sue you",
    "legal action",
    "liable",
];

const QUESTION_WORDS: &[&str] = &[
    "hoe", "wat", "waarom", "wanneer", "waar", "wie", "welke", "welk", "kan", "kunnen", "kunt",
    "klopt", "mag", "moet", "heeft", "hebben", "is", "zijn", "weet", "hoelang", "hoeveel", "how",
    "what", "why", "when", "where", "who", "which", "can", "could", "does", "do", "is", "are",
    "will", "would", "should",
];

const QUESTION_PHRASES: &[&str] = &[
    "kan ik",
    "kunnen jullie",
    "kunt u",
    "weet iemand",
    "iemand een idee",
    "graag uitleg",
    "ik vraag me af",
    "vraagje",
    "i wonder",
    "anyone know",
    "can you",
];

const CLAIM_SUBJECT: &[&str] = &[
    "rente",
    "spaarrente",
    "hypotheekrente",
    "tarief",
    "tarieven",
    "kosten",
    "prijs",
    "prijzen",
    "provisie",
    "boete",
    "beleid",
    "voorwaarden",
    "pakketkosten",
    "rekeningkosten",
    "euro",
    "filialen",
    "kantoren",
    "geldautomaten",
    "pinautomaten",
    "contant geld",
    "interest",
    "rate",
    "rates",
    "fee",
    "fees",
    "charges",
    "price",
    "prices",
    "policy",
    "branches",
    "negatieve rente",
];

const CLAIM_CUE: &[&str] = &[
    "rekent",
    "rekenen",
    "verhoogt",
    "verhoogd",
    "verlaagt",
    "verlaagd",
    "gaat",
    "stopt",
    "stoppen",
    "schaft",
    "afgeschaft",
    "sluit",
    "sluiten",
    "heeft besloten",
    "vraagt nu",
    "kost nu",
    "is nu",
    "wordt",
    "charges",
    "charging",
    "raised",
    "raising",
    "cuts",
    "closing",
    "closes",
    "scrapping",
    "now costs",
    "is now",
    "will",
];

/// Bit set of signals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Signals {
    pub(crate) phishing: bool,
    pub(crate) press: bool,
    pub(crate) legal: bool,
    pub(crate) high_reach: bool,
    pub(crate) anonymous: bool,
    pub(crate) question: bool,
    pub(crate) claim: bool,
    pub(crate) about_brand: bool,
    pub(crate) lookalike_domain: bool,
    /// Set by the engine: a topic of substance (not praise or press), or complaint phrasing.
    pub(crate) substance: bool,
    /// Set by the engine from the sentiment model.
    pub(crate) complaint: bool,
    pub(crate) sarcasm: bool,
}

pub(crate) struct SignalModel {
    phishing: TermSet,
    credentials: TermSet,
    asked: TermSet,
    press: TermSet,
    legal: TermSet,
    question_phrases: TermSet,
    claim_subject: TermSet,
    claim_cue: TermSet,
    brand_words: TermSet,
    brand_raw: Option<AhoCorasick>,
    domain: Regex,
    money: Regex,
    anon_handle: Regex,
    /// The second-level labels of the brand's domains ("zuiderbank").
    brand_labels: Vec<String>,
    brand_domains: Vec<String>,
}

pub(crate) struct SignalInput<'a> {
    pub(crate) norm: &'a str,
    pub(crate) lower: &'a str,
    pub(crate) handle: &'a str,
    pub(crate) name: Option<&'a str>,
    pub(crate) followers: i64,
    pub(crate) reposts: i64,
}

fn b(e: aho_corasick::BuildError) -> RulesError {
    RulesError::build(e)
}

impl SignalModel {
    pub(crate) fn new(brand: &Brand) -> Result<SignalModel, RulesError> {
        let mut brand_terms = Vec::new();
        for w in std::iter::once(&brand.name)
            .chain(&brand.aliases)
            .chain(&brand.products)
        {
            if let Some(p) = term_pattern(w, TermKind::Phrase) {
                brand_terms.push((p, 0));
            }
        }
        let raw_terms: Vec<String> = brand
            .handles
            .iter()
            .chain(&brand.domains)
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        let brand_raw = if raw_terms.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&raw_terms).map_err(b)?)
        };
        let brand_domains: Vec<String> = brand
            .domains
            .iter()
            .map(|d| d.trim().trim_start_matches("www.").to_lowercase())
            .collect();
        let brand_labels = brand_domains
            .iter()
            .filter_map(|d| d.split('.').next())
            .filter(|l| l.len() >= 4)
            .map(str::to_owned)
            .collect();
        Ok(SignalModel {
            phishing: cue_set(PHISHING, &[]).map_err(b)?,
            credentials: cue_set(CREDENTIALS, &[]).map_err(b)?,
            asked: cue_set(ASKED, &[]).map_err(b)?,
            press: cue_set(PRESS, &[]).map_err(b)?,
            legal: cue_set(LEGAL, &["dagvaard", "advoca"]).map_err(b)?,
            question_phrases: cue_set(QUESTION_PHRASES, &[]).map_err(b)?,
            claim_subject: cue_set(CLAIM_SUBJECT, &[]).map_err(b)?,
            claim_cue: cue_set(CLAIM_CUE, &[]).map_err(b)?,
            brand_words: TermSet::build(brand_terms, 1).map_err(b)?,
            brand_raw,
            domain: Regex::new(r"(?i)(?-u:\b)(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:nl|com|net|org|eu|be|de|info|online|app|site|xyz|top|io|co|biz|shop|live|support|help|link|click)(?-u:\b)")
                .map_err(RulesError::build)?,
            money: Regex::new(r"€|(?-u:\b)eur(?-u:\b)").map_err(RulesError::build)?,
            anon_handle: Regex::new(
                r"(?i)^@?(?:(?:user|anon|anoniem|guest|gebruiker|account)[a-z_]*[0-9]+|[a-z_]{0,15}[0-9]{5,}|[a-z]{1,3}[0-9]{3,}|[0-9]+)$",
            )
            .map_err(RulesError::build)?,
            brand_labels,
            brand_domains,
        })
    }

    pub(crate) fn detect(&self, i: &SignalInput<'_>) -> Signals {
        let mut s = Signals {
            about_brand: self.brand_words.any(i.norm)
                || self
                    .brand_raw
                    .as_ref()
                    .is_some_and(|ac| ac.is_match(i.lower)),
            ..Signals::default()
        };
        s.lookalike_domain = self
            .domain
            .find_iter(i.lower)
            .any(|m| self.is_lookalike(m.as_str()));
        s.phishing = s.lookalike_domain
            || self.phishing.any(i.norm)
            || (self.credentials.any(i.norm) && self.asked.any(i.norm));
        s.press = self.press.any(i.norm);
        s.legal = self.legal.any(i.norm);
        s.high_reach = i.followers >= 10_000 || i.reposts >= 100;
        let no_name = i.name.is_none_or(|n| n.trim().is_empty());
        let handle = i.handle.trim();
        s.anonymous = no_name && (handle.is_empty() || self.anon_handle.is_match(handle));
        let first = crate::text::words(i.norm).next().unwrap_or("");
        s.question = i.lower.contains('?')
            || (QUESTION_WORDS.contains(&first) && !i.lower.trim_end().ends_with('!'))
            || self.question_phrases.any(i.norm);
        let has_digit = i.norm.bytes().any(|c| c.is_ascii_digit());
        s.claim = (self.claim_subject.any(i.norm) || self.money.is_match(i.lower))
            && (self.claim_cue.any(i.norm) || has_digit);
        s
    }

    /// Whether a domain imitates one of the brand's domains: contains its name
    /// (zuiderbank-veilig.nl, zuiderbank.login-check.com) or is one or two edits away from
    /// it (zuiderbannk.nl), without being the brand's own domain or a subdomain of it.
    fn is_lookalike(&self, domain: &str) -> bool {
        let domain = domain.trim_start_matches("www.");
        if self
            .brand_domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
        {
            return false;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let Some((_tld, names)) = labels.split_last() else {
            return false;
        };
        self.brand_labels.iter().any(|brand| {
            names.iter().any(|label| {
                label.contains(brand.as_str())
                    || label.replace('-', "").contains(brand.as_str())
                    || edit_distance(label, brand) <= 2
            })
        })
    }
}

/// Levenshtein distance over bytes (domains are ASCII), bounded for speed.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(c0) = cur.get_mut(0) {
            *c0 = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.get(b.len()).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn sig(text: &str, handle: &str, name: Option<&str>, followers: i64) -> Signals {
        let m = SignalModel::new(&Brand::demo()).unwrap();
        let norm = normalize(text);
        let lower = text.to_lowercase();
        m.detect(&SignalInput {
            norm: &norm,
            lower: &lower,
            handle,
            name,
            followers,
            reposts: 0,
        })
    }

    fn plain(text: &str) -> Signals {
        sig(text, "@janjansen", Some("Jan Jansen"), 100)
    }

    #[test]
    fn lookalike_domains() {
        assert!(plain("Inloggen via zuiderbank-veilig.nl?").lookalike_domain);
        assert!(plain("kreeg mail van https://zuiderbannk.nl/login").lookalike_domain);
        assert!(plain("zie www.zuiderbank.login-check.com").lookalike_domain);
        assert!(!plain("zie https://www.zuiderbank.nl/hulp").lookalike_domain);
        assert!(!plain("zie mijn.zuiderbank.nl").lookalike_domain);
        assert!(!plain("zie www.rabobank.nl").lookalike_domain);
    }

    #[test]
    fn phishing_press_legal() {
        assert!(plain("Iemand belde namens Zuiderbank en vroeg mijn pincode").phishing);
        assert!(plain("Ze wilden dat ik mijn geld naar een veilige rekening overmaakte").phishing);
        assert!(!plain("Mijn pas is kapot").phishing);
        // A code alone is not phishing; a code somebody asks for is.
        assert!(
            !plain("Ik had bij de kassa een verkeerde pincode ingetoetst, pas nu geblokkeerd")
                .phishing
        );
        assert!(plain("Ik kreeg een sms met een link om mijn inlogcode in te vullen").phishing);
        assert!(plain("Someone asked for my pin over the phone").phishing);
        assert!(!plain("Kunnen jullie bevestigen dat mijn nieuwe pincode onderweg is?").phishing);
        assert!(plain("Ik ben journalist bij de Volkskrant").press);
        assert!(plain("Namens mijn cliënt stel ik Zuiderbank aansprakelijk").legal);
        assert!(plain("Mijn advocaat neemt contact op").legal);
        assert!(!plain("Mijn pas is kapot").legal);
    }

    #[test]
    fn reach_anonymity_question_claim() {
        assert!(sig("hoi", "@x", Some("X"), 10_000).high_reach);
        assert!(!sig("hoi", "@x", Some("X"), 9_999).high_reach);
        assert!(sig("hoi", "@user84721", None, 3).anonymous);
        assert!(sig("hoi", "@qwe123456", None, 3).anonymous);
        assert!(!sig("hoi", "@user84721", Some("Piet"), 3).anonymous);
        assert!(!sig("hoi", "@pietjansen", None, 3).anonymous);
        assert!(plain("Hoe zet ik een betaalverzoek klaar").question);
        assert!(plain("werkt de app weer?").question);
        assert!(!plain("De app werkt weer").question);
        assert!(plain("Zuiderbank rekent nu 5 euro voor een pinpas").claim);
        assert!(plain("Zuiderbank verlaagt de spaarrente naar 0,1%").claim);
        assert!(!plain("Mijn pas is kapot").claim);
    }

    #[test]
    fn about_brand() {
        assert!(plain("@zuiderbank help").about_brand);
        assert!(plain("Ik bankier bij Zuider Bank").about_brand);
        assert!(plain("De ZuiderApp is traag").about_brand);
        assert!(!plain("Mijn buurman heeft een nieuwe auto").about_brand);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("zuiderbannk", "zuiderbank"), 1);
        assert_eq!(edit_distance("zuiderbank", "zuiderbank"), 0);
        assert!(edit_distance("rabobank", "zuiderbank") > 2);
    }
}
