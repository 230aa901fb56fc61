//! Storing arriving messages with their triage, threaded into conversations, in batches.

use crate::{Backend, Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use wederhoor_core::{ConversationId, MessageId, SourceId, Triage, ValidMessage};

/// What happened to one message of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Newly stored (and committed) in this conversation.
    Stored {
        message: MessageId,
        conversation: ConversationId,
    },
    /// Already stored earlier (same source and external id); nothing was written.
    Duplicate { message: MessageId },
}

/// What a connector stores together with a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchExtras {
    /// The connector's position after this batch (cursor, UID, since-id, ETag …).
    pub checkpoint: Option<String>,
    /// The listening query that selected the messages of this batch.
    pub matched_query: Option<String>,
    /// Attachments of messages of this batch, stored with them (only for messages newly stored).
    pub attachments: Vec<NewAttachment>,
}

/// An attachment arriving with a message (by the message's external id).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    pub external_id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// `None` when it was too big to keep: recorded without its bytes.
    pub content: Option<Vec<u8>>,
}

/// A stored attachment, without its bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub message: MessageId,
    pub conversation: ConversationId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Whether the bytes were kept.
    pub stored: bool,
}

/// A stored message as the triage needs it again (for re-triage after a rules change).
#[derive(Debug, Clone)]
pub struct RetriageItem {
    pub message: MessageId,
    pub text: String,
    pub source: String,
    pub author_handle: String,
    pub author_name: Option<String>,
    pub followers: i64,
    pub reposts: i64,
    pub likes: i64,
    /// Sent to us directly (an e-mail, a WhatsApp chat): from the source's kind.
    pub direct: bool,
}

/// Reads a `RetriageItem` from the first eight columns of a row: message id, text, source name,
/// author handle, author name, followers, reposts, likes.
pub(crate) fn retriage_item_from_row(r: &sqlx::any::AnyRow) -> Result<RetriageItem> {
    Ok(RetriageItem {
        message: MessageId(r.try_get(0)?),
        text: r.try_get(1)?,
        source: r.try_get(2)?,
        author_handle: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
        author_name: r.try_get(4)?,
        followers: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
        reposts: r.try_get(6)?,
        likes: r.try_get(7)?,
        direct: r
            .try_get::<String, _>("source_kind")
            .is_ok_and(|k| wederhoor_core::is_direct_channel(&k)),
    })
}

fn attachment_from_row(r: &sqlx::any::AnyRow) -> Result<AttachmentInfo> {
    Ok(AttachmentInfo {
        id: r.try_get(0)?,
        message: MessageId(r.try_get(1)?),
        conversation: ConversationId(r.try_get(2)?),
        filename: r.try_get(3)?,
        content_type: r.try_get(4)?,
        size: r.try_get(5)?,
        stored: r.try_get::<i32, _>(6)? != 0,
    })
}

/// Largest number of ids looked up in one `IN (…)` list.
const LOOKUP_CHUNK: usize = 400;

impl Store {
    /// Stores a batch of messages from one source in one transaction and returns, per message
    /// and in order, whether it was stored or was already there. When this returns `Ok`, every
    /// `Stored` message is committed.
    ///
    /// The batch is written with a handful of multi-row statements (not one per message): a
    /// duplicate lookup, an author upsert, a parent lookup, then one insert each for new
    /// conversations, messages and triage, plus one update per existing conversation touched.
    pub async fn ingest_batch(
        &self,
        source: SourceId,
        items: &[(ValidMessage, Triage)],
        rules_version: Option<i64>,
    ) -> Result<Vec<IngestOutcome>> {
        self.ingest_batch_with(source, items, rules_version, &BatchExtras::default())
            .await
    }

