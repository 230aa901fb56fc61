//! Personal data in a message, as byte spans: IBAN (mod-97), BSN (11-test), payment card
//! (Luhn), phone, e-mail, Dutch postcode, street address and customer number.

use crate::RulesError;
use regex::Regex;
use wederhoor_core::{PiiKind, PiiSpan};

/// IBAN lengths of common countries; other countries accept any length 15..=34.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("NL", 18),
    ("BE", 16),
    ("DE", 22),
    ("FR", 27),
    ("GB", 22),
    ("ES", 24),
    ("IT", 27),
    ("LU", 20),
    ("AT", 20),
    ("CH", 21),
    ("IE", 22),
    ("PL", 28),
    ("PT", 25),
    ("DK", 18),
    ("FI", 18),
    ("SE", 24),
    ("NO", 15),
];

/// Words after a number that show it is not a house number ("onderweg 2 dagen").
const NOT_HOUSE: &[&str] = &[
    "dagen", "dag", "keer", "weken", "week", "uur", "euro", "minuten", "jaar", "maanden", "maand",
    "procent", "days", "times", "weeks", "hours",
];

/// Adds a span unless it overlaps one found before.
type Add = fn(&mut Vec<PiiSpan>, PiiKind, usize, usize);

/// How many ASCII digits a text holds, and the longest run of them.
struct Digits {
    total: usize,
    longest_run: usize,
}

impl Digits {
    fn of(text: &str) -> Digits {
        let (mut total, mut run, mut longest_run) = (0, 0, 0);
        for b in text.bytes() {
            if b.is_ascii_digit() {
                total += 1;
                run += 1;
                longest_run = longest_run.max(run);
            } else {
                run = 0;
            }
        }
        Digits { total, longest_run }
    }
}

/// Whether an IBAN can start somewhere in `text`: two letters and then two digits.
fn may_hold_iban(text: &str) -> bool {
    text.as_bytes().windows(4).any(|w| {
        matches!(w, [a, b, c, d] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() && c.is_ascii_digit() && d.is_ascii_digit())
    })
}

pub(crate) struct PiiModel {
    customer: Regex,
    iban: Regex,
    card: Regex,
    bsn: Regex,
    phone: Regex,
    email: Regex,
    postcode: Regex,
    address: Regex,
    /// A date (`dd-mm-yyyy`, `dd.mm.yyyy`, `dd/mm/yyyy`).
    date: Regex,
}

fn re(s: &str) -> Result<Regex, RulesError> {
    Regex::new(s).map_err(RulesError::build)
}

