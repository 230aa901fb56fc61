//! E-cards: the rendered picture (stored once per content hash in `media`), the card row and the
//! reply it goes out with, in one transaction.

use crate::{Result, Store, audit, now_ms};
use sha2::{Digest, Sha256};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId, ReplyId};

/// An e-card to send: the reply's text and signature, the picture, and whether the picture goes
/// with the reply as media (else the text carries a link to it).
#[derive(Debug, Clone)]
pub struct NewCard<'a> {
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub template: &'a str,
    pub line: &'a str,
    pub text: &'a str,
    pub signature: Option<&'a str>,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    /// What the picture shows, in words.
    pub description: &'a str,
    /// Send the picture as the reply's media (the channel's connector sends media).
    pub attach: bool,
}

/// A card sent on a conversation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CardView {
    pub id: i64,
    pub template: String,
    pub line: String,
    pub agent_name: String,
    pub created_at: i64,
    pub sha256: String,
    pub reply_state: Option<String>,
}

/// The SHA-256 of `bytes` in lower-case hex: the name media are stored and linked under.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores media once per content hash in `tx`; returns its id.
async fn insert_media(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    content_type: &str,
    bytes: &[u8],
) -> Result<i64> {
    let sha = content_hash(bytes);
    sqlx::query(
        "INSERT INTO media (sha256, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&sha)
    .bind(content_type)
    .bind(bytes.len() as i64)
    .bind(bytes.to_vec())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query("SELECT id FROM media WHERE sha256 = $1")
        .bind(&sha)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?)
}

impl Store {
    /// Queues a reply that carries a photo or video (stored once per content hash), in one
    /// transaction with the media.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_reply_with_media(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        text: &str,
        signature: Option<&str>,
        content_type: &str,
        bytes: &[u8],
        description: &str,
    ) -> Result<ReplyId> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(7);
        let media = insert_media(&mut tx, content_type, bytes).await?;
        let reply = crate::inbox::insert_reply(
            &mut tx,
            conversation,
            agent,
            text,
            signature,
            Some((media, description)),
        )
        .await?;
        tx.commit().await?;
        Ok(reply)
    }

    /// Stores the card's picture (once per content hash), queues the reply (with the picture as
    /// media when `attach`) and records the card, audited, in one transaction.
    pub async fn send_card(&self, card: &NewCard<'_>) -> Result<(i64, ReplyId)> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(8);
        let now = now_ms();
        let media = insert_media(&mut tx, card.content_type, card.bytes).await?;
        let reply = crate::inbox::insert_reply(
            &mut tx,
            card.conversation,
            card.agent,
            card.text,
            card.signature,
            card.attach.then_some((media, card.description)),
        )
        .await?;
        let id: i64 = sqlx::query(
            "INSERT INTO cards (conversation_id, agent_id, template, line, reply_id, media_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(card.conversation.0)
        .bind(card.agent.0)
        .bind(card.template)
        .bind(card.line)
        .bind(reply.0)
        .bind(media)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        audit(
            &mut tx,
            Some(card.agent.0),
            "card.send",
            "conversation",
            Some(card.conversation.0),
            &format!(
                "card {id}, template {}, reply {}{}",
                card.template,
                reply.0,
                if card.attach {
                    ", as media"
                } else {
                    ", as a link"
                }
            ),
        )
        .await?;
        tx.commit().await?;
        Ok((id, reply))
    }

    /// The picture of a sent card by its content hash (the public link of a card sent as a link);
    /// `None` for anything that is not a card's picture.
    pub async fn card_picture(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT md.content_type, md.bytes FROM media md WHERE md.sha256 = $1 \
             AND EXISTS (SELECT 1 FROM cards k WHERE k.media_id = md.id)",
        )
        .bind(sha256)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The cards sent on a conversation, oldest first.
    pub async fn cards_of_conversation(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<CardView>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT k.id, k.template, k.line, g.display_name, k.created_at, md.sha256, r.state \
             FROM cards k JOIN agents g ON g.id = k.agent_id JOIN media md ON md.id = k.media_id \
             LEFT JOIN replies r ON r.id = k.reply_id WHERE k.conversation_id = $1 ORDER BY k.id",
        )
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CardView {
                    id: r.try_get(0)?,
                    template: r.try_get(1)?,
                    line: r.try_get(2)?,
                    agent_name: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                    sha256: r.try_get(5)?,
                    reply_state: r.try_get(6)?,
                })
            })
            .collect()
    }
}

/// A printed card to request.
#[derive(Debug, Clone)]
pub struct NewPrintedCard<'a> {
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub template: &'a str,
    pub line: &'a str,
    pub recipient: &'a str,
    pub address: &'a str,
    pub cost_cents: i64,
    /// The budget of the month `[month_start, month_end)` (UTC ms) the request falls in.
    pub month_start: i64,
    pub month_end: i64,
    pub budget_cents: i64,
    pub now: i64,
}

