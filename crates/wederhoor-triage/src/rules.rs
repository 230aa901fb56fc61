//! The rules of engagement: parsing the TOML rules file into conditions, and evaluating them.

use crate::RulesError;
use crate::signals::Signals;
use crate::text::{TermKind, TermSet, term_pattern};
use crate::topics::TopicModel;
use serde::Deserialize;
use std::collections::HashSet;
use std::str::FromStr;
use toml::Spanned;
use wederhoor_core::{Action, PiiKind, PiiSpan, SentimentLabel};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    action: Spanned<String>,
    #[serde(default)]
    priority: Option<Spanned<i64>>,
    reason: String,
    when: Spanned<RawCond>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCond {
    all: Option<Vec<Spanned<RawCond>>>,
    any: Option<Vec<Spanned<RawCond>>>,
    not: Option<Box<Spanned<RawCond>>>,
    phrase: Option<Spanned<String>>,
    phrases: Option<Vec<Spanned<String>>>,
    stem: Option<Spanned<String>>,
    stems: Option<Vec<Spanned<String>>>,
    topic: Option<Spanned<String>>,
    topics: Option<Vec<Spanned<String>>>,
    pii: Option<Vec<Spanned<String>>>,
    sentiment: Option<Spanned<String>>,
    abusive: Option<bool>,
    signal: Option<Spanned<String>>,
    followers_at_least: Option<i64>,
    reposts_at_least: Option<i64>,
    source: Option<String>,
    language: Option<Spanned<String>>,
}

/// A named signal a rule can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Phishing,
    Press,
    Legal,
    HighReach,
    Anonymous,
    Question,
    Claim,
    AboutBrand,
    Substance,
    Complaint,
    Sarcasm,
    Addressed,
    Problem,
    Request,
    Thanks,
    Scolding,
}

const SIGNALS: &[(&str, Signal)] = &[
    ("phishing", Signal::Phishing),
    ("press", Signal::Press),
    ("legal", Signal::Legal),
    ("high_reach", Signal::HighReach),
    ("anonymous", Signal::Anonymous),
    ("question", Signal::Question),
    ("claim", Signal::Claim),
    ("about_brand", Signal::AboutBrand),
    ("substance", Signal::Substance),
    ("complaint", Signal::Complaint),
    ("sarcasm", Signal::Sarcasm),
    ("addressed", Signal::Addressed),
    ("problem", Signal::Problem),
    ("request", Signal::Request),
    ("thanks", Signal::Thanks),
    ("scolding", Signal::Scolding),
];

impl Signal {
    fn holds(self, s: &Signals) -> bool {
        match self {
            Signal::Phishing => s.phishing,
            Signal::Press => s.press,
            Signal::Legal => s.legal,
            Signal::HighReach => s.high_reach,
            Signal::Anonymous => s.anonymous,
            Signal::Question => s.question,
            Signal::Claim => s.claim,
            Signal::AboutBrand => s.about_brand,
            Signal::Substance => s.substance,
            Signal::Complaint => s.complaint,
            Signal::Sarcasm => s.sarcasm,
            Signal::Addressed => s.addressed,
            Signal::Problem => s.problem,
            Signal::Request => s.request,
            Signal::Thanks => s.thanks,
            Signal::Scolding => s.scolding,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Term(usize),
    Topic(usize),
    Pii(Vec<PiiKind>),
    Sentiment(SentimentLabel),
    Abusive(bool),
    Signal(Signal),
    Followers(i64),
    Reposts(i64),
    Source(String),
    Language(String),
}

/// What the rules look at for one message.
pub(crate) struct Facts<'a> {
    pub(crate) language: &'a str,
    pub(crate) sentiment: SentimentLabel,
    pub(crate) abusive: bool,
    pub(crate) pii: &'a [PiiSpan],
    pub(crate) topics: &'a [bool],
    pub(crate) signals: Signals,
    pub(crate) terms: Vec<bool>,
    pub(crate) followers: i64,
    pub(crate) reposts: i64,
    pub(crate) source: Option<&'a str>,
}

impl Cond {
    fn holds(&self, f: &Facts<'_>) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.holds(f)),
            Cond::Any(cs) => cs.iter().any(|c| c.holds(f)),
            Cond::Not(c) => !c.holds(f),
            Cond::Term(i) => f.terms.get(*i).copied().unwrap_or(false),
            Cond::Topic(i) => f.topics.get(*i).copied().unwrap_or(false),
            Cond::Pii(kinds) => f.pii.iter().any(|s| kinds.contains(&s.kind)),
            Cond::Sentiment(l) => f.sentiment == *l,
            Cond::Abusive(b) => f.abusive == *b,
            Cond::Signal(s) => s.holds(&f.signals),
            Cond::Followers(n) => f.followers >= *n,
            Cond::Reposts(n) => f.reposts >= *n,
            Cond::Source(s) => f.source.is_some_and(|x| x.eq_ignore_ascii_case(s)),
            Cond::Language(l) => f.language == l,
        }
    }
}

