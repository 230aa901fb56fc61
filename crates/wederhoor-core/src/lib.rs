//! Domain types and pure logic of Wederhoor. Nothing in this crate does I/O.
//!
//! The words follow the glossary in `docs/architecture.md`: a *message* arrives from a *source*,
//! is written by an *author*, belongs to a *conversation* (case), and gets a *triage* whose
//! *verdict* says what the team should do with it.

pub mod case;
pub mod channel;
pub mod escalation;
pub mod handle;
pub mod idea;
pub mod ids;
pub mod media;
pub mod message;
pub mod pii;
pub mod satisfaction;
pub mod service_level;
pub mod structural;
pub mod triage;

pub use case::{
    CaseState, DeliveryKind, DeliveryState, Role, is_direct_channel, reply_is_public,
    reply_may_carry_personal_data,
};
pub use channel::{Channel, LengthLimit, LengthUnit, SignatureStyle, signed_text};
pub use escalation::{EscalationKind, EscalationState};
pub use ids::{
    AccountId, AgentId, BoardId, ConversationId, IdeaId, MessageId, ReactionId, ReplyId, SourceId,
};
pub use media::MediaType;
pub use message::{IncomingAuthor, IncomingMessage, IncomingMetrics, MessageError, ValidMessage};
pub use structural::StructuralState;
pub use triage::{Action, PiiKind, PiiSpan, Sentiment, SentimentLabel, Triage, Verdict};