impl PiiModel {
    pub(crate) fn new() -> Result<PiiModel, RulesError> {
        Ok(PiiModel {
            customer: re(
                r"(?i)(?-u:\b)(?:klantnummer|klantnr\.?|klnr\.?|klant nr\.?|klant nummer|klant-nummer|relatienummer|dossiernummer|dossiernr\.?|dossiers?|referentienummer|ordernummer|bestelnummer|ticketnummer|id client|num[eé]ro (?:de )?client|n° client|client id|customer (?:number|no\.?|id)|account (?:number|no\.?)|order (?:number|no\.?)|case (?:number|no\.?)|ticket (?:number|no\.?)|reference (?:number|no\.?)|ref(?:erence)?\.? ?(?:nr|no|number)\.?|booking (?:reference|number|ref)|confirmation (?:number|code)|dossiers? (?:ouverts?|open)|r[eé]f[eé]rence (?:client|dossier))\s*(?:is|:|#|nr\.?)?\s*([0-9](?:[ .\-/]?[0-9]){3,15})(?-u:\b)",
            )?,
            iban: re(r"(?i)(?-u:\b)[a-z]{2}[0-9]{2}(?:[ ]?[a-z0-9]){11,30}")?,
            card: re(r"(?-u:\b)[2-6](?:[ \-]?[0-9]){12,18}(?-u:\b)")?,
            bsn: re(
                r"(?-u:\b)(?:[0-9]{9}|[0-9]{3}\.[0-9]{3}\.[0-9]{3}|[0-9]{3} [0-9]{3} [0-9]{3}|[0-9]{4} [0-9]{2} [0-9]{3})(?-u:\b)",
            )?,
            date: re(r"(?-u:\b)[0-9]{1,2}[\-./][0-9]{1,2}[\-./](?:19|20)[0-9]{2}(?-u:\b)")?,
            phone: re(
                r"(?:\+|(?-u:\b)00)[1-9][0-9]{0,2}[ \-]?(?:\(0\)[ \-]?)?[0-9](?:[ \-]?[0-9]){6,13}|(?-u:\b)0(?:[ \-]?[0-9]){9}(?-u:\b)|(?-u:\b)[6-9][0-9]{9}(?-u:\b)|(?-u:\b)04[0-9]{2}[ /.\-]?[0-9]{2}[ .\-]?[0-9]{2}[ .\-]?[0-9]{2}(?-u:\b)",
            )?,
            email: re(r"(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?-u:\b)")?,
            postcode: re(r"(?-u:\b)[1-9][0-9]{3}(?: ?[A-Z]{2}|[a-z]{2})(?-u:\b)")?,
            address: re(
                r"(?-u:\b)[A-Z][a-zA-Z\-]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|steeg|markt|plantsoen|boulevard|hof|pad|kwartier|erf)(?: [0-9]{1,4}(?: ?[a-zA-Z](?-u:\b)|-[0-9]{1,3})?)(?-u:\b)|(?-u:\b)[0-9]{1,4} [A-Z][a-z]+ (?:Street|Road|Avenue|Lane|Drive)(?-u:\b)|(?i:(?-u:\b)[a-z\-]{2,}(?:straat|laan|steenweg|weg|plein|dreef|lei|kaai|kouter|rue|avenue|chaussee|chaussée)(?-u:\b) ?[0-9]{1,4}[a-z]?(?:(?: ?bus| ?b| ?bte)? ?[0-9]{1,3})?,? [1-9][0-9]{3} [a-z][a-z\-]+)|(?-u:\b)[0-9]{2,5} (?:[NSEW] )?[A-Za-z0-9 ]{2,30} [A-Z]{2} [0-9]{5}(?:-[0-9]{4})?(?-u:\b)",
            )?,
        })
    }

    /// All spans of personal data, sorted by start; spans never overlap. The text goes through
    /// the one normaliser first (`pii_fold`), and spans point into `text` as it was written.
    pub(crate) fn find(&self, text: &str) -> Vec<PiiSpan> {
        let Some(folded) = crate::pii_fold::fold(text) else {
            return self.find_plain(text);
        };
        let dates: Vec<(usize, usize)> = self
            .date
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        self.find_plain(&folded.text)
            .into_iter()
            .filter_map(|s| {
                let (start, end) = folded.original(s.start, s.end)?;
                // A phone number or card found in a date once its separators were folded
                // (`06.12.2024 14.30`) is a date.
                let in_date = matches!(s.kind, PiiKind::Phone | PiiKind::Card)
                    && dates.iter().any(|(ds, de)| start < *de && *ds < end);
                (!in_date).then_some(PiiSpan {
                    kind: s.kind,
                    start,
                    end,
                })
            })
            .collect()
    }

    fn find_plain(&self, text: &str) -> Vec<PiiSpan> {
        let mut spans: Vec<PiiSpan> = Vec::new();
        let add: Add = |spans, kind, start, end| {
            if start < end && !spans.iter().any(|s| start < s.end && s.start < end) {
                spans.push(PiiSpan { kind, start, end });
            }
        };
        // Cheap facts first: most messages hold too few digits (or no `@`) for most kinds, and
        // each pattern skipped saves a scan of the whole text.
        let digits = Digits::of(text);
        if digits.total >= 4 {
            self.customer_spans(text, &mut spans, add);
        }
        if may_hold_iban(text) {
            self.iban_spans(text, &mut spans, add);
        }
        if digits.total >= 8 {
            self.number_spans(text, &mut spans, add);
        }
        if text.contains('@') {
            for m in self.email.find_iter(text) {
                add(&mut spans, PiiKind::Email, m.start(), m.end());
            }
        }
        if digits.longest_run >= 4 {
            for m in self.postcode.find_iter(text) {
                let s = m.as_str();
                let letters = s.get(s.len().saturating_sub(2)..).unwrap_or("");
                if !matches!(letters, "SA" | "SD" | "SS") {
                    add(&mut spans, PiiKind::Postcode, m.start(), m.end());
                }
            }
        }
        if digits.total >= 1 {
            self.address_spans(text, &mut spans, add);
        }
        spans.sort_by_key(|s| s.start);
        spans
    }

