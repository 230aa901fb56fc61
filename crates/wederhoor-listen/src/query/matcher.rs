//! All queries compiled into one Aho-Corasick automaton plus one small evaluator per query.

use super::normalize::{TokenKind, tokenize};
use super::parse::{Expr, Query, Term};
use aho_corasick::AhoCorasick;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;

/// The id of a listening query, as the caller knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryId(pub u64);

impl fmt::Display for QueryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A query lowered onto global term ids.
#[derive(Debug, Clone)]
enum Node {
    Term(u32),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
}

impl Node {
    fn eval(&self, bits: &[u64]) -> bool {
        match self {
            Node::Term(id) => bit(bits, *id),
            Node::Not(n) => !n.eval(bits),
            Node::And(items) => items.iter().all(|n| n.eval(bits)),
            Node::Or(items) => items.iter().any(|n| n.eval(bits)),
        }
    }
}

fn bit(bits: &[u64], id: u32) -> bool {
    bits.get((id / 64) as usize)
        .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
}

#[derive(Debug, Clone)]
enum Searcher {
    /// No terms at all.
    Empty,
    Automaton(AhoCorasick),
    /// Only if the automaton could not be built (it exceeds its size limits): the same
    /// patterns, searched one by one. Correct, but slow.
    Naive(Vec<String>),
}

/// Many queries compiled together: one automaton over all distinct terms (normalised), a
/// posting list from each term to the queries that need it (of the terms a query is filed
/// under, at least one must occur for it to match; for `a AND (b OR c)` that is `a` alone, or
/// `b` and `c`, whichever are used by fewer queries), and per query a boolean evaluator over the
/// bitset of terms found. The work per message grows with the text and with the number of
/// queries whose key terms occur, not with the number of queries.
#[derive(Debug, Clone)]
pub struct Matcher {
    searcher: Searcher,
    term_count: usize,
    /// Compressed posting lists: queries of term `t` are `postings[offsets[t]..offsets[t + 1]]`.
    offsets: Vec<u32>,
    postings: Vec<u32>,
    queries: Vec<(QueryId, Node)>,
}

impl Matcher {
    /// Compiles all queries into one matcher. The same id may be given more than once.
    pub fn compile<I, Q>(queries: I) -> Matcher
    where
        I: IntoIterator<Item = (QueryId, Q)>,
        Q: Borrow<Query>,
    {
        Self::build(queries, false)
    }

    /// As [`Matcher::compile`], but with the slow fallback searcher (to test it).
    #[cfg(test)]
    pub(crate) fn compile_naive<I, Q>(queries: I) -> Matcher
    where
        I: IntoIterator<Item = (QueryId, Q)>,
        Q: Borrow<Query>,
    {
        Self::build(queries, true)
    }

