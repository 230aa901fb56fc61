//! Service levels (issue #12): the targets the sweep computed per case, snoozes and follow-up
//! promises, agents' availability, team and languages for auto-assignment, and the time pairs
//! the reports and the daily summary count in business hours.

use crate::{Result, Store, StoreError, audit};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId};

/// What the sweep needs to compute an open case's next target.
#[derive(Debug, Clone, PartialEq)]
pub struct DueInput {
    pub conversation: ConversationId,
    pub priority: i64,
    pub verdict: String,
    pub opened_at: i64,
    pub first_reply_at: Option<i64>,
}

/// A case's next target as the sweep computed it.
#[derive(Debug, Clone, PartialEq)]
pub struct DueUpdate {
    pub conversation: ConversationId,
    /// `first_response`, `resolution` or `none`.
    pub kind: &'static str,
    pub warn_at: Option<i64>,
    pub due_at: Option<i64>,
}

/// A case whose warning or breach is due to be signalled.
#[derive(Debug, Clone, PartialEq)]
pub struct DueSignal {
    pub conversation: ConversationId,
    pub kind: String,
    pub due_at: i64,
    pub snippet: String,
}

/// A snoozed case or a follow-up promise, as the leads' list shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Promise {
    pub conversation: ConversationId,
    pub until: i64,
    pub note: Option<String>,
    pub agent_name: Option<String>,
    pub owner_name: Option<String>,
    pub state: String,
    pub snippet: String,
}

/// An agent as auto-assignment sees them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssignableAgent {
    pub id: AgentId,
    pub display_name: String,
    pub team: Option<String>,
    /// Languages the agent answers in; empty: any.
    pub languages: Vec<String>,
    pub available: bool,
    pub last_assigned_at: Option<i64>,
    /// Cases the agent owns that are not closed.
    pub open_cases: i64,
}

/// An agent's own routing settings.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AgentRouting {
    pub team: Option<String>,
    pub languages: Vec<String>,
    pub available: bool,
}

/// An unassigned case waiting for an owner.
#[derive(Debug, Clone, PartialEq)]
pub struct UnassignedCase {
    pub conversation: ConversationId,
    pub language: String,
}

/// One case's times for the reports: `(priority, opened_at, done_at)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceLevelTimes {
    /// Cases first answered in the period: opened, first reply.
    pub first_response: Vec<(i64, i64, i64)>,
    /// Cases first closed in the period: opened, first close.
    pub resolution: Vec<(i64, i64, i64)>,
}

/// A case opened in a period, with what the daily summary's `past_sla` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedCase {
    pub priority: i64,
    pub verdict: String,
    pub opened_at: i64,
    pub first_reply_at: Option<i64>,
    pub closed: bool,
}

