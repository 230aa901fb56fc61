//! The query AST, its parser and its canonical form.

use super::normalize::{TokenKind, tokenize};
use std::fmt;

/// Deepest nesting of parentheses and `NOT`s accepted (guards the recursion).
const MAX_DEPTH: usize = 64;

/// A query that could not be parsed: where (1-based column, in characters) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QueryError {
    /// 1-based column, counted in characters (not bytes).
    pub column: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl QueryError {
    fn new(column0: usize, message: impl Into<String>) -> Self {
        Self {
            column: column0 + 1,
            message: message.into(),
        }
    }
}

/// One token of a term: normalised text (lower case, no accents) and what it must be in the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermToken {
    pub kind: TokenKind,
    pub text: String,
}

/// A term: one token (`pas`, `pas*`, `#zuiderbank`, `@zuiderbank`) or a phrase of consecutive
/// tokens (`"ing pas"`, `"ing pin*"`). Only the last token may be a prefix (`*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    tokens: Vec<TermToken>,
    prefix: bool,
}

impl Term {
    /// The tokens, normalised.
    pub fn tokens(&self) -> &[TermToken] {
        &self.tokens
    }

    /// Whether the last token matches any text token that starts with it.
    pub fn is_prefix(&self) -> bool {
        self.prefix
    }

    /// Whether this term occurs in the (already tokenised) text.
    pub(crate) fn occurs_in(&self, text: &[(TokenKind, String)]) -> bool {
        let n = self.tokens.len();
        if n == 0 || text.len() < n {
            return false;
        }
        (0..=text.len() - n).any(|start| {
            self.tokens.iter().enumerate().all(|(i, q)| {
                let Some((kind, t)) = text.get(start + i) else {
                    return false;
                };
                let kind_ok = match q.kind {
                    TokenKind::Word => matches!(kind, TokenKind::Word | TokenKind::Hashtag),
                    other => *kind == other,
                };
                let last = i + 1 == n;
                kind_ok
                    && if last && self.prefix {
                        t.starts_with(q.text.as_str())
                    } else {
                        *t == q.text
                    }
            })
        })
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phrase = self.tokens.len() > 1;
        if phrase {
            f.write_str("\"")?;
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match t.kind {
                TokenKind::Word => {}
                TokenKind::Hashtag => f.write_str("#")?,
                TokenKind::Handle => f.write_str("@")?,
            }
            f.write_str(&t.text)?;
        }
        if self.prefix {
            f.write_str("*")?;
        }
        if phrase {
            f.write_str("\"")?;
        }
        Ok(())
    }
}

/// The parsed form of a query. `AND` and `OR` are flattened (`a AND (b AND c)` is one `And`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Term(Term),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

impl Expr {
    fn and(items: Vec<Expr>) -> Expr {
        Self::flatten(items, true)
    }

    fn or(items: Vec<Expr>) -> Expr {
        Self::flatten(items, false)
    }

    fn flatten(items: Vec<Expr>, is_and: bool) -> Expr {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Expr::And(inner) if is_and => out.extend(inner),
                Expr::Or(inner) if !is_and => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1
            && let Some(only) = out.pop()
        {
            return only;
        }
        if is_and {
            Expr::And(out)
        } else {
            Expr::Or(out)
        }
    }

    /// Evaluates with `hit(term)` telling whether a term occurs.
    pub(crate) fn eval(&self, hit: &mut impl FnMut(&Term) -> bool) -> bool {
        match self {
            Expr::Term(t) => hit(t),
            Expr::Not(e) => !e.eval(hit),
            Expr::And(items) => items.iter().all(|e| e.eval(hit)),
            Expr::Or(items) => items.iter().any(|e| e.eval(hit)),
        }
    }

