//! The boolean listening-query language and its compiled matcher (pure, no I/O).
//!
//! # The language
//!
//! ```text
//! query   := or
//! or      := and ( "OR" and )*
//! and     := unary ( ["AND"] unary )*          adjacent terms are ANDed
//! unary   := "NOT" unary | "(" or ")" | term | "\"" phrase "\""
//! ```
//!
//! Precedence: `NOT` binds tighter than `AND`, which binds tighter than `OR`; so
//! `"ING" AND (pas OR pinpas) NOT sponsor` is `ing AND (pas OR pinpas) AND (NOT sponsor)`, and
//! `a b OR c` is `(a AND b) OR c`.
//!
//! - **Operators** are `AND`, `OR`, `NOT` in capitals only. Lower-case `and`, `or`, `not` are
//!   ordinary words (English tweets are full of them); to search the word "AND" write `"AND"`.
//!   A leading `-` is not an operator and is rejected with a hint to use `NOT`.
//! - **Matching is per token.** Text and terms are split into tokens (runs of letters, digits
//!   and `_`), lower-cased and stripped of accents (`é` = `e`, `ü` = `u`, `ß` = `ss`, `ĳ` = `ij`).
//!   `pas` matches the token `pas` (also in `ING-pas` or `pas!`) but never inside `paspoort`.
//! - **Wildcard** `pinpas*` matches any token that starts with `pinpas` (`pinpassen`,
//!   `pinpasautomaat`): that is how Dutch compounds are caught; a term without `*` never matches
//!   a compound. Only at the end of a term (or of a phrase), with at least 2 characters before it.
//! - **Phrases** `"ing pas"` match consecutive tokens (punctuation between them is ignored);
//!   the last word may carry `*` (`"ing pin*"`). A term with inner punctuation (`e-mail`) is a
//!   phrase (`"e mail"`).
//! - **Hashtags**: the text `#zuiderbank` is matched by the term `zuiderbank` (and by phrases);
//!   the term `#zuiderbank` matches only the hashtag. A hashtag cannot be part of a phrase.
//! - **Handles**: the term `@zuiderbank` matches the handle `@zuiderbank`; the plain term
//!   `zuiderbank` does not match handles. `@` or `#` directly after a letter is not a marker, so
//!   `klant@zuiderbank.nl` contains the words `klant`, `zuiderbank`, `nl` and no handle.
//! - **A query must require something**: a query that would match a message containing none of
//!   its terms (`NOT sponsor`, `ing OR NOT sponsor`) is rejected at parse time.
//! - Errors name the 1-based column in characters: `column 15: expected ')'`.
//!
//! [`Query`]'s `Display` is a canonical form (normalised terms, explicit `AND`, minimal
//! parentheses) that parses back to the same query.
//!
//! # Matching many queries
//!
//! [`Matcher::compile`] puts the distinct terms of all queries into one Aho-Corasick automaton;
//! per message it scans the text once, marks the terms found in a bitset, and evaluates only the
//! queries that have one of those terms in a positive position.
//!
//! ```
//! use wederhoor_listen::query::{Matcher, Query, QueryId};
//! let q = Query::parse(r#""ING" AND (pas OR pinpas*) NOT sponsor"#).unwrap();
//! assert_eq!(q.to_string(), "ing AND (pas OR pinpas*) AND NOT sponsor");
//! let m = Matcher::compile([(QueryId(7), q)]);
//! assert_eq!(m.matches("Mijn ING-pinpasje is kwijt!"), vec![QueryId(7)]);
//! assert!(m.matches("ING sponsort de schaatsploeg, pas op").contains(&QueryId(7)));
//! assert!(m.matches("ING sponsor van het jaar, pas op").is_empty());
//! ```

mod matcher;
mod normalize;
mod parse;
#[cfg(test)]
mod tests;

pub use matcher::{Matcher, QueryId};
pub use normalize::TokenKind;
pub use parse::{Expr, Query, QueryError, Term, TermToken};
