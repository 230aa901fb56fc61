//! The one normaliser in front of the personal-data detector: folds what people really type
//! (or what a keyboard, a phone or a copy from a PDF puts in) to the plain forms the detector
//! knows, and maps each folded byte back to the original text, so spans point at what the
//! customer wrote.
//!
//! Folded: full-width forms (`０６`, `＠`, `ＮＬ`) to ASCII; zero-width characters and soft
//! hyphens removed; non-breaking and other Unicode spaces to a space; `.`, `-` and `/` between
//! groups of at least two letters or digits (one of them a digit, not inside an e-mail
//! address) to a space; `(06)` to `06`; `(at)`, `[at]` and ` @ ` between words to `@`.
//! A cheap byte scan decides first whether anything needs folding; most texts skip the rest.

/// Text folded for the detector, with where each of its bytes came from.
pub(crate) struct Folded {
    pub(crate) text: String,
    /// Per byte of `text`: the original byte range of the character(s) it stands for.
    origin: Vec<(usize, usize)>,
}

impl Folded {
    /// The original byte range of the folded range `start..end` (a non-empty range).
    pub(crate) fn original(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = self.origin.get(start)?;
        let last = self.origin.get(end.checked_sub(1)?)?;
        Some((first.0, last.1))
    }
}

/// Whether `text` may contain something to fold. False means `fold` would change nothing.
pub(crate) fn may_need_folding(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        // The UTF-8 of exactly the characters `fold_char` changes (so curly quotes, euro signs
        // and accented letters do not trigger the fold).
        0xC2 | 0xE2 | 0xE3 | 0xEF => {
            let b1 = b.get(i + 1).copied().unwrap_or(0);
            let b2 = b.get(i + 2).copied().unwrap_or(0);
            match (c, b1) {
                (0xC2, 0xA0 | 0xAD) => true,
                (0xE2, 0x80) => (0x80..=0x8F).contains(&b2) || b2 == 0xAF,
                (0xE2, 0x81) => matches!(b2, 0x9F | 0xA0),
                (0xE3, 0x80) => b2 == 0x80,
                (0xEF, 0xBC | 0xBD) => true,
                (0xEF, 0xBB) => b2 == 0xBF,
                _ => false,
            }
        }
        b'(' | b'[' => true,
        b'@' => i > 0 && b.get(i - 1) == Some(&b' '),
        b'.' | b'-' | b'/' => {
            let before = i.checked_sub(1).and_then(|j| b.get(j));
            let after = b.get(i + 1);
            before.is_some_and(u8::is_ascii_alphanumeric)
                && after.is_some_and(u8::is_ascii_alphanumeric)
                && (before.is_some_and(u8::is_ascii_digit) || after.is_some_and(u8::is_ascii_digit))
        }
        _ => false,
    })
}

/// One character after the character-level folding, with its original byte range.
#[derive(Clone, Copy)]
struct Unit {
    c: char,
    start: usize,
    end: usize,
}

/// Character-level folding: `None` drops the character.
fn fold_char(c: char) -> Option<char> {
    match c {
        // Full-width ASCII forms (U+FF01..U+FF5E) sit at a fixed distance from ASCII.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0),
        '\u{3000}' => Some(' '),
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}' => None,
        '\u{00a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' => Some(' '),
        c => Some(c),
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '/')
}

