//! Topics: a taxonomy of phrases and stems per topic, compiled into one automaton.

use crate::RulesError;
use crate::text::{TermKind, TermSet, term_pattern};
use serde::Deserialize;

pub(crate) const DEFAULT_TOPICS: &str = include_str!("default_topics.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopics {
    topic: Vec<RawTopic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    name: String,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    stems: Vec<String>,
}

pub(crate) struct TopicModel {
    pub(crate) names: Vec<String>,
    set: TermSet,
}

impl TopicModel {
    pub(crate) fn from_toml(src: &str) -> Result<TopicModel, RulesError> {
        let raw: RawTopics = toml::from_str(src).map_err(|e| RulesError::from_toml(src, &e))?;
        let mut names = Vec::new();
        let mut terms = Vec::new();
        for (i, t) in raw.topic.into_iter().enumerate() {
            for p in &t.phrases {
                terms.extend(term_pattern(p, TermKind::Phrase).map(|x| (x, i)));
            }
            for s in &t.stems {
                terms.extend(term_pattern(s, TermKind::Stem).map(|x| (x, i)));
            }
            names.push(t.name);
        }
        let n = names.len();
        Ok(TopicModel {
            names,
            set: TermSet::build(terms, n).map_err(RulesError::build)?,
        })
    }

    /// Per topic: whether the message is about it.
    pub(crate) fn detect(&self, norm: &str) -> Vec<bool> {
        self.set.hits(norm)
    }

    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn topics(text: &str) -> Vec<String> {
        let m = TopicModel::from_toml(DEFAULT_TOPICS).unwrap();
        let hits = m.detect(&normalize(text));
        m.names
            .iter()
            .zip(hits)
            .filter(|(_, h)| *h)
            .map(|(n, _)| n.clone())
            .collect()
    }

    #[test]
    fn default_taxonomy_has_the_thirteen_topics() {
        let m = TopicModel::from_toml(DEFAULT_TOPICS).unwrap();
        assert_eq!(m.names.len(), 13);
    }

    #[test]
    fn dutch_and_english_examples() {
        assert_eq!(
            topics("Mijn betaling via iDEAL is niet aangekomen"),
            ["payments"]
        );
        assert_eq!(topics("Mijn pinpas is ingeslikt"), ["cards"]);
        assert_eq!(topics("Ik kan niet inloggen in de app"), ["app_login"]);
        assert_eq!(topics("Vraag over mijn hypotheek"), ["mortgage"]);
        assert_eq!(topics("Why is my account blocked?"), ["account_blocked"]);
        assert_eq!(
            topics("Mijn vader is overleden, hoe regel ik de nalatenschap"),
            ["death_estate"]
        );
        assert_eq!(topics("Thanks for the great help!"), ["praise"]);
        assert!(topics("De spaarrente gaat omlaag").contains(&"savings_interest".to_string()));
        assert!(
            topics("Ik ben zzp'er en wil een zakelijke rekening")
                .contains(&"business_banking".to_string())
        );
        assert!(topics("Mijn pas zou opgestuurd worden").contains(&"cards".to_string()));
        assert!(topics("De pasta was lekker").is_empty());
    }
}
