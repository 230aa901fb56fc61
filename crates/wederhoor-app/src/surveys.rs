//! Satisfaction surveys (issue #13): after a case the team answered closes, the customer gets a
//! link to a short survey (0–10 and an optional comment) through the outbox — on the case's own
//! channel when that is private, else on a private conversation of the same author; a public
//! case whose author has no private channel gets no link (the survey is recorded as skipped,
//! with the reason). One answer per case, before the link expires; a detractor (0–6) is flagged
//! for a follow-up.

use crate::reply::ReplyPolicy;
use crate::{Error, Result};
use wederhoor_core::satisfaction::Score;
use wederhoor_core::{Channel, ConversationId, ReplyId, reply_is_public};
use wederhoor_store::{
    DueSurvey, NewSurvey, Store, SurveyAnswer, SurveyLink, hash_token, random_token,
};

/// Longest survey comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// When and where surveys go (`[surveys]` in the configuration).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyPolicy {
    pub enabled: bool,
    /// From the close to the link (milliseconds); 0 sends it with the close.
    pub delay_ms: i64,
    /// How long a link can be answered (milliseconds).
    pub valid_ms: i64,
    /// The channels of cases that get a survey.
    pub channels: Vec<Channel>,
}

impl Default for SurveyPolicy {
    /// An hour after the close, valid for 14 days, on every channel.
    fn default() -> SurveyPolicy {
        SurveyPolicy {
            enabled: true,
            delay_ms: 60 * 60 * 1000,
            valid_ms: 14 * 24 * 60 * 60 * 1000,
            channels: vec![
                Channel::Whatsapp,
                Channel::Facebook,
                Channel::Instagram,
                Channel::Bluesky,
                Channel::Mastodon,
                Channel::X,
                Channel::Email,
                Channel::Other,
            ],
        }
    }
}

/// What the survey sender needs besides the policy: how replies are signed, the base of the
/// link, and the invitation in the customer's language (`{link}` is replaced).
pub struct SurveySender<'a> {
    pub policy: &'a SurveyPolicy,
    pub replies: &'a ReplyPolicy,
    /// The public address, without a trailing slash.
    pub public_url: &'a str,
    /// The invitation text for a language code (`nl`, `en`, `fr`; others: Dutch).
    pub invitation: &'a (dyn Fn(&str) -> String + Send + Sync),
}

/// Why no survey link was sent for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The case was public and its author has no private conversation with us.
    NoPrivateChannel,
    /// Nobody of the team answered the case (nobody to sign the link).
    NoAgent,
}

impl SkipReason {
    /// Stored with the survey; also the catalogue key `survey_skip_{key}`.
    pub fn key(self) -> &'static str {
        match self {
            SkipReason::NoPrivateChannel => "no_private_channel",
            SkipReason::NoAgent => "no_agent",
        }
    }
}

/// What became of a due survey.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveyOutcome {
    /// The link is in the outbox on `via` (the case, or the author's private conversation).
    Sent {
        survey: i64,
        via: ConversationId,
        reply: ReplyId,
        /// The link's token (only here: the store keeps its hash).
        token: String,
    },
    Skipped {
        survey: i64,
        reason: SkipReason,
    },
}

/// A case closed: schedules its survey when the team answered it on a surveyed channel, and
/// sends it at once when there is no delay. `None`: no survey for this case (not answered, the
/// channel is not surveyed, surveys are off, or it has had one).
pub async fn case_closed(
    store: &Store,
    sender: &SurveySender<'_>,
    conversation: ConversationId,
    now: i64,
) -> Result<Option<SurveyOutcome>> {
    let policy = sender.policy;
    if !policy.enabled {
        return Ok(None);
    }
    let Some(case) = store.survey_candidate(conversation).await? else {
        return Ok(None);
    };
    let channel = Channel::of(&case.source_kind, case.delivery_kind);
    if case.helper.is_none() || !policy.channels.contains(&channel) {
        return Ok(None);
    }
    let due_at = now.saturating_add(policy.delay_ms.max(0));
    let scheduled = store
        .schedule_survey(&NewSurvey {
            conversation,
            agent: case.helper,
            channel: channel.as_str().to_owned(),
            topic: case.topic,
            language: case.language,
            closed_at: now,
            due_at,
        })
        .await?;
    let Some(id) = scheduled.filter(|_| due_at <= now) else {
        return Ok(None);
    };
    let sent = send_due_surveys(store, sender, now).await?;
    Ok(sent.into_iter().find(|o| match o {
        SurveyOutcome::Sent { survey, .. } | SurveyOutcome::Skipped { survey, .. } => *survey == id,
    }))
}

/// Sends (or skips, with the reason) every survey due at `now`: the schedule's job, run by the
/// worker. Safe on several nodes: a survey is claimed in the transaction that queues its link.
pub async fn send_due_surveys(
    store: &Store,
    sender: &SurveySender<'_>,
    now: i64,
) -> Result<Vec<SurveyOutcome>> {
    let mut outcomes = Vec::new();
    for due in store.due_surveys(now, 100).await? {
        if let Some(outcome) = send_one(store, sender, &due, now).await? {
            outcomes.push(outcome);
        }
    }
    Ok(outcomes)
}

