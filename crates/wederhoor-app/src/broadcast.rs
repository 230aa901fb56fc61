//! Broadcast to everyone an incident or a fixed structural issue affects: the same message to
//! each person through their own channel (the newest of their conversations among the incident's
//! messages, or among the issue's linked cases), with a preview and a dry run (how many per
//! channel, who cannot be reached and why), then one reply per reachable person in the outbox, in
//! one transaction.
//!
//! Nobody is skipped or favoured: every affected person is a recipient exactly once (contacts
//! by contact, others by author), in the order of their key, and reach plays no part. Whoever
//! cannot be reached is recorded with the reason, not left out silently.

use crate::reply::{MAX_TEXT_BYTES, ReplyPolicy, personal_data};
use crate::{Change, Events, Result};
use std::collections::BTreeMap;
use wederhoor_core::StructuralState;
use wederhoor_core::channel::WHATSAPP_WINDOW_MS;
use wederhoor_core::{AgentId, Channel, DeliveryKind, PiiSpan, signed_text};
use wederhoor_store::{Affected, BroadcastSubject, PlannedRecipient, Store, StoreError};
use wederhoor_triage::Engine;

/// Why one person cannot be reached by the broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreachable {
    /// Replies on their source are copied by hand (no connector sends them).
    ManualChannel,
    /// Their source is switched off or retired.
    SourceOff,
    /// A Mastodon source we only listen to (not our own account): we cannot post there.
    NotOurAccount,
    /// WhatsApp's 24-hour window has closed.
    WhatsappWindowClosed,
    /// The message (with the signature) is longer than their channel allows.
    TooLongForChannel,
}

impl Unreachable {
    /// The code stored with the recipient and the end of its catalogue key.
    pub fn code(self) -> &'static str {
        match self {
            Unreachable::ManualChannel => "manual_channel",
            Unreachable::SourceOff => "source_off",
            Unreachable::NotOurAccount => "not_our_account",
            Unreachable::WhatsappWindowClosed => "whatsapp_window_closed",
            Unreachable::TooLongForChannel => "too_long_for_channel",
        }
    }
}

/// Why a broadcast cannot go at all.
#[derive(Debug, Clone, PartialEq)]
pub enum BroadcastRefusal {
    Empty,
    TooLong,
    /// Personal data: a broadcast goes to many, partly in public.
    PersonalData {
        spans: Vec<PiiSpan>,
    },
    /// The incident is closed.
    IncidentClosed,
    /// The structural issue is not (or no longer) fixed: only a fix is announced.
    IssueNotFixed,
}

impl BroadcastRefusal {
    pub fn key(&self) -> &'static str {
        match self {
            BroadcastRefusal::Empty => "empty_text",
            BroadcastRefusal::TooLong => "text_too_long",
            BroadcastRefusal::PersonalData { .. } => "broadcast_pii",
            BroadcastRefusal::IncidentClosed => "broadcast_incident_closed",
            BroadcastRefusal::IssueNotFixed => "broadcast_issue_not_fixed",
        }
    }
}

/// One recipient in the dry run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DryRecipient {
    pub conversation: i64,
    pub handle: Option<String>,
    pub source_name: String,
    pub channel: Channel,
    pub unreachable: Option<Unreachable>,
}

/// What a broadcast would do, without doing it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DryRun {
    /// The people it would reach, per channel.
    pub per_channel: BTreeMap<String, usize>,
    pub reachable: usize,
    /// Everyone affected, reachable or not, once each.
    pub recipients: Vec<DryRecipient>,
    /// Those who cannot be reached, per reason.
    pub unreachable: BTreeMap<String, usize>,
}

/// A broadcast an agent plans or sends.
#[derive(Debug, Clone)]
pub struct BroadcastRequest<'a> {
    /// The incident (open) or structural issue (fixed) whose affected people it reaches.
    pub subject: BroadcastSubject,
    pub agent: AgentId,
    pub agent_name: &'a str,
    pub text: &'a str,
    /// Now (UTC ms), for WhatsApp's window.
    pub now: i64,
}

/// What became of a broadcast.
#[derive(Debug, Clone, PartialEq)]
pub enum BroadcastOutcome {
    /// The dry run (`send` was false), or what was queued.
    Planned(DryRun),
    Queued {
        broadcast: i64,
        plan: DryRun,
    },
    Refused(BroadcastRefusal),
}