    /// Binding strength, for the canonical form: OR < AND < NOT < term.
    fn level(&self) -> u8 {
        match self {
            Expr::Or(_) => 1,
            Expr::And(_) => 2,
            Expr::Not(_) => 3,
            Expr::Term(_) => 4,
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, min_level: u8) -> fmt::Result {
        let parens = self.level() < min_level;
        if parens {
            f.write_str("(")?;
        }
        match self {
            Expr::Term(t) => write!(f, "{t}")?,
            Expr::Not(e) => {
                f.write_str("NOT ")?;
                e.write(f, 3)?;
            }
            Expr::And(items) | Expr::Or(items) => {
                let (sep, level) = if matches!(self, Expr::And(_)) {
                    (" AND ", 2)
                } else {
                    (" OR ", 1)
                };
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    e.write(f, level)?;
                }
            }
        }
        if parens {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

/// A parsed listening query. See the module documentation for the language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    expr: Expr,
}

impl Query {
    /// Parses a query; the error names the 1-based column (in characters) of the problem.
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let lexemes = lex(input)?;
        let mut p = Parser { lexemes, pos: 0 };
        if matches!(p.peek(), Lex::End) {
            return Err(QueryError::new(0, "empty query"));
        }
        let expr = p.parse_or(0)?;
        match p.peek() {
            Lex::End => {}
            Lex::RParen => {
                return Err(QueryError::new(
                    p.col(),
                    "unexpected ')' without a matching '('",
                ));
            }
            other => {
                return Err(QueryError::new(
                    p.col(),
                    format!("unexpected {}", other.describe()),
                ));
            }
        }
        if expr.eval(&mut |_| false) {
            let col = p
                .lexemes
                .iter()
                .find(|(l, _)| matches!(l, Lex::Not))
                .map_or(0, |(_, c)| *c);
            return Err(QueryError::new(
                col,
                "the query matches messages that contain none of its terms; \
                 combine NOT with a term that must occur, e.g. `ing NOT sponsor`",
            ));
        }
        Ok(Query { expr })
    }

    /// The parsed expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Whether this one query matches `text` (a direct evaluation, without the automaton; handy
    /// to try out a query, and the reference the [`super::Matcher`] is tested against).
    pub fn matches(&self, text: &str) -> bool {
        let mut tokens = Vec::new();
        tokenize(text, |k, t, _| tokens.push((k, t.to_owned())));
        self.expr.eval(&mut |term| term.occurs_in(&tokens))
    }
}

impl fmt::Display for Query {
    /// The canonical form: normalised terms, explicit `AND`, minimal parentheses.
    /// `Query::parse(&q.to_string()) == Ok(q)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl std::str::FromStr for Query {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Query::parse(s)
    }
}

#[derive(Debug, Clone)]
enum Lex {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Term(Term),
    End,
}

impl Lex {
    fn describe(&self) -> String {
        match self {
            Lex::LParen => "'('".into(),
            Lex::RParen => "')'".into(),
            Lex::And => "AND".into(),
            Lex::Or => "OR".into(),
            Lex::Not => "NOT".into(),
            Lex::Term(t) => format!("term {t}"),
            Lex::End => "the end of the query".into(),
        }
    }
}

fn lex(input: &str) -> Result<Vec<(Lex, usize)>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((Lex::LParen, i));
                i += 1;
            }
            ')' => {
                out.push((Lex::RParen, i));
                i += 1;
            }
            '"' => {
                let start = i;
                let Some(len) = chars
                    .get(start + 1..)
                    .and_then(|rest| rest.iter().position(|&c| c == '"'))
                else {
                    return Err(QueryError::new(
                        start,
                        "unterminated phrase: missing closing '\"'",
                    ));
                };
                let content = chars.get(start + 1..start + 1 + len).unwrap_or_default();
                let term = make_term(content, start + 1, start, true)?;
                out.push((Lex::Term(term), start));
                i = start + len + 2;
            }
            _ => {
                let start = i;
                while let Some(&c) = chars.get(i) {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        break;
                    }
                    i += 1;
                }
                let word = chars.get(start..i).unwrap_or_default();
                let s: String = word.iter().collect();
                match s.as_str() {
                    "AND" => out.push((Lex::And, start)),
                    "OR" => out.push((Lex::Or, start)),
                    "NOT" => out.push((Lex::Not, start)),
                    _ => {
                        if word.first() == Some(&'-') {
                            return Err(QueryError::new(
                                start,
                                "'-' does not exclude a term; use NOT (e.g. `NOT sponsor`)",
                            ));
                        }
                        let term = make_term(word, start, start, false)?;
                        out.push((Lex::Term(term), start));
                    }
                }
            }
        }
    }
    out.push((Lex::End, chars.len()));
    Ok(out)
}