impl Cond {
    /// The term indices that make this condition hold (never terms under a `not`).
    fn evidence(&self, f: &Facts<'_>, out: &mut Vec<usize>) {
        match self {
            Cond::All(cs) => cs.iter().for_each(|c| c.evidence(f, out)),
            Cond::Any(cs) => cs
                .iter()
                .filter(|c| c.holds(f))
                .for_each(|c| c.evidence(f, out)),
            Cond::Term(i) if f.terms.get(*i).copied().unwrap_or(false) && !out.contains(i) => {
                out.push(*i);
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) id: String,
    #[allow(dead_code)]
    pub(crate) description: String,
    pub(crate) action: Action,
    pub(crate) priority: u8,
    pub(crate) reason: String,
    cond: Cond,
}

pub(crate) struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) terms: TermSet,
    /// Each term as the rules file writes it, by term index.
    pub(crate) written: Vec<String>,
}

impl RuleSet {
    pub(crate) fn parse(src: &str, topics: &TopicModel) -> Result<RuleSet, RulesError> {
        let raw: RawRules = toml::from_str(src).map_err(|e| RulesError::from_toml(src, &e))?;
        let mut c = Compiler {
            src,
            topics,
            terms: Vec::new(),
            written: Vec::new(),
            rule: String::new(),
        };
        let mut rules = Vec::new();
        let mut seen = HashSet::new();
        for r in raw.rule {
            let id = r.id.get_ref().trim().to_owned();
            c.rule = id.clone();
            if id.is_empty() {
                return Err(c.err(r.id.span(), "id", "a rule needs a non-empty id".into()));
            }
            if !seen.insert(id.clone()) {
                return Err(c.err(r.id.span(), "id", format!("duplicate rule id \"{id}\"")));
            }
            if id == "review" {
                return Err(c.err(
                    r.id.span(),
                    "id",
                    "the id \"review\" is reserved for the engine".into(),
                ));
            }
            let action = Action::from_str(r.action.get_ref()).map_err(|_| {
                c.err(
                    r.action.span(),
                    "action",
                    format!(
                        "unknown action \"{}\" (expected respond, ignore, no_engage, private, alert, escalate or review)",
                        r.action.get_ref()
                    ),
                )
            })?;
            let priority = match &r.priority {
                None => 1,
                Some(p) => u8::try_from(*p.get_ref())
                    .ok()
                    .filter(|p| *p <= 3)
                    .ok_or_else(|| {
                        c.err(
                            p.span(),
                            "priority",
                            format!("priority {} is not in 0..=3", p.get_ref()),
                        )
                    })?,
            };
            let cond = c.cond(&r.when, "when")?;
            rules.push(Rule {
                id,
                description: r.description,
                action,
                priority,
                reason: r.reason,
                cond,
            });
        }
        let n = c.terms.len();
        let written = std::mem::take(&mut c.written);
        let terms = TermSet::build(
            c.terms
                .into_iter()
                .enumerate()
                .map(|(i, t)| (t, i))
                .collect(),
            n,
        )
        .map_err(RulesError::build)?;
        Ok(RuleSet {
            rules,
            terms,
            written,
        })
    }

    /// The terms, as written, that made `rule` hold for these facts.
    pub(crate) fn evidence(&self, rule: &Rule, f: &Facts<'_>) -> Vec<String> {
        let mut idx = Vec::new();
        rule.cond.evidence(f, &mut idx);
        idx.iter()
            .filter_map(|i| self.written.get(*i).cloned())
            .collect()
    }

    /// The rules that match, in file order.
    pub(crate) fn matching(&self, f: &Facts<'_>) -> Vec<&Rule> {
        self.rules.iter().filter(|r| r.cond.holds(f)).collect()
    }
}

