//! States, roles and delivery kinds: enums, never strings or bools.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An unknown name for one of the enums in this module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = $crate::case::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::case::UnknownName {
                        what: $what,
                        value: s.to_owned(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// The state of a conversation (case).
    CaseState, "state", {
        New => "new",
        Open => "open",
        Waiting => "waiting",
        Private => "private",
        Closed => "closed",
    }
);

named_enum!(
    /// What an agent may do. Ordered: each role may do what the roles before it may do.
    Role, "role", {
        Agent => "agent",
        Specialist => "specialist",
        Lead => "lead",
        Admin => "admin",
    }
);

impl Role {
    /// Whether this role includes the rights of `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

named_enum!(
    /// How a reply leaves Wederhoor.
    DeliveryKind, "delivery kind", {
        Webhook => "webhook",
        Manual => "manual",
        Mastodon => "mastodon",
        // Meta Graph API (owned channels; `wederhoor-listen::meta`).
        Whatsapp => "whatsapp",
        Facebook => "facebook",
        Instagram => "instagram",
        // Bluesky (AT Protocol) posts from our own account (`wederhoor-listen::bluesky`).
        Bluesky => "bluesky",
        // E-mail: SMTP replies to mails read over IMAP (`wederhoor-listen::email`).
        Email => "email",
    }
);

/// Whether messages of a source kind are sent to us directly (e-mail, WhatsApp, a direct
/// message): such a message is addressed to us even when it does not name us.
pub fn is_direct_channel(kind: &str) -> bool {
    matches!(
        kind.to_ascii_lowercase().as_str(),
        "email" | "e-mail" | "mail" | "imap" | "whatsapp" | "messenger" | "dm" | "chat"
    )
}

/// Whether a reply on a source of this kind, leaving this way, may be seen by the public.
///
/// The decision is made for the private side, which is short and explicit: a reply is private
/// only when it leaves as an e-mail or a WhatsApp message, or answers a source whose kind is a
/// direct channel ([`is_direct_channel`]: e-mail, WhatsApp, Messenger, a DM or chat). Every other
/// channel counts as public: posts and comments on social networks, forums, feeds, review and
/// consumer sites, and also a generic `webhook` source, a `manual` or `import` source and any kind
/// not known here. Wederhoor cannot see where a webhook's receiver (a forum, a site, a CRM) shows
/// a reply, and personal data once published cannot be taken back: a personal matter moves to a
/// private channel instead.
pub fn reply_is_public(source_kind: &str, delivery: DeliveryKind) -> bool {
    let private_delivery = match delivery {
        DeliveryKind::Email | DeliveryKind::Whatsapp => true,
        DeliveryKind::Webhook
        | DeliveryKind::Manual
        | DeliveryKind::Mastodon
        | DeliveryKind::Facebook
        | DeliveryKind::Instagram
        | DeliveryKind::Bluesky => false,
    };
    !(private_delivery || is_direct_channel(source_kind))
}

/// Whether a reply may carry personal data: never on a public channel, whatever the case
/// state; elsewhere only once the case is private.
pub fn reply_may_carry_personal_data(
    source_kind: &str,
    delivery: DeliveryKind,
    state: CaseState,
) -> bool {
    !reply_is_public(source_kind, delivery) && state == CaseState::Private
}

impl DeliveryKind {
    /// The Meta channel of a source kind (`whatsapp`, `facebook`, `instagram`), if it is one.
    pub fn meta(kind: &str) -> Option<DeliveryKind> {
        match kind {
            "whatsapp" => Some(DeliveryKind::Whatsapp),
            "facebook" => Some(DeliveryKind::Facebook),
            "instagram" => Some(DeliveryKind::Instagram),
            _ => None,
        }
    }

