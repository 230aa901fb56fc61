//! Contacts and identity (issue #12): one person across sources. A contact links authors (a
//! social handle, an e-mail address, a phone number, a forum account); agents merge two
//! contacts and split an author back out by hand, each audited, helped by suggestions when
//! handles, names, e-mail addresses or phone numbers match. The contact page shows one
//! timeline of everything that happened with all its authors.
//!
//! Who may do what: every agent views contacts and merges or splits them (a merge is one
//! reversible click, audited with the agent's name, and agents are the ones who see that two
//! messages come from one person). E-mail addresses and phone numbers a suggestion rests on
//! are shown masked, to every role.

use std::collections::{BTreeMap, BTreeSet};
use wederhoor_core::AgentId;
use wederhoor_core::handle::{email_key, name_key, phone_key, phone_spellings};
use wederhoor_core::triage::{PiiKind, PiiSpan};
use wederhoor_store::{
    ContactAuthor, ContactLookup, ContactView, Store, StoreError, TimelineEntry,
};

/// Lines on one page of the timeline.
pub const TIMELINE_PAGE: i64 = 50;
/// How many of the contact's newest messages are read for e-mail addresses and phone numbers.
const MESSAGES_SCANNED: i64 = 200;
/// How many candidate authors a suggestion query reads at most.
const CANDIDATES: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("not found")]
    NotFound,
    /// The two are one contact already, or the author is its contact's only one.
    #[error("nothing to do: {0}")]
    Nothing(&'static str),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ContactError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => ContactError::NotFound,
            StoreError::Conflict(_) => ContactError::Nothing("conflict"),
            e => ContactError::Store(e),
        }
    }
}

/// Why two contacts may be one person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Reason {
    /// The same handle (without platform decoration) on another source.
    Handle(String),
    /// The same name of two words or more.
    Name(String),
    /// The same e-mail address (masked).
    Email(String),
    /// The same phone number (masked).
    Phone(String),
}

/// Another contact that may be the same person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub contact_id: i64,
    pub authors: Vec<ContactAuthor>,
    pub reasons: Vec<Reason>,
}

/// One line of the timeline, ready to show (a message's personal data masked).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimelineLine {
    #[serde(flatten)]
    pub entry: TimelineEntry,
}

/// A page of the timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimelinePage {
    pub lines: Vec<TimelineLine>,
    /// 1-based.
    pub page: i64,
    pub has_next: bool,
}

/// The contact with `id`; `MovedTo` when the author it was named by has joined another one.
pub async fn find(store: &Store, id: i64) -> Result<ContactLookup, ContactError> {
    Ok(store.contact(id).await?)
}

/// Page `page` (1-based) of the contact's timeline: every case of its authors and every
/// message, reply, note, survey answer and card in them, newest first. Personal data in
/// messages is masked (the case page shows them whole to whoever may see them).
pub async fn timeline(
    store: &Store,
    contact: &ContactView,
    page: i64,
) -> Result<TimelinePage, ContactError> {
    let page = page.max(1);
    let mut entries = store
        .contact_timeline(
            &contact.author_ids(),
            (page - 1) * TIMELINE_PAGE,
            TIMELINE_PAGE,
        )
        .await?;
    let has_next = entries.len() as i64 > TIMELINE_PAGE;
    entries.truncate(TIMELINE_PAGE as usize);
    let lines = entries
        .into_iter()
        .map(|mut entry| {
            if let Some(pii) = entry.pii.take() {
                let spans: Vec<PiiSpan> = serde_json::from_str(&pii).unwrap_or_default();
                entry.body = wederhoor_core::pii::mask(&entry.body, &spans);
            }
            TimelineLine { entry }
        })
        .collect();
    Ok(TimelinePage {
        lines,
        page,
        has_next,
    })
}

/// Other contacts that may be the same person: the same handle on another source, the same
/// name (two words or more), or an e-mail address or phone number that one of them has as its
/// handle and the other has too, as a handle or in a message. Two queries. The other
/// contacts' e-mail addresses and phone numbers are masked.
pub async fn suggestions(
    store: &Store,
    contact: &ContactView,
) -> Result<Vec<Suggestion>, ContactError> {
    let handle_keys: BTreeSet<String> = contact
        .authors
        .iter()
        .filter_map(|a| a.handle_key.clone())
        .filter(|k| !k.is_empty())
        .collect();
    let names: BTreeSet<String> = contact
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref().and_then(name_key))
        .collect();
    let mut emails: BTreeSet<String> = BTreeSet::new();
    let mut phones: BTreeSet<String> = BTreeSet::new();
    for a in &contact.authors {
        identifiers_of_handle(&a.handle, &mut emails, &mut phones);
    }
    for (text, pii) in store
        .contact_message_pii(&contact.author_ids(), MESSAGES_SCANNED)
        .await?
    {
        let spans: Vec<PiiSpan> = serde_json::from_str(&pii).unwrap_or_default();
        for span in spans {
            let Some(found) = text.get(span.start..span.end) else {
                continue;
            };
            match span.kind {
                PiiKind::Email => emails.extend(email_key(found)),
                PiiKind::Phone => phones.extend(phone_key(found)),
                _ => {}
            }
        }
    }
    // Look the identifiers up by the stored handle key of an author who has one as its handle.
    let mut keys = handle_keys.clone();
    keys.extend(emails.iter().map(|e| wederhoor_core::handle::handle_key(e)));
    for p in &phones {
        keys.extend(
            phone_spellings(p)
                .iter()
                .map(|s| wederhoor_core::handle::handle_key(s)),
        );
    }
    let keys: Vec<String> = keys.into_iter().filter(|k| !k.is_empty()).collect();
    let names_list: Vec<String> = names.iter().cloned().collect();
    let candidates = store
        .contact_candidates(contact.id, &keys, &names_list, CANDIDATES)
        .await?;
    let mut by_contact: BTreeMap<i64, Suggestion> = BTreeMap::new();
    for candidate in candidates {
        let mut reasons = Vec::new();
        if let Some(k) = candidate
            .handle_key
            .as_ref()
            .filter(|k| handle_keys.contains(*k))
        {
            reasons.push(Reason::Handle(k.clone()));
        }
        if let Some(n) = candidate.name.as_deref().and_then(name_key)
            && names.contains(&n)
        {
            reasons.push(Reason::Name(candidate.name.clone().unwrap_or_default()));
        }
        let (mut their_emails, mut their_phones) = (BTreeSet::new(), BTreeSet::new());
        identifiers_of_handle(&candidate.handle, &mut their_emails, &mut their_phones);
        for e in their_emails.intersection(&emails) {
            reasons.push(Reason::Email(mask_email(e)));
        }
        for p in their_phones.intersection(&phones) {
            reasons.push(Reason::Phone(mask_phone(p)));
        }
        if reasons.is_empty() {
            continue;
        }
        // Another contact may be another person: their address or number is shown masked.
        let mut candidate = candidate;
        if let Some(e) = email_key(&candidate.handle) {
            candidate.handle = mask_email(&e);
        } else if let Some(p) = phone_key(&candidate.handle) {
            candidate.handle = mask_phone(&p);
        }
        let s = by_contact
            .entry(candidate.contact_id)
            .or_insert_with(|| Suggestion {
                contact_id: candidate.contact_id,
                authors: vec![],
                reasons: vec![],
            });
        s.authors.push(candidate);
        for r in reasons {
            if !s.reasons.contains(&r) {
                s.reasons.push(r);
            }
        }
    }
    Ok(by_contact.into_values().collect())
}

