//! The fact base for corrections (#12): approved facts (rates, fees, policies) with their
//! source, owner, topic and validity, kept by leads, offered in the composer when the verdict is
//! "correct the facts" (the rule [`CORRECT_RULE`]), one click inserting the text and its source.

use crate::Result;
use wederhoor_core::AgentId;
use wederhoor_store::{Fact, NewFact, Store};

/// The default rules' rule for a factual inaccuracy about the company (DESIGN §4.6).
pub const CORRECT_RULE: &str = "feiten-rechtzetten";
pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_BODY_CHARS: usize = 1_000;
pub const MAX_SOURCE_CHARS: usize = 500;
pub const MAX_OWNER_CHARS: usize = 120;
pub const MAX_TOPIC_CHARS: usize = 60;
/// At most this many facts are offered on a case.
pub const OFFERED: usize = 5;

/// What a submitted fact has wrong: a catalogue key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactError {
    Title,
    Body,
    Source,
    Owner,
    Topic,
    Date,
    Period,
}

impl FactError {
    pub fn key(self) -> &'static str {
        match self {
            FactError::Title => "fact_err_title",
            FactError::Body => "fact_err_body",
            FactError::Source => "fact_err_source",
            FactError::Owner => "fact_err_owner",
            FactError::Topic => "fact_err_topic",
            FactError::Date => "fact_err_date",
            FactError::Period => "fact_err_period",
        }
    }
}

/// A fact as submitted (dates as `YYYY-MM-DD`, Europe/Amsterdam, empty for none).
#[derive(Debug, Clone, Copy)]
pub struct FactInput<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub source: &'a str,
    pub owner: &'a str,
    pub topic: &'a str,
    pub valid_from: &'a str,
    pub valid_until: &'a str,
}

fn field(value: &str, max: usize, err: FactError) -> std::result::Result<&str, FactError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        Err(err)
    } else {
        Ok(v)
    }
}

/// The start of a day in Europe/Amsterdam (UTC ms); `None` for an empty field.
fn day_start(s: &str) -> std::result::Result<Option<i64>, FactError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let date: jiff::civil::Date = s.parse().map_err(|_| FactError::Date)?;
    let zoned = date
        .in_tz("Europe/Amsterdam")
        .map_err(|_| FactError::Date)?;
    Ok(Some(zoned.timestamp().as_millisecond()))
}

/// Checks a fact and saves it, approved by `actor` (a new one with `id` `None`).
pub async fn save(
    store: &Store,
    id: Option<i64>,
    input: FactInput<'_>,
    actor: AgentId,
) -> Result<std::result::Result<i64, FactError>> {
    let checked = (|| -> std::result::Result<_, FactError> {
        let title = field(input.title, MAX_TITLE_CHARS, FactError::Title)?;
        let body = field(input.body, MAX_BODY_CHARS, FactError::Body)?;
        let source = field(input.source, MAX_SOURCE_CHARS, FactError::Source)?;
        let owner = field(input.owner, MAX_OWNER_CHARS, FactError::Owner)?;
        let topic = field(input.topic, MAX_TOPIC_CHARS, FactError::Topic)?;
        let valid_from = day_start(input.valid_from)?;
        // Valid until the end of that day.
        let valid_until = day_start(input.valid_until)?.map(|t| t + 86_400_000 - 1);
        if let (Some(a), Some(b)) = (valid_from, valid_until)
            && b < a
        {
            return Err(FactError::Period);
        }
        Ok((
            title,
            body,
            source,
            owner,
            topic.to_lowercase(),
            valid_from,
            valid_until,
        ))
    })();
    let (title, body, source, owner, topic, valid_from, valid_until) = match checked {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let id = store
        .save_fact(
            id,
            NewFact {
                title,
                body,
                source,
                owner,
                topic: &topic,
                valid_from,
                valid_until,
            },
            actor,
        )
        .await?;
    Ok(Ok(id))
}

/// Whether a fact holds at `now` (UTC ms).
pub fn valid_at(fact: &Fact, now: i64) -> bool {
    fact.valid_from.is_none_or(|t| t <= now) && fact.valid_until.is_none_or(|t| now <= t)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .collect()
}

/// The facts to offer for a case whose messages have `rules` (the rules that fired) and
/// `texts`, with `topics`, at `now`: none unless a message's verdict is "correct the facts";
/// then the valid facts on the case's topics or sharing words with it, on-topic and sharing more
/// words first.
pub fn offered<'a>(
    facts: &'a [Fact],
    rules: &[&str],
    texts: &[&str],
    topics: &[String],
    now: i64,
) -> Vec<&'a Fact> {
    if !rules.contains(&CORRECT_RULE) {
        return Vec::new();
    }
    let case_words: std::collections::HashSet<String> =
        texts.iter().flat_map(|t| words(t)).collect();
    let mut scored: Vec<(usize, &Fact)> = facts
        .iter()
        .filter(|f| valid_at(f, now))
        .map(|f| {
            let shared = words(&format!("{} {}", f.title, f.body))
                .into_iter()
                .collect::<std::collections::HashSet<_>>()
                .intersection(&case_words)
                .count();
            let on_topic = usize::from(topics.contains(&f.topic));
            (on_topic * 100 + shared, f)
        })
        // Only facts on the case's topics or sharing words with it.
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    scored.into_iter().take(OFFERED).map(|(_, f)| f).collect()
}

