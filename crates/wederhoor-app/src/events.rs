//! What use cases announce. The app does not know who listens: the web crate implements
//! [`Events`] with its live events (open pages, and other nodes over NATS); the CLI passes
//! [`NoEvents`].

use wederhoor_core::ConversationId;

/// What changed in a conversation (open pages reload what concerns them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Message,
    Reply,
    Note,
    Case,
    Delivery,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Message => "message",
            Change::Reply => "reply",
            Change::Note => "note",
            Change::Case => "case",
            Change::Delivery => "delivery",
        }
    }
}

/// How many messages one ingest stored, found stored already, or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestTally {
    pub stored: usize,
    pub duplicates: usize,
    pub rejected: usize,
}

/// Where use cases announce what they did.
pub trait Events: Send + Sync {
    /// A conversation changed (after the change was committed).
    fn changed(&self, conversation: ConversationId, change: Change);

    /// An ingest finished (for counters).
    fn ingested(&self, tally: IngestTally) {
        let _ = tally;
    }

    /// The live burst detector stored a new alert (after it was committed).
    fn alert(&self, alert: i64) {
        let _ = alert;
    }

    /// An escalation opened and its notifications were queued (after the commit): the mail
    /// and webhook workers can send them now.
    fn escalation(&self, escalation: i64) {
        let _ = escalation;
    }
}

/// Nobody listens (the CLI, tests).
pub struct NoEvents;

impl Events for NoEvents {
    fn changed(&self, _: ConversationId, _: Change) {}
}
