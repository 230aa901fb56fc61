//! A reader for the subset of Fluent (https://projectfluent.org) the catalogue files use, so
//! translators edit `.ftl` files with their own tools and never touch Rust:
//!
//! ```ftl
//! # a comment (also `##` and `###`)
//! key = One line of text with { $name } filled in by the program.
//! key2 =
//!     Several lines: the common indentation is removed,
//!     blank lines inside are kept.
//! n_things =
//!     { $n ->
//!         [one] { $n } thing
//!        *[other] { $n } things
//!     }
//! braces = A literal brace: {"{"} and {"}"}.
//! ```
//!
//! What it makes of a message is the catalogue's own form: `{ $name }` becomes `{name}` (filled by
//! `i18n::fill`), a selector on a count becomes `one|other` (chosen by `i18n::plural` with the
//! language's plural rule), a string literal becomes its text. Anything else (terms, attributes,
//! functions, other selector keys) is reported as an error with its line number; the tests
//! require every file to read without one.

/// One message: its key and its text in the catalogue's form.
pub type Message<'a> = (&'a str, String);

/// A problem in a file, with its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub problem: String,
}

/// Reads a file: the messages in order, and the problems (a message with a problem is left out).
pub fn parse(source: &str) -> (Vec<Message<'_>>, Vec<ParseError>) {
    let lines: Vec<&str> = source.lines().collect();
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let number = i + 1;
        i += 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            errors.push(ParseError {
                line: number,
                problem: "an indented line that belongs to no message".into(),
            });
            continue;
        }
        let Some((key, first)) = line.split_once('=') else {
            errors.push(ParseError {
                line: number,
                problem: "expected `key = text`".into(),
            });
            continue;
        };
        let key = key.trim_end();
        if !is_identifier(key) {
            errors.push(ParseError {
                line: number,
                problem: format!("{key:?} is not a message key (letters, digits, _ and -)"),
            });
            continue;
        }
        // The continuation: indented lines (blank lines between them kept) and, while a selector
        // is open, its variants and closing `}` even at the start of a line.
        let first = first.trim();
        let mut depth = brace_depth(first);
        let start = i;
        let mut j = i;
        while let Some(next) = lines.get(j) {
            if next.trim().is_empty() {
                j += 1;
                continue;
            }
            let selector_part = depth > 0 && next.starts_with(['}', '[', '*']);
            if !(next.starts_with([' ', '\t']) || selector_part) {
                break;
            }
            depth += brace_depth(next);
            j += 1;
            i = j;
        }
        let continuation: Vec<&str> = lines
            .get(start..i)
            .unwrap_or_default()
            .iter()
            .map(|l| if l.trim().is_empty() { "" } else { *l })
            .collect();
        let indent = continuation
            .iter()
            .filter(|l| l.starts_with([' ', '\t']))
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let mut pattern_lines: Vec<&str> = Vec::new();
        if !first.is_empty() {
            pattern_lines.push(first);
        }
        pattern_lines.extend(continuation.iter().map(|l| {
            if l.starts_with([' ', '\t']) {
                l.get(indent..).unwrap_or("")
            } else {
                l
            }
        }));
        let pattern = pattern_lines.join("\n");
        let pattern = pattern.trim_end();
        if pattern.is_empty() {
            errors.push(ParseError {
                line: number,
                problem: format!("{key} has no text"),
            });
            continue;
        }
        match read_pattern(pattern) {
            Ok(text) => messages.push((key, text)),
            Err(problem) => errors.push(ParseError {
                line: number,
                problem: format!("{key}: {problem}"),
            }),
        }
    }
    (messages, errors)
}

