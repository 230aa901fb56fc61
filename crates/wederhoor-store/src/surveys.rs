//! Satisfaction surveys (issue #13) and the report figures that are not in the daily summary's
//! counts: resolution times, first responses without survey links, the workload per agent.
//!
//! A survey link leaves through the outbox as a reply (`replies`), inserted with the survey's
//! change in one transaction; unlike an agent's reply it does not move the case's state and
//! records no decision.

use crate::{Result, Store, StoreError, audit, random_token};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId, DeliveryKind, ReplyId};

/// What the survey use case needs to know about a case that just closed.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyCandidate {
    pub conversation: ConversationId,
    pub source_kind: String,
    pub delivery_kind: DeliveryKind,
    pub language: String,
    /// The first topic of the case, if any.
    pub topic: Option<String>,
    /// The agent of the newest reply (the one who helped); `None`: nobody answered.
    pub helper: Option<AgentId>,
}

/// A survey to schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSurvey {
    pub conversation: ConversationId,
    pub agent: Option<AgentId>,
    pub channel: String,
    pub topic: Option<String>,
    pub language: String,
    pub closed_at: i64,
    pub due_at: i64,
}

/// A scheduled survey whose time has come.
#[derive(Debug, Clone, PartialEq)]
pub struct DueSurvey {
    pub id: i64,
    pub conversation: ConversationId,
    pub agent: Option<AgentId>,
    pub agent_name: Option<String>,
    pub language: String,
}

/// The reply that carries a survey link, and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyLink<'a> {
    pub survey: i64,
    /// The conversation the reply is queued on (the case, or the customer's private one).
    pub via: ConversationId,
    pub agent: AgentId,
    pub text: &'a str,
    pub signature: Option<&'a str>,
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// A survey as its public page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyView {
    pub id: i64,
    pub conversation: ConversationId,
    pub language: String,
    pub expires_at: i64,
    pub score: Option<i64>,
}

/// What became of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyAnswer {
    Recorded,
    /// The case was answered before (one answer per case).
    AlreadyAnswered,
    Expired,
    /// No survey has this link.
    Unknown,
}

/// One sent survey, for NPS per group and the comments list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SurveyRow {
    pub id: i64,
    pub conversation: i64,
    /// Where the link went (the case, or the customer's private conversation).
    pub via: Option<i64>,
    pub agent: Option<String>,
    pub channel: String,
    pub topic: Option<String>,
    pub sent_at: i64,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Option<i64>,
    pub follow_up: bool,
}

/// The survey of one case, for its conversation page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SurveyBrief {
    pub state: String,
    pub skip_reason: Option<String>,
    pub sent_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub follow_up: bool,
}

/// Times of a period for the reports page (milliseconds, sorted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportTimes {
    /// From a case's first message to its first reply (survey links not counted), for the cases
    /// first answered in the period.
    pub first_response_ms: Vec<i64>,
    /// From a case's first message to its first close, for the cases first closed in the period.
    pub resolution_ms: Vec<i64>,
}

/// What one agent did in a period.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AgentWorkload {
    pub agent: String,
    /// Replies written (survey links not counted).
    pub replies: i64,
    /// Cases this agent closed.
    pub closed: i64,
}

/// Replies that carry a survey link are not the team's answers.
const NOT_A_SURVEY: &str = "NOT EXISTS (SELECT 1 FROM surveys v WHERE v.reply_id = r.id)";

impl Store {
    /// The case as the survey use case sees it; `None` when it does not exist.
    pub async fn survey_candidate(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<SurveyCandidate>> {
        self.counted(1);
        let row = sqlx::query(&format!(
            "SELECT s.kind, s.delivery_kind, c.language, c.topics, \
               (SELECT r.agent_id FROM replies r WHERE r.conversation_id = c.id AND {NOT_A_SURVEY} \
                ORDER BY r.created_at DESC, r.id DESC LIMIT 1) \
             FROM conversations c JOIN sources s ON s.id = c.source_id WHERE c.id = $1"
        ))
        .bind(conversation.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let delivery: String = row.try_get(1)?;
        let topics: String = row.try_get(3)?;
        Ok(Some(SurveyCandidate {
            conversation,
            source_kind: row.try_get(0)?,
            delivery_kind: delivery
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("delivery kind {delivery:?}")))?,
            language: row.try_get(2)?,
            topic: topics.split(',').find(|t| !t.is_empty()).map(str::to_owned),
            helper: row.try_get::<Option<i64>, _>(4)?.map(AgentId),
        }))
    }