    /// How replies to a new source leave: through the Mastodon API when it is a Mastodon
    /// account we hold a token for, by webhook when a webhook URL is given, else by hand.
    pub fn for_new_source(kind: &str, has_webhook_url: bool, has_secret: bool) -> DeliveryKind {
        if kind == "mastodon" && has_secret {
            DeliveryKind::Mastodon
        } else if kind == "bluesky" && has_secret {
            DeliveryKind::Bluesky
        } else if kind == "email" && has_secret {
            DeliveryKind::Email
        } else if has_secret && let Some(meta) = DeliveryKind::meta(kind) {
            meta
        } else if has_webhook_url {
            DeliveryKind::Webhook
        } else {
            DeliveryKind::Manual
        }
    }
}

named_enum!(
    /// Where a reply in the outbox stands.
    DeliveryState, "delivery state", {
        Queued => "queued",
        Sent => "sent",
        Failed => "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_sources_get_the_delivery_their_settings_allow() {
        assert_eq!(
            DeliveryKind::for_new_source("mastodon", false, true),
            DeliveryKind::Mastodon
        );
        assert_eq!(
            DeliveryKind::for_new_source("mastodon", false, false),
            DeliveryKind::Manual
        );
        assert_eq!(
            DeliveryKind::for_new_source("forum", true, true),
            DeliveryKind::Webhook
        );
        assert_eq!(
            DeliveryKind::for_new_source("rss", false, false),
            DeliveryKind::Manual
        );
    }

    #[test]
    fn roles_are_ordered_by_rights() {
        assert!(Role::Admin.allows(Role::Lead));
        assert!(Role::Lead.allows(Role::Agent));
        assert!(!Role::Agent.allows(Role::Lead));
        assert!(!Role::Specialist.allows(Role::Lead));
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in CaseState::ALL {
            assert_eq!(s.as_str().parse::<CaseState>(), Ok(*s));
        }
        let err = "gesloten".parse::<CaseState>().unwrap_err();
        assert!(err.to_string().contains("gesloten"));
        assert!(err.to_string().contains("closed"));
    }
}

#[cfg(test)]
mod direct_channel_tests {
    #[test]
    fn mail_and_chats_are_direct_public_channels_are_not() {
        for k in ["email", "E-mail", "whatsapp", "messenger"] {
            assert!(super::is_direct_channel(k), "{k}");
        }
        for k in ["twitter", "mastodon", "bluesky", "forum", "rss", "facebook"] {
            assert!(!super::is_direct_channel(k), "{k}");
        }
    }
}

#[cfg(test)]
mod public_reply_tests {
    use super::*;

    #[test]
    fn personal_data_never_goes_out_on_a_public_channel_whatever_the_state() {
        for (kind, delivery) in [
            ("bluesky", DeliveryKind::Bluesky),
            ("mastodon", DeliveryKind::Mastodon),
            ("facebook", DeliveryKind::Facebook),
            ("instagram", DeliveryKind::Instagram),
            ("twitter", DeliveryKind::Manual),
            ("rss", DeliveryKind::Manual),
            ("forum", DeliveryKind::Webhook),
            ("webhook", DeliveryKind::Bluesky),
            // A generic webhook source, a hand-kept or imported one and a captured consumer-site
            // post: not known to be private, so public.
            ("webhook", DeliveryKind::Webhook),
            ("webhook", DeliveryKind::Manual),
            ("manual", DeliveryKind::Manual),
            ("import", DeliveryKind::Manual),
            ("consumer_site", DeliveryKind::Manual),
            ("some_new_kind", DeliveryKind::Webhook),
        ] {
            assert!(reply_is_public(kind, delivery), "{kind}/{delivery}");
            for state in CaseState::ALL {
                assert!(
                    !reply_may_carry_personal_data(kind, delivery, *state),
                    "{kind}/{delivery}/{state}"
                );
            }
        }
    }

    #[test]
    fn private_channels_allow_it_in_a_private_case_only() {
        for (kind, delivery) in [
            ("email", DeliveryKind::Email),
            ("whatsapp", DeliveryKind::Whatsapp),
            ("messenger", DeliveryKind::Manual),
            ("chat", DeliveryKind::Webhook),
            // Leaving as an e-mail or a WhatsApp message, whatever the source says.
            ("webhook", DeliveryKind::Email),
            ("webhook", DeliveryKind::Whatsapp),
        ] {
            assert!(!reply_is_public(kind, delivery), "{kind}/{delivery}");
            assert!(reply_may_carry_personal_data(
                kind,
                delivery,
                CaseState::Private
            ));
            assert!(!reply_may_carry_personal_data(
                kind,
                delivery,
                CaseState::Open
            ));
        }
    }
}
