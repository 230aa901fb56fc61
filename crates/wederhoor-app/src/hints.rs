//! Next-best-action hints in the conversation view (issue #13): rules over the history of the
//! person behind a case (every case of theirs, across sources), each with the action that
//! follows from it. The rules are pure ([`hints`]); [`hints_for_case`] reads the facts.
//!
//! - a structural issue linked to one of their cases is now **fixed** and no broadcast told them:
//!   tell them (the composer starts from the issue's resolution text);
//! - a **repeat contact**: several cases of theirs within the period: read their earlier contacts
//!   before answering;
//! - a **detractor**: their newest survey answer was 0–6: make amends (a personal card).
//!
//! An unanswered promise (a follow-up date that passed) is not a rule here yet: follow-up dates
//! are another feature's data.

use wederhoor_core::ConversationId;
use wederhoor_core::satisfaction::Score;
use wederhoor_store::{PersonFacts, Store, StoreError};

/// When the rules fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HintPolicy {
    /// This many cases (this one included) within `repeat_days` make a repeat contact.
    pub repeat_cases: i64,
    pub repeat_days: i64,
}

impl Default for HintPolicy {
    fn default() -> HintPolicy {
        HintPolicy {
            repeat_cases: 3,
            repeat_days: 30,
        }
    }
}

/// One hint, most useful first in [`hints`]' answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// Tell them structural issue `issue` is fixed.
    TellFixed {
        issue: i64,
        title: String,
        /// The issue's resolution text has been written (the composer can start from it).
        has_text: bool,
    },
    /// Their `cases`-th case within the period.
    RepeatContact { cases: i64, days: i64 },
    /// Their newest survey answer, 0–6.
    Detractor { score: i64 },
}

impl Hint {
    /// The catalogue key of the hint's sentence (`hint_…`).
    pub fn kind(&self) -> &'static str {
        match self {
            Hint::TellFixed { .. } => "tell_fixed",
            Hint::RepeatContact { .. } => "repeat_contact",
            Hint::Detractor { .. } => "detractor",
        }
    }
}

/// The hints the facts call for: fixed issues first (one each), then a repeat contact, then a
/// detractor.
pub fn hints(facts: &PersonFacts, policy: HintPolicy) -> Vec<Hint> {
    let mut out: Vec<Hint> = facts
        .fixed_untold
        .iter()
        .map(|i| Hint::TellFixed {
            issue: i.id,
            title: i.title.clone(),
            has_text: !i.resolution.trim().is_empty(),
        })
        .collect();
    if policy.repeat_cases > 0 && facts.recent_cases >= policy.repeat_cases {
        out.push(Hint::RepeatContact {
            cases: facts.recent_cases,
            days: policy.repeat_days,
        });
    }
    if let Some(score) = facts.last_score
        && Score::parse(&score.to_string()).is_some_and(Score::is_detractor)
    {
        out.push(Hint::Detractor { score });
    }
    out
}

/// The hints for the case `conversation` at `now` (UTC ms).
pub async fn hints_for_case(
    store: &Store,
    conversation: ConversationId,
    policy: HintPolicy,
    now: i64,
) -> Result<Vec<Hint>, StoreError> {
    let since = now - policy.repeat_days * 24 * 3_600_000;
    let facts = store.person_facts(conversation, since).await?;
    Ok(hints(&facts, policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wederhoor_core::StructuralState;
    use wederhoor_store::IssueBrief;

    fn fixed(id: i64, resolution: &str) -> IssueBrief {
        IssueBrief {
            id,
            title: format!("issue {id}"),
            state: StructuralState::Fixed,
            resolution: resolution.into(),
        }
    }

    #[test]
    fn a_quiet_history_gives_no_hints() {
        let facts = PersonFacts {
            fixed_untold: vec![],
            last_score: Some(9),
            recent_cases: 1,
        };
        assert!(hints(&facts, HintPolicy::default()).is_empty());
        assert!(hints(&PersonFacts::default(), HintPolicy::default()).is_empty());
    }

    #[test]
    fn each_rule_fires_on_its_own_fact_in_order() {
        let facts = PersonFacts {
            fixed_untold: vec![fixed(4, "Opgelost."), fixed(7, "")],
            last_score: Some(6),
            recent_cases: 3,
        };
        let h = hints(&facts, HintPolicy::default());
        assert_eq!(
            h.iter().map(Hint::kind).collect::<Vec<_>>(),
            ["tell_fixed", "tell_fixed", "repeat_contact", "detractor"]
        );
        assert_eq!(
            h[0],
            Hint::TellFixed {
                issue: 4,
                title: "issue 4".into(),
                has_text: true
            }
        );
        assert!(matches!(
            h[1],
            Hint::TellFixed {
                has_text: false,
                ..
            }
        ));
        assert_eq!(h[3], Hint::Detractor { score: 6 });
    }

    #[test]
    fn passives_promoters_and_two_cases_are_no_reason() {
        for score in [7, 8, 9, 10] {
            let facts = PersonFacts {
                last_score: Some(score),
                recent_cases: 2,
                ..PersonFacts::default()
            };
            assert!(hints(&facts, HintPolicy::default()).is_empty(), "{score}");
        }
        let facts = PersonFacts {
            last_score: Some(0),
            ..PersonFacts::default()
        };
        assert_eq!(
            hints(&facts, HintPolicy::default()),
            [Hint::Detractor { score: 0 }]
        );
    }
}
