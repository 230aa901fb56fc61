//! Search across every message, author and note (issue #12): [`search`].
//!
//! The query is stemmed exactly as the index is (`wederhoor_store::index_terms`: Dutch Snowball
//! stems, accents folded, stop words dropped), so `betalingen` finds `betaling` and `betalen`.
//! Every word must match. Filters: source, the case's verdict, and a period of calendar days in
//! Europe/Amsterdam. Hits come newest first, a page at a time, each with an excerpt around the
//! first matching word, its matching words marked (the pieces are plain text: the template
//! escapes them) and personal data masked.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use wederhoor_core::{Action, SourceId};
use wederhoor_store::{SearchFilter, SearchHit, Store, StoreError};

/// Longest query, in characters.
pub const QUERY_MAX: usize = 200;
/// At most this many words of a query are used.
pub const QUERY_TERMS_MAX: usize = 12;
/// Hits per page.
pub const PAGE_SIZE: i64 = 20;
/// Deepest page (a search that needs more pages needs a narrower query).
pub const PAGE_MAX: i64 = 50;
/// Characters of an excerpt.
pub const EXCERPT_CHARS: usize = 240;

/// A search as typed: the raw values of the form (empty means "all").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchForm {
    pub query: String,
    pub source: String,
    pub verdict: String,
    /// `YYYY-MM-DD`, first day (inclusive).
    pub from: String,
    /// `YYYY-MM-DD`, last day (inclusive).
    pub until: String,
    pub page: i64,
}

/// Why a search form was refused; each has a Fluent key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    QueryTooLong,
    BadSource,
    BadVerdict,
    BadDate,
    PeriodReversed,
    BadPage,
}

