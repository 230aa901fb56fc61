//! Alerts become incidents (issue #13): a lead dismisses an alert of the live burst detector or
//! makes an incident of it in one action — a title, a public warning (a banner on the feedback
//! page when public), a suggested reply that the inbox offers on every matching message —;
//! publishes or withdraws the warning; closes the incident with its outcome.
//!
//! A published warning can also go out as posts on our own accounts, through the outbox
//! ([`post_warning`]: a preview first, then queued once per account).

use crate::live_alerts::LiveAlerts;
use wederhoor_core::AgentId;
use wederhoor_store::{NewIncident, Store, StoreError};
use wederhoor_triage::{Engine, TriageInput};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest warning, reply or outcome, in characters.
pub const TEXT_MAX: usize = 2000;

/// Why input was refused; `key` names the catalogue entry that says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    TitleMissing,
    TitleTooLong,
    WarningMissing,
    ReplyMissing,
    OutcomeMissing,
    TooLong,
    /// The public warning contains personal data.
    PersonalData,
    /// Only a published warning of an open incident is posted.
    NotPublic,
    /// The post would not fit a status on our accounts.
    PostTooLong,
}

impl Invalid {
    pub fn key(self) -> &'static str {
        match self {
            Invalid::TitleMissing => "incident_title_missing",
            Invalid::TitleTooLong => "incident_title_too_long",
            Invalid::WarningMissing => "incident_warning_missing",
            Invalid::ReplyMissing => "incident_reply_missing",
            Invalid::OutcomeMissing => "incident_outcome_missing",
            Invalid::TooLong => "incident_text_too_long",
            Invalid::PersonalData => "incident_no_pii",
            Invalid::NotPublic => "incident_post_not_public",
            Invalid::PostTooLong => "incident_post_too_long",
        }
    }
}

/// Why an incident use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error("invalid input: {}", .0.key())]
    Invalid(Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a lead enters to make an incident.
#[derive(Debug, Clone)]
pub struct IncidentInput {
    pub alert: i64,
    pub title: String,
    pub warning: String,
    pub reply: String,
    pub public: bool,
}

/// The checked, trimmed texts of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIncident {
    pub title: String,
    pub warning: String,
    pub reply: String,
}

fn text(s: &str, missing: Invalid, max: usize, too_long: Invalid) -> Result<String, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        Err(missing)
    } else if t.chars().count() > max {
        Err(too_long)
    } else {
        Ok(t.to_owned())
    }
}

/// Checks an incident's texts (pure): all three present and not too long; a public warning
/// without personal data (as the triage finds it).
pub fn check_incident(
    engine: &Engine,
    title: &str,
    warning: &str,
    reply: &str,
) -> Result<CheckedIncident, Invalid> {
    let title = text(
        title,
        Invalid::TitleMissing,
        TITLE_MAX,
        Invalid::TitleTooLong,
    )?;
    let warning = text(warning, Invalid::WarningMissing, TEXT_MAX, Invalid::TooLong)?;
    let reply = text(reply, Invalid::ReplyMissing, TEXT_MAX, Invalid::TooLong)?;
    if has_personal_data(engine, &format!("{title}\n{warning}")) {
        return Err(Invalid::PersonalData);
    }
    Ok(CheckedIncident {
        title,
        warning,
        reply,
    })
}

fn has_personal_data(engine: &Engine, text: &str) -> bool {
    !engine
        .triage(&TriageInput {
            text,
            source: Some("feedback"),
            author_handle: "",
            author_name: None,
            followers: 0,
            reposts: 0,
            likes: 0,
            direct: false,
        })
        .pii
        .is_empty()
}

/// Use case: make an incident of an open alert. Returns the incident's id.
pub async fn make_incident(
    store: &Store,
    engine: &Engine,
    alerts: &LiveAlerts,
    input: &IncidentInput,
    actor: AgentId,
) -> Result<i64, IncidentError> {
    let checked = check_incident(engine, &input.title, &input.warning, &input.reply)
        .map_err(IncidentError::Invalid)?;
    let id = store
        .create_incident(
            &NewIncident {
                alert: input.alert,
                title: &checked.title,
                warning: &checked.warning,
                reply: &checked.reply,
                public: input.public,
            },
            actor,
        )
        .await?;
    alerts.incidents_changed();
    Ok(id)
}

/// Use case: dismiss an open alert.
pub async fn dismiss_alert(store: &Store, alert: i64, actor: AgentId) -> Result<(), IncidentError> {
    store.dismiss_burst_alert(alert, actor).await?;
    Ok(())
}

/// Use case: publish an open incident's warning on the feedback page, or withdraw it.
pub async fn set_public(
    store: &Store,
    incident: i64,
    public: bool,
    actor: AgentId,
) -> Result<(), IncidentError> {
    store.set_incident_public(incident, public, actor).await?;
    Ok(())
}

/// Use case: close an incident with its outcome; its banners go and new messages no longer join.
pub async fn close_incident(
    store: &Store,
    alerts: &LiveAlerts,
    incident: i64,
    outcome: &str,
    actor: AgentId,
) -> Result<(), IncidentError> {
    let outcome = text(outcome, Invalid::OutcomeMissing, TEXT_MAX, Invalid::TooLong)
        .map_err(IncidentError::Invalid)?;
    store.close_incident(incident, &outcome, actor).await?;
    alerts.incidents_changed();
    Ok(())
}

