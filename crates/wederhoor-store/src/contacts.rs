//! Contacts (issue #12): one person's authors across sources, merged and split by hand, and the
//! one timeline of everything that happened with them.
//!
//! Every author belongs to exactly one contact. A contact of one author costs nothing: the
//! author's `contact_id` is NULL and the contact's id is the author's own id, so ingest writes
//! nothing for it. A merge writes a `contacts` row whose id is the id of one of its authors and
//! sets `contact_id` on each of them; a row always holds at least two authors, among them the
//! author with its id (an unmerge that takes that author out moves the rest to the lowest id
//! left, one author left dissolves the row). So `COALESCE(contact_id, id)` is the contact of every
//! author, and an author id that has since joined another contact leads there
//! ([`ContactLookup::MovedTo`]).

use crate::{Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{AgentId, SourceId};

/// One author of a contact, with its source.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContactAuthor {
    pub id: i64,
    pub source_id: SourceId,
    pub source_name: String,
    pub source_kind: String,
    pub handle: String,
    pub name: Option<String>,
    /// The handle without platform decoration (`authors.handle_key`), compared across sources.
    pub handle_key: Option<String>,
    /// The contact the author belongs to.
    pub contact_id: i64,
}

/// A contact and its authors (the lowest id first).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContactView {
    pub id: i64,
    pub authors: Vec<ContactAuthor>,
}

impl ContactView {
    pub fn author_ids(&self) -> Vec<i64> {
        self.authors.iter().map(|a| a.id).collect()
    }

    /// The name shown for the contact: the first author's name, else its handle.
    pub fn display_name(&self) -> String {
        self.authors
            .iter()
            .find_map(|a| a.name.clone().filter(|n| !n.trim().is_empty()))
            .or_else(|| self.authors.first().map(|a| a.handle.clone()))
            .unwrap_or_default()
    }
}

/// What an id names.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactLookup {
    Found(ContactView),
    /// The author with this id has joined another contact since.
    MovedTo(i64),
    Missing,
}

/// One line of a contact's timeline: a case (`case`), a message, our reply, a note, a survey
/// answer or a card, newest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimelineEntry {
    pub kind: String,
    pub id: i64,
    pub conversation_id: i64,
    pub at: i64,
    /// The text (a case: its snippet; a survey: the comment; a card: its line).
    pub body: String,
    /// Who or where: the source (case, message), the agent (reply, note, card), the score (survey).
    pub detail: Option<String>,
    /// The case's state, the message's author handle, the reply's delivery state, the card's template.
    pub extra: Option<String>,
    /// A message's personal-data spans as stored (JSON), to mask it for display.
    pub pii: Option<String>,
}

const AUTHOR_SELECT: &str = "SELECT a.id, a.source_id, s.name, s.kind, a.handle, a.name, a.handle_key, \
     COALESCE(a.contact_id, a.id) FROM authors a JOIN sources s ON s.id = a.source_id";

fn author_of(r: &AnyRow) -> Result<ContactAuthor> {
    Ok(ContactAuthor {
        id: r.try_get(0)?,
        source_id: SourceId(r.try_get(1)?),
        source_name: r.try_get(2)?,
        source_kind: r.try_get(3)?,
        handle: r.try_get(4)?,
        name: r.try_get(5)?,
        handle_key: r.try_get(6)?,
        contact_id: r.try_get(7)?,
    })
}

/// `$from, $from+1, …` for `n` bound values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The authors of contact `id` inside a transaction; `NotFound` when `id` is not a contact (no
/// such author, or its author is in another contact now).
async fn contact_members(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id, COALESCE(contact_id, id) FROM authors WHERE id = $1 OR contact_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let mut ids = Vec::new();
    for r in &rows {
        let (author, contact): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if contact != id {
            return Err(StoreError::NotFound("contact"));
        }
        ids.push(author);
    }
    if ids.is_empty() {
        return Err(StoreError::NotFound("contact"));
    }
    Ok(ids)
}

