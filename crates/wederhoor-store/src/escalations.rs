//! Escalations that reach a lead, the leads' watchlist and the outgoing notification webhooks
//! (issue #12). Every change writes an audit row in the same transaction; opening an escalation
//! queues its mails and webhooks in that transaction too, so a notification exists exactly when
//! the escalation does, and its idempotency key keeps it single across retries and restarts.

use crate::accounts::queue_mail_tx;
use crate::{NewMail, Result, Store, StoreError, audit};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{AgentId, ConversationId, EscalationKind, EscalationState};

/// An escalation to open.
#[derive(Debug, Clone)]
pub struct NewEscalation {
    pub conversation: ConversationId,
    pub kind: EscalationKind,
    /// Why, in a few words for the history (a code, not user-facing text).
    pub reason: String,
    /// The case's text with personal data masked.
    pub snippet: String,
    pub at: i64,
}

/// A notification queued with an escalation.
#[derive(Debug, Clone)]
pub enum Notification {
    Mail(NewMail),
    Webhook {
        url: String,
        body: String,
        idempotency_key: String,
    },
}

/// An escalation as the leads' page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EscalationRow {
    pub id: i64,
    pub conversation: ConversationId,
    pub kind: EscalationKind,
    pub state: EscalationState,
    pub owner: Option<AgentId>,
    pub owner_name: Option<String>,
    pub reason: String,
    pub snippet: String,
    pub created_at: i64,
    pub first_action_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The ticked checklist items.
    pub checks: Vec<String>,
}

/// A handle on the leads' watchlist.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WatchedHandle {
    pub id: i64,
    pub handle: String,
    pub handle_key: String,
    pub note: String,
    pub created_at: i64,
}

/// A queued webhook the worker should post now.
#[derive(Debug, Clone)]
pub struct WebhookItem {
    pub id: i64,
    pub url: String,
    pub body: String,
    pub idempotency_key: String,
    pub attempts: i64,
}

const ROW_SELECT: &str = "SELECT e.id, e.conversation_id, e.kind, e.state, e.owner_id, g.display_name, \
     e.reason, e.snippet, e.created_at, e.first_action_at, e.closed_at \
     FROM escalations e LEFT JOIN agents g ON g.id = e.owner_id";

fn corrupt(e: wederhoor_core::case::UnknownName) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn row_of(r: &AnyRow) -> Result<EscalationRow> {
    let kind: String = r.try_get(2)?;
    let state: String = r.try_get(3)?;
    Ok(EscalationRow {
        id: r.try_get(0)?,
        conversation: ConversationId(r.try_get(1)?),
        kind: kind.parse().map_err(corrupt)?,
        state: state.parse().map_err(corrupt)?,
        owner: r.try_get::<Option<i64>, _>(4)?.map(AgentId),
        owner_name: r.try_get(5)?,
        reason: r.try_get(6)?,
        snippet: r.try_get(7)?,
        created_at: r.try_get(8)?,
        first_action_at: r.try_get(9)?,
        closed_at: r.try_get(10)?,
        checks: Vec::new(),
    })
}

