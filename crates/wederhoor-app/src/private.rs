//! "Take it private" (#12), in one action on a public message's case: a safe public reply (from
//! a template the web layer fills in from the catalogue, checked like every reply: never with
//! personal data, within the channel's limit, signed) and the private follow-up in the **same**
//! case:
//!
//! - a direct message on the same platform when its connector sends them (Mastodon: a status
//!   with `direct` visibility, through our own account), or otherwise
//! - a one-time link to the public call-back form (`/terugbellen/{token}`), where the customer
//!   leaves a phone number and a good time. The token is random (256 bits), stored hashed, works
//!   once, expires after `[replies] callback_link_hours`, and stops working when the case closes.
//!
//! The case becomes `private`; the public reply stays public (it is marked so in the outbox).

use crate::reply::{Refusal, ReplyOutcome, ReplyPolicy, ReplyRequest, composer, queue_reply_as};
use crate::{Change, Events, Result};
use wederhoor_core::{AgentId, CaseState, Channel, ConversationId, DeliveryKind, ReplyId};
use wederhoor_store::{CallbackUse, Store, StoreError, random_token};
use wederhoor_triage::Engine;

/// Where the link to the call-back form goes in the public text; without it the link goes on
/// its own line at the end.
pub const LINK_PLACEHOLDER: &str = "{link}";

/// Longest phone number and good time a customer may leave.
pub const MAX_GOOD_TIME_CHARS: usize = 200;

/// How the private follow-up of a case goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A direct message on the same platform.
    DirectMessage,
    /// A one-time link to the call-back form.
    CallbackLink,
}

/// The route "take it private" takes for a case, or `None` when the case's channel is already
/// private (a DM, a WhatsApp chat, an e-mail) and there is nothing to take private.
pub async fn route(
    store: &Store,
    policy: &ReplyPolicy,
    conversation: ConversationId,
) -> Result<Option<Route>> {
    let summary = store
        .conversation_summary(conversation)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    let composer = composer(store, policy, &summary, "").await?;
    if !composer.public {
        return Ok(None);
    }
    let source = store
        .source(summary.source_id)
        .await?
        .ok_or(StoreError::NotFound("source"))?;
    let dm = source.delivery_kind == DeliveryKind::Mastodon
        && source.owned
        && composer.channel == Channel::Mastodon;
    Ok(Some(if dm {
        Route::DirectMessage
    } else {
        Route::CallbackLink
    }))
}

/// What the agent asks.
#[derive(Debug, Clone)]
pub struct TakePrivate<'a> {
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub agent_name: &'a str,
    /// The public reply (the template, possibly edited by the agent).
    pub public_text: &'a str,
    /// The direct message (when the platform has them), from the catalogue.
    pub direct_text: &'a str,
    /// The site's public address, for the call-back link (`https://…`, no trailing `/`).
    pub base_url: &'a str,
    pub opened_at: Option<i64>,
    pub confirmed: bool,
    /// Now (UTC ms).
    pub now: i64,
}

/// The private part that was opened.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    DirectMessage(ReplyId),
    CallbackLink { url: String, expires_at: i64 },
}

/// What became of "take it private".
#[derive(Debug, Clone, PartialEq)]
pub enum TakePrivateOutcome {
    Done {
        public_reply: ReplyId,
        follow_up: FollowUp,
    },
    /// The public reply was refused (nothing was queued or opened); `text` is the agent's
    /// public text for the composer.
    Refused { refusal: Refusal, text: String },
    /// The case's channel is private already, or the case is closed.
    NotAvailable,
}

