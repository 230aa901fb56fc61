//! Masking of personal data for logs and public echoes.

use crate::triage::PiiSpan;

/// Replaces every span of personal data with `•` of the same character count, keeping the rest.
/// Spans that do not fall on character boundaries are widened to the enclosing characters.
pub fn mask(text: &str, spans: &[PiiSpan]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, ch) in text.char_indices() {
        let end = i + ch.len_utf8();
        let hidden = spans.iter().any(|s| i < s.end && end > s.start);
        if hidden && !ch.is_whitespace() {
            out.push('•');
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::PiiKind;

    #[test]
    fn masks_only_the_span() {
        let text = "IBAN NL91 ABNA 0417 1643 00 graag";
        let spans = [PiiSpan {
            kind: PiiKind::Iban,
            start: 5,
            end: 27,
        }];
        assert_eq!(mask(text, &spans), "IBAN •••• •••• •••• •••• •• graag");
    }
}
