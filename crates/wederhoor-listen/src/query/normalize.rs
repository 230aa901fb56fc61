//! Normalisation and tokenisation shared by queries and messages.
//!
//! A token is a maximal run of word characters (letters, digits, `_`), lower-cased and with
//! accents removed (`é` → `e`, `ü` → `u`, `ß` → `ss`, `ĳ` → `ij`; combining marks are dropped,
//! so NFC and NFD text give the same tokens). A `#` or `@` directly in front of a token (and not
//! directly after a word character, so `klant@ing.nl` holds no handle) makes it a hashtag or a
//! handle. Everything else separates tokens.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// An ordinary word.
    Word,
    /// `#word`.
    Hashtag,
    /// `@word`.
    Handle,
}

/// Calls `emit(kind, normalised_text, start_column_0_based_in_chars)` for every token of `text`.
pub(crate) fn tokenize(text: &str, mut emit: impl FnMut(TokenKind, &str, usize)) {
    let mut buf = String::with_capacity(32);
    let mut current: Option<(TokenKind, usize)> = None;
    let mut pending: Option<(TokenKind, usize)> = None;
    let mut prev_word = false;
    for (col, c) in text.chars().enumerate() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() || c == '_' {
                if current.is_none() {
                    current = Some(pending.take().unwrap_or((TokenKind::Word, col)));
                }
                buf.push(c.to_ascii_lowercase());
                prev_word = true;
                continue;
            }
        } else if is_combining(c) {
            continue;
        } else if c.is_alphanumeric() {
            if current.is_none() {
                current = Some(pending.take().unwrap_or((TokenKind::Word, col)));
            }
            for lc in c.to_lowercase() {
                if !is_combining(lc) {
                    fold(lc, &mut buf);
                }
            }
            prev_word = true;
            continue;
        }
        // A separator.
        if let Some((kind, start)) = current.take() {
            if !buf.is_empty() {
                emit(kind, &buf, start);
            }
            buf.clear();
        }
        pending = match c {
            '#' if !prev_word => Some((TokenKind::Hashtag, col)),
            '@' if !prev_word => Some((TokenKind::Handle, col)),
            _ => None,
        };
        prev_word = false;
    }
    if let Some((kind, start)) = current
        && !buf.is_empty()
    {
        emit(kind, &buf, start);
    }
}

/// Normalises one word (as [`tokenize`] would), for callers that already know it is one token.
#[cfg(test)]
pub(crate) fn normalize_word(word: &str) -> String {
    let mut out = String::new();
    tokenize(word, |_, t, _| out.push_str(t));
    out
}

fn is_combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Pushes the accent-free form of an already lower-cased character.
fn fold(c: char, out: &mut String) {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ª' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'º' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(s);
}