impl Store {
    /// Opens an escalation with its notifications, and flags the case for a lead (when it was
    /// not flagged yet, and not for viral, which `flag_for_lead` flags with its figures; its
    /// priority never changes). `None` when the case already has an
    /// escalation of this kind: nothing is queued again.
    pub async fn open_escalation(
        &self,
        new: &NewEscalation,
        notifications: &[Notification],
    ) -> Result<Option<i64>> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4 + notifications.len() as u64);
        let row = sqlx::query(
            "INSERT INTO escalations (conversation_id, kind, state, reason, snippet, created_at) \
             VALUES ($1, $2, 'open', $3, $4, $5) ON CONFLICT (conversation_id, kind) DO NOTHING RETURNING id",
        )
        .bind(new.conversation.0)
        .bind(new.kind.as_str())
        .bind(&new.reason)
        .bind(&new.snippet)
        .bind(new.at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        // A viral case is flagged with its reach figures by `flag_for_lead` right after.
        let flagged = new.kind != EscalationKind::Viral
            && sqlx::query(
                "UPDATE conversations SET lead_flag = $1, lead_flag_at = $2 WHERE id = $3 AND lead_flag IS NULL",
            )
            .bind(format!("escalation {}", new.kind))
            .bind(new.at)
            .bind(new.conversation.0)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
        if flagged {
            audit(
                &mut tx,
                None,
                "case.lead_flag",
                "conversation",
                Some(new.conversation.0),
                &format!("escalation {}", new.kind),
            )
            .await?;
        }
        audit(
            &mut tx,
            None,
            "escalation.open",
            "escalation",
            Some(id),
            &format!("{} case {} {}", new.kind, new.conversation.0, new.reason),
        )
        .await?;
        for n in notifications {
            match n {
                Notification::Mail(mail) => queue_mail_tx(&mut tx, mail, new.at).await?,
                Notification::Webhook {
                    url,
                    body,
                    idempotency_key,
                } => {
                    sqlx::query(
                        "INSERT INTO webhook_outbox (url, body, idempotency_key, next_attempt_at, created_at) \
                         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (idempotency_key) DO NOTHING",
                    )
                    .bind(url)
                    .bind(body)
                    .bind(idempotency_key)
                    .bind(new.at)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Escalations, newest first: the open and acknowledged ones (`open_only`) or all. Two
    /// queries whatever the count (the rows, then their ticked items).
    pub async fn escalations(&self, open_only: bool, limit: i64) -> Result<Vec<EscalationRow>> {
        self.counted(2);
        let filter = if open_only {
            " WHERE e.state <> 'done'"
        } else {
            ""
        };
        let rows = sqlx::query(&format!(
            "{ROW_SELECT}{filter} ORDER BY e.created_at DESC, e.id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut list = rows.iter().map(row_of).collect::<Result<Vec<_>>>()?;
        let Some(oldest) = list.iter().map(|e| e.id).min() else {
            return Ok(list);
        };
        let checks = sqlx::query(
            "SELECT escalation_id, item FROM escalation_checks WHERE escalation_id >= $1 ORDER BY done_at, item",
        )
        .bind(oldest)
        .fetch_all(self.pool())
        .await?;
        for r in &checks {
            let id: i64 = r.try_get(0)?;
            if let Some(e) = list.iter_mut().find(|e| e.id == id) {
                e.checks.push(r.try_get(1)?);
            }
        }
        Ok(list)
    }

    /// One escalation with its ticked items.
    pub async fn escalation(&self, id: i64) -> Result<Option<EscalationRow>> {
        self.counted(2);
        let row = sqlx::query(&format!("{ROW_SELECT} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut e = row_of(&row)?;
        let checks = sqlx::query(
            "SELECT item FROM escalation_checks WHERE escalation_id = $1 ORDER BY done_at, item",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        for r in &checks {
            e.checks.push(r.try_get(0)?);
        }
        Ok(Some(e))
    }

    /// The escalations of one case (the case page links them).
    pub async fn escalations_of(&self, conversation: ConversationId) -> Result<Vec<EscalationRow>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "{ROW_SELECT} WHERE e.conversation_id = $1 ORDER BY e.id"
        ))
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_of).collect()
    }

    /// Sets the state (and owner, when given) of an escalation that is not done, counting the
    /// first action; `false` when it is done or unknown.
    pub async fn change_escalation(
        &self,
        id: i64,
        state: EscalationState,
        owner: Option<AgentId>,
        actor: AgentId,
        at: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let closed_at = (state == EscalationState::Done).then_some(at);
        let done = sqlx::query(
            "UPDATE escalations SET state = $1, owner_id = COALESCE($2, owner_id), \
             first_action_at = COALESCE(first_action_at, $3), closed_at = $4 \
             WHERE id = $5 AND state <> 'done'",
        )
        .bind(state.as_str())
        .bind(owner.map(|o| o.0))
        .bind(at)
        .bind(closed_at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = match owner {
            Some(o) => format!("{state} owner {}", o.0),
            None => state.to_string(),
        };
        audit(
            &mut tx,
            Some(actor.0),
            "escalation.change",
            "escalation",
            Some(id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Ticks (or unticks) a checklist item of an escalation that is not done; a tick counts as
    /// its first action. `false` when nothing changed.
    pub async fn tick_escalation(
        &self,
        id: i64,
        item: &str,
        ticked: bool,
        actor: AgentId,
        at: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let open = sqlx::query("SELECT id FROM escalations WHERE id = $1 AND state <> 'done'")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if open.is_none() {
            return Ok(false);
        }
        let changed = if ticked {
            sqlx::query(
                "INSERT INTO escalation_checks (escalation_id, item, done_by, done_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (escalation_id, item) DO NOTHING",
            )
            .bind(id)
            .bind(item)
            .bind(actor.0)
            .bind(at)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("DELETE FROM escalation_checks WHERE escalation_id = $1 AND item = $2")
                .bind(id)
                .bind(item)
                .execute(&mut *tx)
                .await?
        };
        if changed.rows_affected() == 0 {
            return Ok(false);
        }
        if ticked {
            sqlx::query(
                "UPDATE escalations SET first_action_at = COALESCE(first_action_at, $1) WHERE id = $2",
            )
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            Some(actor.0),
            if ticked {
                "escalation.tick"
            } else {
                "escalation.untick"
            },
            "escalation",
            Some(id),
            item,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many messages the contact of `conversation`'s author (its merged authors, and the same
    /// handle across sources) wrote since
    /// `since`, in conversations with `topic` (or, without one, in conversations without topic).
    pub async fn contact_messages_on_topic(
        &self,
        conversation: ConversationId,
        topic: Option<&str>,
        since: i64,
    ) -> Result<i64> {
        self.counted(1);
        let pattern = match topic {
            Some(t) => format!("%,{t},%"),
            None => ",".to_owned(),
        };
        let row = sqlx::query(
            "SELECT COUNT(*) FROM conversations me JOIN authors mine ON mine.id = me.author_id \
             JOIN authors a ON a.id IN (SELECT mine.id \
               UNION SELECT x.id FROM authors x WHERE x.contact_id = mine.contact_id \
               UNION SELECT y.id FROM authors y WHERE y.handle_key = mine.handle_key) \
             JOIN conversations c ON c.author_id = a.id \
             JOIN messages m ON m.conversation_id = c.id AND m.author_id = a.id \
             WHERE me.id = $1 AND m.created_at >= $2 AND c.topics LIKE $3",
        )
        .bind(conversation.0)
        .bind(since)
        .bind(pattern)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The snippet of a case (what its notifications show, after masking).
    pub async fn conversation_snippet(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<String>> {
        self.counted(1);
        let row = sqlx::query("SELECT snippet FROM conversations WHERE id = $1")
            .bind(conversation.0)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    // ----- the watchlist -----

    /// The watchlist, by handle.
    pub async fn watchlist(&self) -> Result<Vec<WatchedHandle>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT id, handle, handle_key, note, created_at FROM watchlist ORDER BY handle_key",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WatchedHandle {
                    id: r.try_get(0)?,
                    handle: r.try_get(1)?,
                    handle_key: r.try_get(2)?,
                    note: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Whether the handle (by its key) is on the watchlist.
    pub async fn is_watched(&self, handle_key: &str) -> Result<bool> {
        self.counted(1);
        let row = sqlx::query("SELECT id FROM watchlist WHERE handle_key = $1")
            .bind(handle_key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    /// Adds a handle; `false` when its key is on the list already.
    pub async fn watch_handle(
        &self,
        handle: &str,
        handle_key: &str,
        note: &str,
        actor: AgentId,
        at: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "INSERT INTO watchlist (handle_key, handle, note, added_by, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (handle_key) DO NOTHING RETURNING id",
        )
        .bind(handle_key)
        .bind(handle)
        .bind(note)
        .bind(actor.0)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            Some(actor.0),
            "watchlist.add",
            "watchlist",
            Some(id),
            handle_key,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes a handle from the watchlist; `false` when it was not there.
    pub async fn unwatch_handle(&self, id: i64, actor: AgentId) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query("DELETE FROM watchlist WHERE id = $1 RETURNING handle_key")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let key: String = row.try_get(0)?;
        audit(
            &mut tx,
            Some(actor.0),
            "watchlist.remove",
            "watchlist",
            Some(id),
            &key,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    // ----- the webhook outbox -----

    /// Claims the due webhooks for this worker (as `claim_due_mail`: the next attempt moves
    /// `lease_ms` ahead; concurrent claimers on PostgreSQL skip each other's rows).
    pub async fn claim_due_webhooks(
        &self,
        limit: i64,
        lease_ms: i64,
        now: i64,
    ) -> Result<Vec<WebhookItem>> {
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let rows = sqlx::query(&format!(
            "UPDATE webhook_outbox SET next_attempt_at = $1 WHERE id IN (SELECT id FROM webhook_outbox \
             WHERE state = 'queued' AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3{lock}) \
             RETURNING id, url, body, idempotency_key, attempts"
        ))
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok(WebhookItem {
                    id: r.try_get(0)?,
                    url: r.try_get(1)?,
                    body: r.try_get(2)?,
                    idempotency_key: r.try_get(3)?,
                    attempts: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|w| w.id);
        Ok(items)
    }

    /// The time of the next queued webhook, so the worker can sleep until then.
    pub async fn next_webhook_due(&self) -> Result<Option<i64>> {
        self.counted(1);
        let row =
            sqlx::query("SELECT MIN(next_attempt_at) FROM webhook_outbox WHERE state = 'queued'")
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?)
    }

    /// Records the outcome of an attempt: sent (`Ok`), retried at `retry_at`, or failed for
    /// good. No URL in the audit detail (it may hold a secret token).
    pub async fn webhook_attempted(
        &self,
        id: i64,
        outcome: std::result::Result<(), (&str, Option<i64>)>,
        now: i64,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let (state, error, next, action) = match outcome {
            Ok(()) => ("sent", None, now, "webhook.sent"),
            Err((e, Some(at))) => ("queued", Some(e), at, "webhook.retry"),
            Err((e, None)) => ("failed", Some(e), now, "webhook.failed"),
        };
        sqlx::query(
            "UPDATE webhook_outbox SET state = $1, attempts = attempts + 1, last_error = $2, \
             next_attempt_at = $3, sent_at = $4 WHERE id = $5",
        )
        .bind(state)
        .bind(error)
        .bind(next)
        .bind((state == "sent").then_some(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, None, action, "webhook", Some(id), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many webhooks are in each state (`queued`, `sent`, `failed`).
    pub async fn webhook_counts(&self) -> Result<Vec<(String, i64)>> {
        self.counted(1);
        let rows =
            sqlx::query("SELECT state, COUNT(*) FROM webhook_outbox GROUP BY state ORDER BY state")
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