fn check_text(engine: &Engine, text: &str) -> Option<BroadcastRefusal> {
    if text.is_empty() {
        return Some(BroadcastRefusal::Empty);
    }
    if text.len() > MAX_TEXT_BYTES {
        return Some(BroadcastRefusal::TooLong);
    }
    let spans = personal_data(engine, text);
    (!spans.is_empty()).then_some(BroadcastRefusal::PersonalData { spans })
}

fn plan_one(
    policy: &ReplyPolicy,
    text: &str,
    agent_name: &str,
    now: i64,
    a: &Affected,
) -> (Channel, String, Option<Unreachable>) {
    let channel = Channel::of(&a.source_kind, a.delivery_kind);
    let signature = policy.signature(channel, agent_name);
    let unreachable = if a.source_off {
        Some(Unreachable::SourceOff)
    } else if a.delivery_kind == DeliveryKind::Manual {
        Some(Unreachable::ManualChannel)
    } else if a.delivery_kind == DeliveryKind::Mastodon && !a.source_owned {
        Some(Unreachable::NotOurAccount)
    } else if a.delivery_kind == DeliveryKind::Whatsapp
        && now > a.last_message_at.saturating_add(WHATSAPP_WINDOW_MS)
    {
        Some(Unreachable::WhatsappWindowClosed)
    } else if channel
        .limit()
        .is_some_and(|l| l.unit.count(&signed_text(text, &signature)) > l.max)
    {
        Some(Unreachable::TooLongForChannel)
    } else {
        None
    };
    (channel, signature, unreachable)
}

/// The dry run, or (with `send`) the broadcast queued: one reply per reachable person.
pub async fn broadcast(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: BroadcastRequest<'_>,
    send: bool,
) -> Result<BroadcastOutcome> {
    let text = request.text.trim();
    if let Some(refusal) = check_text(engine, text) {
        return Ok(BroadcastOutcome::Refused(refusal));
    }
    let audience = match request.subject {
        BroadcastSubject::Incident(id) => {
            let incident = store
                .incident(id)
                .await?
                .ok_or(StoreError::NotFound("incident"))?;
            if incident.state != "open" {
                return Ok(BroadcastOutcome::Refused(BroadcastRefusal::IncidentClosed));
            }
            store.incident_audience(id).await?
        }
        BroadcastSubject::StructuralIssue(id) => {
            let issue = store
                .structural_issue(id)
                .await?
                .ok_or(StoreError::NotFound("structural issue"))?;
            if issue.state != StructuralState::Fixed {
                return Ok(BroadcastOutcome::Refused(BroadcastRefusal::IssueNotFixed));
            }
            store.structural_audience(id).await?
        }
    };
    let mut plan = DryRun {
        per_channel: BTreeMap::new(),
        reachable: 0,
        recipients: Vec::with_capacity(audience.len()),
        unreachable: BTreeMap::new(),
    };
    let mut planned = Vec::with_capacity(audience.len());
    for a in &audience {
        let (channel, signature, unreachable) =
            plan_one(policy, text, request.agent_name, request.now, a);
        match unreachable {
            None => {
                plan.reachable += 1;
                *plan
                    .per_channel
                    .entry(channel.as_str().to_owned())
                    .or_default() += 1;
            }
            Some(u) => *plan.unreachable.entry(u.code().to_owned()).or_default() += 1,
        }
        plan.recipients.push(DryRecipient {
            conversation: a.conversation.0,
            handle: a.handle.clone(),
            source_name: a.source_name.clone(),
            channel,
            unreachable,
        });
        planned.push(PlannedRecipient {
            recipient: a.recipient.clone(),
            conversation: a.conversation,
            signature: Some(signature),
            unreachable: unreachable.map(|u| u.code().to_owned()),
        });
    }
    if !send {
        return Ok(BroadcastOutcome::Planned(plan));
    }
    let broadcast = store
        .queue_broadcast_for(request.subject, request.agent, text, &planned)
        .await?;
    for p in planned.iter().filter(|p| p.unreachable.is_none()) {
        events.changed(p.conversation, Change::Reply);
    }
    Ok(BroadcastOutcome::Queued { broadcast, plan })
}
