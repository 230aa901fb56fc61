//! Privacy (GDPR): everything stored about one person can be exported, or erased.
//!
//! A person is an author handle in a source and, when that author is linked to a contact, every
//! author of that contact. The export holds their authors, messages (with triage), the
//! conversations they are in (with our replies and notes, not the messages of other people) and
//! the precedents decided on their messages. Erasure deletes their messages and whatever only
//! existed because of them, anonymises the author rows and audits the counts, in one transaction.

use crate::inbox::{message_view_from_row, reply_view_from_row};
use crate::ingest::snippet;
use crate::{MessageView, NoteView, ReplyView, Result, Store, audit, now_ms};
use sqlx::Row;
use std::collections::BTreeSet;
use wederhoor_core::{AgentId, ConversationId, MessageId, SourceId};

/// One author row of the person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonAuthor {
    pub id: i64,
    pub source_id: SourceId,
    pub source_name: String,
    pub handle: String,
    pub name: Option<String>,
    pub followers: i64,
    pub contact_id: Option<i64>,
}

/// A message of the person with its triage and the conversation it is in.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonMessage {
    pub conversation_id: ConversationId,
    #[serde(flatten)]
    pub message: MessageView,
}

/// A conversation the person is in, with our replies and notes in it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonConversation {
    pub id: ConversationId,
    pub source_name: String,
    pub state: String,
    pub verdict: String,
    pub message_count: i64,
    pub created_at: i64,
    pub last_message_at: i64,
    pub replies: Vec<ReplyView>,
    pub notes: Vec<NoteView>,
    /// Call-back requests left through one-time links (phone number, good time).
    pub callbacks: Vec<crate::CallbackLink>,
    /// A follow-up promised to the person (snoozed until, the agent's note).
    pub snoozed_until: Option<i64>,
    pub snooze_note: Option<String>,
}

/// A lead's decision on one of the person's messages.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonPrecedent {
    pub id: i64,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub action: String,
    pub reason: String,
    pub rule_id: Option<String>,
    pub created_at: i64,
}

/// A file that came with one of the person's messages (e-mail attachments), with its bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonAttachment {
    pub id: i64,
    pub message_id: MessageId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// The bytes, base64 (standard alphabet); `None` when the file was too large to keep.
    pub content_base64: Option<String>,
}

/// Everything stored about one person (empty lists when nothing is).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonExport {
    pub source_id: SourceId,
    pub handle: String,
    pub exported_at: i64,
    pub authors: Vec<PersonAuthor>,
    pub messages: Vec<PersonMessage>,
    pub conversations: Vec<PersonConversation>,
    pub precedents: Vec<PersonPrecedent>,
    pub attachments: Vec<PersonAttachment>,
    /// Printed cards requested for the person, with the address while the card is not sent.
    pub printed_cards: Vec<PersonPrintedCard>,
}

/// A printed card requested for the person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonPrintedCard {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub template: String,
    pub line: String,
    pub recipient: Option<String>,
    pub address: Option<String>,
    pub state: String,
    pub requested_at: i64,
    pub sent_at: Option<i64>,
}

impl PersonExport {
    /// Whether anything at all is stored about the person.
    pub fn is_empty(&self) -> bool {
        self.authors.is_empty() && self.messages.is_empty()
    }
}

/// What an erasure did (all zero when there was nothing left to erase).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ErasureReport {
    pub authors_anonymised: u64,
    pub printed_cards_deleted: u64,
    pub messages_deleted: u64,
    pub conversations_deleted: u64,
    pub conversations_updated: u64,
    pub replies_deleted: u64,
    pub notes_deleted: u64,
    pub precedents_deleted: u64,
    /// The conversations the person was in (deleted or updated), so open pages can refresh.
    pub conversations: Vec<ConversationId>,
}

impl ErasureReport {
    pub fn nothing_erased(&self) -> bool {
        *self == ErasureReport::default()
    }

    fn summary(&self) -> String {
        format!(
            "{} authors anonymised, {} messages, {} conversations, {} replies, {} notes, {} precedents deleted, {} conversations updated",
            self.authors_anonymised,
            self.messages_deleted,
            self.conversations_deleted,
            self.replies_deleted,
            self.notes_deleted,
            self.precedents_deleted,
            self.conversations_updated
        )
    }
}