/// The text a fact inserts into the composer: the fact and its source.
pub fn insert_text(fact: &Fact, source_label: &str) -> String {
    format!("{}\n{source_label}: {}", fact.body, fact.source)
}

/// A few facts for the demo: `(title, body, source, owner, topic)`.
pub const DEMO_FACTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Rente op sparen",
        "De rente op de Zuiderbank Spaarrekening is 2,25% per jaar over het hele saldo; we hebben die rente dit jaar niet verlaagd.",
        "https://www.zuiderbank.example/sparen/rente",
        "Afdeling Sparen",
        "savings_interest",
    ),
    (
        "Kosten betaalrekening",
        "Een betaalrekening met pas kost € 3,25 per maand. Geldopnemen in Nederland en betalen met je pas zijn gratis.",
        "Tarievenoverzicht particulieren 2026, p. 2",
        "Afdeling Betalen",
        "fees",
    ),
];

/// Stores [`DEMO_FACTS`] when there are no facts yet (the demo).
pub async fn seed_demo(store: &Store, actor: AgentId) -> Result<usize> {
    if !store.facts().await?.is_empty() {
        return Ok(0);
    }
    for &(title, body, source, owner, topic) in DEMO_FACTS {
        store
            .save_fact(
                None,
                NewFact {
                    title,
                    body,
                    source,
                    owner,
                    topic,
                    valid_from: None,
                    valid_until: None,
                },
                actor,
            )
            .await?;
    }
    Ok(DEMO_FACTS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: i64, topic: &str, body: &str, until: Option<i64>) -> Fact {
        Fact {
            id,
            title: format!("Feit {id}"),
            body: body.into(),
            source: "https://x".into(),
            owner: "Sparen".into(),
            topic: topic.into(),
            valid_from: None,
            valid_until: until,
            approved_by: None,
            approved_by_name: None,
            updated_at: 0,
        }
    }

    #[test]
    fn facts_are_offered_only_for_a_correction_on_topic_first_and_while_valid() {
        let facts = [
            fact(1, "fees", "Een rekening kost drie euro per maand", None),
            fact(2, "savings_interest", "De spaarrente is 2,25 procent", None),
            fact(3, "savings_interest", "Oude spaarrente", Some(10)),
        ];
        let topics = ["savings_interest".to_owned()];
        let texts = ["Zuiderbank heeft de spaarrente stiekem verlaagd!"];
        assert!(offered(&facts, &["klacht-reageren"], &texts, &topics, 100).is_empty());
        let ids: Vec<i64> = offered(&facts, &[CORRECT_RULE], &texts, &topics, 100)
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, [2], "the fee fact shares no word and no topic");
        assert_eq!(day_start("2026-13-01"), Err(FactError::Date));
        assert_eq!(day_start(" "), Ok(None));
        // Midnight in Amsterdam (winter) is 23:00 UTC the day before.
        assert_eq!(day_start("2026-01-02"), Ok(Some(1_767_308_400_000)));
    }
}