/// Folds `text`; `None` when nothing changed (the detector then reads `text` itself).
pub(crate) fn fold(text: &str) -> Option<Folded> {
    if !may_need_folding(text) {
        return None;
    }
    let units: Vec<Unit> = text
        .char_indices()
        .filter_map(|(i, c)| {
            fold_char(c).map(|f| Unit {
                c: f,
                start: i,
                end: i + c.len_utf8(),
            })
        })
        .collect();
    let mut out: Vec<Unit> = Vec::with_capacity(units.len());
    let mut changed = units.len() != text.chars().count()
        || units.iter().any(|u| u.end - u.start != u.c.len_utf8());
    // Whether the current word (since the last space) has an `@`: separators there stay.
    let mut word_has_at = false;
    let mut i = 0;
    while let Some(&u) = units.get(i) {
        if u.c.is_whitespace() {
            word_has_at = false;
        }
        // `(at)` / `[at]` between words, with or without spaces around.
        if matches!(u.c, '(' | '[')
            && let Some(end) = at_word(&units, i)
            && out
                .iter()
                .rev()
                .find(|p| p.c != ' ')
                .is_some_and(|p| p.c.is_ascii_alphanumeric())
            && next_non_space(&units, end).is_some_and(|n| n.c.is_ascii_alphanumeric())
        {
            while out.last().is_some_and(|p| p.c == ' ') {
                out.pop();
            }
            let last = units.get(end - 1).map_or(u.end, |x| x.end);
            out.push(Unit {
                c: '@',
                start: u.start,
                end: last,
            });
            word_has_at = true;
            changed = true;
            i = skip_spaces(&units, end);
            continue;
        }
        // ` @ ` with spaces on both sides, between words.
        if u.c == ' ' {
            let j = skip_spaces(&units, i);
            if units.get(j).is_some_and(|x| x.c == '@')
                && units.get(j + 1).is_some_and(|x| x.c == ' ')
                && out.last().is_some_and(|p| p.c.is_ascii_alphanumeric())
                && next_non_space(&units, j + 1).is_some_and(|n| n.c.is_ascii_alphanumeric())
                && let Some(at) = units.get(j)
            {
                out.push(*at);
                word_has_at = true;
                changed = true;
                i = skip_spaces(&units, j + 1);
                continue;
            }
        }
        if u.c == '@' {
            word_has_at = true;
        }
        // `(06)`: parentheses around a leading group of 2–4 digits.
        if u.c == '('
            && !out.last().is_some_and(|p| p.c.is_ascii_alphanumeric())
            && let Some(close) = paren_digits_end(&units, i)
        {
            // The digits stand for the parentheses too, so a span over them covers `(06)`.
            let mut digits: Vec<Unit> = units.get(i + 1..close).unwrap_or(&[]).to_vec();
            if let Some(first) = digits.first_mut() {
                first.start = u.start;
            }
            if let (Some(last), Some(paren)) = (digits.last_mut(), units.get(close)) {
                last.end = paren.end;
            }
            out.extend(digits);
            changed = true;
            i = close + 1;
            continue;
        }
        // Separators between groups of letters and digits.
        if is_separator(u.c)
            && !word_has_at
            && let Some(next) = separator_run_end(&units, i)
        {
            let before = group_len_before(&out);
            let after = group_len_after(&units, next);
            let prev = out.last().map(|p| p.c);
            let following = units.get(next).map(|x| x.c);
            if before >= 2
                && after >= 2
                && (prev.is_some_and(|c| c.is_ascii_digit())
                    || following.is_some_and(|c| c.is_ascii_digit()))
            {
                let last = units.get(next - 1).map_or(u.end, |x| x.end);
                out.push(Unit {
                    c: ' ',
                    start: u.start,
                    end: last,
                });
                changed = true;
                i = next;
                continue;
            }
        }
        out.push(u);
        i += 1;
    }
    if !changed {
        return None;
    }
    let mut folded = String::with_capacity(out.len());
    let mut origin = Vec::with_capacity(out.len());
    for u in out {
        folded.push(u.c);
        for _ in 0..u.c.len_utf8() {
            origin.push((u.start, u.end));
        }
    }
    Some(Folded {
        text: folded,
        origin,
    })
}

/// If `units[i..]` starts with `(at)` or `[at]` (any case), the index after it.
fn at_word(units: &[Unit], i: usize) -> Option<usize> {
    let open = units.get(i)?.c;
    let close = if open == '(' { ')' } else { ']' };
    let a = units.get(i + 1)?.c.to_ascii_lowercase();
    let t = units.get(i + 2)?.c.to_ascii_lowercase();
    let c = units.get(i + 3)?.c;
    (a == 'a' && t == 't' && c == close).then_some(i + 4)
}