    fn customer_spans(&self, text: &str, spans: &mut Vec<PiiSpan>, add: Add) {
        for c in self.customer.captures_iter(text) {
            if let Some(m) = c.get(1) {
                add(spans, PiiKind::CustomerNumber, m.start(), m.end());
            }
        }
    }

    fn iban_spans(&self, text: &str, spans: &mut Vec<PiiSpan>, add: Add) {
        for m in self.iban.find_iter(text) {
            if let Some(end) = valid_iban_end(text, m.start(), m.end()) {
                add(spans, PiiKind::Iban, m.start(), end);
            }
        }
    }

    /// Payment card, BSN and phone number: each of their patterns needs at least eight digits.
    fn number_spans(&self, text: &str, spans: &mut Vec<PiiSpan>, add: Add) {
        for m in self.card.find_iter(text) {
            if let Some(end) = valid_card_end(text, m.start(), m.end()) {
                add(spans, PiiKind::Card, m.start(), end);
            }
        }
        for m in self.bsn.find_iter(text) {
            if bsn_ok(m.as_str()) {
                add(spans, PiiKind::Bsn, m.start(), m.end());
            }
        }
        for m in self.phone.find_iter(text) {
            if let Some(end) = valid_phone_end(text, m.start(), m.end()) {
                add(spans, PiiKind::Phone, m.start(), end);
            }
        }
    }

    fn address_spans(&self, text: &str, spans: &mut Vec<PiiSpan>, add: Add) {
        for m in self.address.find_iter(text) {
            let next = text
                .get(m.end()..)
                .unwrap_or("")
                .split(|c: char| !c.is_alphanumeric() && c != '%')
                .find(|w| !w.is_empty())
                .unwrap_or("");
            let next = next.to_lowercase();
            if !NOT_HOUSE.contains(&next.as_str()) && !next.starts_with('%') {
                add(spans, PiiKind::Address, m.start(), m.end());
            }
        }
    }
}

/// Byte offsets and values of the alphanumeric characters in `text[start..end]`.
fn alnum_chars(text: &str, start: usize, end: usize) -> Vec<(usize, char)> {
    text.get(start..end)
        .unwrap_or("")
        .char_indices()
        .filter(|(_, c)| c.is_ascii_alphanumeric())
        .map(|(i, c)| (start + i, c))
        .collect()
}

/// Whether a candidate may end after its `len` alphanumeric characters: at the end of the
/// match (and not glued to a following letter or digit) or before a space.
fn ends_cleanly(
    text: &str,
    chars: &[(usize, char)],
    len: usize,
    match_end: usize,
) -> Option<usize> {
    let (pos, c) = *chars.get(len.checked_sub(1)?)?;
    let end = pos + c.len_utf8();
    let next = text.get(end..).and_then(|r| r.chars().next());
    let ok = if end >= match_end {
        !next.is_some_and(|n| n.is_alphanumeric())
    } else {
        next.is_some_and(|n| !n.is_alphanumeric())
    };
    ok.then_some(end)
}

/// The end of the longest valid IBAN starting at `start`, if any.
fn valid_iban_end(text: &str, start: usize, end: usize) -> Option<usize> {
    let chars = alnum_chars(text, start, end);
    let compact: String = chars.iter().map(|(_, c)| c.to_ascii_uppercase()).collect();
    let country = compact.get(..2)?;
    let want = IBAN_LENGTHS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, n)| *n);
    let longest = chars.len().min(34);
    for len in (15..=longest).rev() {
        if want.is_some_and(|w| w != len) {
            continue;
        }
        let Some(e) = ends_cleanly(text, &chars, len, end) else {
            continue;
        };
        if compact.get(..len).is_some_and(iban_ok) {
            return Some(e);
        }
    }
    None
}