/// `$from, $from+1, …` for `n` bound values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn query_in<'q>(
    sql: &'q str,
    ids: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    ids.iter().fold(sqlx::query(sql), |q, id| q.bind(*id))
}

/// The author ids of a person: the authors whose handle is a spelling of `handle` in that source
/// (`wederhoor_core::handle::same_handle`: with or without `@`, any ASCII letter case), found
/// through the one handle key (`authors.handle_key`, index `authors_contact_key`) and checked by
/// spelling, so two people who share a key on one source are never one person here; and, if one
/// is linked to a contact, every author of the contact. Rows stored before the key dropped
/// platform decoration carry their lower-case spelling as key: both are looked up.
async fn person_authors<'e, E>(executor: E, source: SourceId, handle: &str) -> Result<Vec<i64>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let spelling = wederhoor_core::handle::spelling(handle);
    let rows = sqlx::query(
        "SELECT DISTINCT b.id FROM authors a JOIN authors b \
         ON b.id = a.id OR (a.contact_id IS NOT NULL AND b.contact_id = a.contact_id) \
         WHERE a.handle_key IN ($2, $3, $4) AND a.source_id = $1 \
         AND lower(ltrim(a.handle, '@')) = lower(CAST($3 AS TEXT)) ORDER BY b.id",
    )
    .bind(source.0)
    .bind(wederhoor_core::handle::handle_key(handle))
    .bind(spelling.as_str())
    .bind(spelling.to_lowercase())
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect::<Result<Vec<i64>>>()
}

