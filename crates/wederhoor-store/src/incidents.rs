//! Alerts of the live burst detector and the incidents made of them (issue #13).
//!
//! An alert is stored once per wave (`wave_key` is unique, and an alert whose detector keys
//! overlap an alert active in the same window is joined instead of opened again), so several
//! nodes and a restart that replays the last hours store one row. Messages join an alert
//! idempotently (primary key alert + message). An incident is made of one alert; its timeline is
//! `incident_events`.

use crate::{Result, Store, StoreError, audit, now_ms};
use serde::Serialize;
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId};

/// One stored message as the burst detector needs it (rebuilding its state after a start).
#[derive(Debug, Clone)]
pub struct BurstRow {
    pub message: i64,
    /// Milliseconds.
    pub created_at: i64,
    pub author: String,
    pub text: String,
    pub topics: Vec<String>,
    pub action: String,
    pub rule: String,
    pub sentiment: String,
}

/// A message that belongs to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertMember {
    pub message: i64,
    /// Milliseconds.
    pub created_at: i64,
}

/// A sample message of an alert.
#[derive(Debug, Clone, Serialize)]
pub struct AlertSample {
    pub conversation: ConversationId,
    pub author: Option<String>,
    pub text: String,
    pub created_at: i64,
}

/// An alert with what the alerts page shows.
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    pub id: i64,
    pub kind: String,
    pub topic: Option<String>,
    pub opened_at: i64,
    pub last_at: i64,
    pub sample: String,
    /// `open`, `dismissed` or `incident`.
    pub state: String,
    pub messages: i64,
    /// Distinct authors.
    pub authors: i64,
    pub sources: Vec<String>,
    pub samples: Vec<AlertSample>,
    /// The members' times (milliseconds), oldest first (the growth curve is drawn from them).
    pub times: Vec<i64>,
    pub incident: Option<i64>,
}

/// What a lead enters to make an incident of an alert.
#[derive(Debug, Clone)]
pub struct NewIncident<'a> {
    pub alert: i64,
    pub title: &'a str,
    pub warning: &'a str,
    pub reply: &'a str,
    pub public: bool,
}

/// An open incident in short (banners, matching of new messages, the composer).
#[derive(Debug, Clone, Serialize)]
pub struct IncidentBrief {
    pub id: i64,
    pub alert: i64,
    pub title: String,
    pub warning: String,
    pub reply: String,
    pub public: bool,
    pub kind: String,
    /// The alert's detector keys (hex, space separated).
    #[serde(skip)]
    pub keys: String,
    pub messages: i64,
}

/// One line of an incident's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentEvent {
    pub at: i64,
    /// `opened` (the alert), `made`, `published`, `withdrawn`, `joined`, `closed`.
    pub kind: String,
    pub count: i64,
    pub actor: Option<String>,
    pub detail: String,
}

/// An incident with its alert, counts and timeline.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub warning: String,
    pub reply: String,
    pub public: bool,
    /// `open` or `closed`.
    pub state: String,
    pub outcome: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub alert: AlertView,
    /// Distinct contacts (authors) among the incident's messages.
    pub affected: i64,
    pub events: Vec<IncidentEvent>,
}

/// The most keys kept per alert (a long wave of varied wording must not match everything).
const MAX_KEYS: usize = 64;
/// Messages joining an incident within this span share one timeline line.
const JOINED_SPAN_MS: i64 = 15 * 60 * 1000;
/// Sample messages shown per alert.
const SAMPLES: i64 = 3;

/// Parses space-separated hex keys.
pub fn parse_keys(s: &str) -> Vec<u64> {
    s.split_whitespace()
        .filter_map(|k| u64::from_str_radix(k, 16).ok())
        .collect()
}

