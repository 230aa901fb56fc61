//! Triage for Wederhoor: language, sentiment, abuse, personal data, topics, signals and the
//! rules of engagement that give every message a verdict (DESIGN §4 and §7).
//!
//! Everything is pure and deterministic: word lists and regexes are compiled once in
//! [`Engine::new`]; [`Engine::triage`] does no I/O and allocates little.

mod abuse;
mod lang;
mod ngram;
mod pii;
mod rules;
mod sentiment;
mod signals;
mod text;
mod topics;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use wederhoor_core::{PiiSpan, Sentiment, SentimentLabel, Verdict};

pub use wederhoor_core::{Action, Triage};

/// The default rules of engagement (DESIGN §4), documented at the top of the file.
pub const DEFAULT_RULES: &str = include_str!("default_rules.toml");

/// The default topic taxonomy of a bank.
pub const DEFAULT_TOPICS: &str = topics::DEFAULT_TOPICS;

/// The company being listened for (DESIGN §7 `--brand FILE`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub handles: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub products: Vec<String>,
}

impl Brand {
    /// The fictional bank of the demo.
    pub fn demo() -> Brand {
        let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        Brand {
            name: "Zuiderbank".into(),
            aliases: v(&["Zuider Bank", "ZB"]),
            handles: v(&["@zuiderbank", "@zuiderbank_help"]),
            domains: v(&["zuiderbank.nl"]),
            products: v(&["ZuiderApp", "Zuiderpas", "Zuider Hypotheek"]),
        }
    }

    /// Parses a brand profile (`name`, `aliases`, `handles`, `domains`, `products`).
    pub fn from_toml(s: &str) -> Result<Brand, RulesError> {
        let brand: Brand = toml::from_str(s).map_err(|e| RulesError::from_toml(s, &e))?;
        if brand.name.trim().is_empty() {
            return Err(RulesError::Invalid {
                line: 1,
                column: 1,
                rule: String::new(),
                field: "name".into(),
                message: "the brand needs a non-empty name".into(),
            });
        }
        Ok(brand)
    }
}

/// One message to triage.
#[derive(Debug, Clone, Copy, Default)]
pub struct TriageInput<'a> {
    pub text: &'a str,
    pub source: Option<&'a str>,
    pub author_handle: &'a str,
    pub author_name: Option<&'a str>,
    pub followers: i64,
    pub reposts: i64,
    pub likes: i64,
}

/// Why a rules file (or brand file) could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The TOML itself is wrong (syntax, unknown key, wrong type).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The TOML is fine but a value is not (unknown action, topic, signal …).
    #[error("line {line}, column {column}: {message} (rule \"{rule}\", field `{field}`)")]
    Invalid {
        line: usize,
        column: usize,
        rule: String,
        field: String,
        message: String,
    },
    /// A word list or pattern could not be compiled.
    #[error("could not compile the word lists: {0}")]
    Build(String),
}

impl RulesError {
    pub(crate) fn from_toml(src: &str, e: &toml::de::Error) -> RulesError {
        let (line, column) = e.span().map_or((1, 1), |s| rules::line_col(src, s.start));
        RulesError::Syntax {
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    }

    pub(crate) fn build(e: impl std::fmt::Display) -> RulesError {
        RulesError::Build(e.to_string())
    }
}

struct Inner {
    brand: Brand,
    lang: lang::LangModel,
    sentiment: sentiment::SentimentModel,
    abuse: abuse::AbuseModel,
    pii: pii::PiiModel,
    topics: topics::TopicModel,
    signals: signals::SignalModel,
    rules: rules::RuleSet,
    /// Topic indexes that do not count as substance (praise, press_legal).
    light_topics: Vec<usize>,
    /// The taxonomy text this engine was built with (new rules versions reuse it).
    taxonomy: String,
}

/// The triage engine: compiled once, cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Engine {
    inner: Result<Arc<Inner>, Arc<str>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rule_ids())
            .finish()
    }
}

impl Engine {
    /// Compiles a rules file for a brand, with the default topic taxonomy.
    pub fn new(rules_toml: &str, brand: Brand) -> Result<Engine, RulesError> {
        Engine::with_taxonomy(rules_toml, brand, DEFAULT_TOPICS)
    }

    /// Compiles a rules file for a brand with a topic taxonomy of the team's own (TOML in the
    /// shape of `default_topics.toml`); rules may only name topics the taxonomy defines.
    pub fn with_taxonomy(
        rules_toml: &str,
        brand: Brand,
        topics_toml: &str,
    ) -> Result<Engine, RulesError> {
        let topics = topics::TopicModel::from_toml(topics_toml)?;
        let rules = rules::RuleSet::parse(rules_toml, &topics)?;
        let light_topics = ["praise", "press_legal"]
            .iter()
            .filter_map(|n| topics.index(n))
            .collect();
        let inner = Inner {
            lang: lang::LangModel::new(),
            sentiment: sentiment::SentimentModel::new()?,
            abuse: abuse::AbuseModel::new()?,
            pii: pii::PiiModel::new()?,
            signals: signals::SignalModel::new(&brand)?,
            topics,
            rules,
            light_topics,
            brand,
            taxonomy: topics_toml.to_owned(),
        };
        Ok(Engine {
            inner: Ok(Arc::new(inner)),
        })
    }

