//! Suggested replies (#12): the answers the team sent to earlier messages like this one.
//!
//! Nearest neighbours over a bounded candidate set: the latest sent replies of cases in the
//! same language within a window ([`SuggestPolicy`]), compared by the cosine of hashed word and
//! character-trigram vectors (stop words, @-mentions and numbers left out), a shared topic
//! counting a little extra. What is shown (the
//! earlier message and the earlier answer) has its personal data masked by the triage's
//! detector and the earlier customer's name and handle taken out. A suggestion is only ever
//! copied into the composer: an agent sends it, or not.

use crate::Result;
use std::collections::HashMap;
use wederhoor_core::ConversationId;
use wederhoor_store::{AnsweredCase, ConversationSummary, Store};
use wederhoor_triage::Engine;

/// How suggestions are looked for.
#[derive(Debug, Clone, Copy)]
pub struct SuggestPolicy {
    /// Replies sent at most this long ago (ms).
    pub window_ms: i64,
    /// At most this many candidate replies are compared (the newest).
    pub candidates: i64,
    /// At most this many suggestions are shown.
    pub max: usize,
    /// The least similarity (0..=1) a suggestion needs.
    pub min_score: f32,
}

impl Default for SuggestPolicy {
    fn default() -> Self {
        SuggestPolicy {
            window_ms: 365 * 86_400_000,
            candidates: 2_000,
            max: 3,
            min_score: 0.3,
        }
    }
}

/// An earlier answer suggested for a case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    /// The earlier case (what the composer's link names).
    pub conversation_id: ConversationId,
    /// Similarity, 0..=1 (a shared topic adds 0.05).
    pub score: f32,
    /// The earlier message, personal data masked.
    pub message: String,
    /// The earlier answer, personal data masked.
    pub reply: String,
    pub topics: Vec<String>,
}

const BUCKETS: u32 = 1 << 20;

fn hash(kind: u8, s: &str) -> u32 {
    // FNV-1a: stable across runs and platforms.
    let mut h: u32 = 0x811c_9dc5 ^ u32::from(kind);
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % BUCKETS
}

/// A sparse, L2-normalised feature vector (sorted by bucket).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Features(Vec<(u32, f32)>);

/// Common Dutch and English words that say nothing about what a message is about.
const STOPWORDS: &[&str] = &[
    "aan", "alle", "als", "bij", "dan", "dat", "die", "dit", "door", "een", "en", "er", "gaat",
    "geen", "had", "heb", "hebben", "heeft", "het", "hier", "hoe", "ik", "in", "is", "je", "jij",
    "jou", "jouw", "jullie", "kan", "kun", "maar", "me", "mee", "met", "mij", "mijn", "moet", "na",
    "naar", "niet", "nog", "nu", "of", "om", "ook", "op", "over", "te", "tot", "uit", "van",
    "voor", "waarom", "wat", "wel", "werd", "wie", "wij", "word", "wordt", "zal", "ze", "zelf",
    "zich", "zijn", "zo", "zou", "and", "are", "but", "can", "did", "does", "for", "from", "has",
    "have", "how", "not", "that", "the", "this", "was", "what", "why", "with", "you", "your",
];

/// The words of a text that carry its meaning: lower case, at least three letters, no digits
/// (an account number or a date says nothing about what the message is about), no stop words,
/// no @-mentions or links.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace()
        .filter(|t| !t.starts_with('@') && !t.contains("://") && !t.starts_with("www."))
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 3 && !w.chars().any(char::is_numeric))
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
}

/// Hashed words (weight 1) and, for words of five letters or more, their character trigrams
/// (weight 0.3, so "ingeslikt" and "inslikken" meet), log-scaled counts, normalised.
pub fn features(text: &str) -> Features {
    let mut counts: HashMap<u32, f32> = HashMap::new();
    for word in words(text) {
        *counts.entry(hash(b'w', &word)).or_default() += 1.0;
        if word.chars().count() < 5 {
            continue;
        }
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        for tri in padded.windows(3) {
            let tri: String = tri.iter().collect();
            *counts.entry(hash(b'c', &tri)).or_default() += 0.3;
        }
    }
    let mut v: Vec<(u32, f32)> = counts
        .into_iter()
        .map(|(k, n)| (k, if n > 1.0 { 1.0 + n.ln() } else { n }))
        .collect();
    v.sort_unstable_by_key(|(k, _)| *k);
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut v {
            *w /= norm;
        }
    }
    Features(v)
}

