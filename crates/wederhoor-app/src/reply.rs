//! Replying to a case: what the composer offers (the channel's length limit, the signature, the
//! WhatsApp window) and the use case that checks a reply and puts it in the outbox.
//!
//! A reply is refused, with the agent's text kept, when it is longer than the channel allows
//! (signature included), when it carries personal data on a public channel (or on a private
//! channel while the case is not private), or when WhatsApp's 24-hour window has closed. When a
//! colleague answered the case after the agent opened it, the reply waits for the agent to
//! confirm it.

use crate::{Change, Events, Result};
use wederhoor_core::channel::WHATSAPP_WINDOW_MS;
use wederhoor_core::{
    AgentId, CaseState, Channel, ConversationId, DeliveryKind, LengthLimit, PiiSpan, ReplyId,
    SignatureStyle, reply_is_public, signed_text,
};
use wederhoor_store::{ConversationSummary, Store, StoreError};
use wederhoor_triage::{Engine, TriageInput};

/// Longest reply or note, in bytes (whatever the channel).
pub const MAX_TEXT_BYTES: usize = 10_000;

/// How replies are signed, per channel, and the team's name for `team_and_name`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyPolicy {
    pub team_name: String,
    pub whatsapp: SignatureStyle,
    pub facebook: SignatureStyle,
    pub instagram: SignatureStyle,
    pub bluesky: SignatureStyle,
    pub mastodon: SignatureStyle,
    pub x: SignatureStyle,
    pub email: SignatureStyle,
    pub other: SignatureStyle,
    /// Whether a private e-mail reply may carry personal data (confidential content by
    /// e-mail). Off by default: such matters go to the phone or a direct message.
    pub allow_confidential_email: bool,
    /// How long a call-back link of "take it private" works, in hours.
    pub callback_link_hours: i64,
}

impl Default for ReplyPolicy {
    /// First names on social channels and chat (customers talk to people), the team and the
    /// name in e-mail, the full name elsewhere (forums, sites).
    fn default() -> ReplyPolicy {
        ReplyPolicy {
            team_name: "Webcare".to_owned(),
            whatsapp: SignatureStyle::FirstName,
            facebook: SignatureStyle::FirstName,
            instagram: SignatureStyle::FirstName,
            bluesky: SignatureStyle::FirstName,
            mastodon: SignatureStyle::FirstName,
            x: SignatureStyle::FirstName,
            email: SignatureStyle::TeamAndName,
            other: SignatureStyle::FullName,
            allow_confidential_email: false,
            callback_link_hours: 72,
        }
    }
}

impl ReplyPolicy {
    pub fn style(&self, channel: Channel) -> SignatureStyle {
        match channel {
            Channel::Whatsapp => self.whatsapp,
            Channel::Facebook => self.facebook,
            Channel::Instagram => self.instagram,
            Channel::Bluesky => self.bluesky,
            Channel::Mastodon => self.mastodon,
            Channel::X => self.x,
            Channel::Email => self.email,
            Channel::Other => self.other,
        }
    }

    /// The signature of `agent_name` on `channel`.
    pub fn signature(&self, channel: Channel, agent_name: &str) -> String {
        self.style(channel).sign(agent_name, &self.team_name)
    }
}

/// What the composer of a case offers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Composer {
    pub channel: Channel,
    /// The channel's limit for the whole text (reply, line break, `— ` and signature).
    pub limit: Option<LengthLimit>,
    /// What the agent's reply is signed with on this channel.
    pub signature: String,
    /// The length the signature adds (`\n— ` included), in the limit's unit.
    pub signature_length: usize,
    /// Whether the public reads the reply (personal data is then always refused).
    pub public: bool,
    /// When WhatsApp's service window closes (UTC ms), on WhatsApp only.
    pub whatsapp_window_end: Option<i64>,
    /// The channel's connector sends photos and videos with a reply.
    pub takes_media: bool,
}

/// The composer of a case for `agent_name`.
pub async fn composer(
    store: &Store,
    policy: &ReplyPolicy,
    summary: &ConversationSummary,
    agent_name: &str,
) -> Result<Composer> {
    let source = store
        .source(summary.source_id)
        .await?
        .ok_or(StoreError::NotFound("source"))?;
    let channel = Channel::of(&source.kind, source.delivery_kind);
    let limit = channel.limit();
    let signature = policy.signature(channel, agent_name);
    let signature_length = match limit {
        Some(l) => l.unit.count(&signed_text("", &signature)),
        None => signed_text("", &signature).chars().count(),
    };
    Ok(Composer {
        channel,
        limit,
        signature,
        signature_length,
        public: reply_is_public(&source.kind, source.delivery_kind),
        whatsapp_window_end: (source.delivery_kind == DeliveryKind::Whatsapp)
            .then(|| summary.last_message_at.saturating_add(WHATSAPP_WINDOW_MS)),
        takes_media: crate::cards::connector_sends_media(source.delivery_kind),
    })
}