/// Builds a term from its characters (`offset` = column of the first one, `at` = column to
/// report for problems with the term as a whole).
fn make_term(chars: &[char], offset: usize, at: usize, quoted: bool) -> Result<Term, QueryError> {
    let what = if quoted { "phrase" } else { "term" };
    let mut body = chars;
    let last_non_space = chars.iter().rposition(|c| !c.is_whitespace());
    let mut prefix = false;
    if let Some(last) = last_non_space
        && chars.get(last) == Some(&'*')
    {
        let before = last.checked_sub(1).and_then(|b| chars.get(b));
        if !before.is_some_and(|c| c.is_alphanumeric() || *c == '_') {
            return Err(QueryError::new(
                offset + last,
                "'*' must directly follow a letter or digit (e.g. `pinpas*`)",
            ));
        }
        prefix = true;
        body = chars.get(..last).unwrap_or_default();
    }
    if let Some(star) = body.iter().position(|&c| c == '*') {
        return Err(QueryError::new(
            offset + star,
            format!("'*' is only allowed at the end of a {what} (e.g. `pinpas*`)"),
        ));
    }
    let body: String = body.iter().collect();
    let mut tokens = Vec::new();
    tokenize(&body, |kind, text, col| {
        tokens.push((
            TermToken {
                kind,
                text: text.to_owned(),
            },
            col,
        ));
    });
    if tokens.is_empty() {
        return Err(QueryError::new(
            at,
            if quoted {
                "empty phrase: a phrase needs letters or digits".to_owned()
            } else {
                let s: String = chars.iter().collect();
                format!("'{s}' is not a term: a term needs letters or digits")
            },
        ));
    }
    if tokens.len() > 1
        && let Some((_, col)) = tokens.iter().find(|(t, _)| t.kind == TokenKind::Hashtag)
    {
        return Err(QueryError::new(
            offset + col,
            "a hashtag cannot be part of a phrase; use AND (e.g. `#ing AND \"pas kwijt\"`)",
        ));
    }
    if prefix
        && tokens.len() == 1
        && tokens
            .first()
            .is_some_and(|(t, _)| t.text.chars().count() < 2)
    {
        return Err(QueryError::new(
            at,
            "a wildcard needs at least 2 letters or digits before '*'",
        ));
    }
    Ok(Term {
        tokens: tokens.into_iter().map(|(t, _)| t).collect(),
        prefix,
    })
}

struct Parser {
    lexemes: Vec<(Lex, usize)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Lex {
        self.lexemes.get(self.pos).map_or(&Lex::End, |(l, _)| l)
    }

    fn col(&self) -> usize {
        self.lexemes
            .get(self.pos)
            .or_else(|| self.lexemes.last())
            .map_or(0, |(_, c)| *c)
    }

    fn bump(&mut self) -> Lex {
        let l = self.peek().clone();
        if self.pos < self.lexemes.len() {
            self.pos += 1;
        }
        l
    }

    fn parse_or(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut items = vec![self.parse_and(depth)?];
        while matches!(self.peek(), Lex::Or) {
            self.bump();
            items.push(self.parse_and(depth)?);
        }
        Ok(Expr::or(items))
    }

    fn parse_and(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut items = vec![self.parse_unary(depth, None)?];
        loop {
            match self.peek() {
                Lex::And => {
                    self.bump();
                    items.push(self.parse_unary(depth, Some("AND"))?);
                }
                Lex::Term(_) | Lex::Not | Lex::LParen => items.push(self.parse_unary(depth, None)?),
                _ => break,
            }
        }
        Ok(Expr::and(items))
    }

    fn parse_unary(&mut self, depth: usize, after: Option<&str>) -> Result<Expr, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::new(
                self.col(),
                "the query is nested too deeply",
            ));
        }
        let col = self.col();
        match self.bump() {
            Lex::Term(t) => Ok(Expr::Term(t)),
            Lex::Not => Ok(Expr::Not(Box::new(
                self.parse_unary(depth + 1, Some("NOT"))?,
            ))),
            Lex::LParen => {
                let e = self.parse_or(depth + 1)?;
                match self.peek() {
                    Lex::RParen => {
                        self.bump();
                        Ok(e)
                    }
                    _ => Err(QueryError::new(self.col(), "expected ')'")),
                }
            }
            other => {
                let after = match (after, self.lexemes.get(self.pos.wrapping_sub(2))) {
                    (Some(a), _) => format!(" after {a}"),
                    (None, Some((Lex::Or, _))) => " after OR".to_owned(),
                    (None, Some((Lex::LParen, _))) => " after '('".to_owned(),
                    _ => String::new(),
                };
                Err(QueryError::new(
                    col,
                    format!(
                        "expected a term, a \"phrase\", NOT or '('{after}, found {}",
                        other.describe()
                    ),
                ))
            }
        }
    }
}
