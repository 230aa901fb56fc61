//! Triage for Wederhoor: language, sentiment, abuse, personal data, topics, signals and the
//! rules of engagement that give every message a verdict (DESIGN §4 and §7).
//!
//! Everything is pure and deterministic: word lists and regexes are compiled once in
//! [`Engine::new`]; [`Engine::triage`] does no I/O and allocates little.

mod abuse;
pub mod burst;
mod explain;
mod lang;
mod learned;
mod ngram;
mod pii;
mod pii_fold;
pub mod repeat_contact;
mod rules;
mod sentiment;
mod signals;
mod text;
mod topics;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use wederhoor_core::{PiiSpan, Sentiment, SentimentLabel, Verdict};

pub use explain::{RuleSummary, SIGNAL_NAMES};
pub use learned::{DecisionModel, Example, ModelError, ModelInfo, own_handles};
pub use repeat_contact::says_repeat_contact;
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
    /// Sent to us directly: a DM, an e-mail, a WhatsApp chat, a reply in our own thread. Such a
    /// message is addressed to us even when it does not name us.
    pub direct: bool,
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
    topics: Arc<topics::TopicModel>,
    signals: signals::SignalModel,
    rules: Arc<rules::RuleSet>,
    /// Topic indexes that do not count as substance (praise, press_legal).
    light_topics: Vec<usize>,
    /// The taxonomy text this engine was built with (new rules versions reuse it).
    taxonomy: String,
}

/// The triage engine: compiled once, cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Engine {
    inner: Result<Arc<Inner>, Arc<str>>,
    /// The team's learned decisions, weighed next to the rules (None: rules only).
    model: Option<Arc<DecisionModel>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rule_ids())
            .finish()
    }
}

/// A checked line of a decisions file: the message and what the team decided.
pub struct DecisionLine {
    value: Value,
    pub action: Action,
    pub created_at: Option<String>,
}