async fn send_one(
    store: &Store,
    sender: &SurveySender<'_>,
    due: &DueSurvey,
    now: i64,
) -> Result<Option<SurveyOutcome>> {
    let skip = |reason: SkipReason| async move {
        store.skip_survey(due.id, reason.key()).await?;
        Ok::<_, Error>(Some(SurveyOutcome::Skipped {
            survey: due.id,
            reason,
        }))
    };
    let (Some(agent), Some(agent_name)) = (due.agent, due.agent_name.as_deref()) else {
        return skip(SkipReason::NoAgent).await;
    };
    let Some(case) = store.survey_candidate(due.conversation).await? else {
        return Ok(None);
    };
    // The link goes where only the customer reads it: the case's own channel when private,
    // else the author's newest private conversation; never in public.
    let (via, channel) = if reply_is_public(&case.source_kind, case.delivery_kind) {
        let others = store.conversations_of_same_author(due.conversation).await?;
        match others
            .into_iter()
            .find(|(_, kind, delivery)| !reply_is_public(kind, *delivery))
        {
            Some((id, kind, delivery)) => (id, Channel::of(&kind, delivery)),
            None => return skip(SkipReason::NoPrivateChannel).await,
        }
    } else {
        (
            due.conversation,
            Channel::of(&case.source_kind, case.delivery_kind),
        )
    };
    let token = random_token();
    let link = format!("{}/enquete/{token}", sender.public_url);
    let text = (sender.invitation)(&due.language).replace("{link}", &link);
    let signature = sender.replies.signature(channel, agent_name);
    let reply = store
        .send_survey(&SurveyLink {
            survey: due.id,
            via,
            agent,
            text: &text,
            signature: Some(&signature),
            token_hash: &hash_token(&token),
            now,
            expires_at: now.saturating_add(sender.policy.valid_ms),
        })
        .await?;
    Ok(reply.map(|reply| SurveyOutcome::Sent {
        survey: due.id,
        via,
        reply,
        token,
    }))
}

/// Why an answer was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRefusal {
    /// The score is not a whole number from 0 to 10.
    BadScore,
    CommentTooLong,
    AlreadyAnswered,
    Expired,
    Unknown,
}

impl AnswerRefusal {
    /// The catalogue key (public.ftl) of the message that explains it.
    pub fn key(self) -> &'static str {
        match self {
            AnswerRefusal::BadScore => "survey_bad_score",
            AnswerRefusal::CommentTooLong => "survey_comment_too_long",
            AnswerRefusal::AlreadyAnswered => "survey_already_answered",
            AnswerRefusal::Expired => "survey_expired",
            AnswerRefusal::Unknown => "survey_unknown",
        }
    }
}

/// What the survey page shows for a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyState {
    Open { language: &'static str },
    Answered,
    Expired,
    Unknown,
}

/// The state of the survey behind `token` at `now`, and the language of its case (`nl`, `en`,
/// `fr`, or `nl` for others).
pub async fn survey_state(store: &Store, token: &str, now: i64) -> Result<SurveyState> {
    if !plausible_token(token) {
        return Ok(SurveyState::Unknown);
    }
    Ok(match store.survey_by_token(&hash_token(token)).await? {
        None => SurveyState::Unknown,
        Some(v) if v.score.is_some() => SurveyState::Answered,
        Some(v) if v.expires_at <= now => SurveyState::Expired,
        Some(v) => SurveyState::Open {
            language: match v.language.as_str() {
                "en" => "en",
                "fr" => "fr",
                _ => "nl",
            },
        },
    })
}

/// Records the customer's one answer: `score` as typed (0–10), an optional comment.
pub async fn answer(
    store: &Store,
    token: &str,
    score: &str,
    comment: &str,
    now: i64,
) -> Result<std::result::Result<Score, AnswerRefusal>> {
    if !plausible_token(token) {
        return Ok(Err(AnswerRefusal::Unknown));
    }
    let Some(score) = Score::parse(score) else {
        return Ok(Err(AnswerRefusal::BadScore));
    };
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Ok(Err(AnswerRefusal::CommentTooLong));
    }
    let outcome = store
        .answer_survey(
            &hash_token(token),
            i64::from(score.get()),
            Some(comment).filter(|c| !c.is_empty()),
            score.is_detractor(),
            now,
        )
        .await?;
    Ok(match outcome {
        SurveyAnswer::Recorded => Ok(score),
        SurveyAnswer::AlreadyAnswered => Err(AnswerRefusal::AlreadyAnswered),
        SurveyAnswer::Expired => Err(AnswerRefusal::Expired),
        SurveyAnswer::Unknown => Err(AnswerRefusal::Unknown),
    })
}

/// Tokens are 64 hex digits; anything else is not looked up.
fn plausible_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}