/// Opening minus closing braces on a line (braces inside a placeable's string literal do not
/// count).
fn brace_depth(line: &str) -> i64 {
    let (mut depth, mut in_string) = (0i64, false);
    for c in line.chars() {
        match c {
            '"' if depth > 0 => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A pattern in the catalogue's form: a plural selector, or text with placeables.
fn read_pattern(pattern: &str) -> Result<String, String> {
    let trimmed = pattern.trim();
    if let Some(inner) = trimmed
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .filter(|inner| inner.contains("->"))
    {
        return read_selector(inner);
    }
    read_text(pattern)
}

/// `$n -> [one] … *[other] …` as `one|other`.
fn read_selector(inner: &str) -> Result<String, String> {
    let Some((selector, variants)) = inner.split_once("->") else {
        return Err("a selector needs `->`".into());
    };
    if !selector.trim().starts_with('$') {
        return Err(format!(
            "only a variable can select, not {:?}",
            selector.trim()
        ));
    }
    let (mut one, mut other) = (None, None);
    for line in variants.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let default = line.starts_with('*');
        let line = line.trim_start_matches('*');
        let Some((name, text)) = line.strip_prefix('[').and_then(|rest| rest.split_once(']'))
        else {
            return Err(format!("expected a variant `[one] …`, found {line:?}"));
        };
        let text = read_text(text.trim())?;
        match (name.trim(), default) {
            ("one", _) => one = Some(text),
            ("other", true) => other = Some(text),
            ("other", false) => {
                return Err("the variant `other` must be the default (`*[other]`)".into());
            }
            (name, _) => {
                return Err(format!(
                    "unknown variant [{name}] (only [one] and *[other])"
                ));
            }
        }
    }
    let Some(other) = other else {
        return Err("a selector needs a default variant `*[other]`".into());
    };
    let one = one.unwrap_or_else(|| other.clone());
    if one.contains('|') || other.contains('|') {
        return Err("a variant cannot contain `|`".into());
    }
    Ok(format!("{one}|{other}"))
}

/// Text with `{ $name }` and `{"literal"}` placeables.
fn read_text(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open..).unwrap_or_default();
        if after.starts_with('}') {
            return Err("a lone `}` (write {\"}\"})".into());
        }
        let Some(close) = placeable_end(after) else {
            return Err("a `{` without its `}` (write {\"{\"} for a brace)".into());
        };
        let inner = after.get(1..close).unwrap_or_default().trim();
        if let Some(name) = inner.strip_prefix('$') {
            if !is_identifier(name) {
                return Err(format!("{{ ${name} }} is not a variable"));
            }
            out.push('{');
            out.push_str(name);
            out.push('}');
        } else if let Some(literal) = inner.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            out.push_str(&literal.replace("\\\"", "\"").replace("\\\\", "\\"));
        } else {
            return Err(format!("unsupported placeable {{{inner}}}"));
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes the placeable starting at `s[0] == '{'` (a `}` inside a
/// string literal does not close it).
fn placeable_end(s: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '}' if !in_string => return Some(i),
            '{' if !in_string => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_subset() {
        let source = "# comment\n\
            ## group\n\
            hello = Hallo { $name }!\n\
            \n\
            mail =\n    Regel één\n\n    { $link }\n      ingesprongen\n\n\
            n_things =\n    { $n ->\n        [one] { $n } ding\n       *[other] { $n } dingen\n    }\n\
            braces = JSON: {\"{\"}\"a\"{\"}\"}\n\
            words = { $n ->\n   *[other] stemmen\n}\n";
        let (messages, errors) = parse(source);
        assert_eq!(errors, vec![]);
        assert_eq!(
            messages,
            vec![
                ("hello", "Hallo {name}!".to_owned()),
                ("mail", "Regel één\n\n{link}\n  ingesprongen".to_owned()),
                ("n_things", "{n} ding|{n} dingen".to_owned()),
                ("braces", "JSON: {\"a\"}".to_owned()),
                ("words", "stemmen|stemmen".to_owned()),
            ]
        );
    }

    #[test]
    fn reports_what_it_cannot_read_with_the_line() {
        let source = "ok = fine\n\
            bad key = x\n\
            open = a { $x\n\
            fn = { NUMBER($n) }\n\
            sel = { $n ->\n    [few] a\n   *[other] b\n}\n\
            nodefault = { $n ->\n    [one] a\n}\n\
            empty =\n";
        let (messages, errors) = parse(source);
        assert_eq!(messages, vec![("ok", "fine".to_owned())]);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 9, 12], "{errors:?}");
        assert!(errors.iter().any(|e| e.problem.contains("[few]")));
        let (_, errors) = parse("  stray\nok = fine\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
    }
}
