//! The private follow-up of a case (#12): one-time call-back links and the call-back requests
//! customers leave through them, a reply's direct-message flag; and the canned replies leads
//! keep for the composer.
//!
//! A call-back link's token is stored hashed (`hash_token`). A link works once, until it
//! expires, and while its case is not closed: `Store::set_state` closes the links of a case it
//! closes, so reopening the case does not revive them.

use crate::{Result, Store, StoreError, audit, hash_token, now_ms};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId, ReplyId};

/// A call-back link of a case, as the case page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CallbackLink {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// What the customer left (personal data; shown to the team on the case only).
    pub phone: Option<String>,
    pub good_time: Option<String>,
}

/// What a token is worth when the customer opens or submits the form.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackUse {
    /// The link works: the case it belongs to.
    Open(ConversationId),
    /// Used once already.
    Used,
    /// Past its expiry.
    Expired,
    /// Its case was closed.
    Closed,
    /// No such link.
    Unknown,
}

/// A canned reply.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CannedReply {
    pub id: i64,
    pub topic: String,
    pub lang: String,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
}

/// A canned reply to store (validated by the application layer).
#[derive(Debug, Clone, Copy)]
pub struct NewCanned<'a> {
    pub topic: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

const LINK_COLUMNS: &str =
    "id, conversation_id, created_at, expires_at, used_at, closed_at, phone, good_time";

fn link_from_row(r: &sqlx::any::AnyRow) -> Result<CallbackLink> {
    Ok(CallbackLink {
        id: r.try_get(0)?,
        conversation_id: ConversationId(r.try_get(1)?),
        created_at: r.try_get(2)?,
        expires_at: r.try_get(3)?,
        used_at: r.try_get(4)?,
        closed_at: r.try_get(5)?,
        phone: r.try_get(6)?,
        good_time: r.try_get(7)?,
    })
}

fn canned_from_row(r: &sqlx::any::AnyRow) -> Result<CannedReply> {
    Ok(CannedReply {
        id: r.try_get(0)?,
        topic: r.try_get(1)?,
        lang: r.try_get(2)?,
        title: r.try_get(3)?,
        body: r.try_get(4)?,
        updated_at: r.try_get(5)?,
    })
}