/// A reply an agent sends.
#[derive(Debug, Clone)]
pub struct ReplyRequest<'a> {
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub agent_name: &'a str,
    pub text: &'a str,
    /// When the agent opened the case (UTC ms), from the composer; replies of colleagues since
    /// then ask for a confirmation.
    pub opened_at: Option<i64>,
    /// The agent saw the warning about a colleague's answer and sends anyway.
    pub confirmed: bool,
    /// Now (UTC ms).
    pub now: i64,
}

/// Why a reply was not queued. The agent's text goes back to the composer with it.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    Empty,
    /// Longer than [`MAX_TEXT_BYTES`].
    TooLong,
    /// Longer than the channel allows, signature included.
    OverChannelLimit {
        channel: Channel,
        limit: LengthLimit,
        length: usize,
    },
    /// Personal data where it may not go; the spans are byte offsets in the (trimmed) text.
    PersonalData {
        public: bool,
        spans: Vec<PiiSpan>,
    },
    /// WhatsApp's 24-hour window closed at this time (UTC ms).
    WhatsappWindowClosed {
        closed_at: i64,
    },
    /// Colleagues answered since the agent opened the case: their names and times.
    ColleagueAnswered {
        answers: Vec<(String, i64)>,
    },
    /// Personal data in an e-mail reply while the policy refuses confidential content by
    /// e-mail (`[replies] allow_confidential_email`).
    ConfidentialByEmail {
        spans: Vec<PiiSpan>,
    },
}

impl Refusal {
    /// The catalogue key of the message that explains it.
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::Empty => "empty_text",
            Refusal::TooLong => "text_too_long",
            Refusal::OverChannelLimit { .. } => "reply_over_channel_limit",
            Refusal::PersonalData { public: true, .. } => "pii_in_public_reply",
            Refusal::PersonalData { public: false, .. } => "pii_in_reply",
            Refusal::WhatsappWindowClosed { .. } => "whatsapp_window_closed",
            Refusal::ColleagueAnswered { .. } => "colleague_answered",
            Refusal::ConfidentialByEmail { .. } => "confidential_by_email",
        }
    }
}

/// What became of a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyOutcome {
    Queued(ReplyId),
    /// Not queued; `text` is the agent's text as checked (trimmed), for the composer.
    Refused {
        refusal: Refusal,
        text: String,
    },
}

/// Checks a reply and puts it in the outbox with the channel's signature.
pub async fn queue_reply(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: ReplyRequest<'_>,
) -> Result<ReplyOutcome> {
    queue_checked(store, engine, policy, events, request, None, None).await
}

/// [`queue_reply`], with the reply marked as public (`Some(false)`: it goes out in public
/// whatever the case state becomes) or as a direct message (`Some(true)`); `None`: as the case
/// state says when it goes out.
pub async fn queue_reply_as(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: ReplyRequest<'_>,
    direct: Option<bool>,
) -> Result<ReplyOutcome> {
    queue_checked(store, engine, policy, events, request, direct, None).await
}

/// A photo or short video an agent attaches to a reply (type told by its bytes).
#[derive(Debug, Clone)]
pub struct ReplyAttachment<'a> {
    pub bytes: &'a [u8],
    /// What it shows, in words (for screen readers); may be empty.
    pub description: &'a str,
}

/// Why a reply's photo or video was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaRefusal {
    /// Not a PNG, JPEG, GIF, WebP or MP4 by its bytes (whatever its name says).
    NotMedia,
    /// Larger than its kind allows (the limit in bytes).
    TooLarge { max: usize },
    /// The case's channel has no connector that sends media (manual, webhook, …).
    ChannelTakesNoMedia,
    /// The description is longer than 1,500 characters.
    DescriptionTooLong,
}

impl MediaRefusal {
    pub fn key(self) -> &'static str {
        match self {
            MediaRefusal::NotMedia => "media_not_media",
            MediaRefusal::TooLarge { .. } => "media_too_large",
            MediaRefusal::ChannelTakesNoMedia => "media_channel_takes_none",
            MediaRefusal::DescriptionTooLong => "media_description_too_long",
        }
    }
}

/// What became of a reply with a photo or video.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaReplyOutcome {
    /// Checked as every reply is; `Queued` carries the media.
    Reply(ReplyOutcome),
    MediaRefused(MediaRefusal),
}

