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
        self.ingest_batch_with_terms(source, items, None, rules_version, extras)
            .await
    }

    /// [`Store::ingest_batch_with`], with each message's search terms already computed
    /// ([`crate::search::message_terms`], in item order) — an import stems on the cores that
    /// triage, off the serial chain of stored batches. `None`: stemmed here.
    pub async fn ingest_batch_with_terms(
        &self,
        source: SourceId,
        items: &[(ValidMessage, Triage)],
        terms: Option<&[String]>,
        rules_version: Option<i64>,
        extras: &BatchExtras,
    ) -> Result<Vec<IngestOutcome>> {
        if items.is_empty() && extras.checkpoint.is_none() {
            return Ok(Vec::new());
        }
        // Stemming is the index's CPU cost: done before the write lock is taken.
        let search_terms: std::borrow::Cow<'_, [String]> = match terms {
            _ if !self.indexes_search() => std::borrow::Cow::Owned(Vec::new()),
            Some(t) if t.len() == items.len() => std::borrow::Cow::Borrowed(t),
            _ => std::borrow::Cow::Owned(
                items
                    .iter()
                    .map(|(m, _)| {
                        crate::search::message_terms(
                            &m.text,
                            Some(m.author_handle.as_str()),
                            m.author_name.as_deref(),
                        )
                    })
                    .collect(),
            ),
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        let mut statements = 2u64;
        if self.is_bulk_load() {
            statements += 1;
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }

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
        let keys: Vec<String> = handles
            .iter()
            .map(|m| wederhoor_core::handle::handle_key(&m.author_handle))
            .collect();
        let mut cells = Vec::with_capacity(handles.len() * 5);
        for (m, key) in handles.iter().zip(&keys) {
            cells.extend([
                Cell::Int(source.0),
                Cell::Text(m.author_handle.as_str()),
                Cell::OptText(m.author_name.as_deref()),
                Cell::Int(m.followers),
                Cell::Text(key),
            ]);
        }
        for row in insert_rows(
            self.backend(),
            &mut tx,
            "authors",
            AUTHOR_COLUMNS,
            &cells,
            "ON CONFLICT (source_id, handle) DO UPDATE SET \
             name = COALESCE(excluded.name, authors.name), followers = excluded.followers \
             RETURNING handle, id",
            &mut statements,
        )
        .await?
        {
            authors.insert(row.try_get(0)?, row.try_get(1)?);
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
        let mut snippets = Vec::with_capacity(new_conversations.len());
        let mut topic_lists = Vec::with_capacity(new_conversations.len());
        for c in &new_conversations {
            let (text, topics) = items
                .get(c.first)
                .map(|(m, t)| {
                    (
                        snippet(&wederhoor_core::pii::mask(&m.text, &t.pii)),
                        topic_list(&t.topics),
                    )
                })
                .unwrap_or_default();
            snippets.push(text);
            topic_lists.push(topics);
        }
        let mut cells = Vec::with_capacity(new_conversations.len() * 12);
        for ((c, text), topics) in new_conversations.iter().zip(&snippets).zip(&topic_lists) {
            let language = items
                .get(c.first)
                .map_or("und", |(_, t)| t.language.as_str());
            cells.extend([
                Cell::Int(source.0),
                Cell::OptInt(c.author),
                Cell::Text("new"),
                Cell::Text(c.verdict),
                Cell::Int(c.priority),
                Cell::Text(language),
                Cell::Text(topics),
                Cell::Text(text),
                Cell::Text(c.origin),
                Cell::Int(c.count),
                Cell::Int(c.created),
                Cell::Int(c.last),
            ]);
        }
        for row in insert_rows(
            self.backend(),
            &mut tx,
            "conversations",
            CONVERSATION_COLUMNS,
            &cells,
            "RETURNING origin, id",
            &mut statements,
        )
        .await?
        {
            let origin: String = row.try_get(0)?;
            if let Some(slot) = index_of_origin
                .get(origin.as_str())
                .and_then(|n| conversation_id_of_new.get_mut(*n))
            {
                *slot = row.try_get(1)?;
            }
        }

        // 7. Existing conversations that got messages.
        // In id order, so two batches touching the same conversations lock them in one order.
        let mut updates: Vec<(i64, ConversationUpdate)> = updates.into_iter().collect();
        updates.sort_by_key(|(id, _)| *id);
        update_conversations(self.backend(), &mut tx, &updates, &mut statements).await?;

        // 8. Messages, then 9. their triage.
        let now = now_ms();
        let conversation_of = |j: &Join| match j {
            Join::New(n) => conversation_id_of_new.get(*n).copied().unwrap_or(0),
            Join::Existing(c) => *c,
        };
        let mut message_id: HashMap<String, i64> = HashMap::new();
        let rows: Vec<(usize, &Join)> = new_items.iter().copied().zip(joins.iter()).collect();
        let mut cells = Vec::with_capacity(rows.len() * 10);
        for (i, join) in &rows {
            let Some((m, _)) = items.get(*i) else {
                continue;
            };
            cells.extend([
                Cell::Int(source.0),
                Cell::Text(m.external_id.as_str()),
                Cell::Int(conversation_of(join)),
                Cell::OptInt(authors.get(&m.author_handle).copied()),
                Cell::Text(m.text.as_str()),
                Cell::Int(m.created_at.as_millisecond()),
                Cell::Int(now),
                Cell::Int(m.reposts),
                Cell::Int(m.likes),
                Cell::OptText(m.in_reply_to.as_deref()),
            ]);
        }
        for row in insert_rows(
            self.backend(),
            &mut tx,
            "messages",
            MESSAGE_COLUMNS,
            &cells,
            "RETURNING external_id, id",
            &mut statements,
        )
        .await?
        {
            message_id.insert(row.try_get(0)?, row.try_get(1)?);
        }
        // 8b. Their search documents (text, author's handle and name; stemmed above).
        let docs: Vec<(i64, &str)> = new_items
            .iter()
            .filter_map(|&i| {
                let (m, _) = items.get(i)?;
                let terms = search_terms.get(i)?;
                message_id
                    .get(&m.external_id)
                    .map(|id| (crate::search::message_doc(*id), terms.as_str()))
            })
            .collect();
        crate::search::index_documents(self.backend(), &mut tx, &docs, &mut statements).await?;
        let triage_rows: Vec<(i64, &Triage)> = new_items
            .iter()
            .filter_map(|&i| items.get(i))
            .filter_map(|(m, t)| message_id.get(&m.external_id).map(|id| (*id, t)))
            .collect();
        statements +=
            insert_triage_rows(self.backend(), &mut tx, &triage_rows, rules_version, now).await?;
        if let Some(position) = &extras.checkpoint {
            statements += 1;
            crate::sources::save_checkpoint(&mut tx, source, position).await?;
        }
        if let Some(query) = &extras.matched_query {
            let mut ids: Vec<i64> = message_id.values().copied().collect();
            ids.sort_unstable();
            let mut cells = Vec::with_capacity(ids.len() * 3);
            for id in &ids {
                cells.extend([
                    Cell::Int(*id),
                    Cell::Int(source.0),
                    Cell::Text(query.as_str()),
                ]);
            }
            insert_rows(
                self.backend(),
                &mut tx,
                "message_queries",
                MESSAGE_QUERY_COLUMNS,
                &cells,
                "ON CONFLICT DO NOTHING",
                &mut statements,
            )
            .await?;
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
        // The search index follows the new text.
        self.counted(3);
        let author = sqlx::query(
            "SELECT a.handle, a.name FROM messages m JOIN authors a ON a.id = m.author_id WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (handle, name): (Option<String>, Option<String>) = match author {
            Some(r) => (r.try_get(0)?, r.try_get(1)?),
            None => (None, None),
        };
        let terms = crate::search::message_terms(text, handle.as_deref(), name.as_deref());
        let doc = crate::search::message_doc(id);
        crate::search::unindex_documents(self.backend(), &mut tx, &[doc]).await?;
        let mut statements = 0;
        crate::search::index_documents(self.backend(), &mut tx, &[(doc, &terms)], &mut statements)
            .await?;
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
        // Its author took it back: it is no longer found by search.
        self.counted(1);
        crate::search::unindex_documents(
            self.backend(),
            &mut tx,
            &[crate::search::message_doc(id)],
        )
        .await?;
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
            statements +=
                1 + insert_triage_rows(self.backend(), &mut tx, chunk, rules_version, now).await?;
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
pub(crate) const ROWS_PER_STATEMENT: usize = 200;

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
pub(crate) fn values_placeholders(backend: Backend, rows: usize, columns: usize) -> String {
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
pub(crate) fn list_placeholders(backend: Backend, n: usize, first: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(", "),
        Backend::Postgres => (first..first + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `(external_id, column)` for the stored messages of `source` among `external_ids`: on
/// PostgreSQL one statement (the ids as one JSON array), on SQLite `IN` lists of `LOOKUP_CHUNK`.
async fn lookup_by_external_id(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    source: SourceId,
    external_ids: &[&str],
    column: &str,
    statements: &mut u64,
) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    if external_ids.is_empty() {
        return Ok(out);
    }
    if backend == Backend::Postgres {
        let ids = serde_json::to_string(external_ids).map_err(corrupt)?;
        let sql = format!(
            "SELECT external_id, {column} FROM messages WHERE source_id = $1 \
             AND external_id = ANY (ARRAY(SELECT json_array_elements_text($2::json)))"
        );
        *statements += 1;
        for row in sqlx::query(&sql)
            .persistent(false)
            .bind(source.0)
            .bind(ids)
            .fetch_all(&mut **tx)
            .await?
        {
            out.push((row.try_get(0)?, row.try_get(1)?));
        }
        return Ok(out);
    }
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

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// One value of a row written by [`insert_rows`].
#[derive(Clone, Copy)]
enum Cell<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
    Text(&'a str),
    OptText(Option<&'a str>),
}

/// A table's columns as [`insert_rows`] writes them: name and PostgreSQL type.
type Columns = &'static [(&'static str, &'static str)];

const AUTHOR_COLUMNS: Columns = &[
    ("source_id", "bigint"),
    ("handle", "text"),
    ("name", "text"),
    ("followers", "bigint"),
    ("handle_key", "text"),
];

const CONVERSATION_COLUMNS: Columns = &[
    ("source_id", "bigint"),
    ("author_id", "bigint"),
    ("state", "text"),
    ("verdict", "text"),
    ("priority", "bigint"),
    ("language", "text"),
    ("topics", "text"),
    ("snippet", "text"),
    ("origin", "text"),
    ("message_count", "bigint"),
    ("created_at", "bigint"),
    ("last_message_at", "bigint"),
];

const MESSAGE_COLUMNS: Columns = &[
    ("source_id", "bigint"),
    ("external_id", "text"),
    ("conversation_id", "bigint"),
    ("author_id", "bigint"),
    ("text", "text"),
    ("created_at", "bigint"),
    ("received_at", "bigint"),
    ("reposts", "bigint"),
    ("likes", "bigint"),
    ("in_reply_to", "text"),
];

const MESSAGE_QUERY_COLUMNS: Columns = &[
    ("message_id", "bigint"),
    ("source_id", "bigint"),
    ("query", "text"),
];

const TRIAGE_COLUMNS: Columns = &[
    ("message_id", "bigint"),
    ("language", "text"),
    ("sentiment_label", "text"),
    ("sentiment_score", "double precision"),
    ("abusive", "bigint"),
    ("pii", "text"),
    ("topics", "text"),
    ("priority", "bigint"),
    ("action", "text"),
    ("rule", "text"),
    ("reason", "text"),
    ("rules_version", "bigint"),
    ("triaged_at", "bigint"),
    ("evidence", "text"),
    ("confidence", "double precision"),
];

/// Inserts `cells` (row after row, `columns.len()` each) into `table`, with `suffix` after the
/// rows (`ON CONFLICT …`, `RETURNING …`), and returns what `RETURNING` gives.
///
/// On PostgreSQL the whole batch is one statement with one parameter: the rows as a JSON array
/// of objects, unpacked by `json_to_recordset`. That is parsed and planned once instead of once
/// per `$N` (planning a 200-row `VALUES` list cost more than inserting its rows), and has no
/// limit on the number of rows. On SQLite: multi-row `VALUES` of `ROWS_PER_STATEMENT` rows with
/// `?` placeholders.
async fn insert_rows(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    columns: Columns,
    cells: &[Cell<'_>],
    suffix: &str,
    statements: &mut u64,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut out = Vec::new();
    let width = columns.len();
    if cells.is_empty() || width == 0 {
        return Ok(out);
    }
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let names = names.join(", ");
    if backend == Backend::Postgres {
        let types: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (_, ty))| format!("c{i} {ty}"))
            .collect();
        let selected: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({names}) SELECT {} FROM json_to_recordset($1::json) AS x({}) {suffix}",
            selected.join(", "),
            types.join(", ")
        );
        let json = rows_as_json(cells, width)?;
        *statements += 1;
        out = sqlx::query(&sql)
            .persistent(false)
            .bind(json)
            .fetch_all(&mut **tx)
            .await?;
        return Ok(out);
    }
    for chunk in cells.chunks(width * ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO {table} ({names}) VALUES {} {suffix}",
            values_placeholders(backend, chunk.len() / width, width)
        );
        let mut q = sqlx::query(&sql).persistent(false);
        for cell in chunk {
            q = match *cell {
                Cell::Int(v) => q.bind(v),
                Cell::OptInt(v) => q.bind(v),
                Cell::Real(v) => q.bind(v),
                Cell::Text(v) => q.bind(v),
                Cell::OptText(v) => q.bind(v),
            };
        }
        *statements += 1;
        out.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(out)
}

/// `[{"c0": …, "c1": …}, …]`: the rows for `json_to_recordset`.
fn rows_as_json(cells: &[Cell<'_>], width: usize) -> Result<String> {
    use std::fmt::Write;
    let mut json = String::with_capacity(cells.len() * 24);
    json.push('[');
    for (r, row) in cells.chunks(width).enumerate() {
        if r > 0 {
            json.push(',');
        }
        json.push('{');
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                json.push(',');
            }
            let _ = write!(json, "\"c{c}\":");
            match *cell {
                Cell::Int(v) | Cell::OptInt(Some(v)) => {
                    let _ = write!(json, "{v}");
                }
                Cell::Real(v) => {
                    json.push_str(&serde_json::to_string(&v).map_err(corrupt)?);
                }
                Cell::Text(v) | Cell::OptText(Some(v)) => {
                    json.push_str(&serde_json::to_string(v).map_err(corrupt)?);
                }
                Cell::OptInt(None) | Cell::OptText(None) => json.push_str("null"),
            }
        }
        json.push('}');
    }
    json.push(']');
    Ok(json)
}

/// Adds a batch's messages to conversations stored before it: on PostgreSQL one `UPDATE … FROM`
/// for all of them, on SQLite one small statement each.
async fn update_conversations(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    updates: &[(i64, ConversationUpdate)],
    statements: &mut u64,
) -> Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    if backend == Backend::Postgres {
        let mut cells = Vec::with_capacity(updates.len() * 5);
        for (id, u) in updates {
            cells.extend([
                Cell::Int(*id),
                Cell::Int(u.count),
                Cell::Int(u.last),
                Cell::Text(u.verdict),
                Cell::Int(u.priority),
            ]);
        }
        *statements += 1;
        sqlx::query(
            "UPDATE conversations SET message_count = message_count + x.c1, \
             last_message_at = GREATEST(last_message_at, x.c2), verdict = x.c3, \
             priority = GREATEST(priority, x.c4), \
             state = CASE WHEN state IN ('waiting', 'closed') THEN 'open' ELSE state END \
             FROM json_to_recordset($1::json) AS x(c0 bigint, c1 bigint, c2 bigint, c3 text, c4 bigint) \
             WHERE id = x.c0",
        )
        .persistent(false)
        .bind(rows_as_json(&cells, 5)?)
        .execute(&mut **tx)
        .await?;
        return Ok(());
    }
    for (conversation, u) in updates {
        *statements += 1;
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
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Inserts triage rows; returns the number of statements it ran.
async fn insert_triage_rows(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: &[(i64, &Triage)],
    rules_version: Option<i64>,
    now: i64,
) -> Result<u64> {
    let mut json = Vec::with_capacity(rows.len());
    for (_, t) in rows {
        json.push([
            serde_json::to_string(&t.pii).map_err(corrupt)?,
            serde_json::to_string(&t.topics).map_err(corrupt)?,
            serde_json::to_string(&t.evidence).map_err(corrupt)?,
        ]);
    }
    let mut cells = Vec::with_capacity(rows.len() * TRIAGE_COLUMNS.len());
    for ((message, t), [pii, topics, evidence]) in rows.iter().zip(&json) {
        cells.extend([
            Cell::Int(*message),
            Cell::Text(t.language.as_str()),
            Cell::Text(t.sentiment.label.as_str()),
            Cell::Real(f64::from(t.sentiment.score)),
            Cell::Int(i64::from(t.abusive)),
            Cell::Text(pii),
            Cell::Text(topics),
            Cell::Int(i64::from(t.priority)),
            Cell::Text(t.verdict.action.as_str()),
            Cell::Text(t.verdict.rule.as_str()),
            Cell::Text(t.verdict.reason.as_str()),
            Cell::OptInt(rules_version),
            Cell::Int(now),
            Cell::Text(evidence),
            Cell::Real(f64::from(t.verdict.confidence)),
        ]);
    }
    let mut statements = 0;
    insert_rows(
        backend,
        tx,
        "triage",
        TRIAGE_COLUMNS,
        &cells,
        "",
        &mut statements,
    )
    .await?;
    Ok(statements)
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