/// The IBAN check: letters and digits only, check digits 02..=98, mod 97 == 1.
pub(crate) fn iban_ok(iban: &str) -> bool {
    let b = iban.as_bytes();
    if b.len() < 15 || b.len() > 34 {
        return false;
    }
    if !b.iter().take(2).all(u8::is_ascii_uppercase)
        || !b.iter().skip(2).take(2).all(u8::is_ascii_digit)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in b.iter().skip(4).chain(b.iter().take(4)) {
        match c {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        }
    }
    rem == 1
}

fn valid_card_end(text: &str, start: usize, end: usize) -> Option<usize> {
    let chars = alnum_chars(text, start, end);
    let digits: Vec<u8> = chars
        .iter()
        .map(|(_, c)| (*c as u8).wrapping_sub(b'0'))
        .collect();
    for len in (13..=chars.len().min(19)).rev() {
        let Some(e) = ends_cleanly(text, &chars, len, end) else {
            continue;
        };
        if digits.get(..len).is_some_and(luhn_ok) {
            return Some(e);
        }
    }
    None
}

/// The Luhn check over digits (0..=9), not all zero.
pub(crate) fn luhn_ok(digits: &[u8]) -> bool {
    if digits.iter().all(|&d| d == 0) || digits.iter().any(|&d| d > 9) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The BSN 11-test: 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), not all zero.
pub(crate) fn bsn_ok(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 9 || digits.iter().all(|&d| d == 0) {
        return false;
    }
    let mut sum: i64 = 0;
    for (i, &d) in digits.iter().enumerate() {
        let w: i64 = if i == 8 { -1 } else { 9 - i as i64 };
        sum += w * i64::from(d);
    }
    sum % 11 == 0
}

