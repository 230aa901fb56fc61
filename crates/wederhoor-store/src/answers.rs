//! Answers at hand (#12): the answered cases suggested replies are found among, the fact base
//! leads keep for corrections, and the agents' public profile for the team page.

use crate::{Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId};

/// An earlier case the team answered: its first message and a reply that was sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnsweredCase {
    pub conversation_id: ConversationId,
    pub topics: Vec<String>,
    /// The case's first message.
    pub message: String,
    pub author_handle: Option<String>,
    pub author_name: Option<String>,
    /// The reply as it was sent (without its signature).
    pub reply: String,
    pub sent_at: i64,
}

/// An approved fact.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fact {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Where the fact comes from: a URL or a document's name.
    pub source: String,
    /// Who answers for it (a person or a department).
    pub owner: String,
    pub topic: String,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    pub approved_by: Option<AgentId>,
    pub approved_by_name: Option<String>,
    pub updated_at: i64,
}

/// A fact to store (validated by the application layer); the saving lead approves it.
#[derive(Debug, Clone, Copy)]
pub struct NewFact<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub source: &'a str,
    pub owner: &'a str,
    pub topic: &'a str,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
}

/// What an agent shows of themselves on the public team page.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PublicProfile {
    pub opted_in: bool,
    pub first_name: Option<String>,
    pub role: Option<String>,
}

/// Splits the stored `,a,b,` topic list.
fn topics_of(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

const FACT_COLUMNS: &str = "f.id, f.title, f.body, f.source, f.owner, f.topic, f.valid_from, \
     f.valid_until, f.approved_by, a.display_name, f.updated_at";

fn fact_from_row(r: &sqlx::any::AnyRow) -> Result<Fact> {
    Ok(Fact {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        body: r.try_get(2)?,
        source: r.try_get(3)?,
        owner: r.try_get(4)?,
        topic: r.try_get(5)?,
        valid_from: r.try_get(6)?,
        valid_until: r.try_get(7)?,
        approved_by: r.try_get::<Option<i64>, _>(8)?.map(AgentId),
        approved_by_name: r.try_get(9)?,
        updated_at: r.try_get(10)?,
    })
}

impl Store {
    /// The latest sent replies (sent at or after `since`, UTC ms) of cases in `language` other
    /// than `exclude`, newest first, at most `limit`: the bounded candidate set of suggested
    /// replies. A case with several sent replies comes once per reply.
    pub async fn answered_cases(
        &self,
        language: &str,
        exclude: ConversationId,
        since: i64,
        limit: i64,
    ) -> Result<Vec<AnsweredCase>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT r.conversation_id, c.topics, m.text, a.handle, a.name, r.text, r.sent_at \
             FROM replies r \
             JOIN conversations c ON c.id = r.conversation_id \
             JOIN messages m ON m.id = (SELECT MIN(m2.id) FROM messages m2 WHERE m2.conversation_id = r.conversation_id) \
             LEFT JOIN authors a ON a.id = c.author_id \
             WHERE r.state = 'sent' AND r.sent_at >= $1 AND c.language = $2 AND r.conversation_id <> $3 \
             ORDER BY r.sent_at DESC, r.id DESC LIMIT $4",
        )
        .bind(since)
        .bind(language)
        .bind(exclude.0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AnsweredCase {
                    conversation_id: ConversationId(r.try_get(0)?),
                    topics: topics_of(&r.try_get::<String, _>(1)?),
                    message: r.try_get(2)?,
                    author_handle: r.try_get(3)?,
                    author_name: r.try_get(4)?,
                    reply: r.try_get(5)?,
                    sent_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ facts

    /// Every fact, by topic and title.
    pub async fn facts(&self) -> Result<Vec<Fact>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "SELECT {FACT_COLUMNS} FROM facts f LEFT JOIN agents a ON a.id = f.approved_by \
             ORDER BY f.topic, f.title, f.id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(fact_from_row).collect()
    }

    pub async fn fact(&self, id: i64) -> Result<Option<Fact>> {
        self.counted(1);
        let row = sqlx::query(&format!(
            "SELECT {FACT_COLUMNS} FROM facts f LEFT JOIN agents a ON a.id = f.approved_by WHERE f.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(fact_from_row).transpose()
    }

    /// Adds (`id` `None`) or changes a fact, approved by `actor`, with an audit entry.
    pub async fn save_fact(
        &self,
        id: Option<i64>,
        fact: NewFact<'_>,
        actor: AgentId,
    ) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let now = now_ms();
        let id = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE facts SET title = $1, body = $2, source = $3, owner = $4, topic = $5, \
                     valid_from = $6, valid_until = $7, approved_by = $8, updated_at = $9 WHERE id = $10",
                )
                .bind(fact.title)
                .bind(fact.body)
                .bind(fact.source)
                .bind(fact.owner)
                .bind(fact.topic)
                .bind(fact.valid_from)
                .bind(fact.valid_until)
                .bind(actor.0)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("fact"));
                }
                id
            }
            None => sqlx::query(
                "INSERT INTO facts (title, body, source, owner, topic, valid_from, valid_until, approved_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(fact.title)
            .bind(fact.body)
            .bind(fact.source)
            .bind(fact.owner)
            .bind(fact.topic)
            .bind(fact.valid_from)
            .bind(fact.valid_until)
            .bind(actor.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?,
        };
        audit(
            &mut tx,
            Some(actor.0),
            "fact.save",
            "fact",
            Some(id),
            fact.title,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes a fact, with an audit entry.
    pub async fn delete_fact(&self, id: i64, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query("DELETE FROM facts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("fact"));
        }
        audit(&mut tx, Some(actor.0), "fact.delete", "fact", Some(id), "").await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ the public team page

    pub async fn public_profile(&self, agent: AgentId) -> Result<PublicProfile> {
        self.counted(1);
        let row =
            sqlx::query("SELECT public_optin, public_name, public_role FROM agents WHERE id = $1")
                .bind(agent.0)
                .fetch_optional(self.pool())
                .await?;
        let Some(r) = row else {
            return Err(StoreError::NotFound("agent"));
        };
        Ok(PublicProfile {
            opted_in: r.try_get::<i64, _>(0)? != 0,
            first_name: r.try_get(1)?,
            role: r.try_get(2)?,
        })
    }

    /// Sets what an agent shows on the team page, with an audit entry.
    pub async fn set_public_profile(
        &self,
        agent: AgentId,
        profile: &PublicProfile,
        actor: AgentId,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE agents SET public_optin = $1, public_name = $2, public_role = $3 WHERE id = $4",
        )
        .bind(i64::from(profile.opted_in))
        .bind(profile.first_name.as_deref())
        .bind(profile.role.as_deref())
        .bind(agent.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("agent"));
        }
        audit(
            &mut tx,
            Some(actor.0),
            "agent.public_profile",
            "agent",
            Some(agent.0),
            if profile.opted_in { "shown" } else { "hidden" },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The agents on the public team page: opted in, not disabled, with a first name; as
    /// `(first name, role)` by first name.
    pub async fn public_team(&self) -> Result<Vec<(String, String)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT public_name, public_role FROM agents \
             WHERE public_optin = 1 AND disabled = 0 AND public_name IS NOT NULL AND public_name <> '' \
             ORDER BY public_name, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                ))
            })
            .collect()
    }
}