/// Checks the photo or video (type by magic bytes, size per type, a channel whose connector
/// sends media), then the reply as [`queue_reply`] does, and queues both in one transaction.
pub async fn queue_reply_with_media(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: ReplyRequest<'_>,
    media: ReplyAttachment<'_>,
) -> Result<MediaReplyOutcome> {
    let Some(kind) = wederhoor_core::MediaType::sniff(media.bytes) else {
        return Ok(MediaReplyOutcome::MediaRefused(MediaRefusal::NotMedia));
    };
    if media.bytes.len() > kind.max_bytes() {
        return Ok(MediaReplyOutcome::MediaRefused(MediaRefusal::TooLarge {
            max: kind.max_bytes(),
        }));
    }
    let description = media.description.trim();
    if description.chars().count() > 1_500 {
        return Ok(MediaReplyOutcome::MediaRefused(
            MediaRefusal::DescriptionTooLong,
        ));
    }
    let summary = store
        .conversation_summary(request.conversation)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    let source = store
        .source(summary.source_id)
        .await?
        .ok_or(StoreError::NotFound("source"))?;
    if !crate::cards::connector_sends_media(source.delivery_kind) {
        return Ok(MediaReplyOutcome::MediaRefused(
            MediaRefusal::ChannelTakesNoMedia,
        ));
    }
    let outcome = queue_checked(
        store,
        engine,
        policy,
        events,
        request,
        None,
        Some((kind.content_type(), media.bytes, description)),
    )
    .await?;
    Ok(MediaReplyOutcome::Reply(outcome))
}

async fn queue_checked(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: ReplyRequest<'_>,
    direct: Option<bool>,
    media: Option<(&str, &[u8], &str)>,
) -> Result<ReplyOutcome> {
    let text = request.text.trim();
    let refused = |refusal: Refusal| {
        Ok(ReplyOutcome::Refused {
            refusal,
            text: text.to_owned(),
        })
    };
    if text.is_empty() {
        return refused(Refusal::Empty);
    }
    if text.len() > MAX_TEXT_BYTES {
        return refused(Refusal::TooLong);
    }
    let summary = store
        .conversation_summary(request.conversation)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    let composer = composer(store, policy, &summary, request.agent_name).await?;
    if let Some(limit) = composer.limit {
        let length = limit.unit.count(&signed_text(text, &composer.signature));
        if length > limit.max {
            return refused(Refusal::OverChannelLimit {
                channel: composer.channel,
                limit,
                length,
            });
        }
    }
    // Personal data never in a public reply, whatever the case state; elsewhere only once the
    // case is private, and by e-mail only when the policy allows confidential e-mail.
    let public = composer.public && direct != Some(true);
    let may_carry = !public && summary.state == CaseState::Private;
    if !may_carry {
        let spans = personal_data(engine, text);
        if !spans.is_empty() {
            return refused(Refusal::PersonalData { public, spans });
        }
    } else if composer.channel == Channel::Email && !policy.allow_confidential_email {
        let spans = personal_data(engine, text);
        if !spans.is_empty() {
            return refused(Refusal::ConfidentialByEmail { spans });
        }
    }
    if let Some(end) = composer.whatsapp_window_end
        && request.now > end
    {
        return refused(Refusal::WhatsappWindowClosed { closed_at: end });
    }
    if !request.confirmed
        && let Some(opened_at) = request.opened_at
    {
        let answers = store
            .replies_by_others_since(request.conversation, request.agent, opened_at)
            .await?;
        if !answers.is_empty() {
            return refused(Refusal::ColleagueAnswered { answers });
        }
    }
    let reply = match media {
        None => {
            store
                .add_signed_reply(
                    request.conversation,
                    request.agent,
                    text,
                    Some(&composer.signature),
                )
                .await?
        }
        Some((content_type, bytes, description)) => {
            store
                .add_reply_with_media(
                    request.conversation,
                    request.agent,
                    text,
                    Some(&composer.signature),
                    content_type,
                    bytes,
                    description,
                )
                .await?
        }
    };
    if let Some(direct) = direct {
        store.set_reply_direct(reply, direct).await?;
    }
    events.changed(request.conversation, Change::Reply);
    Ok(ReplyOutcome::Queued(reply))
}

/// The personal data the triage finds in a text (byte spans).
pub fn personal_data(engine: &Engine, text: &str) -> Vec<PiiSpan> {
    let input = TriageInput {
        text,
        source: None,
        author_handle: "",
        author_name: None,
        followers: 0,
        reposts: 0,
        likes: 0,
        direct: false,
    };
    engine.triage(&input).pii
}