/// The e-mail address or phone number an author's handle is (an e-mail source's sender, a
/// WhatsApp number).
fn identifiers_of_handle(
    handle: &str,
    emails: &mut BTreeSet<String>,
    phones: &mut BTreeSet<String>,
) {
    if let Some(e) = email_key(handle) {
        emails.insert(e);
    } else if let Some(p) = phone_key(handle) {
        phones.insert(p);
    }
}

/// `s••••@e••••••.nl`: the first letter of the name and of the domain, and the top-level domain.
pub fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.split_once('@') else {
        return "•••".to_owned();
    };
    let keep_first = |s: &str| {
        let mut chars = s.chars();
        let first: String = chars.next().into_iter().collect();
        format!("{first}{}", "•".repeat(chars.count()))
    };
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    format!("{}@{}.{tld}", keep_first(local), keep_first(host))
}

/// `•••••••••78`: the last two digits.
pub fn mask_phone(phone: &str) -> String {
    let n = phone.chars().count();
    let tail: String = phone.chars().skip(n.saturating_sub(2)).collect();
    format!("{}{tail}", "•".repeat(n.saturating_sub(2)))
}

/// Contacts found by a handle (any spelling: its handle key), a full name or a contact number
/// (`#12`), each with the authors that matched (e-mail addresses and phone numbers masked).
pub async fn search(store: &Store, query: &str) -> Result<Vec<ContactView>, ContactError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(vec![]);
    }
    if let Ok(id) = query.trim_start_matches('#').parse::<i64>() {
        return Ok(match store.contact(id).await? {
            ContactLookup::Found(c) => vec![c],
            _ => vec![],
        });
    }
    let key = wederhoor_core::handle::handle_key(query);
    let name = query
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    let mut found: Vec<ContactView> = Vec::new();
    for mut author in store.search_contacts(&key, &name, 50).await? {
        if let Some(e) = email_key(&author.handle) {
            author.handle = mask_email(&e);
        } else if let Some(p) = phone_key(&author.handle) {
            author.handle = mask_phone(&p);
        }
        match found.iter_mut().find(|c| c.id == author.contact_id) {
            Some(c) => c.authors.push(author),
            None => found.push(ContactView {
                id: author.contact_id,
                authors: vec![author],
            }),
        }
    }
    Ok(found)
}

/// Merges contact `other` into contact `into` (every author of `other` joins), audited with the
/// agent. Returns the contact they are now.
pub async fn merge(
    store: &Store,
    into: i64,
    other: i64,
    actor: AgentId,
) -> Result<i64, ContactError> {
    if into == other {
        return Err(ContactError::Nothing("same contact"));
    }
    store.merge_contacts(into, other, actor).await?;
    tracing::info!(into, other, "contacts merged");
    Ok(into)
}

/// Splits `author` out of `contact` into a contact of its own, audited with the agent. Returns
/// the id the rest of the contact has afterwards.
pub async fn unmerge(
    store: &Store,
    contact: i64,
    author: i64,
    actor: AgentId,
) -> Result<i64, ContactError> {
    let remains = store.unmerge_author(contact, author, actor).await?;
    tracing::info!(contact, author, remains, "author split off its contact");
    Ok(remains)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_and_phone_numbers_are_masked() {
        assert_eq!(mask_email("sanne@example.nl"), "s••••@e••••••.nl");
        assert_eq!(mask_phone("31612345678"), "•••••••••78");
        let (mut e, mut p) = (BTreeSet::new(), BTreeSet::new());
        identifiers_of_handle("Sanne@Example.nl", &mut e, &mut p);
        identifiers_of_handle("31612345678", &mut e, &mut p);
        identifiers_of_handle("@sanne@mastodon.nl", &mut e, &mut p);
        assert_eq!(e.into_iter().collect::<Vec<_>>(), ["sanne@example.nl"]);
        assert_eq!(p.into_iter().collect::<Vec<_>>(), ["31612345678"]);
    }
}