/// The cosine of two normalised vectors.
pub fn cosine(a: &Features, b: &Features) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.0.len() && j < b.0.len() {
        match a.0[i].0.cmp(&b.0[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a.0[i].1 * b.0[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// The text with the triage's personal data masked and the given names (the earlier
/// customer's name and handle) replaced by `…`.
pub fn strip_personal(engine: &Engine, text: &str, names: &[&str]) -> String {
    let spans = crate::reply::personal_data(engine, text);
    let mut out = wederhoor_core::pii::mask(text, &spans);
    for name in names {
        let parts: Vec<&str> = match name.strip_prefix('@') {
            // A handle: its first label (`@sanne.bsky.social` → `sanne`) and the whole.
            Some(handle) => vec![handle, handle.split(['.', '@']).next().unwrap_or(handle)],
            // A name: its capitalised parts (not `de`, `van`).
            None => name
                .split_whitespace()
                .filter(|p| p.chars().next().is_some_and(char::is_uppercase))
                .collect(),
        };
        for part in parts {
            if part.chars().count() >= 2 {
                out = replace_word(&out, part, "…");
            }
        }
    }
    out
}

/// Replaces whole-word occurrences of `word` (case-insensitive, ASCII) by `with`.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let lower = text.to_lowercase();
    let needle = word.to_lowercase();
    if lower.len() != text.len() || needle.is_empty() {
        return text.replace(word, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(pos) = lower[at..].find(&needle) {
        let start = at + pos;
        let end = start + needle.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        out.push_str(&text[at..start]);
        if before_ok && after_ok {
            out.push_str(with);
        } else {
            out.push_str(&text[start..end]);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Ranks `candidates` against `text`: the best per earlier case, best first, at most `max`,
/// each at least `min_score`. Pure (the use case below feeds it from the store).
pub fn rank<'a>(
    text: &str,
    topics: &[String],
    candidates: &'a [AnsweredCase],
    policy: &SuggestPolicy,
) -> Vec<(&'a AnsweredCase, f32)> {
    let query = features(text);
    let mut best: HashMap<ConversationId, (&AnsweredCase, f32)> = HashMap::new();
    for c in candidates {
        let mut score = cosine(&query, &features(&c.message));
        if c.topics.iter().any(|t| topics.contains(t)) {
            score += 0.05;
        }
        if score < policy.min_score {
            continue;
        }
        let entry = best.entry(c.conversation_id).or_insert((c, score));
        if score > entry.1 {
            *entry = (c, score);
        }
    }
    let mut out: Vec<_> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.0.sent_at.cmp(&a.0.sent_at))
            .then(a.0.conversation_id.0.cmp(&b.0.conversation_id.0))
    });
    out.truncate(policy.max);
    out
}

/// The suggested replies for a case, for `text` (the message being answered), at `now` (UTC
/// ms), personal data stripped.
pub async fn suggestions(
    store: &Store,
    engine: &Engine,
    policy: &SuggestPolicy,
    summary: &ConversationSummary,
    text: &str,
    now: i64,
) -> Result<Vec<Suggestion>> {
    let candidates = store
        .answered_cases(
            &summary.language,
            summary.id,
            now - policy.window_ms,
            policy.candidates,
        )
        .await?;
    Ok(rank(text, &summary.topics, &candidates, policy)
        .into_iter()
        .map(|(c, score)| {
            let names: Vec<&str> = [c.author_name.as_deref(), c.author_handle.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            Suggestion {
                conversation_id: c.conversation_id,
                score,
                message: strip_personal(engine, &c.message, &names),
                reply: strip_personal(engine, &c.reply, &names),
                topics: c.topics.clone(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: i64, message: &str, topics: &[&str]) -> AnsweredCase {
        AnsweredCase {
            conversation_id: ConversationId(id),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            message: message.to_owned(),
            author_handle: Some("@sanne".into()),
            author_name: Some("Sanne de Vries".into()),
            reply: format!("antwoord {id}"),
            sent_at: id,
        }
    }

    #[test]
    fn the_nearest_answered_message_wins_and_unrelated_ones_are_left_out() {
        let candidates = [
            case(
                1,
                "Mijn pas is ingeslikt door de automaat in Utrecht",
                &["cards"],
            ),
            case(
                2,
                "Wat is de rente op mijn spaarrekening?",
                &["savings_interest"],
            ),
            case(3, "De app doet het niet, kan niet inloggen", &["app_login"]),
        ];
        let policy = SuggestPolicy::default();
        let found = rank(
            "Automaat heeft mijn pas ingeslikt!! NL91ABNA0417164300",
            &["cards".to_owned()],
            &candidates,
            &policy,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0.conversation_id, ConversationId(1));
        assert!(found[0].1 > 0.4, "{}", found[0].1);
        assert!(cosine(&features("x"), &features("")) == 0.0);
        let same = features("pas ingeslikt");
        assert!((cosine(&same, &same) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn names_are_replaced_as_whole_words_only() {
        assert_eq!(
            replace_word("Hoi Sanne, Sannes pas", "sanne", "…"),
            "Hoi …, Sannes pas"
        );
        let engine = Engine::default_engine();
        let out = strip_personal(
            &engine,
            "Hoi Sanne, bel 06-12345678 of maak over naar NL91 ABNA 0417 1643 00",
            &["Sanne de Vries", "@sanne"],
        );
        assert!(!out.contains("Sanne"), "{out}");
        assert!(!out.contains("12345678"), "{out}");
        assert!(!out.contains("0417"), "{out}");
    }

    #[test]
    fn unrelated_messages_stay_below_the_threshold() {
        let answered = [
            "De geldautomaat bij het station in Amersfoort heeft mijn pas ingeslikt. Wat moet ik nu doen? Bel me gerust op 06-12345678",
            "Sinds de update kan ik niet meer inloggen in de ZuiderApp, ik krijg fout 4012. Opnieuw installeren helpt niet.",
            "Klopt het dat de rente op de Zuider Spaarrekening omlaag gaat? Ik hoor het overal.",
        ];
        let unrelated = [
            "Ik vind die nieuwe reclame met die zingende spaarvarkens eigenlijk wel grappig",
            "@zuiderbank mijn telefoon is gestolen in de trein naar Roosendaal. Daar staat de ZuiderApp op. Hoe blokkeer ik dat zo snel mogelijk?",
            "@zuiderbank ik werd gisteren aan de telefoon door een van jullie medewerkers uitgemaakt voor 'zeurwijf' toen ik vroeg waarom",
            "@zuiderbank_help thanks voor de snelle hulp! Nog 1 vraag: wanneer komt de donkere modus in de app?",
            "@zuiderbank mijn vader heeft op de link in die sms geklikt (zuiderbank-verificatie.nl) en zijn gegevens ingevuld wat moet hij doen",
        ];
        let related = [
            "@zuiderbank de geldautomaat bij de Jumbo in Zwolle heeft vanochtend mijn pas ingeslikt. Wat moet ik doen?",
            "Na de update naar 8.2 kan ik niet meer inloggen in de ZuiderApp op mijn iPhone. Fout 4012.",
            "Klopt het dat de rente op de Zuider Spaarrekening per kwartaal wordt uitbetaald?",
        ];
        let min = SuggestPolicy::default().min_score;
        for u in unrelated {
            for a in answered {
                let score = cosine(&features(u), &features(a));
                assert!(score < min, "{score}: {u} ~ {a}");
            }
        }
        for (r, a) in related.iter().zip(answered) {
            let score = cosine(&features(r), &features(a));
            assert!(score >= min, "{score}: {r} ~ {a}");
        }
    }
}