fn merge_keys(stored: &str, add: &[u64]) -> String {
    let mut keys = parse_keys(stored);
    for k in add {
        if keys.len() >= MAX_KEYS {
            break;
        }
        if !keys.contains(k) {
            keys.push(*k);
        }
    }
    keys.iter()
        .map(|k| format!("{k:016x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Store {
    /// Stored messages created at or after `since` (milliseconds), oldest first, with their
    /// triage: what the burst detector is rebuilt from when a process starts.
    pub async fn burst_rows_since(&self, since: i64, limit: i64) -> Result<Vec<BurstRow>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT m.id, m.created_at, a.handle, m.text, t.topics, t.action, t.rule, t.sentiment_label \
             FROM messages m LEFT JOIN authors a ON a.id = m.author_id \
             LEFT JOIN triage t ON t.message_id = m.id \
             WHERE m.created_at >= $1 AND m.deleted_at IS NULL ORDER BY m.created_at, m.id LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let topics: Option<String> = r.try_get(4)?;
                Ok(BurstRow {
                    message: r.try_get(0)?,
                    created_at: r.try_get(1)?,
                    author: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
                    text: r.try_get(3)?,
                    topics: topics
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_default(),
                    action: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
                    rule: r.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
                    sentiment: r.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Stores an alert the detector opened, or finds the one already stored for this wave (the
    /// same `wave_key`, or detector keys shared with an alert active since `active_since`), and
    /// adds its members. Returns the alert's id and whether it is new.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_burst_alert(
        &self,
        wave_key: &str,
        kind: &str,
        topic: Option<&str>,
        opened_at: i64,
        active_since: i64,
        sample: &str,
        keys: &[u64],
        members: &[AlertMember],
    ) -> Result<(i64, bool)> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let candidates = sqlx::query("SELECT id, keys FROM burst_alerts WHERE last_at >= $1")
            .bind(active_since)
            .fetch_all(&mut *tx)
            .await?;
        let mut found = None;
        for r in &candidates {
            let stored: String = r.try_get(1)?;
            if parse_keys(&stored).iter().any(|k| keys.contains(k)) {
                found = Some(r.try_get::<i64, _>(0)?);
                break;
            }
        }
        let mut new = false;
        let id = match found {
            Some(id) => id,
            None => {
                let inserted = sqlx::query(
                    "INSERT INTO burst_alerts (wave_key, kind, topic, opened_at, last_at, sample, keys, state) \
                     VALUES ($1, $2, $3, $4, $4, $5, '', 'open') ON CONFLICT (wave_key) DO NOTHING RETURNING id",
                )
                .bind(wave_key)
                .bind(kind)
                .bind(topic)
                .bind(opened_at)
                .bind(sample)
                .fetch_optional(&mut *tx)
                .await?;
                match inserted {
                    Some(r) => {
                        new = true;
                        r.try_get(0)?
                    }
                    None => sqlx::query("SELECT id FROM burst_alerts WHERE wave_key = $1")
                        .bind(wave_key)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get(0)?,
                }
            }
        };
        if new {
            audit(
                &mut tx,
                None,
                "alert.open",
                "alert",
                Some(id),
                &format!("{kind}, {} messages", members.len()),
            )
            .await?;
        }
        attach(&mut tx, id, members, keys, Some(kind)).await?;
        tx.commit().await?;
        Ok((id, new))
    }

    /// Adds messages (and their detector keys) to a stored alert; when it is an open incident,
    /// the timeline counts them. Returns how many were new to the alert.
    pub async fn join_burst_alert(
        &self,
        alert: i64,
        members: &[AlertMember],
        keys: &[u64],
        phishing: bool,
    ) -> Result<u64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        let n = attach(
            &mut tx,
            alert,
            members,
            keys,
            phishing.then_some("phishing"),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Alerts in `state` (`open`, `dismissed`, `incident`), the most recently active first.
    pub async fn burst_alerts(&self, state: &str, limit: i64) -> Result<Vec<AlertView>> {
        self.counted(1);
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM burst_alerts WHERE state = $1 ORDER BY last_at DESC, id DESC LIMIT $2",
        )
        .bind(state)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = self.burst_alert(id).await? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// One alert with its counts, sources, samples and member times.
    pub async fn burst_alert(&self, id: i64) -> Result<Option<AlertView>> {
        self.counted(5);
        let Some(r) = sqlx::query(
            "SELECT id, kind, topic, opened_at, last_at, sample, state FROM burst_alerts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let counts = sqlx::query(
            "SELECT COUNT(*), COUNT(DISTINCT COALESCE(m.author_id, -m.id)) FROM burst_alert_messages b \
             JOIN messages m ON m.id = b.message_id WHERE b.alert_id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        let sources = sqlx::query(
            "SELECT DISTINCT s.name FROM burst_alert_messages b JOIN messages m ON m.id = b.message_id \
             JOIN sources s ON s.id = m.source_id WHERE b.alert_id = $1 ORDER BY s.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<Vec<String>, _>>()?;
        let samples = sqlx::query(
            "SELECT m.conversation_id, a.handle, m.text, m.created_at FROM burst_alert_messages b \
             JOIN messages m ON m.id = b.message_id LEFT JOIN authors a ON a.id = m.author_id \
             WHERE b.alert_id = $1 AND m.deleted_at IS NULL ORDER BY m.created_at, m.id LIMIT $2",
        )
        .bind(id)
        .bind(SAMPLES)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(AlertSample {
                conversation: ConversationId(r.try_get(0)?),
                author: r.try_get(1)?,
                text: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let times = sqlx::query(
            "SELECT created_at FROM burst_alert_messages WHERE alert_id = $1 ORDER BY created_at",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<Vec<i64>, _>>()?;
        let incident: Option<i64> = sqlx::query("SELECT id FROM incidents WHERE alert_id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        Ok(Some(AlertView {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            topic: r.try_get(2)?,
            opened_at: r.try_get(3)?,
            last_at: r.try_get(4)?,
            sample: r.try_get(5)?,
            state: r.try_get(6)?,
            messages: counts.try_get(0)?,
            authors: counts.try_get(1)?,
            sources,
            samples,
            times,
            incident,
        }))
    }

    /// A lead dismisses an open alert (audited). Conflict when it is no longer open.
    pub async fn dismiss_burst_alert(&self, id: i64, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let done = sqlx::query(
            "UPDATE burst_alerts SET state = 'dismissed', decided_by = $1, decided_at = $2 \
             WHERE id = $3 AND state = 'open'",
        )
        .bind(actor.0)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.alert_not_open(&mut tx, id).await);
        }
        audit(
            &mut tx,
            Some(actor.0),
            "alert.dismiss",
            "alert",
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn alert_not_open(&self, tx: &mut Tx, id: i64) -> StoreError {
        not_changed(
            tx,
            "SELECT state FROM burst_alerts WHERE id = $1",
            id,
            "alert",
            "the alert is no longer open",
        )
        .await
    }

    /// Makes an incident of an open alert (audited; the timeline starts with `made` and, when
    /// public, `published`). Conflict when the alert is no longer open.
    pub async fn create_incident(&self, new: &NewIncident<'_>, actor: AgentId) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE burst_alerts SET state = 'incident', decided_by = $1, decided_at = $2 \
             WHERE id = $3 AND state = 'open'",
        )
        .bind(actor.0)
        .bind(now)
        .bind(new.alert)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.alert_not_open(&mut tx, new.alert).await);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO incidents (alert_id, title, warning, reply, public, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) RETURNING id",
        )
        .bind(new.alert)
        .bind(new.title)
        .bind(new.warning)
        .bind(new.reply)
        .bind(i64::from(new.public))
        .bind(actor.0)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        event(&mut tx, id, now, "made", 0, Some(actor.0), "").await?;
        if new.public {
            event(&mut tx, id, now, "published", 0, Some(actor.0), "").await?;
        }
        audit(
            &mut tx,
            Some(actor.0),
            "incident.create",
            "incident",
            Some(id),
            &format!("alert {}, public {}", new.alert, new.public),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes an open incident's warning on the feedback page, or withdraws it.
    pub async fn set_incident_public(&self, id: i64, public: bool, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE incidents SET public = $1 WHERE id = $2 AND state = 'open' AND public <> $1",
        )
        .bind(i64::from(public))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.incident_unchanged(&mut tx, id).await);
        }
        let kind = if public { "published" } else { "withdrawn" };
        event(&mut tx, id, now_ms(), kind, 0, Some(actor.0), "").await?;
        audit(
            &mut tx,
            Some(actor.0),
            &format!("incident.{kind}"),
            "incident",
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn incident_unchanged(&self, tx: &mut Tx, id: i64) -> StoreError {
        not_changed(
            tx,
            "SELECT state FROM incidents WHERE id = $1",
            id,
            "incident",
            "the incident is closed or unchanged",
        )
        .await
    }

    /// Closes an open incident with its outcome (its banners go; audited).
    pub async fn close_incident(&self, id: i64, outcome: &str, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE incidents SET state = 'closed', outcome = $1, closed_at = $2 WHERE id = $3 AND state = 'open'",
        )
        .bind(outcome)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.incident_unchanged(&mut tx, id).await);
        }
        event(&mut tx, id, now, "closed", 0, Some(actor.0), outcome).await?;
        audit(
            &mut tx,
            Some(actor.0),
            "incident.close",
            "incident",
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Incidents, open ones first, newest first.
    pub async fn incidents(&self, limit: i64) -> Result<Vec<IncidentBrief>> {
        self.incident_briefs("", limit).await
    }

    /// The open incidents (banners, matching new messages).
    pub async fn open_incidents(&self) -> Result<Vec<IncidentBrief>> {
        self.incident_briefs("WHERE i.state = 'open'", 100).await
    }

    async fn incident_briefs(&self, filter: &str, limit: i64) -> Result<Vec<IncidentBrief>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "SELECT i.id, i.alert_id, i.title, i.warning, i.reply, i.public, a.kind, a.keys, \
             (SELECT COUNT(*) FROM burst_alert_messages b WHERE b.alert_id = i.alert_id) \
             FROM incidents i JOIN burst_alerts a ON a.id = i.alert_id {filter} \
             ORDER BY CASE WHEN i.state = 'open' THEN 0 ELSE 1 END, i.created_at DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IncidentBrief {
                    id: r.try_get(0)?,
                    alert: r.try_get(1)?,
                    title: r.try_get(2)?,
                    warning: r.try_get(3)?,
                    reply: r.try_get(4)?,
                    public: r.try_get::<i64, _>(5)? != 0,
                    kind: r.try_get(6)?,
                    keys: r.try_get(7)?,
                    messages: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// The open incidents that one of the conversation's messages belongs to.
    pub async fn incidents_of_conversation(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<IncidentBrief>> {
        let ids: Vec<i64> = sqlx::query(
            "SELECT DISTINCT i.id FROM incidents i JOIN burst_alert_messages b ON b.alert_id = i.alert_id \
             JOIN messages m ON m.id = b.message_id WHERE m.conversation_id = $1 AND i.state = 'open'",
        )
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
        self.counted(1);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .open_incidents()
            .await?
            .into_iter()
            .filter(|i| ids.contains(&i.id))
            .collect())
    }

    /// One incident with its alert, the number of affected contacts and the timeline.
    pub async fn incident(&self, id: i64) -> Result<Option<IncidentView>> {
        self.counted(3);
        let Some(r) = sqlx::query(
            "SELECT id, alert_id, title, warning, reply, public, state, outcome, created_at, closed_at \
             FROM incidents WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let alert_id: i64 = r.try_get(1)?;
        let alert = self
            .burst_alert(alert_id)
            .await?
            .ok_or(StoreError::NotFound("alert"))?;
        let affected: i64 = sqlx::query(
            "SELECT COUNT(DISTINCT COALESCE(a.contact_id * 2, m.author_id * 2 + 1, -m.id)) \
             FROM burst_alert_messages b JOIN messages m ON m.id = b.message_id \
             LEFT JOIN authors a ON a.id = m.author_id WHERE b.alert_id = $1",
        )
        .bind(alert_id)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let mut events = vec![IncidentEvent {
            at: alert.opened_at,
            kind: "opened".into(),
            count: alert
                .times
                .iter()
                .filter(|&&t| t <= alert.opened_at)
                .count() as i64,
            actor: None,
            detail: String::new(),
        }];
        let rows = sqlx::query(
            "SELECT e.at, e.kind, e.count, g.display_name, e.detail FROM incident_events e \
             LEFT JOIN agents g ON g.id = e.actor_id WHERE e.incident_id = $1 ORDER BY e.at, e.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        for e in &rows {
            events.push(IncidentEvent {
                at: e.try_get(0)?,
                kind: e.try_get(1)?,
                count: e.try_get(2)?,
                actor: e.try_get(3)?,
                detail: e.try_get(4)?,
            });
        }
        Ok(Some(IncidentView {
            id: r.try_get(0)?,
            title: r.try_get(2)?,
            warning: r.try_get(3)?,
            reply: r.try_get(4)?,
            public: r.try_get::<i64, _>(5)? != 0,
            state: r.try_get(6)?,
            outcome: r.try_get(7)?,
            created_at: r.try_get(8)?,
            closed_at: r.try_get(9)?,
            alert,
            affected,
            events,
        }))
    }
}

/// Adds members and keys to an alert in `tx`; counts newly joined messages on an open
/// incident's timeline. Returns how many members were new.
async fn attach(
    tx: &mut Tx,
    alert: i64,
    members: &[AlertMember],
    keys: &[u64],
    kind: Option<&str>,
) -> Result<u64> {
    let mut inserted = 0;
    let mut last = 0;
    for m in members {
        let done = sqlx::query(
            "INSERT INTO burst_alert_messages (alert_id, message_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (alert_id, message_id) DO NOTHING",
        )
        .bind(alert)
        .bind(m.message)
        .bind(m.created_at)
        .execute(&mut **tx)
        .await?;
        inserted += done.rows_affected();
        last = last.max(m.created_at);
    }
    let stored: String = sqlx::query("SELECT keys FROM burst_alerts WHERE id = $1")
        .bind(alert)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    let merged = merge_keys(&stored, keys);
    sqlx::query(
        "UPDATE burst_alerts SET keys = $1, last_at = CASE WHEN last_at < $2 THEN $2 ELSE last_at END, \
         kind = CASE WHEN $3 = 'phishing' THEN 'phishing' ELSE kind END WHERE id = $4",
    )
    .bind(merged)
    .bind(last)
    .bind(kind.unwrap_or(""))
    .bind(alert)
    .execute(&mut **tx)
    .await?;
    if inserted == 0 {
        return Ok(0);
    }
    let incident: Option<i64> =
        sqlx::query("SELECT id FROM incidents WHERE alert_id = $1 AND state = 'open'")
            .bind(alert)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
    if let Some(incident) = incident {
        let now = now_ms();
        let n = i64::try_from(inserted).unwrap_or(i64::MAX);
        let recent: Option<i64> = sqlx::query(
            "SELECT id FROM incident_events WHERE incident_id = $1 AND kind = 'joined' AND at >= $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(incident)
        .bind(now - JOINED_SPAN_MS)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        match recent {
            Some(e) => {
                sqlx::query("UPDATE incident_events SET count = count + $1 WHERE id = $2")
                    .bind(n)
                    .bind(e)
                    .execute(&mut **tx)
                    .await?;
            }
            None => event(tx, incident, now, "joined", n, None, "").await?,
        }
    }
    Ok(inserted)
}

async fn event(
    tx: &mut Tx,
    incident: i64,
    at: i64,
    kind: &str,
    count: i64,
    actor: Option<i64>,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_events (incident_id, at, kind, count, actor_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(incident)
    .bind(at)
    .bind(kind)
    .bind(count)
    .bind(actor)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Why a change that matched no row did nothing: the row is gone (not found) or in another state
/// (conflict).
async fn not_changed(
    tx: &mut Tx,
    sql: &'static str,
    id: i64,
    what: &'static str,
    conflict: &str,
) -> StoreError {
    match sqlx::query(sql).bind(id).fetch_optional(&mut **tx).await {
        Ok(Some(_)) => StoreError::Conflict(conflict.into()),
        Ok(None) => StoreError::NotFound(what),
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_merge_without_duplicates_and_up_to_the_cap() {
        let s = merge_keys("", &[1, 2, 2, 0xabc]);
        assert_eq!(parse_keys(&s), vec![1, 2, 0xabc]);
        let many: Vec<u64> = (0..200).collect();
        assert_eq!(parse_keys(&merge_keys(&s, &many)).len(), MAX_KEYS);
    }
}
