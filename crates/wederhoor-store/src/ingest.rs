//! Storing arriving messages with their triage, threaded into conversations, in batches.

use crate::{Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use wederhoor_core::{ConversationId, MessageId, SourceId, Triage, ValidMessage};

/// What happened to one message of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Newly stored (and committed) in this conversation.
    Stored {
        message: MessageId,
        conversation: ConversationId,
    },
    /// Already stored earlier (same source and external id); nothing was written.
    Duplicate { message: MessageId },
}

/// A stored message as the triage needs it again (for re-triage after a rules change).
#[derive(Debug, Clone)]
pub struct RetriageItem {
    pub message: MessageId,
    pub text: String,
    pub source: String,
    pub author_handle: String,
    pub author_name: Option<String>,
    pub followers: i64,
    pub reposts: i64,
    pub likes: i64,
}

/// Largest number of ids looked up in one `IN (…)` list.
const LOOKUP_CHUNK: usize = 400;

impl Store {
    /// Stores a batch of messages from one source in one transaction and returns, per message
    /// and in order, whether it was stored or was already there. When this returns `Ok`, every
    /// `Stored` message is committed.
    pub async fn ingest_batch(
        &self,
        source: SourceId,
        items: &[(ValidMessage, Triage)],
        rules_version: Option<i64>,
    ) -> Result<Vec<IngestOutcome>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let _guard = self.writer().await;
        let mut tx = self.pool().begin().await?;
        let mut statements = 0u64;

        // 1. Which of these are already stored? One query per chunk, not one per message.
        let mut existing: HashMap<String, i64> = HashMap::new();
        for chunk in items.chunks(LOOKUP_CHUNK) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT external_id, id FROM messages WHERE source_id = $1 AND external_id IN ({})",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(source.0);
            for (m, _) in chunk {
                q = q.bind(m.external_id.as_str());
            }
            statements += 1;
            for row in q.fetch_all(&mut *tx).await? {
                existing.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }

        let now = now_ms();
        let mut authors: HashMap<&str, i64> = HashMap::new();
        let mut conversation_of: HashMap<String, i64> = HashMap::new();
        let mut stored_in_batch: HashMap<&str, i64> = HashMap::new();
        let mut outcomes = Vec::with_capacity(items.len());
        let mut touched: HashSet<i64> = HashSet::new();

        for (m, t) in items {
            if let Some(id) = existing
                .get(&m.external_id)
                .or(stored_in_batch.get(m.external_id.as_str()))
            {
                outcomes.push(IngestOutcome::Duplicate {
                    message: MessageId(*id),
                });
                continue;
            }
            // Author (one upsert per distinct handle in the batch).
            let author_id = if m.author_handle.is_empty() {
                None
            } else if let Some(id) = authors.get(m.author_handle.as_str()) {
                Some(*id)
            } else {
                statements += 1;
                let row = sqlx::query(
                    "INSERT INTO authors (source_id, handle, name, followers) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (source_id, handle) DO UPDATE SET \
                     name = COALESCE(excluded.name, authors.name), followers = excluded.followers \
                     RETURNING id",
                )
                .bind(source.0)
                .bind(m.author_handle.as_str())
                .bind(m.author_name.clone())
                .bind(m.followers)
                .fetch_one(&mut *tx)
                .await?;
                let id: i64 = row.try_get(0)?;
                authors.insert(m.author_handle.as_str(), id);
                Some(id)
            };

            // Conversation: the parent's, when this answers a stored message; else a new one.
            let parent_conversation = match &m.in_reply_to {
                None => None,
                Some(parent) => match conversation_of.get(parent) {
                    Some(c) => Some(*c),
                    None => {
                        statements += 1;
                        sqlx::query(
                            "SELECT conversation_id FROM messages WHERE source_id = $1 AND external_id = $2",
                        )
                        .bind(source.0)
                        .bind(parent.as_str())
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get::<i64, _>(0))
                        .transpose()?
                    }
                },
            };
            let created = m.created_at.as_millisecond();
            let conversation = match parent_conversation {
                Some(c) => {
                    statements += 1;
                    sqlx::query(
                        "UPDATE conversations SET message_count = message_count + 1, \
                         last_message_at = CASE WHEN last_message_at > $1 THEN last_message_at ELSE $1 END, \
                         verdict = $2, \
                         priority = CASE WHEN priority > $3 THEN priority ELSE $3 END, \
                         state = CASE WHEN state IN ('waiting', 'closed') THEN 'open' ELSE state END \
                         WHERE id = $4",
                    )
                    .bind(created)
                    .bind(t.verdict.action.as_str())
                    .bind(i64::from(t.priority))
                    .bind(c)
                    .execute(&mut *tx)
                    .await?;
                    c
                }
                None => {
                    statements += 1;
                    let row = sqlx::query(
                        "INSERT INTO conversations (source_id, author_id, state, verdict, priority, language, \
                         topics, snippet, message_count, created_at, last_message_at) \
                         VALUES ($1, $2, 'new', $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
                    )
                    .bind(source.0)
                    .bind(author_id)
                    .bind(t.verdict.action.as_str())
                    .bind(i64::from(t.priority))
                    .bind(t.language.as_str())
                    .bind(topic_list(&t.topics))
                    .bind(snippet(&m.text))
                    .bind(created)
                    .fetch_one(&mut *tx)
                    .await?;
                    row.try_get(0)?
                }
            };
            touched.insert(conversation);