/// Takes a case private (see the module docs).
pub async fn take_private(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: TakePrivate<'_>,
) -> Result<TakePrivateOutcome> {
    let summary = store
        .conversation_summary(request.conversation)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    if summary.state == CaseState::Closed {
        return Ok(TakePrivateOutcome::NotAvailable);
    }
    let Some(route) = route(store, policy, request.conversation).await? else {
        return Ok(TakePrivateOutcome::NotAvailable);
    };
    let public_text = request.public_text.trim();
    // The link is made before the public reply (it is part of its text) and stored only once
    // the reply is queued.
    // 128 random bits in hex: unguessable, and short enough for a post.
    let token: String = random_token().chars().take(32).collect();
    let link_url = format!(
        "{}/terugbellen/{token}",
        request.base_url.trim_end_matches('/')
    );
    let text = match route {
        Route::CallbackLink if public_text.contains(LINK_PLACEHOLDER) => {
            public_text.replace(LINK_PLACEHOLDER, &link_url)
        }
        Route::CallbackLink if !public_text.is_empty() => format!("{public_text}\n{link_url}"),
        _ => public_text.replace(LINK_PLACEHOLDER, ""),
    };
    let public_reply = match queue_reply_as(
        store,
        engine,
        policy,
        events,
        ReplyRequest {
            conversation: request.conversation,
            agent: request.agent,
            agent_name: request.agent_name,
            text: &text,
            opened_at: request.opened_at,
            confirmed: request.confirmed,
            now: request.now,
        },
        Some(false),
    )
    .await?
    {
        ReplyOutcome::Queued(id) => id,
        ReplyOutcome::Refused { refusal, .. } => {
            // The agent's own text goes back, without the link (it was never stored).
            return Ok(TakePrivateOutcome::Refused {
                refusal,
                text: public_text.to_owned(),
            });
        }
    };
    store
        .set_state(request.conversation, CaseState::Private, request.agent)
        .await?;
    let follow_up = match route {
        Route::DirectMessage => {
            let signature = policy.signature(Channel::Mastodon, request.agent_name);
            let dm = store
                .add_signed_reply(
                    request.conversation,
                    request.agent,
                    request.direct_text.trim(),
                    Some(&signature),
                )
                .await?;
            store.set_reply_direct(dm, true).await?;
            FollowUp::DirectMessage(dm)
        }
        Route::CallbackLink => {
            let expires_at = request.now + policy.callback_link_hours * 3_600_000;
            store
                .create_callback_link(request.conversation, &token, expires_at, request.agent)
                .await?;
            FollowUp::CallbackLink {
                url: link_url,
                expires_at,
            }
        }
    };
    events.changed(request.conversation, Change::Reply);
    Ok(TakePrivateOutcome::Done {
        public_reply,
        follow_up,
    })
}

/// Why a call-back request was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// The phone number is missing or not a phone number.
    Phone,
    /// The good time is missing or too long.
    GoodTime,
    /// The link does not work (any more): used, expired, closed, unknown.
    Link(LinkProblem),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Used,
    Expired,
    Closed,
    Unknown,
}

impl LinkProblem {
    pub fn of(found: &CallbackUse) -> Option<LinkProblem> {
        match found {
            CallbackUse::Open(_) => None,
            CallbackUse::Used => Some(LinkProblem::Used),
            CallbackUse::Expired => Some(LinkProblem::Expired),
            CallbackUse::Closed => Some(LinkProblem::Closed),
            CallbackUse::Unknown => Some(LinkProblem::Unknown),
        }
    }
}

/// A phone number as people write it: digits with spaces, dashes, dots, slashes or
/// parentheses, an optional leading `+`; 8 to 15 digits (E.164 allows 15); a Dutch number
/// written nationally starts with 0. Returns it normalised (`+31612345678` or `0612345678`).
pub fn normalise_phone(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() || input.len() > 40 {
        return None;
    }
    let mut out = String::new();
    for (i, c) in input.chars().enumerate() {
        match c {
            '+' if i == 0 => out.push('+'),
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return None,
        }
    }
    let digits = out.trim_start_matches('+').len();
    if !(8..=15).contains(&digits) {
        return None;
    }
    if out.starts_with("+0") || (!out.starts_with('+') && !out.starts_with('0')) {
        return None;
    }
    Some(out)
}

/// Records the customer's call-back request through a one-time link at `now` (UTC ms).
pub async fn request_callback(
    store: &Store,
    events: &dyn Events,
    token: &str,
    phone: &str,
    good_time: &str,
    now: i64,
) -> Result<std::result::Result<ConversationId, CallbackError>> {
    // A dead link says so first: there is nothing to correct in the form then.
    if let Some(problem) = LinkProblem::of(&store.callback_link_use(token, now).await?) {
        return Ok(Err(CallbackError::Link(problem)));
    }
    let Some(phone) = normalise_phone(phone) else {
        return Ok(Err(CallbackError::Phone));
    };
    let good_time = good_time.trim();
    if good_time.is_empty() || good_time.chars().count() > MAX_GOOD_TIME_CHARS {
        return Ok(Err(CallbackError::GoodTime));
    }
    let found = store
        .use_callback_link(token, &phone, good_time, now)
        .await?;
    match found {
        CallbackUse::Open(conversation) => {
            events.changed(conversation, Change::Case);
            Ok(Ok(conversation))
        }
        other => Ok(Err(CallbackError::Link(
            LinkProblem::of(&other).unwrap_or(LinkProblem::Used),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised_or_refused() {
        assert_eq!(
            normalise_phone("06-12345678").as_deref(),
            Some("0612345678")
        );
        assert_eq!(
            normalise_phone("+31 (0)6 1234 5678").as_deref(),
            Some("+310612345678")
        );
        assert_eq!(
            normalise_phone("+32 470 12 34 56").as_deref(),
            Some("+32470123456")
        );
        assert_eq!(
            normalise_phone("020 123 45 67").as_deref(),
            Some("0201234567")
        );
        for bad in [
            "",
            "12345",
            "bel me",
            "06-1234x678",
            "612345678",
            "+0612345678",
            "0612++345678",
        ] {
            assert_eq!(normalise_phone(bad), None, "{bad}");
        }
    }
}