/// The longest post, in characters: a Mastodon status holds 500, and the connector adds the
/// signature line.
pub const POST_MAX: usize = 440;

/// The text of an incident's post: its title, then its warning.
pub fn post_text(title: &str, warning: &str) -> String {
    format!("{title}\n\n{warning}")
}

/// What posting the warning on our own accounts does (the preview), or did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PostPlan {
    pub text: String,
    /// Our accounts that can post, each with its post once queued.
    pub targets: Vec<wederhoor_store::PostTarget>,
    /// Why it cannot be posted now (`None`: it can).
    #[serde(skip)]
    pub refused: Option<Invalid>,
    /// How many posts this call queued (0 for a preview, or when all were queued before).
    pub queued: usize,
}

/// Use case: post an incident's published warning on our own accounts through the outbox.
/// Without `send` it is the preview; with it each account without a post yet gets one, queued
/// in one transaction (a second call queues nothing new). A warning with personal data, an
/// unpublished or closed incident, or a text too long for a status is refused.
pub async fn post_warning(
    store: &Store,
    engine: &Engine,
    incident: i64,
    actor: AgentId,
    send: bool,
    now: i64,
) -> Result<PostPlan, IncidentError> {
    let view = store
        .incident(incident)
        .await?
        .ok_or(StoreError::NotFound("incident"))?;
    let text = post_text(&view.title, &view.warning);
    let refused = if view.state != "open" || !view.public {
        Some(Invalid::NotPublic)
    } else if has_personal_data(engine, &text) {
        Some(Invalid::PersonalData)
    } else if text.chars().count() > POST_MAX {
        Some(Invalid::PostTooLong)
    } else {
        None
    };
    let mut plan = PostPlan {
        text,
        targets: store.incident_post_targets(incident).await?,
        refused,
        queued: 0,
    };
    if !send {
        return Ok(plan);
    }
    if let Some(why) = plan.refused {
        return Err(IncidentError::Invalid(why));
    }
    plan.queued = store
        .queue_incident_posts(incident, &plan.text, &plan.targets, actor, now)
        .await?;
    if plan.queued > 0 {
        plan.targets = store.incident_post_targets(incident).await?;
    }
    Ok(plan)
}

/// Buckets of a growth curve: counts of `times` (milliseconds, oldest first) in at most
/// `buckets` equal spans of at least `min_span_ms` from the first time. Empty for no times.
pub fn growth(times: &[i64], buckets: usize, min_span_ms: i64) -> Vec<u32> {
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
        return Vec::new();
    };
    let buckets = buckets.max(1);
    let n = i64::try_from(buckets).unwrap_or(1);
    let span = ((last - first) / n + 1).max(min_span_ms.max(1));
    let used = usize::try_from((last - first) / span + 1)
        .unwrap_or(buckets)
        .min(buckets);
    let mut out = vec![0u32; used];
    for &t in times {
        let i = usize::try_from((t - first) / span)
            .unwrap_or(0)
            .min(used - 1);
        out[i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_texts_are_required_and_bounded() {
        let engine = Engine::default_engine();
        assert_eq!(
            check_incident(&engine, " ", "w", "r"),
            Err(Invalid::TitleMissing)
        );
        assert_eq!(
            check_incident(&engine, "t", "", "r"),
            Err(Invalid::WarningMissing)
        );
        assert_eq!(
            check_incident(&engine, "t", "w", "  "),
            Err(Invalid::ReplyMissing)
        );
        assert_eq!(
            check_incident(&engine, &"x".repeat(TITLE_MAX + 1), "w", "r"),
            Err(Invalid::TitleTooLong)
        );
        let ok = check_incident(&engine, " Phishing-sms ", " Klik niet. ", "Dank!").expect("valid");
        assert_eq!(ok.title, "Phishing-sms");
        assert_eq!(ok.warning, "Klik niet.");
    }

    #[test]
    fn a_public_warning_with_personal_data_is_refused() {
        let engine = Engine::default_engine();
        assert_eq!(
            check_incident(
                &engine,
                "Phishing",
                "Bel ons niet op 0612345678 maar mail jan.jansen@example.com, IBAN NL91ABNA0417164300",
                "r"
            ),
            Err(Invalid::PersonalData)
        );
    }

    #[test]
    fn growth_counts_per_span() {
        let min = 60_000;
        assert!(growth(&[], 12, min).is_empty());
        assert_eq!(growth(&[5], 12, min), vec![1]);
        // Three in the first minute, one in the third.
        assert_eq!(
            growth(&[0, 10_000, 59_000, 130_000], 12, min),
            vec![3, 0, 1]
        );
        // A long span is folded into at most 12 buckets, every time counted once.
        let times: Vec<i64> = (0..100).map(|i| i * 3_600_000).collect();
        let g = growth(&times, 12, min);
        assert!(g.len() <= 12);
        assert_eq!(g.iter().sum::<u32>(), 100);
    }
}