impl Store {
    /// Marks a reply as a direct message (`true`) or a public one (`false`), whatever the case
    /// state says when it goes out.
    pub async fn set_reply_direct(&self, reply: ReplyId, direct: bool) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query("UPDATE replies SET direct = $1 WHERE id = $2")
            .bind(i64::from(direct))
            .bind(reply.0)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a call-back link for `token` (kept hashed), valid until `expires_at` (UTC ms),
    /// with an audit entry on the case.
    pub async fn create_callback_link(
        &self,
        conversation: ConversationId,
        token: &str,
        expires_at: i64,
        actor: AgentId,
    ) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let row = sqlx::query(
            "INSERT INTO callback_links (conversation_id, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(conversation.0)
        .bind(hash_token(token))
        .bind(actor.0)
        .bind(now_ms())
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            Some(actor.0),
            "case.callback_link",
            "conversation",
            Some(conversation.0),
            &format!("call-back link {id} valid until {expires_at}"),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// What the link with `token` is worth at `now` (UTC ms).
    pub async fn callback_link_use(&self, token: &str, now: i64) -> Result<CallbackUse> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT l.conversation_id, l.expires_at, l.used_at, l.closed_at, c.state \
             FROM callback_links l JOIN conversations c ON c.id = l.conversation_id WHERE l.token_hash = $1",
        )
        .bind(hash_token(token))
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else {
            return Ok(CallbackUse::Unknown);
        };
        let state: String = r.try_get(4)?;
        Ok(
            if r.try_get::<Option<i64>, _>(3)?.is_some() || state == "closed" {
                CallbackUse::Closed
            } else if r.try_get::<Option<i64>, _>(2)?.is_some() {
                CallbackUse::Used
            } else if r.try_get::<i64, _>(1)? <= now {
                CallbackUse::Expired
            } else {
                CallbackUse::Open(ConversationId(r.try_get(0)?))
            },
        )
    }

    /// Records the customer's call-back request through the link with `token`, once: the link
    /// must still work at `now` (the update itself checks, so two submissions cannot both
    /// succeed). Returns what the link was worth; only `Open` stored anything.
    pub async fn use_callback_link(
        &self,
        token: &str,
        phone: &str,
        good_time: &str,
        now: i64,
    ) -> Result<CallbackUse> {
        let found = self.callback_link_use(token, now).await?;
        let CallbackUse::Open(conversation) = found else {
            return Ok(found);
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let done = sqlx::query(
            "UPDATE callback_links SET used_at = $1, phone = $2, good_time = $3 \
             WHERE token_hash = $4 AND used_at IS NULL AND closed_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(phone)
        .bind(good_time)
        .bind(hash_token(token))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(CallbackUse::Used);
        }
        audit(
            &mut tx,
            None,
            "case.callback_request",
            "conversation",
            Some(conversation.0),
            "the customer asked for a call-back",
        )
        .await?;
        tx.commit().await?;
        Ok(CallbackUse::Open(conversation))
    }

    /// The call-back links of a case, newest first.
    pub async fn callback_links(&self, conversation: ConversationId) -> Result<Vec<CallbackLink>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM callback_links WHERE conversation_id = $1 ORDER BY id DESC"
        ))
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    // ------------------------------------------------------------ canned replies

    /// Canned replies, by topic, language (Dutch first) and title; with `search`, only those whose title,
    /// body or topic contains it (case-insensitive).
    pub async fn canned_replies(&self, search: Option<&str>) -> Result<Vec<CannedReply>> {
        self.counted(1);
        let base = "SELECT id, topic, lang, title, body, updated_at FROM canned_replies";
        let order = " ORDER BY topic, lang DESC, title, id";
        let rows = match search.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let escaped = s
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = format!("%{escaped}%");
                sqlx::query(&format!(
                    "{base} WHERE lower(title) LIKE $1 ESCAPE '\\' OR lower(body) LIKE $1 ESCAPE '\\' \
                     OR lower(topic) LIKE $1 ESCAPE '\\'{order}"
                ))
                .bind(pattern)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!("{base}{order}"))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(canned_from_row).collect()
    }

    pub async fn canned_reply(&self, id: i64) -> Result<Option<CannedReply>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT id, topic, lang, title, body, updated_at FROM canned_replies WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(canned_from_row).transpose()
    }

    /// Adds (`id` `None`) or changes a canned reply, with an audit entry.
    pub async fn save_canned_reply(
        &self,
        id: Option<i64>,
        canned: NewCanned<'_>,
        actor: AgentId,
    ) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let now = now_ms();
        let id = match id {
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE canned_replies SET topic = $1, lang = $2, title = $3, body = $4, updated_by = $5, updated_at = $6 WHERE id = $7",
                )
                .bind(canned.topic)
                .bind(canned.lang)
                .bind(canned.title)
                .bind(canned.body)
                .bind(actor.0)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("canned reply"));
                }
                id
            }
            None => sqlx::query(
                "INSERT INTO canned_replies (topic, lang, title, body, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(canned.topic)
            .bind(canned.lang)
            .bind(canned.title)
            .bind(canned.body)
            .bind(actor.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?,
        };
        audit(
            &mut tx,
            Some(actor.0),
            "canned.save",
            "canned_reply",
            Some(id),
            canned.title,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes a canned reply, with an audit entry.
    pub async fn delete_canned_reply(&self, id: i64, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query("DELETE FROM canned_replies WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("canned reply"));
        }
        audit(
            &mut tx,
            Some(actor.0),
            "canned.delete",
            "canned_reply",
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
