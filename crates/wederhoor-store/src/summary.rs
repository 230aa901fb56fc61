//! Counts for the daily summary (seed 004: every contact is registered and customer service gets
//! a summary of the day). Every query reads one time range `[start, end)` in UTC milliseconds
//! through an index on the time column (migration 8), so a day costs what that day holds.

use crate::{Result, Store};
use sqlx::Row;
use std::collections::BTreeMap;

/// What the store counts for one period; the application layer turns it into the summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodCounts {
    /// Inbound messages created in the period.
    pub messages: i64,
    /// Messages per source name.
    pub by_source: BTreeMap<String, i64>,
    /// Messages per verdict action (`none` for a message without triage).
    pub by_verdict: BTreeMap<String, i64>,
    /// Messages per topic (a message with two topics counts for both).
    pub by_topic: BTreeMap<String, i64>,
    /// Conversations whose first message falls in the period.
    pub cases_opened: i64,
    /// Conversations that got at least one reply written in the period.
    pub cases_answered: i64,
    /// Conversations closed in the period (by their audit entries).
    pub cases_closed: i64,
    /// Replies written in the period, per agent's display name.
    pub replies_by_agent: BTreeMap<String, i64>,
    /// For every case whose first reply was written in the period: milliseconds from its first
    /// message to that reply.
    pub first_response_ms: Vec<i64>,
    /// The first escalated and alerted messages of the period, in time order.
    pub samples: Vec<SummarySample>,
}

/// One escalated or alerted message, as the summary shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SummarySample {
    pub message: i64,
    pub conversation: i64,
    pub source: String,
    pub action: String,
    pub created_at: i64,
    pub text: String,
    /// The personal-data spans found in `text` (JSON as stored with the triage).
    pub pii: String,
}

impl Store {
    /// The counts of the daily summary for `[start_ms, end_ms)`, with at most `samples`
    /// escalated or alerted messages. Eight statements, each bounded by an index on time.
    pub async fn period_counts(
        &self,
        start_ms: i64,
        end_ms: i64,
        samples: i64,
    ) -> Result<PeriodCounts> {
        let pool = self.pool();
        let mut counts = PeriodCounts::default();
        self.counted(8);

        let rows = sqlx::query(
            "SELECT s.name, COUNT(*) FROM messages m JOIN sources s ON s.id = m.source_id \
             WHERE m.created_at >= $1 AND m.created_at < $2 GROUP BY s.name",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            let n: i64 = r.try_get(1)?;
            counts.messages += n;
            counts.by_source.insert(r.try_get(0)?, n);
        }

        // Verdicts and topics in one pass: grouped by the stored pair, topics split here.
        let rows = sqlx::query(
            "SELECT COALESCE(t.action, 'none'), COALESCE(t.topics, '[]'), COUNT(*) FROM messages m \
             LEFT JOIN triage t ON t.message_id = m.id \
             WHERE m.created_at >= $1 AND m.created_at < $2 \
             GROUP BY COALESCE(t.action, 'none'), COALESCE(t.topics, '[]')",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            let action: String = r.try_get(0)?;
            let topics: String = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            *counts.by_verdict.entry(action).or_insert(0) += n;
            let topics: Vec<String> = serde_json::from_str(&topics).unwrap_or_default();
            for t in topics {
                *counts.by_topic.entry(t).or_insert(0) += n;
            }
        }

        counts.cases_opened = sqlx::query(
            "SELECT COUNT(*) FROM conversations WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_one(pool)
        .await?
        .try_get(0)?;

        let rows = sqlx::query(
            "SELECT g.display_name, COUNT(*) FROM replies r JOIN agents g ON g.id = r.agent_id \
             WHERE r.created_at >= $1 AND r.created_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM surveys v WHERE v.reply_id = r.id) \
             GROUP BY r.agent_id, g.display_name",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            *counts.replies_by_agent.entry(r.try_get(0)?).or_insert(0) += r.try_get::<i64, _>(1)?;
        }

        counts.cases_answered = sqlx::query(
            "SELECT COUNT(DISTINCT r.conversation_id) FROM replies r WHERE r.created_at >= $1 AND r.created_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM surveys v WHERE v.reply_id = r.id)",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_one(pool)
        .await?
        .try_get(0)?;

        counts.cases_closed = sqlx::query(
            "SELECT COUNT(DISTINCT object_id) FROM audit_log \
             WHERE action = 'case.state' AND at >= $1 AND at < $2 AND detail = 'closed'",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_one(pool)
        .await?
        .try_get(0)?;

        // A case's first reply: the earliest over all its replies, kept when it falls in the
        // period (a case answered again today was first answered earlier).
        let rows = sqlx::query(
            "SELECT c.created_at, f.first_reply FROM (SELECT conversation_id, MIN(created_at) AS first_reply \
             FROM replies r WHERE NOT EXISTS (SELECT 1 FROM surveys v WHERE v.reply_id = r.id) AND r.conversation_id IN \
               (SELECT conversation_id FROM replies WHERE created_at >= $1 AND created_at < $2) \
             GROUP BY conversation_id) f JOIN conversations c ON c.id = f.conversation_id \
             WHERE f.first_reply >= $1 AND f.first_reply < $2",
        )
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            let opened: i64 = r.try_get(0)?;
            let first: i64 = r.try_get(1)?;
            counts.first_response_ms.push((first - opened).max(0));
        }
        counts.first_response_ms.sort_unstable();

        let rows = sqlx::query(
            "SELECT m.id, m.conversation_id, s.name, t.action, m.created_at, m.text, t.pii FROM messages m \
             JOIN triage t ON t.message_id = m.id JOIN sources s ON s.id = m.source_id \
             WHERE m.created_at >= $1 AND m.created_at < $2 AND t.action IN ('escalate', 'alert') \
             ORDER BY m.created_at, m.id LIMIT $3",
        )
        .bind(start_ms)
        .bind(end_ms)
        .bind(samples)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            counts.samples.push(SummarySample {
                message: r.try_get(0)?,
                conversation: r.try_get(1)?,
                source: r.try_get(2)?,
                action: r.try_get(3)?,
                created_at: r.try_get(4)?,
                text: r.try_get(5)?,
                pii: r.try_get(6)?,
            });
        }
        Ok(counts)
    }

    /// Whether a mail with this idempotency key is in the mail outbox (queued, sent or failed).
    /// The daily summary mail's key names its day, so one row per day exists cluster-wide.
    pub async fn mail_queued(&self, idempotency_key: &str) -> Result<bool> {
        self.counted(1);
        let row = sqlx::query("SELECT id FROM mail_outbox WHERE idempotency_key = $1")
            .bind(idempotency_key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }
}