    /// `ingest_batch`, plus what a connector needs in the same transaction: its new checkpoint
    /// (so a restart resumes exactly after what is stored) and the listening query that
    /// selected these messages.
    pub async fn ingest_batch_with(
        &self,
        source: SourceId,
        items: &[(ValidMessage, Triage)],
        rules_version: Option<i64>,
        extras: &BatchExtras,
    ) -> Result<Vec<IngestOutcome>> {
        if items.is_empty() && extras.checkpoint.is_none() {
            return Ok(Vec::new());
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        let mut statements = 2u64;

        // 1. Which of these are already stored?
        let mut existing: HashMap<String, i64> = HashMap::new();
        let ids: Vec<&str> = items.iter().map(|(m, _)| m.external_id.as_str()).collect();
        for (external_id, id) in
            lookup_by_external_id(self.backend(), &mut tx, source, &ids, "id", &mut statements)
                .await?
        {
            existing.insert(external_id, id);
        }

        // 2. The new ones, first occurrence only (a repeat within the batch is a duplicate).
        let mut first_in_batch: HashMap<&str, usize> = HashMap::new();
        let mut new_items: Vec<usize> = Vec::new();
        for (i, (m, _)) in items.iter().enumerate() {
            if existing.contains_key(&m.external_id)
                || first_in_batch.contains_key(m.external_id.as_str())
            {
                continue;
            }
            first_in_batch.insert(m.external_id.as_str(), i);
            new_items.push(i);
        }

        // 3. Authors: one upsert for all distinct handles.
        let mut handles: Vec<&ValidMessage> = Vec::new();
        let mut seen_handles: HashSet<&str> = HashSet::new();
        for &i in &new_items {
            if let Some((m, _)) = items.get(i)
                && !m.author_handle.is_empty()
                && seen_handles.insert(m.author_handle.as_str())
            {
                handles.push(m);
            }
        }
        let mut authors: HashMap<String, i64> = HashMap::new();
        for chunk in handles.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO authors (source_id, handle, name, followers, handle_key) VALUES {} \
                 ON CONFLICT (source_id, handle) DO UPDATE SET \
                 name = COALESCE(excluded.name, authors.name), followers = excluded.followers \
                 RETURNING handle, id",
                values_placeholders(self.backend(), chunk.len(), 5)
            );
            let mut q = sqlx::query(&sql).persistent(false);
            for m in chunk {
                q = q
                    .bind(source.0)
                    .bind(m.author_handle.as_str())
                    .bind(m.author_name.clone())
                    .bind(m.followers)
                    .bind(wederhoor_core::channel::handle_key(&m.author_handle));
            }
            statements += 1;
            for row in q.fetch_all(&mut *tx).await? {
                authors.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }

        // 4. Parents stored before this batch.
        let outside_parents: Vec<&str> = new_items
            .iter()
            .filter_map(|&i| items.get(i).and_then(|(m, _)| m.in_reply_to.as_deref()))
            .filter(|p| !first_in_batch.contains_key(p))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let parent_conversation: HashMap<String, i64> = lookup_by_external_id(
            self.backend(),
            &mut tx,
            source,
            &outside_parents,
            "conversation_id",
            &mut statements,
        )
        .await?
        .into_iter()
        .collect();

        // 5. Which conversation each new message joins: an existing one, or a new one named
        //    after its first message (`origin`), with its totals computed here.
        let mut joins: Vec<Join> = Vec::with_capacity(new_items.len());
        let mut new_conversations: Vec<NewConversation> = Vec::new();
        // Where each new message of this batch went, so its replies in the same batch follow it.
        let mut join_of: HashMap<&str, Join> = HashMap::new();
        let mut updates: HashMap<i64, ConversationUpdate> = HashMap::new();
        for &i in &new_items {
            let Some((m, t)) = items.get(i) else { continue };
            let created = m.created_at.as_millisecond();
            let parent = m.in_reply_to.as_deref();
            let join = match parent.and_then(|p| join_of.get(p).copied()) {
                Some(j) => j,
                None => match parent.and_then(|p| parent_conversation.get(p).copied()) {
                    Some(c) => Join::Existing(c),
                    None => {
                        new_conversations.push(NewConversation {
                            origin: m.external_id.as_str(),
                            author: authors.get(&m.author_handle).copied(),
                            first: i,
                            verdict: t.verdict.action.as_str(),
                            priority: i64::from(t.priority),
                            count: 0,
                            created,
                            last: created,
                        });
                        Join::New(new_conversations.len() - 1)
                    }
                },
            };
            match join {
                Join::New(n) => {
                    if let Some(c) = new_conversations.get_mut(n) {
                        c.count += 1;
                        c.last = c.last.max(created);
                        c.verdict = t.verdict.action.as_str();
                        c.priority = c.priority.max(i64::from(t.priority));
                    }
                }
                Join::Existing(c) => {
                    let u = updates.entry(c).or_insert(ConversationUpdate {
                        count: 0,
                        last: created,
                        verdict: t.verdict.action.as_str(),
                        priority: 0,
                    });
                    u.count += 1;
                    u.last = u.last.max(created);
                    u.verdict = t.verdict.action.as_str();
                    u.priority = u.priority.max(i64::from(t.priority));
                }
            }
            join_of.insert(m.external_id.as_str(), join);
            joins.push(join);
        }

        // 6. New conversations, one statement per chunk; ids come back keyed by origin.
        let mut conversation_id_of_new: Vec<i64> = vec![0; new_conversations.len()];
        let mut index_of_origin: HashMap<&str, usize> = HashMap::new();
        for (n, c) in new_conversations.iter().enumerate() {
            index_of_origin.insert(c.origin, n);
        }
        for chunk in new_conversations.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO conversations (source_id, author_id, state, verdict, priority, language, topics, \
                 snippet, origin, message_count, created_at, last_message_at) VALUES {} RETURNING origin, id",
                values_placeholders(self.backend(), chunk.len(), 12)
            );
            let mut q = sqlx::query(&sql).persistent(false);
            for c in chunk {
                let Some((m, t)) = items.get(c.first) else {
                    continue;
                };
                q = q
                    .bind(source.0)
                    .bind(c.author)
                    .bind("new")
                    .bind(c.verdict)
                    .bind(c.priority)
                    .bind(t.language.as_str())
                    .bind(topic_list(&t.topics))
                    .bind(snippet(&wederhoor_core::pii::mask(&m.text, &t.pii)))
                    .bind(c.origin)
                    .bind(c.count)
                    .bind(c.created)
                    .bind(c.last);
            }
            statements += 1;
            for row in q.fetch_all(&mut *tx).await? {
                let origin: String = row.try_get(0)?;
                if let Some(slot) = index_of_origin
                    .get(origin.as_str())
                    .and_then(|n| conversation_id_of_new.get_mut(*n))
                {
                    *slot = row.try_get(1)?;
                }
            }
        }

        // 7. Existing conversations that got messages.
        for (conversation, u) in &updates {
            statements += 1;
            sqlx::query(
                "UPDATE conversations SET message_count = message_count + $1, \
                 last_message_at = CASE WHEN last_message_at > $2 THEN last_message_at ELSE $2 END, \
                 verdict = $3, \
                 priority = CASE WHEN priority > $4 THEN priority ELSE $4 END, \
                 state = CASE WHEN state IN ('waiting', 'closed') THEN 'open' ELSE state END \
                 WHERE id = $5",
            )
            .bind(u.count)
            .bind(u.last)
            .bind(u.verdict)
            .bind(u.priority)
            .bind(*conversation)
            .execute(&mut *tx)
            .await?;
        }

        // 8. Messages, then 9. their triage.
        let now = now_ms();
        let conversation_of = |j: &Join| match j {
            Join::New(n) => conversation_id_of_new.get(*n).copied().unwrap_or(0),
            Join::Existing(c) => *c,
        };
        let mut message_id: HashMap<String, i64> = HashMap::new();
        let rows: Vec<(usize, &Join)> = new_items.iter().copied().zip(joins.iter()).collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO messages (source_id, external_id, conversation_id, author_id, text, created_at, \
                 received_at, reposts, likes, in_reply_to) VALUES {} RETURNING external_id, id",
                values_placeholders(self.backend(), chunk.len(), 10)
            );
            let mut q = sqlx::query(&sql).persistent(false);
            for (i, join) in chunk {
                let Some((m, _)) = items.get(*i) else {
                    continue;
                };
                q = q
                    .bind(source.0)
                    .bind(m.external_id.as_str())
                    .bind(conversation_of(join))
                    .bind(authors.get(&m.author_handle).copied())
                    .bind(m.text.as_str())
                    .bind(m.created_at.as_millisecond())
                    .bind(now)
                    .bind(m.reposts)
                    .bind(m.likes)
                    .bind(m.in_reply_to.clone());
            }
            statements += 1;
            for row in q.fetch_all(&mut *tx).await? {
                message_id.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        let triage_rows: Vec<(i64, &Triage)> = new_items
            .iter()
            .filter_map(|&i| items.get(i))
            .filter_map(|(m, t)| message_id.get(&m.external_id).map(|id| (*id, t)))
            .collect();
        for chunk in triage_rows.chunks(ROWS_PER_STATEMENT) {
            statements += 1;
            insert_triage_rows(self.backend(), &mut tx, chunk, rules_version, now).await?;
        }
        if let Some(position) = &extras.checkpoint {
            statements += 1;
            crate::sources::save_checkpoint(&mut tx, source, position).await?;
        }
        if let Some(query) = &extras.matched_query {
            let ids: Vec<i64> = message_id.values().copied().collect();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO message_queries (message_id, source_id, query) VALUES {} ON CONFLICT DO NOTHING",
                    values_placeholders(self.backend(), chunk.len(), 3)
                );
                let mut q = sqlx::query(&sql).persistent(false);
                for id in chunk {
                    q = q.bind(*id).bind(source.0).bind(query.as_str());
                }
                statements += 1;
                q.execute(&mut *tx).await?;
            }
        }
        for a in &extras.attachments {
            let Some(id) = message_id.get(&a.external_id) else {
                continue;
            };
            statements += 1;
            sqlx::query(
                "INSERT INTO attachments (message_id, filename, content_type, size, content) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(*id)
            .bind(a.filename.as_str())
            .bind(a.content_type.as_str())
            .bind(a.size)
            .bind(a.content.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.counted(statements);
        self.note_stored(message_id.len() as u64).await?;

        // Outcomes in input order.
        let new_conversation_id: HashMap<usize, i64> = new_items
            .iter()
            .zip(joins.iter())
            .map(|(i, j)| (*i, conversation_of(j)))
            .collect();
        items
            .iter()
            .enumerate()
            .map(|(i, (m, _))| {
                if let Some(id) = existing.get(&m.external_id) {
                    return Ok(IngestOutcome::Duplicate {
                        message: MessageId(*id),
                    });
                }
                let id = message_id.get(&m.external_id).copied().ok_or_else(|| {
                    StoreError::Corrupt(format!("message {} was not stored", m.external_id))
                })?;
                match new_conversation_id.get(&i) {
                    Some(c) => Ok(IngestOutcome::Stored {
                        message: MessageId(id),
                        conversation: ConversationId(*c),
                    }),
                    None => Ok(IngestOutcome::Duplicate {
                        message: MessageId(id),
                    }),
                }
            })
            .collect()
    }

    /// The external id of the newest message by `handle` on `source` whose conversation is not
    /// closed (a chat channel threads a customer's next message into it; WhatsApp).
    pub async fn open_thread_of_author(
        &self,
        source: SourceId,
        handle: &str,
    ) -> Result<Option<String>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT m.external_id FROM messages m JOIN authors a ON a.id = m.author_id \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.source_id = $1 AND a.handle = $2 AND c.state <> 'closed' \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1",
        )
        .bind(source.0)
        .bind(handle)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Every attachment of a conversation (without bytes), in message and id order; one query.
    pub async fn conversation_attachments(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<AttachmentInfo>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT a.id, a.message_id, m.conversation_id, a.filename, a.content_type, a.size, \
             CASE WHEN a.content IS NULL THEN 0 ELSE 1 END \
             FROM attachments a JOIN messages m ON m.id = a.message_id \
             WHERE m.conversation_id = $1 ORDER BY a.message_id, a.id",
        )
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// One attachment with its bytes (`None` bytes when it was not kept).
    pub async fn attachment(&self, id: i64) -> Result<Option<(AttachmentInfo, Option<Vec<u8>>)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT a.id, a.message_id, m.conversation_id, a.filename, a.content_type, a.size, \
             CASE WHEN a.content IS NULL THEN 0 ELSE 1 END, a.content \
             FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((attachment_from_row(&r)?, r.try_get(7)?))),
        }
    }

    /// A page of stored messages for re-triage, in id order after `after`.
    pub async fn messages_for_retriage(&self, after: i64, limit: i64) -> Result<Vec<RetriageItem>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT m.id, m.text, s.name, a.handle, a.name, a.followers, m.reposts, m.likes, s.kind AS source_kind \
             FROM messages m JOIN sources s ON s.id = m.source_id \
             LEFT JOIN authors a ON a.id = m.author_id \
             WHERE m.id > $1 ORDER BY m.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(retriage_item_from_row).collect()
    }

    /// Its author edited a stored message on the platform: the text becomes the new version, with
    /// its new triage, and the message is marked edited (one transaction). `None` when the message
    /// is not stored (it was never selected, or retention removed it).
    pub async fn edit_message(
        &self,
        source: SourceId,
        external_id: &str,
        text: &str,
        triage: &Triage,
        rules_version: Option<i64>,
    ) -> Result<Option<(MessageId, ConversationId)>> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let row = sqlx::query(
            "UPDATE messages SET text = $1, edited_at = $2 WHERE source_id = $3 AND external_id = $4 \
             RETURNING id, conversation_id",
        )
        .bind(text)
        .bind(now)
        .bind(source.0)
        .bind(external_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        let conversation: i64 = row.try_get(1)?;
        self.counted(3);
        sqlx::query("DELETE FROM triage WHERE message_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_triage_rows(self.backend(), &mut tx, &[(id, triage)], rules_version, now).await?;
        audit(
            &mut tx,
            None,
            "message.edited",
            "conversation",
            Some(conversation),
            &format!("message {id} edited by its author"),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((MessageId(id), ConversationId(conversation))))
    }

    /// Its author deleted a stored message on the platform: it is marked deleted (kept for the
    /// team's context until retention or an erasure). `None` when not stored or marked already.
    pub async fn mark_message_deleted(
        &self,
        source: SourceId,
        external_id: &str,
    ) -> Result<Option<(MessageId, ConversationId)>> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE messages SET deleted_at = $1 WHERE source_id = $2 AND external_id = $3 \
             AND deleted_at IS NULL RETURNING id, conversation_id",
        )
        .bind(now_ms())
        .bind(source.0)
        .bind(external_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        let conversation: i64 = row.try_get(1)?;
        audit(
            &mut tx,
            None,
            "message.deleted",
            "conversation",
            Some(conversation),
            &format!("message {id} deleted by its author"),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((MessageId(id), ConversationId(conversation))))
    }

    /// Replaces the triage of stored messages (one transaction per call).
    pub async fn update_triage_batch(
        &self,
        items: &[(MessageId, Triage)],
        rules_version: Option<i64>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        let rows: Vec<(i64, &Triage)> = items.iter().map(|(id, t)| (id.0, t)).collect();
        let mut statements = 2;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM triage WHERE message_id IN ({})",
                list_placeholders(self.backend(), chunk.len(), 1)
            );
            let mut q = sqlx::query(&sql).persistent(false);
            for (id, _) in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
            insert_triage_rows(self.backend(), &mut tx, chunk, rules_version, now).await?;
            statements += 2;
        }
        tx.commit().await?;
        self.counted(statements);
        Ok(())
    }

    /// After a re-triage: each conversation takes the verdict of its newest message again,
    /// except where a team lead decided that message (a precedent): a person's decision stands.
    pub async fn refresh_conversation_verdicts(
        &self,
        actor: Option<i64>,
        messages: u64,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE conversations SET verdict = COALESCE((SELECT t.action FROM triage t \
             JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = conversations.id \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1), verdict), \
             priority = COALESCE((SELECT MAX(t.priority) FROM triage t \
             JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = conversations.id), priority) \
             WHERE NOT EXISTS (SELECT 1 FROM precedents p WHERE p.conversation_id = conversations.id \
             AND p.message_id = (SELECT m.id FROM messages m WHERE m.conversation_id = conversations.id \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1))",
        )
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            actor,
            "triage.rerun",
            "messages",
            None,
            &format!("{messages} messages re-triaged"),
        )
        .await?;
        tx.commit().await?;
        self.counted(2);
        Ok(())
    }

    /// Number of stored messages.
    pub async fn message_count(&self) -> Result<i64> {
        self.counted(1);
        let row = sqlx::query("SELECT COUNT(*) FROM messages")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// How many times each (source name, external id) is stored — for crash tests and audits.
    pub async fn external_ids(&self, source: SourceId) -> Result<Vec<String>> {
        self.counted(1);
        let rows = sqlx::query("SELECT external_id FROM messages WHERE source_id = $1 ORDER BY id")
            .bind(source.0)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }
}

