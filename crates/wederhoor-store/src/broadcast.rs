//! Broadcasts to everyone an incident or a fixed structural issue affects: who they are (one row
//! per contact, or per author without a contact), the broadcast queued as one reply per reachable
//! recipient in one transaction, and what became of each. The structural issue's audience is in
//! `structural.rs`.

use crate::{Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId, DeliveryKind};

/// What a broadcast is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastSubject {
    Incident(i64),
    StructuralIssue(i64),
}

impl BroadcastSubject {
    /// The `broadcasts` column that holds the subject, and its id.
    fn column(self) -> (&'static str, i64) {
        match self {
            BroadcastSubject::Incident(id) => ("incident_id", id),
            BroadcastSubject::StructuralIssue(id) => ("structural_issue_id", id),
        }
    }

    /// The audit object kind.
    fn object_kind(self) -> &'static str {
        match self {
            BroadcastSubject::Incident(_) => "incident",
            BroadcastSubject::StructuralIssue(_) => "structural_issue",
        }
    }
}

/// One person an incident affects, with the conversation the broadcast would answer: the newest
/// of theirs among the incident's messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// `contact:ID`, `author:ID` or `message:ID`: one key per person, so nobody gets it twice.
    pub recipient: String,
    pub conversation: ConversationId,
    pub handle: Option<String>,
    pub source_name: String,
    pub source_kind: String,
    pub delivery_kind: DeliveryKind,
    pub source_owned: bool,
    /// The source is switched off or retired.
    pub source_off: bool,
    /// The newest message of the conversation (UTC ms), for WhatsApp's window.
    pub last_message_at: i64,
}

/// One recipient of a broadcast, decided by the use case: the reply's signature, or why they
/// cannot be reached.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRecipient {
    pub recipient: String,
    pub conversation: ConversationId,
    pub signature: Option<String>,
    /// `None`: queue it; `Some(reason)`: recorded, not sent.
    pub unreachable: Option<String>,
}

/// A broadcast of an incident.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BroadcastView {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub text: String,
    pub agent_name: String,
    pub created_at: i64,
    pub recipients: Vec<RecipientState>,
}

/// What became of one recipient of a broadcast.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecipientState {
    pub conversation_id: i64,
    pub handle: Option<String>,
    pub source_name: String,
    pub delivery_kind: String,
    /// The reply's state (`queued`, `sent`, `failed`), or `None` when it was not sent.
    pub state: Option<String>,
    pub last_error: Option<String>,
    pub unreachable: Option<String>,
}