/// What became of a printed card request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintedRequest {
    Requested(i64),
    /// The month's budget would be exceeded: what is spent already.
    OverBudget {
        spent_cents: i64,
    },
}

/// A printed card on the fulfilment list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PrintedCardView {
    pub id: i64,
    pub conversation_id: i64,
    pub template: String,
    pub line: String,
    pub agent_name: String,
    /// `None` once the card is sent (the address is not kept after that).
    pub recipient: Option<String>,
    pub address: Option<String>,
    pub cost_cents: i64,
    pub state: String,
    pub requested_at: i64,
    pub sent_at: Option<i64>,
}

impl Store {
    /// Requests a printed card if the month's budget allows it (checked in the same transaction
    /// as the insert), audited without the address.
    pub async fn request_printed_card(&self, card: &NewPrintedCard<'_>) -> Result<PrintedRequest> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        if tx.backend_name().eq_ignore_ascii_case("postgresql") {
            // One budget check at a time (several nodes): the lock ends with the transaction.
            sqlx::query("SELECT pg_advisory_xact_lock(7214017)")
                .execute(&mut *tx)
                .await?;
        }
        let spent: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT) FROM printed_cards WHERE requested_at >= $1 AND requested_at < $2",
        )
        .bind(card.month_start)
        .bind(card.month_end)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if spent.saturating_add(card.cost_cents) > card.budget_cents {
            return Ok(PrintedRequest::OverBudget { spent_cents: spent });
        }
        let author: Option<i64> = sqlx::query("SELECT author_id FROM conversations WHERE id = $1")
            .bind(card.conversation.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(crate::StoreError::NotFound("conversation"))?
            .try_get(0)?;
        let id: i64 = sqlx::query(
            "INSERT INTO printed_cards (conversation_id, author_id, agent_id, template, line, recipient, address, \
             cost_cents, state, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9) RETURNING id",
        )
        .bind(card.conversation.0)
        .bind(author)
        .bind(card.agent.0)
        .bind(card.template)
        .bind(card.line)
        .bind(card.recipient)
        .bind(card.address)
        .bind(card.cost_cents)
        .bind(card.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        audit(
            &mut tx,
            Some(card.agent.0),
            "card.print_request",
            "conversation",
            Some(card.conversation.0),
            &format!(
                "printed card {id}, template {}, {} cents",
                card.template, card.cost_cents
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(PrintedRequest::Requested(id))
    }

    /// What printed cards requested in `[from, to)` cost together (cents).
    pub async fn printed_spent(&self, from: i64, to: i64) -> Result<i64> {
        self.counted(1);
        Ok(sqlx::query(
            "SELECT CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT) FROM printed_cards WHERE requested_at >= $1 AND requested_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?)
    }

    /// The fulfilment list: cards still to send (oldest first), then the 50 sent last.
    pub async fn printed_cards(&self) -> Result<Vec<PrintedCardView>> {
        self.counted(2);
        let mut out = Vec::new();
        for sql in [
            "SELECT p.id, p.conversation_id, p.template, p.line, g.display_name, p.recipient, p.address, \
             p.cost_cents, p.state, p.requested_at, p.sent_at FROM printed_cards p JOIN agents g ON g.id = p.agent_id \
             WHERE p.state = 'requested' ORDER BY p.requested_at, p.id",
            "SELECT p.id, p.conversation_id, p.template, p.line, g.display_name, p.recipient, p.address, \
             p.cost_cents, p.state, p.requested_at, p.sent_at FROM printed_cards p JOIN agents g ON g.id = p.agent_id \
             WHERE p.state = 'sent' ORDER BY p.sent_at DESC, p.id DESC LIMIT 50",
        ] {
            for r in sqlx::query(sql).fetch_all(self.pool()).await? {
                out.push(PrintedCardView {
                    id: r.try_get(0)?,
                    conversation_id: r.try_get(1)?,
                    template: r.try_get(2)?,
                    line: r.try_get(3)?,
                    agent_name: r.try_get(4)?,
                    recipient: r.try_get(5)?,
                    address: r.try_get(6)?,
                    cost_cents: r.try_get(7)?,
                    state: r.try_get(8)?,
                    requested_at: r.try_get(9)?,
                    sent_at: r.try_get(10)?,
                });
            }
        }
        Ok(out)
    }

    /// Marks a requested printed card sent and forgets its address, audited. `false` when there
    /// is no such card still to send.
    pub async fn mark_printed_card_sent(&self, id: i64, actor: AgentId, now: i64) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE printed_cards SET state = 'sent', sent_at = $1, sent_by = $2, recipient = NULL, address = NULL \
             WHERE id = $3 AND state = 'requested'",
        )
        .bind(now)
        .bind(actor.0)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            Some(actor.0),
            "card.print_sent",
            "printed_card",
            Some(id),
            "marked sent; address removed",
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
