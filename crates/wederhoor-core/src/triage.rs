//! What the machine says about a message (DESIGN §7, the `wederhoor triage` contract).

use crate::case::named_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// What the rules of engagement say the team should do with a message.
    Action, "action", {
        Respond => "respond",
        Ignore => "ignore",
        NoEngage => "no_engage",
        Private => "private",
        Alert => "alert",
        Escalate => "escalate",
        Review => "review",
    }
);

impl Action {
    /// Precedence when several rules apply (DESIGN §4): higher wins.
    /// `private` > `alert` > `escalate` > `no_engage` > `respond` > `ignore`; `review` is outside
    /// the order (it is what the engine says when it cannot decide) and ranks lowest here.
    pub fn precedence(self) -> u8 {
        match self {
            Action::Private => 6,
            Action::Alert => 5,
            Action::Escalate => 4,
            Action::NoEngage => 3,
            Action::Respond => 2,
            Action::Ignore => 1,
            Action::Review => 0,
        }
    }
}

named_enum!(
    /// The direction of feeling in a message.
    SentimentLabel, "sentiment", {
        Negative => "negative",
        Neutral => "neutral",
        Positive => "positive",
    }
);

named_enum!(
    /// The kinds of personal data the triage finds.
    PiiKind, "pii kind", {
        Iban => "iban",
        Bsn => "bsn",
        Card => "card",
        Phone => "phone",
        Email => "email",
        Address => "address",
        Postcode => "postcode",
        CustomerNumber => "customer_number",
    }
);

/// Sentiment with a label and a score in -1..=1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: SentimentLabel,
    pub score: f32,
}

/// A span of personal data, as byte offsets into the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// The verdict: the action, the rule that fired, the reason in words, and how sure the engine
/// is (0..=1: the rules' evidence, and the learned model's agreement when there is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub action: Action,
    pub rule: String,
    pub reason: String,
    #[serde(default = "full_confidence")]
    pub confidence: f32,
}

fn full_confidence() -> f32 {
    1.0
}

/// Everything the triage says about one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    pub language: String,
    pub sentiment: Sentiment,
    pub abusive: bool,
    pub pii: Vec<PiiSpan>,
    pub topics: Vec<String>,
    /// 0 (low) ..= 3 (urgent).
    pub priority: u8,
    pub verdict: Verdict,
    /// The terms (phrases, stems) of the winning rule that the message contains, as the rule
    /// writes them: the evidence the inbox highlights. Not part of the DESIGN §7 output.
    #[serde(skip)]
    pub evidence: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_follows_design_section_4() {
        let order = [
            Action::Private,
            Action::Alert,
            Action::Escalate,
            Action::NoEngage,
            Action::Respond,
            Action::Ignore,
        ];
        for pair in order.windows(2) {
            assert!(pair[0].precedence() > pair[1].precedence(), "{pair:?}");
        }
    }

    #[test]
    fn triage_serialises_to_the_documented_shape() {
        let t = Triage {
            language: "nl".into(),
            sentiment: Sentiment {
                label: SentimentLabel::Negative,
                score: -0.5,
            },
            abusive: false,
            pii: vec![PiiSpan {
                kind: PiiKind::CustomerNumber,
                start: 3,
                end: 9,
            }],
            topics: vec!["cards".into()],
            priority: 2,
            verdict: Verdict {
                action: Action::NoEngage,
                rule: "r".into(),
                reason: "x".into(),
                confidence: 1.0,
            },
            evidence: vec!["kut".into()],
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["sentiment"]["label"], "negative");
        assert_eq!(v["pii"][0]["kind"], "customer_number");
        assert_eq!(v["verdict"]["action"], "no_engage");
        assert!(
            v.get("evidence").is_none(),
            "evidence stays out of the §7 contract"
        );
    }
}