impl Store {
    /// Everyone the incident's messages come from, once each, ordered by the key (contacts, then
    /// authors, then anonymous messages: never by reach).
    pub async fn incident_audience(&self, incident: i64) -> Result<Vec<Affected>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT CASE WHEN a.contact_id IS NOT NULL THEN 'contact:' || CAST(a.contact_id AS TEXT) \
                    WHEN m.author_id IS NOT NULL THEN 'author:' || CAST(m.author_id AS TEXT) \
                    ELSE 'message:' || CAST(m.id AS TEXT) END, \
                    m.conversation_id, a.handle, s.name, s.kind, s.delivery_kind, s.owned, \
                    CASE WHEN s.enabled = 0 OR s.deleted_at IS NOT NULL THEN 1 ELSE 0 END, \
                    (SELECT MAX(m2.created_at) FROM messages m2 WHERE m2.conversation_id = m.conversation_id), \
                    m.created_at, m.id \
             FROM incidents i JOIN burst_alert_messages b ON b.alert_id = i.alert_id \
             JOIN messages m ON m.id = b.message_id JOIN conversations c ON c.id = m.conversation_id \
             JOIN sources s ON s.id = c.source_id LEFT JOIN authors a ON a.id = m.author_id \
             WHERE i.id = $1 ORDER BY 1, m.created_at DESC, m.id DESC",
        )
        .bind(incident)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<Affected> = Vec::new();
        for r in &rows {
            let recipient: String = r.try_get(0)?;
            // Rows come newest first per recipient: the first one is their conversation.
            if out.last().is_some_and(|a| a.recipient == recipient) {
                continue;
            }
            out.push(Affected {
                recipient,
                conversation: ConversationId(r.try_get(1)?),
                handle: r.try_get(2)?,
                source_name: r.try_get(3)?,
                source_kind: r.try_get(4)?,
                delivery_kind: r.try_get::<String, _>(5)?.parse().map_err(
                    |e: wederhoor_core::case::UnknownName| StoreError::Corrupt(e.to_string()),
                )?,
                source_owned: r.try_get::<i64, _>(6)? != 0,
                source_off: r.try_get::<i64, _>(7)? != 0,
                last_message_at: r.try_get::<Option<i64>, _>(8)?.unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Records a broadcast and queues one reply per reachable recipient, all in one transaction
    /// (every reply due at the same moment), audited with the counts. Returns its id.
    pub async fn queue_broadcast(
        &self,
        incident: i64,
        agent: AgentId,
        text: &str,
        recipients: &[PlannedRecipient],
    ) -> Result<i64> {
        self.queue_broadcast_for(
            BroadcastSubject::Incident(incident),
            agent,
            text,
            recipients,
        )
        .await
    }

    /// [`Store::queue_broadcast`] for any subject.
    pub async fn queue_broadcast_for(
        &self,
        subject: BroadcastSubject,
        agent: AgentId,
        text: &str,
        recipients: &[PlannedRecipient],
    ) -> Result<i64> {
        let (column, subject_id) = subject.column();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3 + 6 * recipients.len() as u64);
        let id: i64 = sqlx::query(&format!(
            "INSERT INTO broadcasts ({column}, text, agent_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
        ))
        .bind(subject_id)
        .bind(text)
        .bind(agent.0)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let mut queued = 0;
        for r in recipients {
            let reply = match &r.unreachable {
                None => {
                    queued += 1;
                    Some(
                        crate::inbox::insert_reply(
                            &mut tx,
                            r.conversation,
                            agent,
                            text,
                            r.signature.as_deref(),
                            None,
                        )
                        .await?
                        .0,
                    )
                }
                Some(_) => None,
            };
            sqlx::query(
                "INSERT INTO broadcast_recipients (broadcast_id, recipient, conversation_id, reply_id, unreachable) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&r.recipient)
            .bind(r.conversation.0)
            .bind(reply)
            .bind(r.unreachable.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            Some(agent.0),
            "broadcast.queue",
            subject.object_kind(),
            Some(subject_id),
            &format!(
                "broadcast {id}: {queued} queued, {} not reachable",
                recipients.len() - queued
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The broadcasts of an incident, newest first, each with the state of every recipient.
    pub async fn broadcasts_of_incident(&self, incident: i64) -> Result<Vec<BroadcastView>> {
        self.broadcasts_of(BroadcastSubject::Incident(incident))
            .await
    }

    /// The broadcasts of an incident or an issue, newest first, each with the state of every
    /// recipient.
    pub async fn broadcasts_of(&self, subject: BroadcastSubject) -> Result<Vec<BroadcastView>> {
        let (column, subject_id) = subject.column();
        self.counted(2);
        let rows = sqlx::query(&format!(
            "SELECT b.id, b.incident_id, b.text, g.display_name, b.created_at FROM broadcasts b \
             JOIN agents g ON g.id = b.agent_id WHERE b.{column} = $1 ORDER BY b.id DESC"
        ))
        .bind(subject_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(BroadcastView {
                id: r.try_get(0)?,
                incident_id: r.try_get(1)?,
                text: r.try_get(2)?,
                agent_name: r.try_get(3)?,
                created_at: r.try_get(4)?,
                recipients: Vec::new(),
            });
        }
        let states = sqlx::query(&format!(
            "SELECT br.broadcast_id, br.conversation_id, a.handle, s.name, s.delivery_kind, r.state, \
                    r.last_error, br.unreachable \
             FROM broadcasts b JOIN broadcast_recipients br ON br.broadcast_id = b.id \
             JOIN conversations c ON c.id = br.conversation_id JOIN sources s ON s.id = c.source_id \
             LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN replies r ON r.id = br.reply_id \
             WHERE b.{column} = $1 ORDER BY br.broadcast_id, br.recipient"
        ))
        .bind(subject_id)
        .fetch_all(self.pool())
        .await?;
        for r in &states {
            let broadcast: i64 = r.try_get(0)?;
            let state = RecipientState {
                conversation_id: r.try_get(1)?,
                handle: r.try_get(2)?,
                source_name: r.try_get(3)?,
                delivery_kind: r.try_get(4)?,
                state: r.try_get(5)?,
                last_error: r.try_get(6)?,
                unreachable: r.try_get(7)?,
            };
            if let Some(b) = out.iter_mut().find(|b| b.id == broadcast) {
                b.recipients.push(state);
            }
        }
        Ok(out)
    }
}