impl DecisionLine {
    /// The message, as the engine reads it.
    pub fn input(&self) -> Option<TriageInput<'_>> {
        read_message(&self.value).ok().map(|m| m.input())
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
            topics: Arc::new(topics),
            rules: Arc::new(rules),
            light_topics,
            brand,
            taxonomy: topics_toml.to_owned(),
        };
        Ok(Engine {
            inner: Ok(Arc::new(inner)),
            model: None,
        })
    }

    /// The default rules with the demo brand. Never panics: should the default rules ever fail
    /// to compile (they are tested not to), every message gets the verdict `review`.
    pub fn default_engine() -> Engine {
        Engine::new(DEFAULT_RULES, Brand::demo()).unwrap_or_else(|e| Engine {
            inner: Err(Arc::from(e.to_string())),
            model: None,
        })
    }

    /// The ids of the rules, in file order.
    pub fn rule_ids(&self) -> Vec<String> {
        match &self.inner {
            Ok(i) => i.rules.rules.iter().map(|r| r.id.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A new engine for other rules, with this engine's brand, taxonomy and learned model (what
    /// a rules change in the running server needs).
    pub fn with_rules(&self, rules_toml: &str) -> Result<Engine, RulesError> {
        match &self.inner {
            Ok(i) => Ok(
                Engine::with_taxonomy(rules_toml, i.brand.clone(), &i.taxonomy)?
                    .with_model(self.model.clone()),
            ),
            Err(_) => Engine::new(rules_toml, Brand::demo()),
        }
    }

    /// This engine with the team's learned decisions as evidence (or without, for `None`).
    pub fn with_model(&self, model: Option<Arc<DecisionModel>>) -> Engine {
        Engine {
            inner: self.inner.clone(),
            model,
        }
    }

    /// The learned model this engine weighs, if any.
    pub fn model(&self) -> Option<&DecisionModel> {
        self.model.as_deref()
    }

    /// Training examples: what the team decided for each message, with the features the
    /// learned model sees and the rules' own verdict; and the team's own handles, inferred from
    /// the messages (see [`learned::own_handles`]), which the model keeps. Empty when the rules
    /// cannot be loaded.
    pub fn examples(&self, decided: &[(TriageInput<'_>, Action)]) -> (Vec<Example>, Vec<String>) {
        let Ok(inner) = self.inner.as_ref() else {
            return (Vec::new(), Vec::new());
        };
        let own = learned::own_handles(decided.iter().map(|(i, _)| i.text));
        // The rules' verdicts on the decisions are what they will say once the model is used:
        // with the team's own handles known to the brand (a `learn` without a brand profile, or
        // a profile that misses a handle customers write to, would otherwise judge every
        // message as not put to us, and the model's trust against the rules would be chosen
        // against rules that never answer).
        let branded = inner.with_own_handles(&own);
        let judge = branded.as_ref().unwrap_or(inner);
        let examples = decided
            .iter()
            .map(|(input, decision)| {
                let a = inner.analyse(input);
                let ra = judge.analyse(input);
                let facts = judge.facts(&ra, input);
                let matched = judge.rules.matching(&facts);
                let rules = judge
                    .decide(&matched, &ra.signals)
                    .map(|r| r.action)
                    .unwrap_or(Action::Review);
                Example {
                    features: inner.model_features(&a, input, &own),
                    action: *decision,
                    rules,
                }
            })
            .collect();
        (examples, own)
    }

    /// The brand this engine listens for.
    pub fn brand(&self) -> Option<&Brand> {
        self.inner.as_ref().ok().map(|i| &i.brand)
    }

    /// Triages one message.
    pub fn triage(&self, input: &TriageInput<'_>) -> Triage {
        match &self.inner {
            Ok(inner) => inner.triage(input, self.model.as_deref()),
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
                    confidence: 0.0,
                },
                evidence: Vec::new(),
            },
        }
    }

    /// One line of a decisions file (`wederhoor learn`): a message in the ingest schema plus
    /// `"decision"`, what the team did; or why the line cannot be used.
    pub fn read_decision(line: &str) -> Result<DecisionLine, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
        read_message(&value).map_err(|(_, why)| why)?;
        let decision = match value.get("decision") {
            None | Some(Value::Null) => return Err("missing \"decision\"".into()),
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err("\"decision\" must be a string".into()),
        };
        let action = decision
            .parse::<Action>()
            .ok()
            .filter(|a| *a != Action::Review)
            .ok_or_else(|| {
                format!(
                    "unknown decision \"{decision}\" (known: respond, ignore, no_engage, private, alert, escalate)"
                )
            })?;
        let created_at = value
            .get("created_at")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(DecisionLine {
            value,
            action,
            created_at,
        })
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
        let input = msg.input();
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

impl<'a> Message<'a> {
    /// The triage input of a message read from JSON (the JSON shape has no channel, so it is
    /// never `direct`).
    fn input(&self) -> TriageInput<'a> {
        TriageInput {
            text: self.text,
            source: self.source,
            author_handle: self.handle,
            author_name: self.name,
            followers: self.followers,
            reposts: self.reposts,
            likes: self.likes,
            direct: false,
        }
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

/// Everything the detectors found in one message, before the rules.
struct Analysis {
    norm: String,
    language: &'static str,
    sentiment: Sentiment,
    abusive: bool,
    pii: Vec<PiiSpan>,
    topic_hits: Vec<bool>,
    heavy_topic: bool,
    signals: signals::Signals,
}

/// An action in the words the team uses (Dutch, as the reasons are).
fn action_words(a: Action) -> &'static str {
    match a {
        Action::Respond => "reageren",
        Action::Ignore => "negeren",
        Action::NoEngage => "niet meedoen",
        Action::Private => "privé verder",
        Action::Alert => "alarm",
        Action::Escalate => "escaleren",
        Action::Review => "beoordelen",
    }
}

fn pct(p: f32) -> u32 {
    (p.clamp(0.0, 1.0) * 100.0).round() as u32
}

impl Inner {
    /// This engine's rules and models for its brand with the team's `own` handles added (None
    /// when the brand already has them all, or the brand's word lists cannot be built).
    fn with_own_handles(&self, own: &[String]) -> Option<Inner> {
        let known = |h: &String| {
            self.brand
                .handles
                .iter()
                .any(|b| b.trim_start_matches('@').eq_ignore_ascii_case(h))
        };
        let missing: Vec<String> = own
            .iter()
            .filter(|h| !known(h))
            .map(|h| format!("@{h}"))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let mut brand = self.brand.clone();
        brand.handles.extend(missing);
        Some(Inner {
            lang: lang::LangModel::new(),
            sentiment: sentiment::SentimentModel::new().ok()?,
            abuse: abuse::AbuseModel::new().ok()?,
            pii: pii::PiiModel::new().ok()?,
            signals: signals::SignalModel::new(&brand).ok()?,
            topics: Arc::clone(&self.topics),
            rules: Arc::clone(&self.rules),
            light_topics: self.light_topics.clone(),
            taxonomy: self.taxonomy.clone(),
            brand,
        })
    }

    fn analyse(&self, input: &TriageInput<'_>) -> Analysis {
        let text = input.text;
        let norm = text::normalize(text);
        let lower = text.to_lowercase();
        let language = self.lang.detect(&norm, text);
        let (sentiment, sfacts) = self.sentiment.score(&norm, text);
        let model_abusive = self.abuse.is_abusive(&text::lower_without_handles(text));
        // An e-mail address at one of the brand's own domains is ours, not the customer's.
        let pii: Vec<PiiSpan> = self
            .pii
            .find(text)
            .into_iter()
            .filter(|p| {
                !matches!(p.kind, wederhoor_core::PiiKind::Email)
                    || !text.get(p.start..p.end).is_some_and(|e| {
                        let e = e.to_lowercase();
                        self.brand.domains.iter().any(|d| {
                            let d = d.trim().trim_start_matches("www.").to_lowercase();
                            !d.is_empty() && e.ends_with(&format!("@{d}"))
                        })
                    })
            })
            .collect();
        let topic_hits = self.topics.detect(&norm);
        let mut signals = self.signals.detect(&signals::SignalInput {
            norm: &norm,
            lower: &lower,
            handle: input.author_handle,
            name: input.author_name,
            followers: input.followers,
            reposts: input.reposts,
            direct: input.direct,
        });
        signals.complaint = sfacts.complaint;
        signals.sarcasm = sfacts.sarcasm;
        let heavy_topic = topic_hits
            .iter()
            .enumerate()
            .any(|(i, h)| *h && !self.light_topics.contains(&i));
        // Substance: a topic of our work, complaint phrasing, a problem, or the customer's own
        // case told to us ("I sent my number by DM", "these sausages I bought taste awful").
        signals.substance = heavy_topic
            || sfacts.complaint
            || signals.problem
            || (signals.addressed && signals.experience);
        if signals.aside {
            // A remark in a thread between others, with our handle tagged along: its question,
            // tone and topic are for the others, not a question or complaint put to us.
            signals.question = false;
            signals.complaint = false;
            signals.substance = false;
        }
        // `abusive` is what the abuse model says (profanity, insults, hate). Scolding words
        // ("slechtste service ooit") are the `scolding` signal: the default rules do not engage
        // with either, but a complaint in harsh words is not reported as abuse.
        let abusive = model_abusive;
        Analysis {
            norm,
            language,
            sentiment,
            abusive,
            pii,
            topic_hits,
            heavy_topic,
            signals,
        }
    }

    fn facts<'a>(&self, a: &'a Analysis, input: &TriageInput<'a>) -> rules::Facts<'a> {
        rules::Facts {
            language: a.language,
            sentiment: a.sentiment.label,
            abusive: a.abusive,
            pii: &a.pii,
            topics: &a.topic_hits,
            signals: a.signals,
            terms: self.rules.terms.hits(&a.norm),
            followers: input.followers,
            reposts: input.reposts,
            source: input.source,
        }
    }

    /// The features the learned model sees: the message's words, the signals, who it is put to
    /// and the source. Not the author: a model that remembers people treats them unequally
    /// (seed 001) and, measured, generalises worse.
    fn model_features(
        &self,
        a: &Analysis,
        input: &TriageInput<'_>,
        own: &[String],
    ) -> learned::Features {
        let s = &a.signals;
        let mut b = learned::FeatureBuilder::new();
        b.flag("bias");
        // Only features that do not depend on the brand profile: a model learned with one
        // profile (or none) must mean the same under another. Who a message is put to is
        // learned from the handles themselves.
        for (on, name) in [
            (s.question, "question"),
            (s.problem, "problem"),
            (s.request, "request"),
            (s.thanks, "thanks"),
            (s.claim, "claim"),
            (s.complaint, "complaint"),
            (s.sarcasm, "sarcasm"),
            (s.phishing, "phishing"),
            (s.press, "press"),
            (s.legal, "legal"),
            (s.high_reach, "high_reach"),
            (s.anonymous, "anonymous"),
            (s.substance, "substance"),
            (a.abusive, "abusive"),
            (!a.pii.is_empty(), "pii"),
            (input.direct, "direct"),
            (input.text.contains("http"), "url"),
            (
                input.text.trim_start().starts_with('@'),
                "starts_with_handle",
            ),
        ] {
            if on {
                b.flag(name);
            }
        }
        // Who the message is put to: the handles themselves, and whether they are the team's own
        // (the handles the model learned from the decisions, and the brand profile's).
        let (lead, inline) = learned::handles_of(input.text);
        let is_own = |h: &String| {
            own.contains(h)
                || self
                    .brand
                    .handles
                    .iter()
                    .any(|b| b.trim_start_matches('@').eq_ignore_ascii_case(h))
        };
        if let Some(first) = lead.first().or(inline.first()) {
            b.flag2("first_handle", first);
        }
        for h in lead.iter().chain(&inline).take(8) {
            b.flag2("handle", h);
        }
        let lead_own = lead.iter().filter(|h| is_own(h)).count();
        let inline_own = inline.iter().filter(|h| is_own(h)).count();
        b.flag2(
            "to",
            match (lead_own > 0, lead.len() > lead_own) {
                (true, false) => "ours",
                (true, true) => "ours_and_others",
                (false, true) => "others",
                (false, false) => "nobody",
            },
        );
        b.flag2(
            "first",
            match lead.first() {
                Some(h) if is_own(h) => "ours",
                Some(_) => "other",
                None => "none",
            },
        );
        if inline_own > 0 {
            b.flag("names_ours");
        }
        if lead_own + inline_own == 0 {
            b.flag("ours_absent");
        }
        let count = lead.len() + inline.len();
        b.flag2("handles", &count.min(4).to_string());
        b.flag2("lead_handles", &lead.len().min(4).to_string());
        b.flag2("sentiment", a.sentiment.label.as_str());
        b.flag2("language", a.language);
        let words = text::words(&a.norm).count();
        b.flag2("length", &(words / 5).min(8).to_string());
        for (name, hit) in self.topics.names.iter().zip(&a.topic_hits) {
            if *hit {
                b.flag2("topic", name);
            }
        }
        if let Some(src) = input.source {
            b.flag2("source", &src.to_lowercase());
        }
        b.text(&a.norm);
        b.build()
    }

    /// How sure the rules are of a verdict, from how much of the evidence points the same way.
    fn rule_confidence(&self, action: Action, a: &Analysis) -> f32 {
        let s = &a.signals;
        let asks = s.question || s.problem || s.request;
        let c: f32 = match action {
            Action::Private => 0.95,
            Action::Alert if s.lookalike_domain || s.phishing => 0.9,
            Action::Alert => 0.75,
            Action::Escalate if s.press || s.legal => 0.85,
            Action::Escalate => 0.75,
            Action::NoEngage if asks || a.heavy_topic => 0.6,
            Action::NoEngage => 0.85,
            Action::Respond => {
                let mut c = 0.5;
                if s.addressed {
                    c += 0.2;
                } else if s.about_brand {
                    c += 0.05;
                }
                for (on, w) in [
                    (s.question, 0.1),
                    (s.problem, 0.1),
                    (s.request, 0.05),
                    (a.heavy_topic || s.complaint, 0.05),
                    (s.thanks, 0.05),
                    (s.others > 0 && !s.addressed, -0.15),
                    (s.sarcasm, -0.1),
                ] {
                    if on {
                        c += w;
                    }
                }
                c
            }
            Action::Ignore => {
                let mut c = 0.8;
                for (on, w) in [
                    (asks, -0.2),
                    (s.addressed, -0.15),
                    (a.sentiment.label == SentimentLabel::Negative, -0.05),
                    (!s.about_brand, 0.1),
                ] {
                    if on {
                        c += w;
                    }
                }
                c
            }
            Action::Review => 0.0,
        };
        c.clamp(0.0, 0.97)
    }

    /// The evidence that decided, in words, for the reason shown next to the verdict.
    fn evidence_words(a: &Analysis) -> String {
        let s = &a.signals;
        let mut v: Vec<&str> = Vec::new();
        for (on, w) in [
            (s.addressed, "gericht aan ons"),
            (!s.addressed && s.about_brand, "noemt ons"),
            (!s.about_brand, "noemt ons niet"),
            (s.others > 0, "gesprek met anderen"),
            (s.question, "stelt een vraag"),
            (s.problem, "meldt een probleem"),
            (s.request, "vraagt iets"),
            (s.thanks, "bedankt"),
            (s.complaint, "klacht"),
            (a.heavy_topic, "onderwerp van ons werk"),
            (s.sarcasm, "sarcasme"),
        ] {
            if on {
                v.push(w);
            }
        }
        v.join(", ")
    }

    fn triage(&self, input: &TriageInput<'_>, model: Option<&DecisionModel>) -> Triage {
        let a = self.analyse(input);
        let facts = self.facts(&a, input);
        let matched = self.rules.matching(&facts);
        let verdict_rule = self.decide(&matched, &a.signals);
        let evidence = match verdict_rule {
            Ok(rule) => self.rules.evidence(rule, &facts),
            Err(_) => Vec::new(),
        };
        let (mut verdict, base) = match verdict_rule {
            Ok(rule) => (
                Verdict {
                    action: rule.action,
                    rule: rule.id.clone(),
                    reason: rule.reason.clone(),
                    confidence: self.rule_confidence(rule.action, &a),
                },
                rule.priority,
            ),
            Err(reason) => (
                Verdict {
                    action: Action::Review,
                    rule: "review".into(),
                    reason,
                    confidence: 0.0,
                },
                1,
            ),
        };
        let mut base = base;
        if let Some(m) = model {
            let features = self.model_features(&a, input, &m.info.own_handles);
            if let Some((ma, mp)) = m.best(&features) {
                let safety = matches!(
                    verdict.action,
                    Action::Private | Action::Alert | Action::Escalate
                );
                if ma == verdict.action {
                    verdict.confidence = 1.0 - (1.0 - verdict.confidence) * (1.0 - mp);
                    verdict.reason.push_str(&format!(
                        " Het team deed bij vergelijkbare berichten hetzelfde ({} %).",
                        pct(mp)
                    ));
                } else if safety || mp < learned::MODEL_HEARD {
                    // The rules decide; the model's doubt lowers the confidence a little.
                    verdict.confidence *= 1.0 - 0.3 * mp;
                } else if mp >= m.info.decides || verdict.action == Action::Review {
                    let was = verdict.action;
                    verdict.reason = if was == Action::Review {
                        format!(
                            "Geen regel beslist; het team koos bij vergelijkbare berichten voor {} ({} % zeker).",
                            action_words(ma),
                            pct(mp)
                        )
                    } else {
                        format!(
                            "De regel \"{}\" zegt {}, maar het team koos bij vergelijkbare berichten voor {} ({} % zeker).",
                            verdict.rule,
                            action_words(was),
                            action_words(ma),
                            pct(mp)
                        )
                    };
                    verdict.action = ma;
                    verdict.rule = "geleerd".into();
                    verdict.confidence = mp;
                    base = if ma == Action::Respond { 1 } else { 0 };
                } else {
                    verdict.reason = format!(
                        "Twijfel: de regel \"{}\" zegt {} ({} % zeker), maar het team koos bij vergelijkbare berichten voor {} ({} %). Een teamleider beslist; het besluit leert het model bij.",
                        verdict.rule,
                        action_words(verdict.action),
                        pct(verdict.confidence),
                        action_words(ma),
                        pct(mp)
                    );
                    verdict.action = Action::Review;
                    verdict.rule = "review".into();
                    verdict.confidence = 1.0 - mp;
                }
            }
        }
        if matches!(
            verdict.action,
            Action::Respond | Action::Ignore | Action::Review
        ) {
            let words = Self::evidence_words(&a);
            if !words.is_empty() {
                verdict.reason.push_str(&format!(" Aanwijzingen: {words}."));
            }
        }
        let mut priority = base;
        if !matches!(verdict.action, Action::Ignore | Action::NoEngage) && a.sentiment.score <= -0.6
        {
            priority += 1;
        }
        let topics = self
            .topics
            .names
            .iter()
            .zip(&a.topic_hits)
            .filter(|(_, h)| **h)
            .map(|(n, _)| n.clone())
            .collect();
        Triage {
            language: a.language.to_owned(),
            sentiment: a.sentiment,
            abusive: a.abusive,
            pii: a.pii,
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
            // Swearing about a concrete problem or with a real question is still a customer who
            // needs an answer; scolding with only a vague complaint ("slechtste service ooit")
            // is scolding without substance.
            // A question or request wrapped in abuse ("is honestly trash", "fix yo shit pls") is
            // not concrete; one about the customer's own case ("waarom is mijn aanvraag
            // afgewezen") is.
            if signals.problem
                || (signals.experience
                    && (signals.request || (signals.question && signals.addressed)))
            {
                return Ok(r);
            }
            return Ok(w);
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
