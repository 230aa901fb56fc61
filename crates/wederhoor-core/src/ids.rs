//! Typed ids, so a conversation id can never be passed where an agent id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map($name)
            }
        }
    };
}

id_type!(
    /// A stored agent (a member of the webcare team).
    AgentId
);
id_type!(
    /// A conversation, also called a case.
    ConversationId
);
id_type!(
    /// A stored message (inbound or outbound).
    MessageId
);
id_type!(
    /// A reply in the outbox.
    ReplyId
);
id_type!(
    /// A source we listen to.
    SourceId
);
id_type!(
    /// A board of the public feedback page ("Particulier", "Zakelijk", …).
    BoardId
);
id_type!(
    /// An idea on the public feedback page.
    IdeaId
);
id_type!(
    /// A customer account of the public feedback page (not an agent).
    AccountId
);
id_type!(
    /// A reaction to an idea (a customer's or a staff answer).
    ReactionId
);