    /// Schedules a survey; `None` when the case has one already (one per case, whatever
    /// happens to it later).
    pub async fn schedule_survey(&self, s: &NewSurvey) -> Result<Option<i64>> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "INSERT INTO surveys (conversation_id, agent_id, channel, topic, language, closed_at, due_at, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled') ON CONFLICT (conversation_id) DO NOTHING RETURNING id",
        )
        .bind(s.conversation.0)
        .bind(s.agent.map(|a| a.0))
        .bind(s.channel.as_str())
        .bind(s.topic.as_deref())
        .bind(s.language.as_str())
        .bind(s.closed_at)
        .bind(s.due_at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            None,
            "survey.schedule",
            "conversation",
            Some(s.conversation.0),
            &format!("survey {id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Scheduled surveys due at `now`, oldest first.
    pub async fn due_surveys(&self, now: i64, limit: i64) -> Result<Vec<DueSurvey>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT v.id, v.conversation_id, v.agent_id, g.display_name, v.language FROM surveys v \
             LEFT JOIN agents g ON g.id = v.agent_id \
             WHERE v.state = 'scheduled' AND v.due_at <= $1 ORDER BY v.due_at, v.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueSurvey {
                    id: r.try_get(0)?,
                    conversation: ConversationId(r.try_get(1)?),
                    agent: r.try_get::<Option<i64>, _>(2)?.map(AgentId),
                    agent_name: r.try_get(3)?,
                    language: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The author's other conversations (same handle key, any source), newest first, with their
    /// source kind and delivery: where a survey for a public case may go privately.
    pub async fn conversations_of_same_author(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<(ConversationId, String, DeliveryKind)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.id, s.kind, s.delivery_kind FROM conversations c \
             JOIN authors a ON a.id = c.author_id JOIN sources s ON s.id = c.source_id \
             WHERE c.id <> $1 AND s.deleted_at IS NULL AND a.handle_key = \
               (SELECT a2.handle_key FROM conversations c2 JOIN authors a2 ON a2.id = c2.author_id WHERE c2.id = $1) \
             ORDER BY c.last_message_at DESC, c.id DESC LIMIT 20",
        )
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .filter_map(|r| {
                let delivery: String = r.try_get(2).ok()?;
                Some(Ok((
                    ConversationId(r.try_get(0).ok()?),
                    r.try_get(1).ok()?,
                    delivery.parse().ok()?,
                )))
            })
            .collect()
    }

    /// Puts the reply with the survey link in the outbox and marks the survey sent, in one
    /// transaction; `None` when the survey was no longer scheduled (another worker sent it).
    pub async fn send_survey(&self, link: &SurveyLink<'_>) -> Result<Option<ReplyId>> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let claimed = sqlx::query(
            "UPDATE surveys SET state = 'sent', sent_at = $1, expires_at = $2, token_hash = $3, \
             via_conversation_id = $4 WHERE id = $5 AND state = 'scheduled'",
        )
        .bind(link.now)
        .bind(link.expires_at)
        .bind(link.token_hash)
        .bind(link.via.0)
        .bind(link.survey)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        let kind: String = sqlx::query(
            "SELECT s.delivery_kind FROM conversations c JOIN sources s ON s.id = c.source_id WHERE c.id = $1",
        )
        .bind(link.via.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?
        .try_get(0)?;
        let reply: i64 = sqlx::query(
            "INSERT INTO replies (conversation_id, agent_id, text, created_at, delivery_kind, state, \
             next_attempt_at, idempotency_key, signature) VALUES ($1, $2, $3, $4, $5, 'queued', $4, $6, $7) RETURNING id",
        )
        .bind(link.via.0)
        .bind(link.agent.0)
        .bind(link.text)
        .bind(link.now)
        .bind(kind)
        .bind(random_token())
        .bind(link.signature)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query("UPDATE surveys SET reply_id = $1 WHERE id = $2")
            .bind(reply)
            .bind(link.survey)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            None,
            "survey.send",
            "conversation",
            Some(link.via.0),
            &format!("survey {} reply {reply}", link.survey),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(ReplyId(reply)))
    }

    /// Records that no link was sent for a scheduled survey, and why (a reason key).
    pub async fn skip_survey(&self, survey: i64, reason: &str) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE surveys SET state = 'skipped', skip_reason = $1 WHERE id = $2 AND state = 'scheduled' \
             RETURNING conversation_id",
        )
        .bind(reason)
        .bind(survey)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let conversation: i64 = row.try_get(0)?;
            audit(
                &mut tx,
                None,
                "survey.skip",
                "conversation",
                Some(conversation),
                reason,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The sent survey with this token's hash.
    pub async fn survey_by_token(&self, token_hash: &str) -> Result<Option<SurveyView>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT id, conversation_id, language, expires_at, score FROM surveys \
             WHERE token_hash = $1 AND state = 'sent'",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SurveyView {
                id: r.try_get(0)?,
                conversation: ConversationId(r.try_get(1)?),
                language: r.try_get(2)?,
                expires_at: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                score: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Records the one answer of a survey (a conditional update: a second answer, or one after
    /// the link expired, changes nothing).
    pub async fn answer_survey(
        &self,
        token_hash: &str,
        score: i64,
        comment: Option<&str>,
        follow_up: bool,
        now: i64,
    ) -> Result<SurveyAnswer> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE surveys SET score = $1, comment = $2, answered_at = $3, follow_up = $4 \
             WHERE token_hash = $5 AND state = 'sent' AND score IS NULL AND expires_at > $3 \
             RETURNING conversation_id",
        )
        .bind(score)
        .bind(comment)
        .bind(now)
        .bind(i64::from(follow_up))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            drop(tx);
            return Ok(match self.survey_by_token(token_hash).await? {
                None => SurveyAnswer::Unknown,
                Some(v) if v.score.is_some() => SurveyAnswer::AlreadyAnswered,
                Some(_) => SurveyAnswer::Expired,
            });
        };
        let conversation: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            None,
            "survey.answer",
            "conversation",
            Some(conversation),
            &format!("score {score}"),
        )
        .await?;
        tx.commit().await?;
        Ok(SurveyAnswer::Recorded)
    }

    /// The survey of a case, if it has one.
    pub async fn survey_of_conversation(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<SurveyBrief>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT state, skip_reason, sent_at, expires_at, score, comment, follow_up FROM surveys \
             WHERE conversation_id = $1",
        )
        .bind(conversation.0)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SurveyBrief {
                state: r.try_get(0)?,
                skip_reason: r.try_get(1)?,
                sent_at: r.try_get(2)?,
                expires_at: r.try_get(3)?,
                score: r.try_get(4)?,
                comment: r.try_get(5)?,
                follow_up: r.try_get::<i64, _>(6)? != 0,
            })
        })
        .transpose()
    }

    /// The surveys sent in `[start, end)`, oldest first.
    pub async fn surveys_sent(&self, start: i64, end: i64) -> Result<Vec<SurveyRow>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT v.id, v.conversation_id, g.display_name, v.channel, v.topic, v.sent_at, v.score, \
             v.comment, v.answered_at, v.follow_up, v.via_conversation_id FROM surveys v LEFT JOIN agents g ON g.id = v.agent_id \
             WHERE v.state = 'sent' AND v.sent_at >= $1 AND v.sent_at < $2 ORDER BY v.sent_at, v.id",
        )
        .bind(start)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SurveyRow {
                    id: r.try_get(0)?,
                    conversation: r.try_get(1)?,
                    agent: r.try_get(2)?,
                    channel: r.try_get(3)?,
                    topic: r.try_get(4)?,
                    sent_at: r.try_get(5)?,
                    score: r.try_get(6)?,
                    comment: r.try_get(7)?,
                    answered_at: r.try_get(8)?,
                    follow_up: r.try_get::<i64, _>(9)? != 0,
                    via: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// First response and resolution times for `[start, end)`.
    pub async fn report_times(&self, start: i64, end: i64) -> Result<ReportTimes> {
        self.counted(2);
        let pool = self.pool();
        let mut times = ReportTimes::default();
        let rows = sqlx::query(&format!(
            "SELECT c.created_at, f.first_reply FROM (SELECT r.conversation_id, MIN(r.created_at) AS first_reply \
             FROM replies r WHERE {NOT_A_SURVEY} AND r.conversation_id IN \
               (SELECT conversation_id FROM replies WHERE created_at >= $1 AND created_at < $2) \
             GROUP BY r.conversation_id) f JOIN conversations c ON c.id = f.conversation_id \
             WHERE f.first_reply >= $1 AND f.first_reply < $2"
        ))
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            let opened: i64 = r.try_get(0)?;
            let first: i64 = r.try_get(1)?;
            times.first_response_ms.push((first - opened).max(0));
        }
        let rows = sqlx::query(
            "SELECT c.created_at, f.closed FROM (SELECT object_id, MIN(at) AS closed FROM audit_log \
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
            let opened: i64 = r.try_get(0)?;
            let closed: i64 = r.try_get(1)?;
            times.resolution_ms.push((closed - opened).max(0));
        }
        times.first_response_ms.sort_unstable();
        times.resolution_ms.sort_unstable();
        Ok(times)
    }

    /// Replies written and cases closed per agent in `[start, end)`, by name.
    pub async fn agent_workload(&self, start: i64, end: i64) -> Result<Vec<AgentWorkload>> {
        self.counted(2);
        let pool = self.pool();
        let mut by_agent = std::collections::BTreeMap::<String, AgentWorkload>::new();
        let rows = sqlx::query(&format!(
            "SELECT g.display_name, COUNT(*) FROM replies r JOIN agents g ON g.id = r.agent_id \
             WHERE r.created_at >= $1 AND r.created_at < $2 AND {NOT_A_SURVEY} \
             GROUP BY r.agent_id, g.display_name"
        ))
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            let name: String = r.try_get(0)?;
            by_agent
                .entry(name.clone())
                .or_insert_with(|| AgentWorkload {
                    agent: name,
                    ..AgentWorkload::default()
                })
                .replies += r.try_get::<i64, _>(1)?;
        }
        let rows = sqlx::query(
            "SELECT g.display_name, COUNT(DISTINCT l.object_id) FROM audit_log l JOIN agents g ON g.id = l.actor_id \
             WHERE l.action = 'case.state' AND l.detail = 'closed' AND l.at >= $1 AND l.at < $2 \
             GROUP BY l.actor_id, g.display_name",
        )
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
        for r in &rows {
            let name: String = r.try_get(0)?;
            by_agent
                .entry(name.clone())
                .or_insert_with(|| AgentWorkload {
                    agent: name,
                    ..AgentWorkload::default()
                })
                .closed += r.try_get::<i64, _>(1)?;
        }
        Ok(by_agent.into_values().collect())
    }

    /// Inbound messages in `[start, end)` per hour: (the hour's start, count), in order.
    pub async fn messages_per_hour(&self, start: i64, end: i64) -> Result<Vec<(i64, i64)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT created_at / 3600000, COUNT(*) FROM messages \
             WHERE created_at >= $1 AND created_at < $2 GROUP BY created_at / 3600000 ORDER BY 1",
        )
        .bind(start)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)? * 3_600_000, r.try_get(1)?)))
            .collect()
    }

    /// Test and demo support: moves a survey's times back by `ms` (as if it was sent earlier).
    pub async fn shift_survey_times(&self, conversation: ConversationId, ms: i64) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query(
            "UPDATE surveys SET closed_at = closed_at - $1, due_at = due_at - $1, \
             sent_at = sent_at - $1, expires_at = expires_at - $1, answered_at = answered_at - $1 \
             WHERE conversation_id = $2",
        )
        .bind(ms)
        .bind(conversation.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
