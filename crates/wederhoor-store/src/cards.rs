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

impl Store {
    /// Stores the card's picture (once per content hash), queues the reply (with the picture as
    /// media when `attach`) and records the card, audited, in one transaction.
    pub async fn send_card(&self, card: &NewCard<'_>) -> Result<(i64, ReplyId)> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(8);
        let sha = content_hash(card.bytes);
        let now = now_ms();
        sqlx::query(
            "INSERT INTO media (sha256, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(card.content_type)
        .bind(card.bytes.len() as i64)
        .bind(card.bytes.to_vec())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let media: i64 = sqlx::query("SELECT id FROM media WHERE sha256 = $1")
            .bind(&sha)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
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
