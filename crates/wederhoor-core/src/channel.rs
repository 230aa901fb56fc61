//! The channel a reply goes out on, and what each channel allows: its length limit (declared
//! once here, for the composer's counter and the reply use case) and how a reply is signed.

use crate::case::{DeliveryKind, named_enum};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// Where a reply is read: one of the platforms with their own rules, or anything else.
    Channel, "channel", {
        Whatsapp => "whatsapp",
        Facebook => "facebook",
        Instagram => "instagram",
        Bluesky => "bluesky",
        Mastodon => "mastodon",
        X => "x",
        Email => "email",
        Other => "other",
    }
);

/// WhatsApp's customer service window: free-form messages are allowed for 24 hours after the
/// customer's newest message (later only paid templates, which Wederhoor does not send).
pub const WHATSAPP_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// How a channel counts the length of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    /// User-perceived characters (Bluesky).
    Graphemes,
    /// Unicode scalar values.
    Chars,
}

/// The longest reply a channel accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LengthLimit {
    pub max: usize,
    pub unit: LengthUnit,
}

impl Channel {
    /// The channel of a source (its kind as configured) replied to through `delivery`.
    pub fn of(source_kind: &str, delivery: DeliveryKind) -> Channel {
        match delivery {
            DeliveryKind::Whatsapp => return Channel::Whatsapp,
            DeliveryKind::Facebook => return Channel::Facebook,
            DeliveryKind::Instagram => return Channel::Instagram,
            DeliveryKind::Bluesky => return Channel::Bluesky,
            DeliveryKind::Mastodon => return Channel::Mastodon,
            DeliveryKind::Email => return Channel::Email,
            DeliveryKind::Webhook | DeliveryKind::Manual => {}
        }
        match source_kind.to_ascii_lowercase().as_str() {
            "whatsapp" => Channel::Whatsapp,
            "facebook" => Channel::Facebook,
            "instagram" => Channel::Instagram,
            "bluesky" => Channel::Bluesky,
            "mastodon" => Channel::Mastodon,
            "x" | "twitter" => Channel::X,
            "email" | "e-mail" | "mail" | "imap" => Channel::Email,
            _ => Channel::Other,
        }
    }

    /// The platform's limit for one reply (signature included), if it has one. Bluesky: 300
    /// graphemes; Mastodon: 500 characters (the default instance setting); X: 280; Instagram
    /// comments 2,200; WhatsApp text messages 4,096; Facebook comments 8,000.
    pub fn limit(self) -> Option<LengthLimit> {
        let (max, unit) = match self {
            Channel::Bluesky => (300, LengthUnit::Graphemes),
            Channel::Mastodon => (500, LengthUnit::Chars),
            Channel::X => (280, LengthUnit::Chars),
            Channel::Instagram => (2_200, LengthUnit::Chars),
            Channel::Whatsapp => (4_096, LengthUnit::Chars),
            Channel::Facebook => (8_000, LengthUnit::Chars),
            Channel::Email | Channel::Other => return None,
        };
        Some(LengthLimit { max, unit })
    }
}

impl LengthUnit {
    /// The length of `text` in this unit.
    pub fn count(self, text: &str) -> usize {
        match self {
            LengthUnit::Chars => text.chars().count(),
            LengthUnit::Graphemes => graphemes(text),
        }
    }
}

/// The number of user-perceived characters, without a Unicode table: a character joins the one
/// before it when it is a combining mark, a variation selector, a skin-tone modifier, a tag, a
/// zero-width joiner or follows one, or is the second of a pair of regional indicators (a flag).
/// Every rule joins only what Unicode's extended grapheme clusters join too, so the count is
/// never below the true one: a text this accepts, Bluesky accepts.
pub fn graphemes(text: &str) -> usize {
    let mut count = 0;
    let mut after_joiner = false;
    let mut open_flag = false;
    for c in text.chars() {
        let u = u32::from(c);
        let extends = matches!(u,
            0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
            | 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F | 0x200D);
        let regional = (0x1F1E6..=0x1F1FF).contains(&u);
        let joins = extends || after_joiner || (regional && open_flag);
        if !joins {
            count += 1;
        }
        open_flag = regional && !open_flag;
        after_joiner = u == 0x200D;
    }
    count
}

named_enum!(
    /// How a reply is signed with the agent's name (customers talk to people).
    SignatureStyle, "signature style", {
        FirstName => "first_name",
        FirstNameInitial => "first_name_initial",
        TeamAndName => "team_and_name",
        FullName => "full_name",
    }
);

impl SignatureStyle {
    /// The signature for an agent called `display_name` of the team `team`: "Anna",
    /// "Anna J.", "Anna · Webcare" or "Anna Jansen".
    pub fn sign(self, display_name: &str, team: &str) -> String {
        let mut words = display_name.split_whitespace();
        let first = words.next().unwrap_or_default();
        match self {
            SignatureStyle::FirstName => first.to_owned(),
            SignatureStyle::FirstNameInitial => match words.last().and_then(|w| w.chars().next()) {
                Some(initial) => format!("{first} {initial}."),
                None => first.to_owned(),
            },
            SignatureStyle::TeamAndName if !team.trim().is_empty() => {
                format!("{first} · {}", team.trim())
            }
            SignatureStyle::TeamAndName => first.to_owned(),
            SignatureStyle::FullName => display_name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// The handle key lives with the rest of what makes two handles one person.
pub use crate::handle::handle_key;

/// The text a customer receives: the reply and, when there is one, the signature on its own
/// line (the form every connector sends and the agent copies for manual delivery).
pub fn signed_text(text: &str, signature: &str) -> String {
    if signature.is_empty() {
        text.to_owned()
    } else {
        format!("{text}\n— {signature}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_follow_delivery_then_kind() {
        assert_eq!(
            Channel::of("forum", DeliveryKind::Bluesky),
            Channel::Bluesky
        );
        assert_eq!(Channel::of("twitter", DeliveryKind::Manual), Channel::X);
        assert_eq!(
            Channel::of("instagram", DeliveryKind::Manual),
            Channel::Instagram
        );
        assert_eq!(Channel::of("forum", DeliveryKind::Webhook), Channel::Other);
        assert_eq!(Channel::Bluesky.limit().map(|l| l.max), Some(300));
        assert_eq!(Channel::Email.limit(), None);
    }

    #[test]
    fn graphemes_join_marks_emoji_sequences_and_flags() {
        assert_eq!(graphemes("abc"), 3);
        assert_eq!(graphemes("e\u{301}"), 1);
        assert_eq!(graphemes("👍🏽"), 1);
        assert_eq!(graphemes("👩\u{200D}💻"), 1);
        assert_eq!(graphemes("🇳🇱🇧🇪"), 2);
        assert_eq!(graphemes("❤\u{FE0F}!"), 2);
    }

    #[test]
    fn signatures_by_style() {
        assert_eq!(
            SignatureStyle::FirstName.sign("Anna de Vries", "Webcare"),
            "Anna"
        );
        assert_eq!(
            SignatureStyle::FirstNameInitial.sign("Anna de Vries", "Webcare"),
            "Anna V."
        );
        assert_eq!(
            SignatureStyle::TeamAndName.sign("Anna de Vries", "Webcare"),
            "Anna · Webcare"
        );
        assert_eq!(
            SignatureStyle::FullName.sign(" Anna  de Vries", ""),
            "Anna de Vries"
        );
        assert_eq!(signed_text("Hoi", "Anna"), "Hoi\n— Anna");
        assert_eq!(signed_text("Hoi", ""), "Hoi");
    }
}