            statements += 1;
            let row = sqlx::query(
                "INSERT INTO messages (source_id, external_id, conversation_id, author_id, text, created_at, \
                 received_at, reposts, likes, in_reply_to) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(source.0)
            .bind(m.external_id.as_str())
            .bind(conversation)
            .bind(author_id)
            .bind(m.text.as_str())
            .bind(created)
            .bind(now)
            .bind(m.reposts)
            .bind(m.likes)
            .bind(m.in_reply_to.clone())
            .fetch_one(&mut *tx)
            .await?;
            let message: i64 = row.try_get(0)?;

            statements += 1;
            insert_triage(&mut tx, message, t, rules_version, now).await?;

            conversation_of.insert(m.external_id.clone(), conversation);
            stored_in_batch.insert(m.external_id.as_str(), message);
            outcomes.push(IngestOutcome::Stored {
                message: MessageId(message),
                conversation: ConversationId(conversation),
            });
        }
        tx.commit().await?;
        self.counted(statements + 2);
        Ok(outcomes)
    }

    /// A page of stored messages for re-triage, in id order after `after`.
    pub async fn messages_for_retriage(&self, after: i64, limit: i64) -> Result<Vec<RetriageItem>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT m.id, m.text, s.name, a.handle, a.name, a.followers, m.reposts, m.likes \
             FROM messages m JOIN sources s ON s.id = m.source_id \
             LEFT JOIN authors a ON a.id = m.author_id \
             WHERE m.id > $1 ORDER BY m.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RetriageItem {
                    message: MessageId(r.try_get(0)?),
                    text: r.try_get(1)?,
                    source: r.try_get(2)?,
                    author_handle: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                    author_name: r.try_get(4)?,
                    followers: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
                    reposts: r.try_get(6)?,
                    likes: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Replaces the triage of stored messages (one transaction per call).
    pub async fn update_triage_batch(
        &self,
        items: &[(MessageId, Triage)],
        rules_version: Option<i64>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.pool().begin().await?;
        let now = now_ms();
        for (id, t) in items {
            sqlx::query("DELETE FROM triage WHERE message_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            insert_triage(&mut tx, id.0, t, rules_version, now).await?;
        }
        tx.commit().await?;
        self.counted(2 * items.len() as u64 + 2);
        Ok(())
    }

    /// After a re-triage: each conversation takes the verdict of its newest message again.
    pub async fn refresh_conversation_verdicts(
        &self,
        actor: Option<i64>,
        messages: u64,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE conversations SET verdict = COALESCE((SELECT t.action FROM triage t \
             JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = conversations.id \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1), verdict), \
             priority = COALESCE((SELECT MAX(t.priority) FROM triage t \
             JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = conversations.id), priority)",
        )
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            actor,
            "triage.rerun",
            "messages",
            None,
            &format!("{messages} messages re-triaged"),
        )
        .await?;
        tx.commit().await?;
        self.counted(2);
        Ok(())
    }

    /// Number of stored messages.
    pub async fn message_count(&self) -> Result<i64> {
        self.counted(1);
        let row = sqlx::query("SELECT COUNT(*) FROM messages")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// How many times each (source name, external id) is stored — for crash tests and audits.
    pub async fn external_ids(&self, source: SourceId) -> Result<Vec<String>> {
        self.counted(1);
        let rows = sqlx::query("SELECT external_id FROM messages WHERE source_id = $1 ORDER BY id")
            .bind(source.0)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }
}

async fn insert_triage(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    message: i64,
    t: &Triage,
    rules_version: Option<i64>,
    now: i64,
) -> Result<()> {
    let pii = serde_json::to_string(&t.pii).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let topics =
        serde_json::to_string(&t.topics).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO triage (message_id, language, sentiment_label, sentiment_score, abusive, pii, topics, \
         priority, action, rule, reason, rules_version, triaged_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(message)
    .bind(t.language.as_str())
    .bind(t.sentiment.label.as_str())
    .bind(f64::from(t.sentiment.score))
    .bind(i64::from(t.abusive))
    .bind(pii)
    .bind(topics)
    .bind(i64::from(t.priority))
    .bind(t.verdict.action.as_str())
    .bind(t.verdict.rule.as_str())
    .bind(t.verdict.reason.as_str())
    .bind(rules_version)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Topics as stored on a conversation: `,a,b,` so one topic is found with `LIKE '%,a,%'`.
fn topic_list(topics: &[String]) -> String {
    let mut s = String::from(",");
    for t in topics {
        s.push_str(t);
        s.push(',');
    }
    s
}

/// The first 160 characters of a text, on a character boundary.
fn snippet(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", flat.get(..i).unwrap_or(&flat)),
        None => flat,
    }
}