struct Compiler<'a> {
    src: &'a str,
    topics: &'a TopicModel,
    terms: Vec<String>,
    written: Vec<String>,
    rule: String,
}

impl Compiler<'_> {
    fn err(&self, span: std::ops::Range<usize>, field: &str, message: String) -> RulesError {
        let (line, column) = line_col(self.src, span.start);
        RulesError::Invalid {
            line,
            column,
            rule: self.rule.clone(),
            field: field.to_owned(),
            message,
        }
    }

    fn term(
        &mut self,
        s: &Spanned<String>,
        kind: TermKind,
        field: &str,
    ) -> Result<Cond, RulesError> {
        let pattern = term_pattern(s.get_ref(), kind).ok_or_else(|| {
            self.err(
                s.span(),
                field,
                format!("\"{}\" has no letters or digits", s.get_ref()),
            )
        })?;
        self.terms.push(pattern);
        self.written.push(s.get_ref().trim().to_owned());
        Ok(Cond::Term(self.terms.len() - 1))
    }

    fn topic(&self, s: &Spanned<String>, field: &str) -> Result<Cond, RulesError> {
        self.topics
            .index(s.get_ref())
            .map(Cond::Topic)
            .ok_or_else(|| {
                self.err(
                    s.span(),
                    field,
                    format!(
                        "unknown topic \"{}\" (known: {})",
                        s.get_ref(),
                        self.topics.names.join(", ")
                    ),
                )
            })
    }

    fn cond(&mut self, raw: &Spanned<RawCond>, field: &str) -> Result<Cond, RulesError> {
        let r = raw.get_ref();
        let mut parts = Vec::new();
        if let Some(list) = &r.all {
            let mut v = Vec::new();
            for c in list {
                v.push(self.cond(c, "all")?);
            }
            parts.push(Cond::All(v));
        }
        if let Some(list) = &r.any {
            if list.is_empty() {
                return Err(self.err(raw.span(), "any", "`any = []` can never match".into()));
            }
            let mut v = Vec::new();
            for c in list {
                v.push(self.cond(c, "any")?);
            }
            parts.push(Cond::Any(v));
        }
        if let Some(c) = &r.not {
            parts.push(Cond::Not(Box::new(self.cond(c, "not")?)));
        }
        if let Some(p) = &r.phrase {
            parts.push(self.term(p, TermKind::Phrase, "phrase")?);
        }
        if let Some(ps) = &r.phrases {
            let mut v = Vec::new();
            for p in ps {
                v.push(self.term(p, TermKind::Phrase, "phrases")?);
            }
            parts.push(Cond::Any(v));
        }
        if let Some(p) = &r.stem {
            parts.push(self.term(p, TermKind::Stem, "stem")?);
        }
        if let Some(ps) = &r.stems {
            let mut v = Vec::new();
            for p in ps {
                v.push(self.term(p, TermKind::Stem, "stems")?);
            }
            parts.push(Cond::Any(v));
        }
        if let Some(t) = &r.topic {
            parts.push(self.topic(t, "topic")?);
        }
        if let Some(ts) = &r.topics {
            let mut v = Vec::new();
            for t in ts {
                v.push(self.topic(t, "topics")?);
            }
            parts.push(Cond::Any(v));
        }
        if let Some(kinds) = &r.pii {
            let mut v = Vec::new();
            for k in kinds {
                if k.get_ref() == "any" {
                    v.extend_from_slice(PiiKind::ALL);
                } else {
                    v.push(PiiKind::from_str(k.get_ref()).map_err(|_| {
                        self.err(
                            k.span(),
                            "pii",
                            format!(
                                "unknown pii kind \"{}\" (expected any, iban, bsn, card, phone, email, address, postcode or customer_number)",
                                k.get_ref()
                            ),
                        )
                    })?);
                }
            }
            parts.push(Cond::Pii(v));
        }
        if let Some(s) = &r.sentiment {
            let l = SentimentLabel::from_str(s.get_ref()).map_err(|_| {
                self.err(
                    s.span(),
                    "sentiment",
                    format!(
                        "unknown sentiment \"{}\" (expected negative, neutral or positive)",
                        s.get_ref()
                    ),
                )
            })?;
            parts.push(Cond::Sentiment(l));
        }
        if let Some(b) = r.abusive {
            parts.push(Cond::Abusive(b));
        }
        if let Some(s) = &r.signal {
            let sig = SIGNALS
                .iter()
                .find(|(n, _)| n == s.get_ref())
                .map(|(_, sig)| *sig)
                .ok_or_else(|| {
                    let known: Vec<&str> = SIGNALS.iter().map(|(n, _)| *n).collect();
                    self.err(
                        s.span(),
                        "signal",
                        format!(
                            "unknown signal \"{}\" (known: {})",
                            s.get_ref(),
                            known.join(", ")
                        ),
                    )
                })?;
            parts.push(Cond::Signal(sig));
        }
        if let Some(n) = r.followers_at_least {
            parts.push(Cond::Followers(n));
        }
        if let Some(n) = r.reposts_at_least {
            parts.push(Cond::Reposts(n));
        }
        if let Some(s) = &r.source {
            parts.push(Cond::Source(s.clone()));
        }
        if let Some(l) = &r.language {
            if !matches!(l.get_ref().as_str(), "nl" | "en" | "fr" | "de" | "und") {
                return Err(self.err(
                    l.span(),
                    "language",
                    format!(
                        "unknown language \"{}\" (expected nl, en, fr, de or und)",
                        l.get_ref()
                    ),
                ));
            }
            parts.push(Cond::Language(l.get_ref().clone()));
        }
        match parts.len() {
            0 => Err(self.err(
                raw.span(),
                field,
                "empty condition: it needs at least one test".into(),
            )),
            1 => Ok(parts.pop().unwrap_or(Cond::All(Vec::new()))),
            _ => Ok(Cond::All(parts)),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset.min(src.len())).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::topics::DEFAULT_TOPICS;

    fn parse(src: &str) -> Result<RuleSet, RulesError> {
        RuleSet::parse(src, &TopicModel::from_toml(DEFAULT_TOPICS).unwrap())
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncde", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }

    #[test]
    fn semantic_errors_point_at_rule_and_field() {
        let src = "[[rule]]\nid = \"x\"\naction = \"respnd\"\nreason = \"r\"\nwhen = { abusive = true }\n";
        let e = parse(src).err().unwrap().to_string();
        assert!(
            e.starts_with("line 3, column 10: unknown action \"respnd\""),
            "{e}"
        );
        assert!(e.contains("rule \"x\"") && e.contains("action"), "{e}");

        let src = "[[rule]]\nid = \"y\"\naction = \"ignore\"\nreason = \"r\"\nwhen = { any = [ { topic = \"crypto\" } ] }\n";
        let e = parse(src).err().unwrap().to_string();
        assert!(
            e.starts_with("line 5, column 28: unknown topic \"crypto\""),
            "{e}"
        );

        let src = "[[rule]]\nid = \"z\"\naction = \"ignore\"\npriority = 7\nreason = \"r\"\nwhen = { signal = \"claim\" }\n";
        assert!(
            parse(src)
                .err()
                .unwrap()
                .to_string()
                .starts_with("line 4, column 12: priority 7")
        );

        let src = "[[rule]]\nid = \"z\"\naction = \"ignore\"\nreason = \"r\"\nwhen = { signal = \"clam\" }\n";
        assert!(
            parse(src)
                .err()
                .unwrap()
                .to_string()
                .contains("unknown signal \"clam\"")
        );

        let src = "[[rule]]\nid = \"z\"\naction = \"ignore\"\nreason = \"r\"\nwhen = {}\n";
        assert!(
            parse(src)
                .err()
                .unwrap()
                .to_string()
                .contains("empty condition")
        );
    }

    #[test]
    fn syntax_errors_and_unknown_keys_have_line_and_column() {
        let e = parse("[[rule]]\nid = \"x\"\naction = respond\n")
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("line 3, column 10:"), "{e}");
        let src = "[[rule]]\nid = \"x\"\naction = \"respond\"\nreason = \"r\"\nwhen = { frase = \"x\" }\n";
        let e = parse(src).err().unwrap().to_string();
        assert!(e.starts_with("line 5,") && e.contains("frase"), "{e}");
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let one = "[[rule]]\nid = \"a\"\naction = \"ignore\"\nreason = \"r\"\nwhen = { abusive = true }\n";
        let e = parse(&format!("{one}{one}")).err().unwrap().to_string();
        assert!(
            e.starts_with("line 7, column 6: duplicate rule id \"a\""),
            "{e}"
        );
    }
}