fn valid_phone_end(text: &str, start: usize, end: usize) -> Option<usize> {
    let m = text.get(start..end)?;
    let chars: Vec<(usize, char)> = m
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, c)| (start + i, c))
        .collect();
    let digits: String = chars.iter().map(|(_, c)| *c).collect();
    let international = m.starts_with('+') || m.starts_with("00");
    if !international {
        return (digits.len() == 10).then_some(end);
    }
    let rest = if m.starts_with("00") {
        digits.get(2..)?
    } else {
        digits.as_str()
    };
    let skip = chars.len() - rest.len();
    // A "(0)" after the country code is not part of the number.
    let zero_paren = usize::from(m.contains("(0)"));
    // Known lengths (country code included): NL 31 + 9 digits, BE 32 + 8 or 9, DE 49 + 6..=11.
    let want: &[usize] = if rest.starts_with("31") {
        &[11]
    } else if rest.starts_with("32") {
        &[11, 10]
    } else if rest.starts_with("49") {
        &[13, 12, 11, 10, 9, 8]
    } else {
        return (8..=15).contains(&rest.len()).then_some(end);
    };
    want.iter().find_map(|&n| {
        let (pos, c) = *chars.get(skip + n + zero_paren - 1)?;
        let e = pos + c.len_utf8();
        let next = text.get(e..).and_then(|r| r.chars().next());
        let after = text.get(e..).and_then(|r| r.chars().nth(1));
        // The number ends here: no digit right after, nor a digit after one separator.
        let more = next.is_some_and(|c| c.is_ascii_digit())
            || (next.is_some_and(|c| c == ' ' || c == '-')
                && after.is_some_and(|c| c.is_ascii_digit()));
        (!more).then_some(e)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(text: &str) -> Vec<(PiiKind, String)> {
        PiiModel::new()
            .unwrap()
            .find(text)
            .into_iter()
            .map(|s| (s.kind, text[s.start..s.end].to_string()))
            .collect()
    }

    #[test]
    fn iban_with_and_without_spaces() {
        assert_eq!(
            kinds("Mijn IBAN is NL91 ABNA 0417 1643 00 graag terugstorten"),
            vec![(PiiKind::Iban, "NL91 ABNA 0417 1643 00".into())]
        );
        assert_eq!(
            kinds("nl91abna0417164300"),
            vec![(PiiKind::Iban, "nl91abna0417164300".into())]
        );
        assert_eq!(
            kinds("BE68539007547034."),
            vec![(PiiKind::Iban, "BE68539007547034".into())]
        );
        assert_eq!(
            kinds("DE89 3704 0044 0532 0130 00"),
            vec![(PiiKind::Iban, "DE89 3704 0044 0532 0130 00".into())]
        );
        // One digit changed: fails mod-97.
        assert!(
            kinds("NL91 ABNA 0417 1643 01")
                .iter()
                .all(|(k, _)| *k != PiiKind::Iban)
        );
    }

    #[test]
    fn bsn_card_phone_email() {
        assert_eq!(
            kinds("bsn 111222333"),
            vec![(PiiKind::Bsn, "111222333".into())]
        );
        assert!(kinds("bsn 111222334").is_empty());
        assert_eq!(
            kinds("kaart 4111 1111 1111 1111 geblokkeerd"),
            vec![(PiiKind::Card, "4111 1111 1111 1111".into())]
        );
        assert!(
            kinds("kaart 4111 1111 1111 1112")
                .iter()
                .all(|(k, _)| *k != PiiKind::Card)
        );
        for p in [
            "06-12345678",
            "0612345678",
            "+31 6 12345678",
            "+31612345678",
            "020-1234567",
            "020 123 45 67",
            "+32 470 12 34 56",
            "+31 (0)20 1234567",
        ] {
            assert_eq!(
                kinds(&format!("bel me op {p}.")),
                vec![(PiiKind::Phone, p.into())],
                "{p}"
            );
        }
        assert_eq!(
            kinds("mail jan.jansen@example.nl!"),
            vec![(PiiKind::Email, "jan.jansen@example.nl".into())]
        );
    }

    #[test]
    fn reformatted_customer_and_case_numbers_and_belgian_mobiles() {
        assert_eq!(
            kinds("ivm klantnr 1.5926339, het nummer"),
            vec![(PiiKind::CustomerNumber, "1.5926339".into())]
        );
        assert_eq!(
            kinds("geen nieuws (dossiernummer 47411717)"),
            vec![(PiiKind::CustomerNumber, "47411717".into())]
        );
        assert_eq!(
            kinds("Mon ID client : 1.6796443"),
            vec![(PiiKind::CustomerNumber, "1.6796443".into())]
        );
        assert_eq!(
            kinds("Dit is mijn klant nummer 16659888"),
            vec![(PiiKind::CustomerNumber, "16659888".into())]
        );
        assert_eq!(
            kinds("nr = 0494/54.30.30 staat"),
            vec![(PiiKind::Phone, "0494/54.30.30".into())]
        );
        assert!(kinds("al 25 keer in 3 dagen").is_empty());
    }

    #[test]
    fn addresses_postcodes_customer_numbers() {
        assert_eq!(
            kinds("Ik woon op de Kerkstraat 12a, 1234 AB Utrecht"),
            vec![
                (PiiKind::Address, "Kerkstraat 12a".into()),
                (PiiKind::Postcode, "1234 AB".into())
            ]
        );
        assert_eq!(
            kinds("klantnummer: 12345678"),
            vec![(PiiKind::CustomerNumber, "12345678".into())]
        );
        assert_eq!(
            kinds("my customer number is 998877"),
            vec![(PiiKind::CustomerNumber, "998877".into())]
        );
    }

    #[test]
    fn belgian_and_american_addresses_references_bare_mobiles() {
        assert_eq!(
            kinds("we wonen in de molenstraat 14 8500 kortrijk"),
            vec![(PiiKind::Address, "molenstraat 14 8500 kortrijk".into())]
        );
        assert_eq!(
            kinds("send it to 42 W Oak Hill Rd Springfield IL 62704 please"),
            vec![(
                PiiKind::Address,
                "42 W Oak Hill Rd Springfield IL 62704".into()
            )]
        );
        assert_eq!(
            kinds("my reference number is 55667788"),
            vec![(PiiKind::CustomerNumber, "55667788".into())]
        );
        assert_eq!(
            kinds("trois dossiers ouverts 12345678 chez vous"),
            vec![(PiiKind::CustomerNumber, "12345678".into())]
        );
        assert_eq!(
            kinds("the courier's number was 9876543210"),
            vec![(PiiKind::Phone, "9876543210".into())]
        );
    }

    #[test]
    fn ordinary_numbers_are_not_pii() {
        for t in [
            "Ik wacht al 3 weken en heb 12 keer gebeld",
            "De rente is 2,5% sinds 1 januari 2024",
            "Onderweg 2 dagen, kost 1000 EUR",
            "Storing van 10:00 tot 12:30 op 01-02-2024",
            "@zuiderbank_help help",
        ] {
            assert!(kinds(t).is_empty(), "{t}: {:?}", kinds(t));
        }
    }

    fn iban_with_check(country: &str, bban: &str) -> String {
        let probe = format!("{country}00{bban}");
        // Check digits = 98 - (value with 00) mod 97.
        let mut rem: u32 = 0;
        for c in probe[4..].bytes().chain(probe[..4].bytes()) {
            rem = match c {
                b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
                _ => (rem * 100 + u32::from(c - b'A') + 10) % 97,
            };
        }
        format!("{country}{:02}{bban}", 98 - rem)
    }

    fn luhn_complete(prefix: &[u8]) -> Vec<u8> {
        let mut v = prefix.to_vec();
        for d in 0..10 {
            v.push(d);
            if luhn_ok(&v) {
                return v;
            }
            v.pop();
        }
        unreachable!()
    }

    fn bsn_complete(prefix: &[u32]) -> Option<String> {
        let sum: u32 = prefix
            .iter()
            .enumerate()
            .map(|(i, d)| (9 - i as u32) * d)
            .sum();
        let last = sum % 11;
        (last < 10).then(|| {
            prefix
                .iter()
                .chain([last].iter())
                .map(|d| char::from_digit(*d, 10).unwrap())
                .collect()
        })
    }

    fn spaced(s: &str) -> String {
        s.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest! {
        #[test]
        fn valid_ibans_are_found(
            idx in 0usize..IBAN_LENGTHS.len(),
            body in "[0-9A-Z]{30}",
            space in any::<bool>(),
        ) {
            let (country, len) = IBAN_LENGTHS[idx];
            let iban = iban_with_check(country, &body[..len - 4]);
            prop_assert!(iban_ok(&iban));
            let shown = if space { spaced(&iban) } else { iban.clone() };
            let text = format!("Stort het op {shown} aub");
            let spans = PiiModel::new().unwrap().find(&text);
            prop_assert_eq!(spans.len(), 1, "{}: {:?}", text, spans);
            prop_assert_eq!(spans[0].kind, PiiKind::Iban);
            prop_assert_eq!(&text[spans[0].start..spans[0].end], shown.as_str());
        }

        #[test]
        fn wrong_iban_check_is_not_an_iban(idx in 0usize..IBAN_LENGTHS.len(), body in "[0-9A-Z]{30}", delta in 1u32..97) {
            let (country, len) = IBAN_LENGTHS[idx];
            let good = iban_with_check(country, &body[..len - 4]);
            let check: u32 = good[2..4].parse().unwrap();
            let bad_check = (check + delta) % 100;
            let bad = format!("{country}{bad_check:02}{}", &good[4..]);
            prop_assume!(!iban_ok(&bad));
            let spans = PiiModel::new().unwrap().find(&format!("rekening {bad} graag"));
            prop_assert!(spans.iter().all(|s| s.kind != PiiKind::Iban), "{:?}", spans);
        }

        #[test]
        fn valid_cards_are_found(first in 3u8..=6, rest in proptest::collection::vec(0u8..10, 11..18), space in any::<bool>()) {
            let mut prefix = vec![first];
            prefix.extend(rest);
            let card: String = luhn_complete(&prefix).iter().map(|d| char::from(b'0' + d)).collect();
            let shown = if space { spaced(&card) } else { card.clone() };
            let text = format!("mijn kaart {shown} is gestolen");
            let spans = PiiModel::new().unwrap().find(&text);
            prop_assert!(spans.iter().any(|s| s.kind == PiiKind::Card && text[s.start..s.end] == shown), "{}: {:?}", text, spans);
        }

        #[test]
        fn digit_strings_failing_luhn_are_not_cards(digits in "[2-6][0-9]{12,18}") {
            let d: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
            prop_assume!(!luhn_ok(&d));
            let spans = PiiModel::new().unwrap().find(&format!("nummer {digits} ok"));
            prop_assert!(spans.iter().all(|s| s.kind != PiiKind::Card), "{:?}", spans);
        }

        #[test]
        fn valid_bsns_are_found(prefix in proptest::collection::vec(0u32..10, 8)) {
            prop_assume!(prefix.iter().any(|&d| d != 0));
            if let Some(bsn) = bsn_complete(&prefix) {
                prop_assert!(bsn_ok(&bsn));
                let text = format!("mijn bsn is {bsn}.");
                let spans = PiiModel::new().unwrap().find(&text);
                prop_assert_eq!(spans.len(), 1);
                prop_assert_eq!(spans[0].kind, PiiKind::Bsn);
                prop_assert_eq!(&text[spans[0].start..spans[0].end], bsn.as_str());
            }
        }

        #[test]
        fn nine_digits_failing_the_11_test_are_not_bsn(digits in "[0-9]{9}") {
            prop_assume!(!bsn_ok(&digits));
            let spans = PiiModel::new().unwrap().find(&format!("nummer {digits} ok"));
            prop_assert!(spans.iter().all(|s| s.kind != PiiKind::Bsn), "{:?}", spans);
        }
    }
}

/// What people really type: the formats the normaliser folds, generated, and the ordinary
/// numbers that must stay ordinary after folding.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod typed_formats {
    use super::*;
    use proptest::prelude::*;

    fn model() -> &'static PiiModel {
        static MODEL: std::sync::OnceLock<PiiModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| PiiModel::new().unwrap())
    }

    fn found(text: &str) -> Vec<(PiiKind, &str)> {
        model()
            .find(text)
            .into_iter()
            .map(|s| (s.kind, &text[s.start..s.end]))
            .collect()
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(u32::from(c) + 0xfee0).unwrap(),
                c => c,
            })
            .collect()
    }

    fn nl_iban(bank: &str, account: u64) -> String {
        let bban = format!("{bank}{account:010}");
        let digits: String = format!("{bban}NL00")
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    c.to_string()
                } else {
                    (u32::from(c) - u32::from('A') + 10).to_string()
                }
            })
            .collect();
        let rem = digits
            .bytes()
            .fold(0u32, |r, d| (r * 10 + u32::from(d - b'0')) % 97);
        format!("NL{:02}{bban}", 98 - rem)
    }

    fn bsn_from(prefix: &[u32]) -> Option<String> {
        let sum: u32 = prefix
            .iter()
            .enumerate()
            .map(|(i, d)| (9 - i as u32) * d)
            .sum();
        let last = sum % 11;
        (last < 10 && prefix.iter().any(|&d| d != 0)).then(|| {
            prefix
                .iter()
                .chain([last].iter())
                .map(|d| d.to_string())
                .collect()
        })
    }

    #[test]
    fn the_reported_formats_are_found_where_they_were_typed() {
        for (text, kind, value) in [
            (
                "mijn rekening is NL91.ABNA.0417.1643.00",
                PiiKind::Iban,
                "NL91.ABNA.0417.1643.00",
            ),
            (
                "iban NL91\u{200b}ABNA0417164300",
                PiiKind::Iban,
                "NL91\u{200b}ABNA0417164300",
            ),
            (
                "iban NL91\u{a0}ABNA\u{a0}0417\u{a0}164300",
                PiiKind::Iban,
                "NL91\u{a0}ABNA\u{a0}0417\u{a0}164300",
            ),
            (
                "iban ＮＬ９１ＡＢＮＡ０４１７１６４３００",
                PiiKind::Iban,
                "ＮＬ９１ＡＢＮＡ０４１７１６４３００",
            ),
            ("bsn 111-222-333", PiiKind::Bsn, "111-222-333"),
            ("bel me op 06.12.34.56.78", PiiKind::Phone, "06.12.34.56.78"),
            ("bel (06) 12345678", PiiKind::Phone, "(06) 12345678"),
            ("bel 06/12345678", PiiKind::Phone, "06/12345678"),
            ("bel 06\u{a0}12345678", PiiKind::Phone, "06\u{a0}12345678"),
            (
                "mail jan(at)example.nl",
                PiiKind::Email,
                "jan(at)example.nl",
            ),
            ("mail jan @ example.nl", PiiKind::Email, "jan @ example.nl"),
            ("mail jan＠example.nl", PiiKind::Email, "jan＠example.nl"),
        ] {
            assert_eq!(found(text), vec![(kind, value)], "{text}");
        }
    }

    #[test]
    fn dates_times_amounts_and_counts_stay_ordinary() {
        for t in [
            "Storing op 06.12.2024 14.30 uur, 3 keer gebeld",
            "van 01-02-2024 tot 01-03-2024",
            "betaald op 12/06/2024 10 stuks",
            "Het kost € 1.234,56 en 2.500 punten",
            "versie 2.10.3 van de app",
            "bestelling van 3 stuks op 06-12-2024 14 uur",
            "(2024) was een goed jaar [echt]",
            "mail naar info @ de balie",
        ] {
            assert!(found(t).is_empty(), "{t}: {:?}", found(t));
        }
    }

    proptest! {
        #[test]
        fn ibans_however_separated_are_found(
            bank in "[A-Z]{4}",
            account in 0u64..10_000_000_000,
            sep in prop::sample::select(vec![" ", ".", "-", "\u{a0}", "\u{200b}", ""]),
            wide in any::<bool>(),
        ) {
            let iban = nl_iban(&bank, account);
            let groups: Vec<&str> = iban.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect();
            let mut shown = groups.join(sep);
            if wide {
                shown = full_width(&shown);
            }
            let text = format!("Stort het op {shown} aub");
            prop_assert_eq!(found(&text), vec![(PiiKind::Iban, shown.as_str())]);
        }

        #[test]
        fn bsns_with_separators_are_found(
            prefix in proptest::collection::vec(0u32..10, 8),
            sep in prop::sample::select(vec!["-", ".", " ", "\u{a0}"]),
        ) {
            if let Some(bsn) = bsn_from(&prefix) {
                let shown = format!("{}{sep}{}{sep}{}", &bsn[..3], &bsn[3..6], &bsn[6..]);
                let text = format!("mijn bsn is {shown}.");
                prop_assert_eq!(found(&text), vec![(PiiKind::Bsn, shown.as_str())]);
            }
        }

        #[test]
        fn mobile_numbers_however_written_are_found(
            number in 10_000_000u32..100_000_000,
            style in 0usize..8,
        ) {
            let n = number.to_string();
            let pairs: Vec<&str> = n.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect();
            let shown = match style {
                0 => format!("06-{n}"),
                1 => format!("06 {n}"),
                2 => format!("06.{}", pairs.join(".")),
                3 => format!("(06) {n}"),
                4 => format!("06/{n}"),
                5 => format!("06\u{a0}{n}"),
                6 => full_width(&format!("06{n}")),
                _ => format!("06 {}", pairs.join(" ")),
            };
            let text = format!("bel me op {shown} vanavond");
            prop_assert_eq!(found(&text), vec![(PiiKind::Phone, shown.as_str())]);
        }

        #[test]
        fn obscured_email_addresses_are_found(
            local in "[a-z]{2,8}",
            domain in "[a-z]{3,10}",
            at in prop::sample::select(vec!["(at)", "[at]", " @ ", "＠", " (at) ", "[AT]"]),
        ) {
            let shown = format!("{local}{at}{domain}.nl");
            let text = format!("mail {shown} graag");
            prop_assert_eq!(found(&text), vec![(PiiKind::Email, shown.as_str())]);
        }

        #[test]
        fn dates_with_times_are_not_personal_data(
            day in 1u32..=28,
            month in 1u32..=12,
            year in 2000u32..=2035,
            hour in 0u32..24,
            minute in 0u32..60,
            sep in prop::sample::select(vec!["-", ".", "/"]),
        ) {
            let text = format!("sinds {day:02}{sep}{month:02}{sep}{year} {hour:02}.{minute:02} uur en {hour} keer");
            prop_assert!(found(&text).is_empty(), "{}: {:?}", text, found(&text));
        }
    }
}
