//! Retention (GDPR): messages of sources we only listen to are deleted once they are older than
//! the source's retention period.

use crate::{Result, Store, audit, now_ms};
use sqlx::Row;

/// Which messages a retention pass deletes for one source: older than the cutoff, and not the
/// message of a precedent (a lead's decision is kept as the evidence of a rule).
const EXPIRED: &str =
    "source_id = $1 AND created_at < $2 AND id NOT IN (SELECT message_id FROM precedents)";

impl Store {
    /// Deletes expired messages of every non-owned source that has a retention period, with
    /// their triage and query matches; conversations left without messages go too, with their
    /// replies and notes. One transaction and one audit entry per source. Returns the number
    /// of messages deleted.
    pub async fn apply_retention(&self) -> Result<u64> {
        let now = now_ms();
        let mut total = 0u64;
        for source in self.list_sources().await? {
            let Some(days) = source.retention_days.filter(|d| *d > 0) else {
                continue;
            };
            if source.owned {
                continue;
            }
            let cutoff = now - days * 24 * 60 * 60 * 1000;
            let _guard = self.writer().await;
            let mut tx = self.write_tx().await?;
            let affected: Vec<i64> = sqlx::query(&format!(
                "SELECT DISTINCT conversation_id FROM messages WHERE {EXPIRED}"
            ))
            .bind(source.id.0)
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
            if affected.is_empty() {
                continue;
            }
            // Out of the search index first, while the rows still say which documents.
            sqlx::query(&crate::search::unindex_sql(
                self.backend(),
                &format!("SELECT id * 4 FROM messages WHERE {EXPIRED}"),
            ))
            .bind(source.id.0)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
            for table in ["triage", "message_queries", "attachments"] {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE message_id IN (SELECT id FROM messages WHERE {EXPIRED})"
                ))
                .bind(source.id.0)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?;
            }
            let deleted = sqlx::query(&format!("DELETE FROM messages WHERE {EXPIRED}"))
                .bind(source.id.0)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            const EMPTY: &str = "SELECT c.id FROM conversations c WHERE c.source_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)";
            sqlx::query(&format!(
                "DELETE FROM surveys WHERE conversation_id IN ({EMPTY}) OR via_conversation_id IN ({EMPTY})"
            ))
            .bind(source.id.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query(&crate::search::unindex_sql(
                self.backend(),
                &format!("SELECT id * 4 + 1 FROM notes WHERE conversation_id IN ({EMPTY})"),
            ))
            .bind(source.id.0)
            .execute(&mut *tx)
            .await?;
            for table in [
                "replies",
                "notes",
                "callback_links",
                "structural_issue_cases",
            ] {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE conversation_id IN ({EMPTY})"
                ))
                .bind(source.id.0)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(&format!("DELETE FROM conversations WHERE id IN ({EMPTY})"))
                .bind(source.id.0)
                .execute(&mut *tx)
                .await?;
            for conversation in &affected {
                sqlx::query(
                    "UPDATE conversations SET message_count = \
                     (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id) WHERE id = $1",
                )
                .bind(*conversation)
                .execute(&mut *tx)
                .await?;
            }
            audit(
                &mut tx,
                None,
                "retention.delete",
                "source",
                Some(source.id.0),
                &format!("{deleted} messages older than {days} days deleted"),
            )
            .await?;
            tx.commit().await?;
            self.counted(10 + affected.len() as u64);
            total += deleted;
        }
        Ok(total)
    }
}