impl Store {
    /// Everything stored about the person with `handle` in `source` (see the module docs).
    pub async fn person_export(&self, source: SourceId, handle: &str) -> Result<PersonExport> {
        let mut export = PersonExport {
            source_id: source,
            handle: handle.to_owned(),
            exported_at: now_ms(),
            authors: vec![],
            messages: vec![],
            conversations: vec![],
            precedents: vec![],
            attachments: vec![],
            printed_cards: vec![],
        };
        self.counted(1);
        let authors = person_authors(self.pool(), source, handle).await?;
        if authors.is_empty() {
            return Ok(export);
        }
        let list = placeholders(1, authors.len());
        self.counted(6);
        let sql = format!(
            "SELECT a.id, a.source_id, s.name, a.handle, a.name, a.followers, a.contact_id \
             FROM authors a JOIN sources s ON s.id = a.source_id WHERE a.id IN ({list}) ORDER BY a.id"
        );
        for r in query_in(&sql, &authors).fetch_all(self.pool()).await? {
            export.authors.push(PersonAuthor {
                id: r.try_get(0)?,
                source_id: SourceId(r.try_get(1)?),
                source_name: r.try_get(2)?,
                handle: r.try_get(3)?,
                name: r.try_get(4)?,
                followers: r.try_get(5)?,
                contact_id: r.try_get(6)?,
            });
        }
        let sql = format!(
            "SELECT m.id, m.external_id, m.text, a.handle, a.name, a.followers, m.created_at, m.reposts, m.likes, \
             t.language, t.sentiment_label, t.sentiment_score, t.abusive, t.pii, t.topics, t.priority, \
             t.action, t.rule, t.reason, t.rules_version, t.evidence, m.conversation_id, m.edited_at, m.deleted_at, t.confidence \
             FROM messages m JOIN triage t ON t.message_id = m.id LEFT JOIN authors a ON a.id = m.author_id \
             WHERE m.author_id IN ({list}) ORDER BY m.created_at, m.id"
        );
        for r in query_in(&sql, &authors).fetch_all(self.pool()).await? {
            export.messages.push(PersonMessage {
                conversation_id: ConversationId(r.try_get(21)?),
                message: message_view_from_row(&r)?,
            });
        }
        let conversations: Vec<i64> = export
            .messages
            .iter()
            .map(|m| m.conversation_id.0)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !conversations.is_empty() {
            let clist = placeholders(1, conversations.len());
            let sql = format!(
                "SELECT c.id, s.name, c.state, c.verdict, c.message_count, c.created_at, c.last_message_at, \
                 c.snoozed_until, c.snooze_note \
                 FROM conversations c JOIN sources s ON s.id = c.source_id WHERE c.id IN ({clist}) ORDER BY c.id"
            );
            for r in query_in(&sql, &conversations)
                .fetch_all(self.pool())
                .await?
            {
                export.conversations.push(PersonConversation {
                    id: ConversationId(r.try_get(0)?),
                    source_name: r.try_get(1)?,
                    state: r.try_get(2)?,
                    verdict: r.try_get(3)?,
                    message_count: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    last_message_at: r.try_get(6)?,
                    replies: vec![],
                    notes: vec![],
                    callbacks: vec![],
                    snoozed_until: r.try_get(7)?,
                    snooze_note: r.try_get(8)?,
                });
            }
            let sql = format!(
                "SELECT r.id, g.display_name, r.text, r.created_at, r.delivery_kind, r.state, r.attempts, \
                 r.last_error, r.sent_at, r.conversation_id, COALESCE(r.signature, g.display_name) AS signature, r.agent_id, r.direct \
                 FROM replies r JOIN agents g ON g.id = r.agent_id \
                 WHERE r.conversation_id IN ({clist}) ORDER BY r.created_at, r.id"
            );
            for r in query_in(&sql, &conversations)
                .fetch_all(self.pool())
                .await?
            {
                let id: i64 = r.try_get(9)?;
                let reply = reply_view_from_row(&r)?;
                if let Some(c) = export.conversations.iter_mut().find(|c| c.id.0 == id) {
                    c.replies.push(reply);
                }
            }
            let sql = format!(
                "SELECT g.display_name, n.text, n.created_at, n.conversation_id FROM notes n \
                 JOIN agents g ON g.id = n.agent_id WHERE n.conversation_id IN ({clist}) \
                 ORDER BY n.created_at, n.id"
            );
            for r in query_in(&sql, &conversations)
                .fetch_all(self.pool())
                .await?
            {
                let id: i64 = r.try_get(3)?;
                let note = NoteView {
                    agent_name: r.try_get(0)?,
                    text: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                };
                if let Some(c) = export.conversations.iter_mut().find(|c| c.id.0 == id) {
                    c.notes.push(note);
                }
            }
        }
        for c in &mut export.conversations {
            c.callbacks = self.callback_links(c.id).await?;
        }
        let sql = format!(
            "SELECT p.id, p.message_id, p.conversation_id, p.action, p.reason, p.rule_id, p.created_at \
             FROM precedents p JOIN messages m ON m.id = p.message_id WHERE m.author_id IN ({list}) ORDER BY p.id"
        );
        for r in query_in(&sql, &authors).fetch_all(self.pool()).await? {
            export.precedents.push(PersonPrecedent {
                id: r.try_get(0)?,
                message_id: MessageId(r.try_get(1)?),
                conversation_id: ConversationId(r.try_get(2)?),
                action: r.try_get(3)?,
                reason: r.try_get(4)?,
                rule_id: r.try_get(5)?,
                created_at: r.try_get(6)?,
            });
        }
        self.counted(1);
        let sql = format!(
            "SELECT id, conversation_id, template, line, recipient, address, state, requested_at, sent_at \
             FROM printed_cards WHERE author_id IN ({list}) ORDER BY id"
        );
        for r in query_in(&sql, &authors).fetch_all(self.pool()).await? {
            export.printed_cards.push(PersonPrintedCard {
                id: r.try_get(0)?,
                conversation_id: ConversationId(r.try_get(1)?),
                template: r.try_get(2)?,
                line: r.try_get(3)?,
                recipient: r.try_get(4)?,
                address: r.try_get(5)?,
                state: r.try_get(6)?,
                requested_at: r.try_get(7)?,
                sent_at: r.try_get(8)?,
            });
        }
        self.counted(1);
        let sql = format!(
            "SELECT x.id, x.message_id, x.filename, x.content_type, x.size, x.content \
             FROM attachments x JOIN messages m ON m.id = x.message_id \
             WHERE m.author_id IN ({list}) ORDER BY x.id"
        );
        for r in query_in(&sql, &authors).fetch_all(self.pool()).await? {
            use base64::Engine as _;
            let content: Option<Vec<u8>> = r.try_get(5)?;
            export.attachments.push(PersonAttachment {
                id: r.try_get(0)?,
                message_id: MessageId(r.try_get(1)?),
                filename: r.try_get(2)?,
                content_type: r.try_get(3)?,
                size: r.try_get(4)?,
                content_base64: content
                    .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)),
            });
        }
        Ok(export)
    }

    /// Records in the audit log that a person's data was exported (counts only).
    pub async fn record_person_export(
        &self,
        export: &PersonExport,
        actor: Option<AgentId>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "person.export",
            "author",
            export.authors.first().map(|a| a.id),
            &format!(
                "export of {} authors, {} messages, {} conversations, {} precedents",
                export.authors.len(),
                export.messages.len(),
                export.conversations.len(),
                export.precedents.len()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Erases the person with `handle` in `source`, in one transaction: their messages with
    /// triage and query matches, precedents on those messages (an audit line keeps that each
    /// existed), conversations left without messages with their replies and notes; the author
    /// rows are anonymised (`erased-<id>`, no name, no followers, no contact) and the remaining
    /// conversations they were in recounted. One audit entry with the counts and the reason,
    /// never the erased content. Erasing again finds nothing and reports zeros.
    pub async fn person_erase(
        &self,
        source: SourceId,
        handle: &str,
        actor: Option<AgentId>,
        reason: &str,
    ) -> Result<ErasureReport> {
        let actor = actor.map(|a| a.0);
        let mut report = ErasureReport::default();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let authors = person_authors(&mut *tx, source, handle).await?;
        if authors.is_empty() {
            audit(
                &mut tx,
                actor,
                "person.erase",
                "source",
                Some(source.0),
                &format!("nothing to erase: no such author in this source; reason: {reason}"),
            )
            .await?;
            tx.commit().await?;
            return Ok(report);
        }
        let list = placeholders(1, authors.len());
        let mine = format!("SELECT id FROM messages WHERE author_id IN ({list})");

        let sql = format!(
            "SELECT DISTINCT conversation_id FROM messages WHERE author_id IN ({list}) ORDER BY conversation_id"
        );
        let affected: Vec<i64> = query_in(&sql, &authors)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;

        let sql = format!(
            "SELECT id, action, rule_id, conversation_id FROM precedents WHERE message_id IN ({mine}) ORDER BY id"
        );
        let precedents = query_in(&sql, &authors).fetch_all(&mut *tx).await?;
        for p in &precedents {
            let id: i64 = p.try_get(0)?;
            let action: String = p.try_get(1)?;
            let rule: Option<String> = p.try_get(2)?;
            let conversation: i64 = p.try_get(3)?;
            audit(
                &mut tx,
                actor,
                "precedent.erase",
                "precedent",
                Some(id),
                &format!(
                    "precedent ({action}, rule {}) in conversation {conversation} deleted with an erased person's message",
                    rule.as_deref().unwrap_or("-")
                ),
            )
            .await?;
        }
        let sql = format!("DELETE FROM precedents WHERE message_id IN ({mine})");
        report.precedents_deleted = query_in(&sql, &authors)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Printed cards for the person (their address) go, sent or not.
        let sql = format!("DELETE FROM printed_cards WHERE author_id IN ({list})");
        report.printed_cards_deleted = query_in(&sql, &authors)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for table in ["triage", "message_queries", "attachments"] {
            let sql = format!("DELETE FROM {table} WHERE message_id IN ({mine})");
            query_in(&sql, &authors).execute(&mut *tx).await?;
        }
        // Erased text must not be findable: out of the search index with the messages.
        let sql = crate::search::unindex_sql(
            self.backend(),
            &format!("SELECT id * 4 FROM messages WHERE author_id IN ({list})"),
        );
        query_in(&sql, &authors).execute(&mut *tx).await?;
        self.counted(1);
        let sql = format!("DELETE FROM messages WHERE author_id IN ({list})");
        report.messages_deleted = query_in(&sql, &authors)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        self.counted(6 + precedents.len() as u64);

        if !affected.is_empty() {
            let clist = placeholders(1, affected.len());
            // The call-back requests of the person's cases (phone numbers) go with them.
            self.counted(1);
            let sql = format!("DELETE FROM callback_links WHERE conversation_id IN ({clist})");
            query_in(&sql, &affected).execute(&mut *tx).await?;
            let empty = format!(
                "SELECT c.id FROM conversations c WHERE c.id IN ({clist}) \
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)"
            );
            // Survey answers are the person's words: gone with them; a survey of a case that
            // is removed goes with it.
            let sql =
                format!("UPDATE surveys SET comment = NULL WHERE conversation_id IN ({clist})");
            query_in(&sql, &affected).execute(&mut *tx).await?;
            let sql = format!(
                "DELETE FROM surveys WHERE conversation_id IN ({empty}) OR via_conversation_id IN ({empty})"
            );
            query_in(&sql, &affected).execute(&mut *tx).await?;
            // Their cards (the line an agent wrote them) and their place in broadcasts go with
            // the replies they were sent as; the links of their cases to structural issues too.
            for table in ["cards", "broadcast_recipients", "structural_issue_cases"] {
                let sql = format!("DELETE FROM {table} WHERE conversation_id IN ({empty})");
                query_in(&sql, &affected).execute(&mut *tx).await?;
            }
            let sql = format!("DELETE FROM replies WHERE conversation_id IN ({empty})");
            report.replies_deleted = query_in(&sql, &affected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let sql = crate::search::unindex_sql(
                self.backend(),
                &format!("SELECT id * 4 + 1 FROM notes WHERE conversation_id IN ({empty})"),
            );
            query_in(&sql, &affected).execute(&mut *tx).await?;
            self.counted(1);
            let sql = format!("DELETE FROM notes WHERE conversation_id IN ({empty})");
            report.notes_deleted = query_in(&sql, &affected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let sql = format!("DELETE FROM precedents WHERE conversation_id IN ({empty})");
            report.precedents_deleted += query_in(&sql, &affected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let sql = format!("DELETE FROM conversations WHERE id IN ({empty})");
            report.conversations_deleted = query_in(&sql, &affected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // What remains of the conversations they were in: recount, and take the snippet
            // from the first remaining message (the old one may have been the person's text).
            let sql = format!(
                "SELECT m.conversation_id, m.text, m.created_at, t.pii FROM messages m \
                 LEFT JOIN triage t ON t.message_id = m.id \
                 WHERE m.conversation_id IN ({clist}) ORDER BY m.conversation_id, m.created_at, m.id"
            );
            let rows = query_in(&sql, &affected).fetch_all(&mut *tx).await?;
            let mut remaining: Vec<(i64, String, i64, i64)> = Vec::new();
            for r in &rows {
                let conversation: i64 = r.try_get(0)?;
                let text: String = r.try_get(1)?;
                let at: i64 = r.try_get(2)?;
                match remaining.last_mut() {
                    Some(last) if last.0 == conversation => {
                        last.2 = last.2.max(at);
                        last.3 += 1;
                    }
                    _ => {
                        // The snippet masks personal data, as at ingest.
                        let pii: Vec<wederhoor_core::PiiSpan> = r
                            .try_get::<Option<String>, _>(3)?
                            .and_then(|p| serde_json::from_str(&p).ok())
                            .unwrap_or_default();
                        let masked = wederhoor_core::pii::mask(&text, &pii);
                        remaining.push((conversation, snippet(&masked), at, 1))
                    }
                }
            }
            self.counted(5 + remaining.len() as u64);
            for (conversation, snippet, last_at, count) in &remaining {
                sqlx::query(
                    "UPDATE conversations SET message_count = $1, snippet = $2, last_message_at = $3 WHERE id = $4",
                )
                .bind(*count)
                .bind(snippet.as_str())
                .bind(*last_at)
                .bind(*conversation)
                .execute(&mut *tx)
                .await?;
            }
            report.conversations_updated = remaining.len() as u64;
            report.conversations = affected.iter().copied().map(ConversationId).collect();
        }

        // Anonymise the author rows; a contact left without authors goes too.
        let sql = format!(
            "SELECT DISTINCT contact_id FROM authors WHERE id IN ({list}) AND contact_id IS NOT NULL"
        );
        let contacts: Vec<i64> = query_in(&sql, &authors)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        for id in &authors {
            report.authors_anonymised += sqlx::query(
                "UPDATE authors SET handle = $1, name = NULL, followers = 0, contact_id = NULL WHERE id = $2",
            )
            .bind(format!("erased-{id}"))
            .bind(*id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        for contact in &contacts {
            sqlx::query(
                "DELETE FROM contacts WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM authors WHERE contact_id = $1)",
            )
            .bind(*contact)
            .execute(&mut *tx)
            .await?;
        }
        self.counted(2 + authors.len() as u64 + contacts.len() as u64);
        audit(
            &mut tx,
            actor,
            "person.erase",
            "author",
            authors.first().copied(),
            &format!("{}; reason: {reason}", report.summary()),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}
