//! Escalations that bring a team lead in (issue #12): their kinds, states and the short
//! checklist each kind comes with. Which text a checklist item shows is the web crate's
//! catalogue (`escalation_check_{kind}_{item}`); here are only the item keys.

use crate::case::named_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// Why a lead is brought in.
    EscalationKind, "escalation kind", {
        Press => "press",
        Legal => "legal",
        Viral => "viral",
        Repeat => "repeat",
        ServiceLevel => "service_level",
    }
);

named_enum!(
    /// Where an escalation stands: open (nobody acted yet), acknowledged (a lead took it on),
    /// done (closed).
    EscalationState, "escalation state", {
        Open => "open",
        Acknowledged => "acknowledged",
        Done => "done",
    }
);

impl EscalationKind {
    /// The checklist of this kind, as item keys in the order a lead works them.
    pub fn checklist(self) -> &'static [&'static str] {
        match self {
            EscalationKind::Press => &["read_thread", "inform_press_office", "agree_answer"],
            EscalationKind::Legal => &["read_thread", "inform_legal", "no_admission"],
            EscalationKind::Viral => &["read_thread", "check_facts", "answer_publicly"],
            EscalationKind::Repeat => &["read_history", "call_customer", "report_cause"],
            EscalationKind::ServiceLevel => &["read_thread", "answer_customer", "check_workload"],
        }
    }

    /// Whether `item` is on this kind's checklist.
    pub fn has_check(self, item: &str) -> bool {
        self.checklist().contains(&item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_kind_has_a_short_checklist() {
        for kind in EscalationKind::ALL {
            assert_eq!(kind.as_str().parse::<EscalationKind>().ok(), Some(*kind));
            let list = kind.checklist();
            assert!((2..=5).contains(&list.len()), "{kind}");
            assert!(kind.has_check(list[0]));
            assert!(!kind.has_check("unknown"));
        }
        for state in EscalationState::ALL {
            assert_eq!(state.as_str().parse::<EscalationState>().ok(), Some(*state));
        }
        assert!("urgent".parse::<EscalationKind>().is_err());
    }
}