impl Invalid {
    pub fn key(self) -> &'static str {
        match self {
            Invalid::QueryTooLong => "search_error_too_long",
            Invalid::BadSource => "search_error_source",
            Invalid::BadVerdict => "search_error_verdict",
            Invalid::BadDate => "search_error_date",
            Invalid::PeriodReversed => "search_error_period",
            Invalid::BadPage => "search_error_page",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("invalid search: {0:?}")]
    Invalid(Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One piece of an excerpt: plain text, or a word that matched.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// A hit with its excerpt.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FoundHit {
    #[serde(flatten)]
    pub hit: SearchHit,
    pub excerpt: Vec<Piece>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchPage {
    /// The stemmed words searched for (empty: nothing was searched).
    pub terms: Vec<String>,
    pub hits: Vec<FoundHit>,
    pub page: i64,
    pub has_next: bool,
}

/// The form, checked: the store's filter and the page.
pub fn parse_form(form: &SearchForm, tz: &TimeZone) -> Result<(SearchFilter, i64), Invalid> {
    if form.query.chars().count() > QUERY_MAX {
        return Err(Invalid::QueryTooLong);
    }
    let terms: Vec<String> = wederhoor_store::index_terms(&form.query)
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(QUERY_TERMS_MAX)
        .map(str::to_owned)
        .collect();
    let source = non_empty(&form.source)
        .map(|s| s.parse::<SourceId>().map_err(|_| Invalid::BadSource))
        .transpose()?;
    let verdict = non_empty(&form.verdict)
        .map(|s| s.parse::<Action>().map_err(|_| Invalid::BadVerdict))
        .transpose()?;
    let day =
        |s: &str| -> Result<Date, Invalid> { s.parse::<Date>().map_err(|_| Invalid::BadDate) };
    let from_day = non_empty(&form.from).map(day).transpose()?;
    let until_day = non_empty(&form.until).map(day).transpose()?;
    if let (Some(f), Some(u)) = (from_day, until_day)
        && f > u
    {
        return Err(Invalid::PeriodReversed);
    }
    let start = |d: Date| -> Result<i64, Invalid> {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|_| Invalid::BadDate)
    };
    let from = from_day.map(start).transpose()?;
    let until = until_day
        .map(|d| d.tomorrow().map_err(|_| Invalid::BadDate).and_then(start))
        .transpose()?;
    if !(1..=PAGE_MAX).contains(&form.page) {
        return Err(Invalid::BadPage);
    }
    Ok((
        SearchFilter {
            terms,
            source,
            verdict,
            from,
            until,
        },
        form.page,
    ))
}

/// Searches: the form checked, one store query, excerpts with the matching words marked.
pub async fn search(
    store: &Store,
    form: &SearchForm,
    tz: &TimeZone,
) -> Result<SearchPage, SearchError> {
    let (filter, page) = parse_form(form, tz).map_err(SearchError::Invalid)?;
    let mut hits = store
        .search(&filter, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        .await?;
    let has_next = hits.len() as i64 > PAGE_SIZE;
    hits.truncate(PAGE_SIZE as usize);
    let hits = hits
        .into_iter()
        .map(|hit| FoundHit {
            excerpt: excerpt(&hit.text, &filter.terms, EXCERPT_CHARS),
            hit,
        })
        .collect();
    Ok(SearchPage {
        terms: filter.terms,
        hits,
        page,
        has_next,
    })
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// About `chars` characters of `text` around its first word whose stem is one of `terms`,
/// split into pieces with every matching word marked.
pub fn excerpt(text: &str, terms: &[String], chars: usize) -> Vec<Piece> {
    // Words (runs of letters and digits) and what lies between them, in order.
    let mut runs: Vec<(&str, bool)> = Vec::new();
    let mut start = 0;
    let mut in_word: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let word = c.is_alphanumeric();
        if in_word.is_some_and(|w| w != word) {
            runs.push((text.get(start..i).unwrap_or_default(), !word));
            start = i;
        }
        in_word = Some(word);
    }
    if let Some(w) = in_word {
        runs.push((text.get(start..).unwrap_or_default(), w));
    }
    let matches = |word: &str| {
        wederhoor_core::idea::search_terms(word, 1)
            .first()
            .is_some_and(|stem| terms.contains(stem))
    };
    let marked: Vec<(&str, bool)> = runs
        .into_iter()
        .map(|(s, is_word)| (s, is_word && matches(s)))
        .collect();
    // The window: from a little before the first match, `chars` long.
    let first = marked.iter().position(|(_, hit)| *hit).unwrap_or(0);
    let mut before = 0usize;
    let mut from = first;
    while from > 0 {
        let len = marked.get(from - 1).map_or(0, |(s, _)| s.chars().count());
        if before + len > chars / 3 {
            break;
        }
        before += len;
        from -= 1;
    }
    let mut out: Vec<Piece> = Vec::new();
    let mut used = 0usize;
    if from > 0 {
        out.push(Piece {
            text: "…".to_owned(),
            hit: false,
        });
    }
    for (s, hit) in marked.iter().skip(from) {
        let len = s.chars().count();
        if used + len > chars {
            let room = chars.saturating_sub(used);
            if room > 0 && !hit {
                push(&mut out, &s.chars().take(room).collect::<String>(), false);
            }
            push(&mut out, "…", false);
            break;
        }
        used += len;
        push(&mut out, s, *hit);
    }
    out
}

/// Appends a piece, joining plain text to plain text.
fn push(out: &mut Vec<Piece>, text: &str, hit: bool) {
    match out.last_mut() {
        Some(last) if !hit && !last.hit => last.text.push_str(text),
        _ => out.push(Piece {
            text: text.to_owned(),
            hit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(query: &str) -> SearchForm {
        SearchForm {
            query: query.to_owned(),
            page: 1,
            ..SearchForm::default()
        }
    }

    fn amsterdam() -> TimeZone {
        TimeZone::get("Europe/Amsterdam").unwrap_or(TimeZone::UTC)
    }

    #[test]
    fn the_query_is_stemmed_and_checked() {
        let tz = amsterdam();
        let (f, page) = parse_form(&form("Betalingen"), &tz).unwrap();
        assert_eq!(page, 1);
        assert_eq!(f.terms, parse_form(&form("betalen"), &tz).unwrap().0.terms);
        assert_eq!(
            parse_form(&form(&"a".repeat(QUERY_MAX + 1)), &tz),
            Err(Invalid::QueryTooLong)
        );
        let mut bad = form("x");
        bad.from = "2026-13-40".to_owned();
        assert_eq!(parse_form(&bad, &tz), Err(Invalid::BadDate));
        bad.from = "2026-03-02".to_owned();
        bad.until = "2026-03-01".to_owned();
        assert_eq!(parse_form(&bad, &tz), Err(Invalid::PeriodReversed));
        bad.until = "2026-03-02".to_owned();
        let (f, _) = parse_form(&bad, &tz).unwrap();
        // One Amsterdam day (winter: UTC+1), the end exclusive.
        assert_eq!(f.until.unwrap() - f.from.unwrap(), 24 * 3_600_000);
        bad.verdict = "nonsense".to_owned();
        assert_eq!(parse_form(&bad, &tz), Err(Invalid::BadVerdict));
    }

    #[test]
    fn an_excerpt_marks_every_matching_word() {
        let terms = vec![wederhoor_store::index_terms("betaling")];
        let pieces = excerpt(
            "Mijn betalingen <b>lukken</b> niet, betalen gaat mis",
            &terms,
            240,
        );
        let marked: Vec<&str> = pieces
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["betalingen", "betalen"]);
        let all: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(all, "Mijn betalingen <b>lukken</b> niet, betalen gaat mis");
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match() {
        let terms = vec![wederhoor_store::index_terms("storing")];
        let text = format!("{} storing {}", "woord ".repeat(100), "later ".repeat(100));
        let pieces = excerpt(&text, &terms, 120);
        let all: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert!(all.starts_with('…') && all.ends_with('…'), "{all}");
        assert!(all.chars().count() <= 124, "{}", all.chars().count());
        assert!(pieces.iter().any(|p| p.hit && p.text == "storing"));
    }
}