fn languages(s: Option<String>) -> Vec<String> {
    s.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// Open cases whose target is not computed yet, or still counts towards the first response
    /// although the team has replied (at most `limit`, oldest first).
    pub async fn cases_needing_due(&self, limit: i64) -> Result<Vec<DueInput>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.id, c.priority, c.verdict, c.created_at, \
             (SELECT MIN(r.created_at) FROM replies r WHERE r.conversation_id = c.id) AS first_reply \
             FROM conversations c WHERE c.state <> 'closed' AND (c.due_kind IS NULL OR \
             (c.due_kind = 'first_response' AND EXISTS (SELECT 1 FROM replies r WHERE r.conversation_id = c.id))) \
             ORDER BY c.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueInput {
                    conversation: ConversationId(r.try_get(0)?),
                    priority: r.try_get(1)?,
                    verdict: r.try_get(2)?,
                    opened_at: r.try_get(3)?,
                    first_reply_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Stores computed targets in one transaction; a new target clears the old signals.
    pub async fn set_due(&self, updates: &[DueUpdate]) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(updates.len() as u64);
        for u in updates {
            sqlx::query(
                "UPDATE conversations SET due_kind = $1, warn_at = $2, due_at = $3, \
                 warned_at = NULL, breached_at = NULL WHERE id = $4",
            )
            .bind(u.kind)
            .bind(u.warn_at)
            .bind(u.due_at)
            .bind(u.conversation.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Open cases whose warning (`breach = false`) or breach is due at `now` and not signalled
    /// yet; marks them signalled in the same transaction, so each is signalled once.
    pub async fn take_due_signals(&self, now: i64, breach: bool) -> Result<Vec<DueSignal>> {
        let (at, mark) = if breach {
            ("due_at", "breached_at")
        } else {
            ("warn_at", "warned_at")
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let rows = sqlx::query(&format!(
            "SELECT id, due_kind, due_at, snippet FROM conversations \
             WHERE {at} <= $1 AND {mark} IS NULL AND state <> 'closed' ORDER BY {at}, id LIMIT 500"
        ))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(DueSignal {
                conversation: ConversationId(r.try_get(0)?),
                kind: r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                due_at: r.try_get::<Option<i64>, _>(2)?.unwrap_or(now),
                snippet: r.try_get(3)?,
            });
        }
        if !out.is_empty() {
            // Ids read from the table: numbers, safe to list inline.
            let list = out
                .iter()
                .map(|s| s.conversation.0.to_string())
                .collect::<Vec<_>>()
                .join(",");
            sqlx::query(&format!(
                "UPDATE conversations SET {mark} = $1 WHERE id IN ({list})"
            ))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Snoozes a case until `until`, with an optional follow-up note (a promise to the
    /// customer); `until = None` wakes it (the promise is kept).
    pub async fn snooze_case(
        &self,
        conversation: ConversationId,
        until: Option<i64>,
        note: Option<&str>,
        actor: AgentId,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE conversations SET snoozed_until = $1, snooze_note = $2, snoozed_by = $3 WHERE id = $4",
        )
        .bind(until)
        .bind(note)
        .bind(until.map(|_| actor.0))
        .bind(conversation.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("conversation"));
        }
        let detail = match (until, note) {
            (Some(t), Some(_)) => format!("follow up by {t}"),
            (Some(t), None) => format!("snoozed until {t}"),
            (None, _) => "woken".to_owned(),
        };
        audit(
            &mut tx,
            Some(actor.0),
            "case.snooze",
            "conversation",
            Some(conversation.0),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Snoozed cases and follow-up promises, the one due first at the top (closed cases left
    /// out).
    pub async fn promises(&self, limit: i64) -> Result<Vec<Promise>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.id, c.snoozed_until, c.snooze_note, s.display_name, o.display_name, c.state, c.snippet \
             FROM conversations c LEFT JOIN agents s ON s.id = c.snoozed_by \
             LEFT JOIN agents o ON o.id = c.owner_id \
             WHERE c.snoozed_until IS NOT NULL AND c.state <> 'closed' \
             ORDER BY c.snoozed_until, c.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Promise {
                    conversation: ConversationId(r.try_get(0)?),
                    until: r.try_get(1)?,
                    note: r.try_get(2)?,
                    agent_name: r.try_get(3)?,
                    owner_name: r.try_get(4)?,
                    state: r.try_get(5)?,
                    snippet: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// An agent's team, languages and availability.
    pub async fn agent_routing(&self, agent: AgentId) -> Result<AgentRouting> {
        self.counted(1);
        let row = sqlx::query("SELECT team, languages, available FROM agents WHERE id = $1")
            .bind(agent.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("agent"))?;
        Ok(AgentRouting {
            team: row.try_get(0)?,
            languages: languages(row.try_get(1)?),
            available: row.try_get::<i64, _>(2)? != 0,
        })
    }

    /// Sets an agent's routing settings (audited).
    pub async fn set_agent_routing(
        &self,
        agent: AgentId,
        routing: &AgentRouting,
        actor: AgentId,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let langs = routing.languages.join(",");
        let done = sqlx::query(
            "UPDATE agents SET team = $1, languages = $2, available = $3 WHERE id = $4",
        )
        .bind(routing.team.as_deref())
        .bind((!langs.is_empty()).then_some(langs.as_str()))
        .bind(i64::from(routing.available))
        .bind(agent.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("agent"));
        }
        let detail = format!(
            "{} team={} languages={}",
            if routing.available {
                "available"
            } else {
                "away"
            },
            routing.team.as_deref().unwrap_or("-"),
            if langs.is_empty() { "-" } else { &langs }
        );
        audit(
            &mut tx,
            Some(actor.0),
            "agent.routing",
            "agent",
            Some(agent.0),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Agents and leads who are not disabled, with their open workload (one query).
    pub async fn assignable_agents(&self) -> Result<Vec<AssignableAgent>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT g.id, g.display_name, g.team, g.languages, g.available, g.last_assigned_at, \
             (SELECT COUNT(*) FROM conversations c WHERE c.owner_id = g.id AND c.state <> 'closed') \
             FROM agents g WHERE g.disabled = 0 AND g.role IN ('agent', 'lead') ORDER BY g.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AssignableAgent {
                    id: AgentId(r.try_get(0)?),
                    display_name: r.try_get(1)?,
                    team: r.try_get(2)?,
                    languages: languages(r.try_get(3)?),
                    available: r.try_get::<i64, _>(4)? != 0,
                    last_assigned_at: r.try_get(5)?,
                    open_cases: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Unassigned cases that expect an answer and are not snoozed at `now`, oldest first.
    pub async fn unassigned_cases(&self, now: i64, limit: i64) -> Result<Vec<UnassignedCase>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.id, c.language FROM conversations c WHERE c.owner_id IS NULL \
             AND c.state IN ('new', 'open') AND c.verdict NOT IN ('ignore', 'no_engage') \
             AND (c.snoozed_until IS NULL OR c.snoozed_until <= $1) \
             ORDER BY c.created_at, c.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnassignedCase {
                    conversation: ConversationId(r.try_get(0)?),
                    language: r.try_get(1)?,
                })
            })
            .collect()
    }

    /// Gives each case its owner in one transaction (only while it has none), with an audit
    /// entry per case and the agents' `last_assigned_at`; returns the cases assigned.
    pub async fn auto_assign(
        &self,
        assignments: &[(ConversationId, AgentId)],
        now: i64,
    ) -> Result<Vec<(ConversationId, AgentId)>> {
        if assignments.is_empty() {
            return Ok(Vec::new());
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        let mut done = Vec::new();
        for (i, (case, agent)) in assignments.iter().enumerate() {
            self.counted(1);
            let n = sqlx::query(
                "UPDATE conversations SET owner_id = $1, state = CASE WHEN state = 'new' THEN 'open' ELSE state END \
                 WHERE id = $2 AND owner_id IS NULL",
            )
            .bind(agent.0)
            .bind(case.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                continue;
            }
            self.counted(2);
            // Distinct instants keep the round-robin order within one batch.
            sqlx::query("UPDATE agents SET last_assigned_at = $1 WHERE id = $2")
                .bind(now + i as i64)
                .bind(agent.0)
                .execute(&mut *tx)
                .await?;
            audit(
                &mut tx,
                None,
                "case.assign",
                "conversation",
                Some(case.0),
                &format!("auto-assigned to agent {agent}"),
            )
            .await?;
            done.push((*case, *agent));
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Times of the cases first answered and first closed in `[start, end)`, with their
    /// priority, for the business-hours figures of the reports.
    pub async fn service_level_times(&self, start: i64, end: i64) -> Result<ServiceLevelTimes> {
        self.counted(2);
        let pool = self.pool();
        let mut out = ServiceLevelTimes::default();
        let rows = sqlx::query(
            "SELECT c.priority, c.created_at, f.first_reply FROM (SELECT r.conversation_id, MIN(r.created_at) AS first_reply \
             FROM replies r WHERE NOT EXISTS (SELECT 1 FROM surveys v WHERE v.reply_id = r.id) AND r.conversation_id IN \
               (SELECT conversation_id FROM replies WHERE created_at >= $1 AND created_at < $2) \
             GROUP BY r.conversation_id) f JOIN conversations c ON c.id = f.conversation_id \
             WHERE f.first_reply >= $1 AND f.first_reply < $2",
        )
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            out.first_response
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        let rows = sqlx::query(
            "SELECT c.priority, c.created_at, f.closed FROM (SELECT object_id, MIN(at) AS closed FROM audit_log \
             WHERE action = 'case.state' AND detail = 'closed' AND object_id IN \
               (SELECT object_id FROM audit_log WHERE action = 'case.state' AND detail = 'closed' \
                AND at >= $1 AND at < $2) \
             GROUP BY object_id) f JOIN conversations c ON c.id = f.object_id \
             WHERE f.closed >= $1 AND f.closed < $2",
        )
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            out.resolution
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        Ok(out)
    }

    /// The cases opened in `[start, end)` with their first reply (one query).
    pub async fn cases_opened_between(&self, start: i64, end: i64) -> Result<Vec<OpenedCase>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.priority, c.verdict, c.created_at, c.state, \
             (SELECT MIN(r.created_at) FROM replies r WHERE r.conversation_id = c.id) \
             FROM conversations c WHERE c.created_at >= $1 AND c.created_at < $2",
        )
        .bind(start)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OpenedCase {
                    priority: r.try_get(0)?,
                    verdict: r.try_get(1)?,
                    opened_at: r.try_get(2)?,
                    closed: r.try_get::<String, _>(3)? == "closed",
                    first_reply_at: r.try_get(4)?,
                })
            })
            .collect()
    }
}