// The multi-row statements below are not prepared and cached (`persistent(false)`): their text
// varies with the batch, and a cached generic plan made while a table was small keeps choosing a
// sequential scan on PostgreSQL long after the table has grown.

/// Rows per multi-row statement: 14 columns × 200 stays far under SQLite's 32,766 variables.
const ROWS_PER_STATEMENT: usize = 200;

/// Where a new message goes: a conversation created in this batch (by index) or a stored one.
#[derive(Clone, Copy)]
enum Join {
    New(usize),
    Existing(i64),
}

struct NewConversation<'a> {
    origin: &'a str,
    author: Option<i64>,
    /// Index of its first message in the batch.
    first: usize,
    verdict: &'static str,
    priority: i64,
    count: i64,
    created: i64,
    last: i64,
}

struct ConversationUpdate {
    count: i64,
    last: i64,
    verdict: &'static str,
    priority: i64,
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` values (`(?, ?), (?, ?)` on SQLite, whose
/// numbered-parameter lookup is linear per bind, so thousands of `$N` cost quadratic time).
fn values_placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut s = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        s.push_str(&list_placeholders(backend, columns, r * columns + 1));
        s.push(')');
    }
    s
}

/// `$first, $first+1, …` (`n` of them); `?, ?, …` on SQLite.
fn list_placeholders(backend: Backend, n: usize, first: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(", "),
        Backend::Postgres => (first..first + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `(external_id, column)` for the stored messages of `source` among `external_ids`.
async fn lookup_by_external_id(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    source: SourceId,
    external_ids: &[&str],
    column: &str,
    statements: &mut u64,
) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT external_id, {column} FROM messages WHERE source_id = {} AND external_id IN ({})",
            list_placeholders(backend, 1, 1),
            list_placeholders(backend, chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql).persistent(false).bind(source.0);
        for id in chunk {
            q = q.bind(*id);
        }
        *statements += 1;
        for row in q.fetch_all(&mut **tx).await? {
            out.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(out)
}

async fn insert_triage_rows(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: &[(i64, &Triage)],
    rules_version: Option<i64>,
    now: i64,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO triage (message_id, language, sentiment_label, sentiment_score, abusive, pii, topics, \
         priority, action, rule, reason, rules_version, triaged_at, evidence, confidence) VALUES {}",
        values_placeholders(backend, rows.len(), 15)
    );
    let mut q = sqlx::query(&sql).persistent(false);
    for (message, t) in rows {
        let pii = serde_json::to_string(&t.pii).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let topics =
            serde_json::to_string(&t.topics).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let evidence =
            serde_json::to_string(&t.evidence).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        q = q
            .bind(*message)
            .bind(t.language.as_str())
            .bind(t.sentiment.label.as_str())
            .bind(f64::from(t.sentiment.score))
            .bind(i64::from(t.abusive))
            .bind(pii)
            .bind(topics)
            .bind(i64::from(t.priority))
            .bind(t.verdict.action.as_str())
            .bind(t.verdict.rule.as_str())
            .bind(t.verdict.reason.as_str())
            .bind(rules_version)
            .bind(now)
            .bind(evidence)
            .bind(f64::from(t.verdict.confidence));
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Topics as stored on a conversation: `,a,b,` so one topic is found with `LIKE '%,a,%'`.
fn topic_list(topics: &[String]) -> String {
    let mut s = String::from(",");
    for t in topics {
        s.push_str(t);
        s.push(',');
    }
    s
}

/// The first 160 characters of a text, on a character boundary. Callers pass the text with its
/// personal data masked (`wederhoor_core::pii::mask`): the inbox list never shows it.
pub(crate) fn snippet(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", flat.get(..i).unwrap_or(&flat)),
        None => flat,
    }
}