    fn build<I, Q>(queries: I, naive: bool) -> Matcher
    where
        I: IntoIterator<Item = (QueryId, Q)>,
        Q: Borrow<Query>,
    {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        // Pass 1: lower every query onto term ids; count in how many queries each term occurs.
        let mut uses: Vec<u32> = Vec::new();
        let mut compiled = Vec::new();
        let mut positives = Vec::new();
        for (qid, query) in queries {
            let mut positive = Vec::new();
            let mut seen = Vec::new();
            let node = lower(query.borrow().expr(), false, &mut |term, negated| {
                let pattern = pattern(term);
                let id = match ids.get(&pattern) {
                    Some(id) => *id,
                    None => {
                        let id = u32::try_from(patterns.len()).unwrap_or(u32::MAX);
                        ids.insert(pattern.clone(), id);
                        patterns.push(pattern);
                        uses.push(0);
                        id
                    }
                };
                if !negated {
                    positive.push(id);
                }
                seen.push(id);
                id
            });
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                if let Some(n) = uses.get_mut(t as usize) {
                    *n = n.saturating_add(1);
                }
            }
            positive.sort_unstable();
            positive.dedup();
            positives.push(positive);
            compiled.push((qid, node));
        }
        // Pass 2: index each query under a small set of terms of which at least one must occur
        // for it to match (for an AND, the cheapest child; terms shared by many queries are
        // assumed to be common words). If there is no such set, under all its positive terms.
        let mut per_term: Vec<Vec<u32>> = vec![Vec::new(); patterns.len()];
        for (qidx, ((_, node), positive)) in compiled.iter().zip(positives).enumerate() {
            let qidx = u32::try_from(qidx).unwrap_or(u32::MAX);
            let mut keys = cover(node, false, &uses).map_or(positive, |(_, terms)| terms);
            keys.sort_unstable();
            keys.dedup();
            for t in keys {
                if let Some(list) = per_term.get_mut(t as usize) {
                    list.push(qidx);
                }
            }
        }
        let mut offsets = Vec::with_capacity(per_term.len() + 1);
        let mut postings = Vec::new();
        offsets.push(0);
        for list in &per_term {
            postings.extend_from_slice(list);
            offsets.push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
        }
        let term_count = patterns.len();
        let searcher = if patterns.is_empty() {
            Searcher::Empty
        } else if naive {
            Searcher::Naive(patterns)
        } else {
            match AhoCorasick::new(&patterns) {
                Ok(ac) => Searcher::Automaton(ac),
                Err(_) => Searcher::Naive(patterns),
            }
        };
        Matcher {
            searcher,
            term_count,
            offsets,
            postings,
            queries: compiled,
        }
    }

    /// The ids of the queries that match `text`, sorted and without duplicates.
    pub fn matches(&self, text: &str) -> Vec<QueryId> {
        if self.term_count == 0 {
            return Vec::new();
        }
        let hay = haystack(text);
        let mut bits = vec![0u64; self.term_count.div_ceil(64)];
        let mut hit = Vec::new();
        let mut mark = |id: u32| {
            if let Some(w) = bits.get_mut((id / 64) as usize) {
                let b = 1u64 << (id % 64);
                if *w & b == 0 {
                    *w |= b;
                    hit.push(id);
                }
            }
        };
        match &self.searcher {
            Searcher::Empty => {}
            Searcher::Automaton(ac) => {
                for m in ac.find_overlapping_iter(hay.as_str()) {
                    mark(m.pattern().as_u32());
                }
            }
            Searcher::Naive(patterns) => {
                for (i, p) in patterns.iter().enumerate() {
                    if hay.contains(p.as_str()) {
                        mark(u32::try_from(i).unwrap_or(u32::MAX));
                    }
                }
            }
        }
        let mut candidates = Vec::new();
        for t in hit {
            let t = t as usize;
            let (Some(&a), Some(&b)) = (self.offsets.get(t), self.offsets.get(t + 1)) else {
                continue;
            };
            if let Some(list) = self.postings.get(a as usize..b as usize) {
                candidates.extend_from_slice(list);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut out: Vec<QueryId> = candidates
            .into_iter()
            .filter_map(|q| self.queries.get(q as usize))
            .filter(|(_, node)| node.eval(&bits))
            .map(|(id, _)| *id)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// How many queries were compiled.
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// Whether no queries were compiled.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// How many distinct terms (patterns) the automaton holds.
    pub fn term_count(&self) -> usize {
        self.term_count
    }
}

/// A set of terms of which at least one occurs whenever `node` (negated if `neg`) is true, with
/// its cost (sum of the terms' use counts); `None` if the node can be true without any term.
fn cover(node: &Node, neg: bool, uses: &[u32]) -> Option<(u64, Vec<u32>)> {
    let (items, all_must_hold) = match node {
        Node::Term(t) => {
            return (!neg).then(|| {
                let cost = uses.get(*t as usize).copied().unwrap_or(1);
                (u64::from(cost), vec![*t])
            });
        }
        Node::Not(n) => return cover(n, !neg, uses),
        Node::And(items) => (items, !neg),
        Node::Or(items) => (items, neg),
    };
    if all_must_hold {
        // Any one child's cover will do: take the cheapest.
        items
            .iter()
            .filter_map(|n| cover(n, neg, uses))
            .min_by_key(|(cost, terms)| (*cost, terms.len()))
    } else {
        // One of the children holds: every child needs a cover.
        let mut cost = 0u64;
        let mut terms = Vec::new();
        for n in items {
            let (c, t) = cover(n, neg, uses)?;
            cost = cost.saturating_add(c);
            terms.extend(t);
        }
        Some((cost, terms))
    }
}

fn lower(expr: &Expr, negated: bool, term_id: &mut impl FnMut(&Term, bool) -> u32) -> Node {
    match expr {
        Expr::Term(t) => Node::Term(term_id(t, negated)),
        Expr::Not(e) => Node::Not(Box::new(lower(e, !negated, term_id))),
        Expr::And(items) => Node::And(items.iter().map(|e| lower(e, negated, term_id)).collect()),
        Expr::Or(items) => Node::Or(items.iter().map(|e| lower(e, negated, term_id)).collect()),
    }
}

/// The text as the automaton sees it: every token followed by a space, handles as `@x`,
/// hashtags as their plain word (so `pas` and phrases match them), then once more every hashtag
/// as `#x` at the end (so `#x` matches only hashtags). Tokens never contain ` `, `#` or `@`, so a
/// pattern ` x ` only matches the whole token `x`.
pub(crate) fn haystack(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 16);
    let mut tags = String::new();
    s.push(' ');
    tokenize(text, |kind, t, _| {
        match kind {
            TokenKind::Word => {}
            TokenKind::Hashtag => {
                tags.push('#');
                tags.push_str(t);
                tags.push(' ');
            }
            TokenKind::Handle => s.push('@'),
        }
        s.push_str(t);
        s.push(' ');
    });
    s.push_str(&tags);
    s
}

/// The automaton pattern of a term: ` tok tok ` (no trailing space for a prefix).
pub(crate) fn pattern(term: &Term) -> String {
    let mut s = String::from(" ");
    for (i, t) in term.tokens().iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        match t.kind {
            TokenKind::Word => {}
            TokenKind::Hashtag => s.push('#'),
            TokenKind::Handle => s.push('@'),
        }
        s.push_str(&t.text);
    }
    if !term.is_prefix() {
        s.push(' ');
    }
    s
}