impl Store {
    /// The contact with `id` and its authors. One query.
    pub async fn contact(&self, id: i64) -> Result<ContactLookup> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "{AUTHOR_SELECT} WHERE a.id = $1 OR a.contact_id = $1 ORDER BY a.id"
        ))
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let authors = rows.iter().map(author_of).collect::<Result<Vec<_>>>()?;
        if let Some(own) = authors.iter().find(|a| a.id == id)
            && own.contact_id != id
        {
            return Ok(ContactLookup::MovedTo(own.contact_id));
        }
        if authors.is_empty() {
            return Ok(ContactLookup::Missing);
        }
        Ok(ContactLookup::Found(ContactView { id, authors }))
    }

    /// The contact of the author of a conversation (`None` for a case without an author).
    pub async fn contact_of_conversation(
        &self,
        conversation: wederhoor_core::ConversationId,
    ) -> Result<Option<i64>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT COALESCE(a.contact_id, a.id) FROM conversations c \
             JOIN authors a ON a.id = c.author_id WHERE c.id = $1",
        )
        .bind(conversation.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// A page of the contact's timeline: its authors' cases and everything in them (messages,
    /// replies, notes, answered surveys, cards), newest first. One query; `limit` + 1 rows are
    /// read so the caller knows whether there is a next page.
    pub async fn contact_timeline(
        &self,
        authors: &[i64],
        offset: i64,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>> {
        if authors.is_empty() {
            return Ok(vec![]);
        }
        self.counted(1);
        let n = authors.len();
        let list = placeholders(1, n);
        let sql = format!(
            "WITH cs AS (SELECT id FROM conversations WHERE author_id IN ({list})) \
             SELECT kind, id, conversation_id, at, body, detail, extra, pii FROM ( \
               SELECT 'case' AS kind, c.id AS id, c.id AS conversation_id, c.created_at AS at, \
                      c.snippet AS body, s.name AS detail, c.state AS extra, CAST(NULL AS TEXT) AS pii \
                 FROM conversations c JOIN sources s ON s.id = c.source_id WHERE c.id IN (SELECT id FROM cs) \
               UNION ALL SELECT 'message', m.id, m.conversation_id, m.created_at, m.text, s.name, a.handle, t.pii \
                 FROM messages m JOIN sources s ON s.id = m.source_id LEFT JOIN authors a ON a.id = m.author_id \
                 LEFT JOIN triage t ON t.message_id = m.id WHERE m.conversation_id IN (SELECT id FROM cs) \
               UNION ALL SELECT 'reply', r.id, r.conversation_id, r.created_at, r.text, g.display_name, r.state, CAST(NULL AS TEXT) \
                 FROM replies r JOIN agents g ON g.id = r.agent_id WHERE r.conversation_id IN (SELECT id FROM cs) \
               UNION ALL SELECT 'note', n.id, n.conversation_id, n.created_at, n.text, g.display_name, CAST(NULL AS TEXT), CAST(NULL AS TEXT) \
                 FROM notes n JOIN agents g ON g.id = n.agent_id WHERE n.conversation_id IN (SELECT id FROM cs) \
               UNION ALL SELECT 'survey', v.id, v.conversation_id, v.answered_at, COALESCE(v.comment, ''), \
                      CAST(v.score AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT) \
                 FROM surveys v WHERE v.answered_at IS NOT NULL AND v.conversation_id IN (SELECT id FROM cs) \
               UNION ALL SELECT 'card', k.id, k.conversation_id, k.created_at, k.line, g.display_name, k.template, CAST(NULL AS TEXT) \
                 FROM cards k JOIN agents g ON g.id = k.agent_id WHERE k.conversation_id IN (SELECT id FROM cs) \
             ) t ORDER BY at DESC, kind, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = authors
            .iter()
            .fold(sqlx::query(&sql), |q, a| q.bind(*a))
            .bind(limit + 1)
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TimelineEntry {
                    kind: r.try_get(0)?,
                    id: r.try_get(1)?,
                    conversation_id: r.try_get(2)?,
                    at: r.try_get(3)?,
                    body: r.try_get(4)?,
                    detail: r.try_get(5)?,
                    extra: r.try_get(6)?,
                    pii: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// The texts and personal-data spans (JSON) of the newest `limit` messages of the authors:
    /// where e-mail addresses and phone numbers they gave are found.
    pub async fn contact_message_pii(
        &self,
        authors: &[i64],
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        if authors.is_empty() {
            return Ok(vec![]);
        }
        self.counted(1);
        let n = authors.len();
        let list = placeholders(1, n);
        let sql = format!(
            "SELECT m.text, t.pii FROM conversations c JOIN messages m ON m.conversation_id = c.id \
             JOIN triage t ON t.message_id = m.id \
             WHERE c.author_id IN ({list}) AND m.author_id IN ({list}) AND t.pii <> '[]' \
             ORDER BY m.created_at DESC LIMIT ${}",
            n + 1
        );
        let rows = authors
            .iter()
            .fold(sqlx::query(&sql), |q, a| q.bind(*a))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Authors of other contacts whose handle key is one of `handle_keys` or whose name (lower
    /// case) is one of `names`: the candidates for suggestions. One query, at most `limit`.
    pub async fn contact_candidates(
        &self,
        contact: i64,
        handle_keys: &[String],
        names: &[String],
        limit: i64,
    ) -> Result<Vec<ContactAuthor>> {
        if handle_keys.is_empty() && names.is_empty() {
            return Ok(vec![]);
        }
        self.counted(1);
        let mut conditions = Vec::new();
        if !handle_keys.is_empty() {
            conditions.push(format!(
                "a.handle_key IN ({})",
                placeholders(2, handle_keys.len())
            ));
        }
        if !names.is_empty() {
            conditions.push(format!(
                "lower(a.name) IN ({})",
                placeholders(2 + handle_keys.len(), names.len())
            ));
        }
        let sql = format!(
            "{AUTHOR_SELECT} WHERE ({}) AND COALESCE(a.contact_id, a.id) <> $1 \
             AND s.deleted_at IS NULL ORDER BY a.id LIMIT ${}",
            conditions.join(" OR "),
            2 + handle_keys.len() + names.len()
        );
        let mut q = sqlx::query(&sql).bind(contact);
        for k in handle_keys.iter().chain(names) {
            q = q.bind(k.as_str());
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(author_of).collect()
    }

    /// Authors whose handle key is `handle_key` or whose name in lower case is `name`, with
    /// their contacts (the contacts search). One query, at most `limit`.
    pub async fn search_contacts(
        &self,
        handle_key: &str,
        name: &str,
        limit: i64,
    ) -> Result<Vec<ContactAuthor>> {
        self.counted(1);
        // The start of a handle, of a name or of any later word of a name ("marl" finds Marloes
        // Kramer, "kram" too); `!` escapes LIKE's wildcards in what was typed.
        let escaped = |s: &str| s.replace('!', "!!").replace('%', "!%").replace('_', "!_");
        let rows = sqlx::query(&format!(
            "{AUTHOR_SELECT} WHERE (a.handle_key = $1 OR lower(a.name) = $2 \
               OR a.handle_key LIKE $4 ESCAPE '!' OR lower(a.name) LIKE $5 ESCAPE '!' \
               OR lower(a.name) LIKE $6 ESCAPE '!') AND s.deleted_at IS NULL \
             ORDER BY COALESCE(a.contact_id, a.id), a.id LIMIT $3"
        ))
        .bind(handle_key)
        .bind(name)
        .bind(limit)
        // Prefixes of two characters or more only (`None`: LIKE NULL matches nothing).
        .bind((handle_key.chars().count() >= 2).then(|| format!("{}%", escaped(handle_key))))
        .bind((name.chars().count() >= 2).then(|| format!("{}%", escaped(name))))
        .bind((name.chars().count() >= 2).then(|| format!("% {}%", escaped(name))))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(author_of).collect()
    }

    /// Merges contact `other` into contact `into`: every author of `other` joins `into`. Audited
    /// (`contact.merge`, author ids only) in the same transaction. `Conflict` when they are one
    /// contact already, `NotFound` when either is not (or no longer) a contact.
    pub async fn merge_contacts(&self, into: i64, other: i64, actor: AgentId) -> Result<()> {
        if into == other {
            return Err(StoreError::Conflict("same contact".into()));
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(6);
        let kept = contact_members(&mut tx, into).await?;
        let joining = contact_members(&mut tx, other).await?;
        let at = now_ms();
        sqlx::query(
            "INSERT INTO contacts (id, display_name, created_at, merged_by) VALUES ($1, '', $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(into)
        .bind(at)
        .bind(actor.0)
        .execute(&mut *tx)
        .await?;
        let all: Vec<i64> = kept.iter().chain(&joining).copied().collect();
        let sql = format!(
            "UPDATE authors SET contact_id = $1 WHERE id IN ({})",
            placeholders(2, all.len())
        );
        all.iter()
            .fold(sqlx::query(&sql).bind(into), |q, a| q.bind(*a))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM contacts WHERE id = $1")
            .bind(other)
            .execute(&mut *tx)
            .await?;
        let joined = joining
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",");
        audit(
            &mut tx,
            Some(actor.0),
            "contact.merge",
            "contact",
            Some(into),
            &format!("contact {other} merged: authors {joined} joined"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Splits `author` out of contact `contact` into a contact of its own. Returns the id the
    /// rest of the contact has afterwards (the same unless `author` was the one it is named by).
    /// Audited (`contact.unmerge`) in the same transaction. `NotFound` when the author is not in
    /// the contact, `Conflict` when it is the contact's only author.
    pub async fn unmerge_author(&self, contact: i64, author: i64, actor: AgentId) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(6);
        let rows = sqlx::query("SELECT id FROM authors WHERE contact_id = $1 ORDER BY id")
            .bind(contact)
            .fetch_all(&mut *tx)
            .await?;
        let ids = rows
            .iter()
            .map(|r| Ok(r.try_get::<i64, _>(0)?))
            .collect::<Result<Vec<i64>>>()?;
        if !ids.contains(&author) {
            return Err(StoreError::NotFound("author of the contact"));
        }
        let rest: Vec<i64> = ids.iter().copied().filter(|a| *a != author).collect();
        let Some(&lowest) = rest.first() else {
            return Err(StoreError::Conflict("the contact's only author".into()));
        };
        let remains = if rest.contains(&contact) {
            contact
        } else {
            lowest
        };
        sqlx::query("UPDATE authors SET contact_id = NULL WHERE id = $1")
            .bind(author)
            .execute(&mut *tx)
            .await?;
        if rest.len() == 1 {
            // One author left: its contact is implicit again.
            sqlx::query("UPDATE authors SET contact_id = NULL WHERE id = $1")
                .bind(lowest)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM contacts WHERE id = $1")
                .bind(contact)
                .execute(&mut *tx)
                .await?;
        } else if remains != contact {
            sqlx::query(
                "INSERT INTO contacts (id, display_name, created_at, merged_by) VALUES ($1, '', $2, $3) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(remains)
            .bind(now_ms())
            .bind(actor.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE authors SET contact_id = $1 WHERE contact_id = $2")
                .bind(remains)
                .bind(contact)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM contacts WHERE id = $1")
                .bind(contact)
                .execute(&mut *tx)
                .await?;
        }
        audit(
            &mut tx,
            Some(actor.0),
            "contact.unmerge",
            "contact",
            Some(contact),
            &format!("author {author} split off; the rest is contact {remains}"),
        )
        .await?;
        tx.commit().await?;
        Ok(remains)
    }
}