fn skip_spaces(units: &[Unit], mut i: usize) -> usize {
    while units.get(i).is_some_and(|u| u.c == ' ') {
        i += 1;
    }
    i
}

fn next_non_space(units: &[Unit], i: usize) -> Option<&Unit> {
    units.get(skip_spaces(units, i))
}

/// If `units[i]` is `(` followed by 2–4 ASCII digits and `)`, the index of the `)`.
fn paren_digits_end(units: &[Unit], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while units.get(j).is_some_and(|u| u.c.is_ascii_digit()) {
        j += 1;
    }
    let digits = j - i - 1;
    ((2..=4).contains(&digits) && units.get(j).is_some_and(|u| u.c == ')')).then_some(j)
}

/// The index after the separator at `i` when a letter or digit follows it directly (a `.`
/// followed by a space ends a sentence: `in 2016. SO` is not a postcode).
fn separator_run_end(units: &[Unit], i: usize) -> Option<usize> {
    units
        .get(i + 1)
        .is_some_and(|u| u.c.is_ascii_alphanumeric())
        .then_some(i + 1)
}

fn group_len_before(out: &[Unit]) -> usize {
    out.iter()
        .rev()
        .take_while(|u| u.c.is_ascii_alphanumeric())
        .count()
}

fn group_len_after(units: &[Unit], i: usize) -> usize {
    units
        .get(i..)
        .unwrap_or(&[])
        .iter()
        .take_while(|u| u.c.is_ascii_alphanumeric())
        .count()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn folded(text: &str) -> String {
        fold(text).map_or_else(|| text.to_owned(), |f| f.text)
    }

    #[test]
    fn folds_what_people_type() {
        assert_eq!(folded("NL91.ABNA.0417.1643.00"), "NL91 ABNA 0417 1643 00");
        assert_eq!(folded("NL91\u{200b}ABNA0417164300"), "NL91ABNA0417164300");
        assert_eq!(folded("ＮＬ９１ＡＢＮＡ"), "NL91ABNA");
        assert_eq!(folded("06\u{a0}12345678"), "06 12345678");
        assert_eq!(folded("111-222-333"), "111 222 333");
        assert_eq!(folded("06.12.34.56.78"), "06 12 34 56 78");
        assert_eq!(folded("bel (06) 12345678"), "bel 06 12345678");
        assert_eq!(folded("06/12345678"), "06 12345678");
        assert_eq!(folded("jan(at)example.nl"), "jan@example.nl");
        assert_eq!(folded("jan [AT] example.nl"), "jan@example.nl");
        assert_eq!(folded("jan @ example.nl"), "jan@example.nl");
        assert_eq!(folded("jan＠example.nl"), "jan@example.nl");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for t in [
            "jan.jansen@example.nl",
            "mail@ing2.nl",
            "versie 3.1 van 1-2",
            "hoi @zuiderbank",
            "+31 (0)20 1234567",
            "klantnr 1.5926339",
            "gewoon tekst (zonder meer) en [iets]",
            "Halloween 2016. SO EXCITED @ChipotleTweets",
        ] {
            assert_eq!(folded(t), t, "{t}");
        }
    }

    #[test]
    fn folded_ranges_map_back_to_the_original() {
        let text = "iban ＮＬ９１ and jan(at)x.nl";
        let f = fold(text).unwrap();
        let at = f.text.find('@').unwrap();
        let (s, e) = f.original(at, at + 1).unwrap();
        assert_eq!(&text[s..e], "(at)");
        let nl = f.text.find("NL91").unwrap();
        let (s, e) = f.original(nl, nl + 4).unwrap();
        assert_eq!(&text[s..e], "ＮＬ９１");
    }
}