    /// The default rules with the demo brand. Never panics: should the default rules ever fail
    /// to compile (they are tested not to), every message gets the verdict `review`.
    pub fn default_engine() -> Engine {
        Engine::new(DEFAULT_RULES, Brand::demo()).unwrap_or_else(|e| Engine {
            inner: Err(Arc::from(e.to_string())),
        })
    }

    /// The ids of the rules, in file order.
    pub fn rule_ids(&self) -> Vec<String> {
        match &self.inner {
            Ok(i) => i.rules.rules.iter().map(|r| r.id.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A new engine for other rules, with this engine's brand and taxonomy (what a rules
    /// change in the running server needs).
    pub fn with_rules(&self, rules_toml: &str) -> Result<Engine, RulesError> {
        match &self.inner {
            Ok(i) => Engine::with_taxonomy(rules_toml, i.brand.clone(), &i.taxonomy),
            Err(_) => Engine::new(rules_toml, Brand::demo()),
        }
    }

    /// The brand this engine listens for.
    pub fn brand(&self) -> Option<&Brand> {
        self.inner.as_ref().ok().map(|i| &i.brand)
    }

    /// Triages one message.
    pub fn triage(&self, input: &TriageInput<'_>) -> Triage {
        match &self.inner {
            Ok(inner) => inner.triage(input),
            Err(e) => Triage {
                language: "und".into(),
                sentiment: Sentiment {
                    label: SentimentLabel::Neutral,
                    score: 0.0,
                },
                abusive: false,
                pii: Vec::new(),
                topics: Vec::new(),
                priority: 1,
                verdict: Verdict {
                    action: Action::Review,
                    rule: "review".into(),
                    reason: format!(
                        "De regels konden niet worden geladen ({e}); een mens beslist."
                    ),
                },
                evidence: Vec::new(),
            },
        }
    }

    /// The `wederhoor triage` contract (DESIGN §7) for one line of JSON: the triage as one
    /// line of JSON, or `{"id":…,"error":"…"}` for a line that cannot be read.
    pub fn triage_json_line(&self, line: &str) -> String {
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return error_line(&Value::Null, &format!("invalid JSON: {e}")),
        };
        let msg = match read_message(&value) {
            Ok(m) => m,
            Err((id, why)) => return error_line(&id, &why),
        };
        let input = TriageInput {
            text: msg.text,
            source: msg.source,
            author_handle: msg.handle,
            author_name: msg.name,
            followers: msg.followers,
            reposts: msg.reposts,
            likes: msg.likes,
        };
        let triage = self.triage(&input);
        let out = Output {
            id: msg.id,
            triage: &triage,
        };
        serde_json::to_string(&out)
            .unwrap_or_else(|e| error_line(msg.id, &format!("could not write the triage: {e}")))
    }
}

#[derive(Serialize)]
struct Output<'a> {
    id: &'a Value,
    #[serde(flatten)]
    triage: &'a Triage,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    id: &'a Value,
    error: &'a str,
}

fn error_line(id: &Value, error: &str) -> String {
    serde_json::to_string(&ErrorLine { id, error })
        .unwrap_or_else(|_| r#"{"id":null,"error":"unprintable error"}"#.to_owned())
}

static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
    std::sync::LazyLock::new(serde_json::Map::new);

struct Message<'a> {
    id: &'a Value,
    text: &'a str,
    source: Option<&'a str>,
    handle: &'a str,
    name: Option<&'a str>,
    followers: i64,
    reposts: i64,
    likes: i64,
}

fn opt_str<'a>(
    o: &'a serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("\"{path}\" must be a string")),
    }
}

fn opt_int(o: &serde_json::Map<String, Value>, key: &str, path: &str) -> Result<i64, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| format!("\"{path}\" must be a whole number")),
        Some(_) => Err(format!("\"{path}\" must be a whole number")),
    }
}

/// Reads the §7 message shape; on error returns the id (or null) and the reason.
fn read_message(v: &Value) -> Result<Message<'_>, (Value, String)> {
    let Some(obj) = v.as_object() else {
        return Err((Value::Null, "expected a JSON object".into()));
    };
    let id = match obj.get("id") {
        None | Some(Value::Null) => return Err((Value::Null, "missing \"id\"".into())),
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        Some(_) => return Err((Value::Null, "\"id\" must be a string or a number".into())),
    };
    let fail = |why: String| (id.clone(), why);
    let text = match obj.get("text") {
        None | Some(Value::Null) => return Err(fail("missing \"text\"".into())),
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(fail("\"text\" must be a string".into())),
    };
    let source = opt_str(obj, "source", "source").map_err(fail)?;
    opt_str(obj, "created_at", "created_at").map_err(fail)?;
    let author = match obj.get("author") {
        None | Some(Value::Null) => &*EMPTY,
        Some(Value::Object(a)) => a,
        Some(_) => return Err(fail("\"author\" must be an object".into())),
    };
    let metrics = match obj.get("metrics") {
        None | Some(Value::Null) => &*EMPTY,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(fail("\"metrics\" must be an object".into())),
    };
    let handle = opt_str(author, "handle", "author.handle")
        .map_err(fail)?
        .unwrap_or("");
    let name = opt_str(author, "name", "author.name").map_err(fail)?;
    let followers = opt_int(author, "followers", "author.followers").map_err(fail)?;
    let reposts = opt_int(metrics, "reposts", "metrics.reposts").map_err(fail)?;
    let likes = opt_int(metrics, "likes", "metrics.likes").map_err(fail)?;
    Ok(Message {
        id,
        text,
        source,
        handle,
        name,
        followers,
        reposts,
        likes,
    })
}

impl Inner {
    fn triage(&self, input: &TriageInput<'_>) -> Triage {
        let text = input.text;
        let norm = text::normalize(text);
        let lower = text.to_lowercase();
        let language = self.lang.detect(&norm, text);
        let (sentiment, sfacts) = self.sentiment.score(&norm, text);
        let abusive = self.abuse.is_abusive(&text::lower_without_handles(text));
        let pii: Vec<PiiSpan> = self.pii.find(text);
        let topic_hits = self.topics.detect(&norm);
        let mut signals = self.signals.detect(&signals::SignalInput {
            norm: &norm,
            lower: &lower,
            handle: input.author_handle,
            name: input.author_name,
            followers: input.followers,
            reposts: input.reposts,
        });
        signals.complaint = sfacts.complaint;
        signals.sarcasm = sfacts.sarcasm;
        let heavy_topic = topic_hits
            .iter()
            .enumerate()
            .any(|(i, h)| *h && !self.light_topics.contains(&i));
        signals.substance = heavy_topic || sfacts.complaint;
        let facts = rules::Facts {
            language,
            sentiment: sentiment.label,
            abusive,
            pii: &pii,
            topics: &topic_hits,
            signals,
            terms: self.rules.terms.hits(&norm),
            followers: input.followers,
            reposts: input.reposts,
            source: input.source,
        };
        let matched = self.rules.matching(&facts);
        let verdict_rule = self.decide(&matched, &signals);
        let evidence = match verdict_rule {
            Ok(rule) => self.rules.evidence(rule, &facts),
            Err(_) => Vec::new(),
        };
        let (verdict, base) = match verdict_rule {
            Ok(rule) => (
                Verdict {
                    action: rule.action,
                    rule: rule.id.clone(),
                    reason: rule.reason.clone(),
                },
                rule.priority,
            ),
            Err(reason) => (
                Verdict {
                    action: Action::Review,
                    rule: "review".into(),
                    reason,
                },
                1,
            ),
        };
        let mut priority = base;
        if !matches!(verdict.action, Action::Ignore | Action::NoEngage) {
            if signals.high_reach {
                priority += 1;
            }
            if sentiment.score <= -0.6 {
                priority += 1;
            }
        }
        let topics = self
            .topics
            .names
            .iter()
            .zip(&topic_hits)
            .filter(|(_, h)| **h)
            .map(|(n, _)| n.clone())
            .collect();
        Triage {
            language: language.to_owned(),
            sentiment,
            abusive,
            pii,
            topics,
            priority: priority.min(3),
            verdict,
            evidence,
        }
    }

    /// The winning rule by DESIGN §4 precedence (then priority, then file order), or the
    /// reason why a person must decide.
    fn decide<'r>(
        &self,
        matched: &[&'r rules::Rule],
        signals: &signals::Signals,
    ) -> Result<&'r rules::Rule, String> {
        let mut winner: Option<&rules::Rule> = None;
        for r in matched {
            let better = winner.is_none_or(|w| {
                (r.action.precedence(), r.priority) > (w.action.precedence(), w.priority)
            });
            if better {
                winner = Some(r);
            }
        }
        let Some(w) = winner else {
            return Err(
                "Geen enkele regel is van toepassing: bij twijfel handelen we niet. Een teamleider beslist en legt het vast als precedent."
                    .into(),
            );
        };
        if w.action == Action::NoEngage
            && let Some(r) = matched.iter().find(|r| r.action == Action::Respond)
        {
            return Err(format!(
                "Scheldwoorden, maar ook een inhoudelijke vraag of klacht (regel \"{}\"): niet meedoen aan schelden, maar ook niet zomaar negeren. Een teamleider beslist.",
                r.id
            ));
        }
        if w.action == Action::Respond && !signals.about_brand {
            return Err(format!(
                "Regel \"{}\" zegt reageren, maar het bericht gaat niet duidelijk over {}. Een teamleider beslist.",
                w.id, self.brand.name
            ));
        }
        Ok(w)
    }
}
