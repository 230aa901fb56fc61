//! Demo data: about two hundred invented messages to the fictional bank Zuiderbank, spread over
//! the week before a given moment, so that `wederhoor serve --demo` shows a working inbox at once.
//!
//! Everything here is made up and hand-written: the people, their handles, the account numbers
//! (valid by the mod-97 check, so that the personal-data rules fire) and the texts. The mix follows
//! the rules of engagement (DESIGN §4): serious questions, personal data in public, phishing,
//! scolding, press and legal threats, praise, mere sentiment, untrue claims and threads of
//! follow-ups. A tiny fixed-seed PRNG fills the slots of the templates, so the same `now` always
//! gives the same messages.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use wederhoor_core::{IncomingAuthor, IncomingMessage, IncomingMetrics};

/// A source the demo messages come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSource {
    pub name: &'static str,
    pub kind: &'static str,
}

const TWITTER: &str = "X / Twitter";
const MASTODON: &str = "Mastodon";
const BLUESKY: &str = "Bluesky";
const FORUM: &str = "Zuiderbank Forum";
const KASSA: &str = "Consumentenforum Kassa";
const EMAIL: &str = "E-mail webcare";

/// The demo's sources, one per channel the demo messages arrive on.
pub fn demo_sources() -> Vec<DemoSource> {
    vec![
        DemoSource {
            name: TWITTER,
            kind: "twitter",
        },
        DemoSource {
            name: MASTODON,
            kind: "mastodon",
        },
        DemoSource {
            name: BLUESKY,
            kind: "bluesky",
        },
        DemoSource {
            name: FORUM,
            kind: "forum",
        },
        DemoSource {
            name: KASSA,
            kind: "forum",
        },
        DemoSource {
            name: EMAIL,
            kind: "email",
        },
    ]
}

/// About 220 demo messages from the 7 days before `now`, sorted by `created_at` (parents before
/// their replies), each with its `source` set to one of [`demo_sources`] and an id unique per source.
pub fn demo_messages(now: Timestamp) -> Vec<IncomingMessage> {
    generate(now)
        .into_iter()
        .map(|(_, message)| message)
        .collect()
}

/// What a demo message is meant to show; kept next to each message so tests can count the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    Serious,
    PersonalData,
    Phishing,
    Abuse,
    /// Scolding described by a customer, or swearing around a real complaint.
    HardCase,
    Escalation,
    Praise,
    Sentiment,
    Inaccuracy,
    /// A follow-up in a thread (`in_reply_to` is set).
    FollowUp,
}

/// Where a template belongs; social templates are spread over X, Mastodon and Bluesky.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Social,
    Forum,
    Kassa,
    Mail,
}

use Channel::{Forum, Kassa, Mail, Social};

type Template = (Channel, &'static str);

/// How far a message travelled; turned into reposts and likes on social sources.
#[derive(Debug, Clone, Copy)]
enum Reach {
    Quiet,
    Liked,
    Shared,
    Fixed(i64, i64),
}

struct Escalation {
    channel: Channel,
    /// Index into `special_people()`, or `None` for an ordinary customer.
    author: Option<usize>,
    reach: Reach,
    text: &'static str,
}

struct ThreadScript {
    channel: Channel,
    root: &'static str,
    /// Follow-ups by the same author: shortest and longest gap after the previous message, in
    /// minutes, and the text.
    follow_ups: &'static [(i64, i64, &'static str)],
}

const SEED: u64 = 0x5EED_2B0F_7A11_C0DE;
const WEEK_SECS: i64 = 7 * 24 * 3600;
const APP_VERSION: &str = "7.14.0";
const APP_VERSION_FIXED: &str = "7.14.2";

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

struct Draft {
    key: usize,
    category: Category,
    source: &'static str,
    author: IncomingAuthor,
    text: String,
    /// Seconds before `now`.
    ago: i64,
    metrics: Option<IncomingMetrics>,
    parent: Option<usize>,
}

struct Plan {
    drafts: Vec<Draft>,
    now: Timestamp,
}

impl Plan {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rng: &mut Rng,
        category: Category,
        source: &'static str,
        person: &Person,
        text: String,
        ago: i64,
        reach: Reach,
        parent: Option<usize>,
    ) -> usize {
        let key = self.drafts.len();
        self.drafts.push(Draft {
            key,
            category,
            source,
            author: person.author_on(source),
            text,
            ago,
            metrics: metrics(rng, source, reach),
            parent,
        });
        key
    }
}

fn generate(now: Timestamp) -> Vec<(Category, IncomingMessage)> {
    // Whole seconds read better in the inbox and keep the ids tidy.
    let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let mut rng = Rng::new(SEED);
    let people = pool_people(&mut rng);
    let anonymous = anonymous_people(&mut rng);
    let special = special_people();
    let mut plan = Plan {
        drafts: Vec::new(),
        now,
    };
    // Each thread has an author of its own, so a customer's story does not get mixed up with
    // another one; everyone else takes turns over the rest of the pool.
    let (thread_authors, others) = people.split_at(THREADS.len().min(people.len()));
    let mut turn = 0usize;
    let mut next_person = |rng: &mut Rng, anonymous_percent: u64| -> Person {
        if rng.chance(anonymous_percent) {
            let i = rng.below(anonymous.len() as u64) as usize;
            if let Some(p) = anonymous.get(i) {
                return p.clone();
            }
        }
        turn += 1;
        others
            .get(turn % others.len().max(1))
            .cloned()
            .unwrap_or_default()
    };

    let standalone: [(Category, &[Template], u64, Reach); 8] = [
        (Category::Serious, SERIOUS, 3, Reach::Quiet),
        (Category::PersonalData, PERSONAL_DATA, 0, Reach::Quiet),
        (Category::Phishing, PHISHING, 4, Reach::Shared),
        (Category::Abuse, ABUSE, 55, Reach::Quiet),
        (Category::HardCase, HARD_CASES, 0, Reach::Liked),
        (Category::Praise, PRAISE, 0, Reach::Liked),
        (Category::Sentiment, SENTIMENT, 20, Reach::Liked),
        (Category::Inaccuracy, INACCURACIES, 25, Reach::Shared),
    ];
    for (category, templates, anonymous_percent, reach) in standalone {
        for &(channel, template) in templates {
            let person = next_person(&mut rng, anonymous_percent);
            let source = pick_source(&mut rng, channel);
            let mut slots = Slots::new(now);
            let text = slots.fill(&mut rng, &person, template);
            let ago = random_ago(&mut rng, now);
            plan.add(&mut rng, category, source, &person, text, ago, reach, None);
        }
    }

    // A burst of near-identical phishing reports within a quarter of an hour, a few hours ago: a
    // text message campaign going on now, which the live burst detector raises as an alert.
    let burst_start = rng.range(90 * 60, 4 * 3600);
    for &(channel, template) in PHISHING_BURST {
        let person = next_person(&mut rng, 5);
        let source = pick_source(&mut rng, channel);
        let mut slots = Slots::new(now);
        let text = slots.fill(&mut rng, &person, template);
        let ago = burst_start - rng.range(0, 15 * 60);
        plan.add(
            &mut rng,
            Category::Phishing,
            source,
            &person,
            text,
            ago,
            Reach::Shared,
            None,
        );
    }

    for escalation in ESCALATIONS {
        let person = match escalation.author.and_then(|i| special.get(i)) {
            Some(p) => p.clone(),
            None => next_person(&mut rng, 0),
        };
        let source = pick_source(&mut rng, escalation.channel);
        let mut slots = Slots::new(now);
        let text = slots.fill(&mut rng, &person, escalation.text);
        let ago = random_ago(&mut rng, now);
        plan.add(
            &mut rng,
            Category::Escalation,
            source,
            &person,
            text,
            ago,
            escalation.reach,
            None,
        );
    }

    for (script, person) in THREADS.iter().zip(thread_authors) {
        let source = pick_source(&mut rng, script.channel);
        // One set of slots per thread, so the amount or the city stays the same in follow-ups.
        let mut slots = Slots::new(now);
        let longest: i64 = script.follow_ups.iter().map(|&(_, max, _)| max * 60).sum();
        let mut ago = rng.range(longest + 600, WEEK_SECS - 600);
        let text = slots.fill(&mut rng, person, script.root);
        let mut parent = plan.add(
            &mut rng,
            Category::Serious,
            source,
            person,
            text,
            ago,
            Reach::Quiet,
            None,
        );
        for &(min, max, template) in script.follow_ups {
            ago -= rng.range(min * 60, max * 60);
            let text = slots.fill(&mut rng, person, template);
            parent = plan.add(
                &mut rng,
                Category::FollowUp,
                source,
                person,
                text,
                ago,
                Reach::Quiet,
                Some(parent),
            );
        }
    }

    finish(&mut rng, plan)
}

/// Sorts the drafts by time, gives each an id in the style of its source and resolves the
/// parent links to those ids.
fn finish(rng: &mut Rng, plan: Plan) -> Vec<(Category, IncomingMessage)> {
    let Plan { mut drafts, now } = plan;
    // Earlier first; a parent is always strictly earlier than its replies.
    drafts.sort_by_key(|d| (std::cmp::Reverse(d.ago), d.key));
    let mut ids = IdMaker::default();
    let mut id_of: BTreeMap<usize, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let created = now
            .checked_sub(SignedDuration::from_secs(draft.ago))
            .unwrap_or(now);
        let id = ids.make(rng, &draft, created);
        id_of.insert(draft.key, id.clone());
        let in_reply_to = draft.parent.and_then(|p| id_of.get(&p).cloned());
        out.push((
            draft.category,
            IncomingMessage {
                id: Some(serde_json::Value::String(id)),
                text: Some(draft.text),
                source: Some(draft.source.to_owned()),
                author: Some(draft.author),
                created_at: Some(created.to_string()),
                metrics: draft.metrics,
                in_reply_to,
            },
        ));
    }
    out
}

fn pick_source(rng: &mut Rng, channel: Channel) -> &'static str {
    match channel {
        Social => match rng.below(100) {
            0..60 => TWITTER,
            60..82 => BLUESKY,
            _ => MASTODON,
        },
        Forum => {
            if rng.chance(75) {
                FORUM
            } else {
                KASSA
            }
        }
        Kassa => KASSA,
        Mail => EMAIL,
    }
}

/// Seconds before `now`, mostly during Dutch waking hours (night is 23:00–05:00 UTC, roughly).
fn random_ago(rng: &mut Rng, now: Timestamp) -> i64 {
    let mut ago = rng.range(180, WEEK_SECS - 600);
    for _ in 0..3 {
        let hour = (now.as_second() - ago).rem_euclid(86_400) / 3600;
        if !(5..23).contains(&hour) && rng.chance(80) {
            ago = rng.range(180, WEEK_SECS - 600);
        } else {
            break;
        }
    }
    ago
}

fn metrics(rng: &mut Rng, source: &'static str, reach: Reach) -> Option<IncomingMetrics> {
    let (reposts, likes) = match source {
        EMAIL => return None,
        FORUM | KASSA => (0, if rng.chance(40) { rng.range(1, 9) } else { 0 }),
        _ => match reach {
            Reach::Quiet => (
                if rng.chance(75) { 0 } else { rng.range(1, 4) },
                if rng.chance(45) { 0 } else { rng.range(1, 9) },
            ),
            Reach::Liked => (
                if rng.chance(70) { 0 } else { rng.range(1, 5) },
                rng.range(1, 28),
            ),
            Reach::Shared => {
                let reposts = rng.range(2, 45);
                (reposts, reposts + rng.range(2, 60))
            }
            Reach::Fixed(reposts, likes) => (reposts, likes),
        },
    };
    Some(IncomingMetrics {
        reposts: Some(reposts),
        likes: Some(likes),
    })
}

// ---------------------------------------------------------------------------------------------
// Ids in the style of each source
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct IdMaker {
    per_source: BTreeMap<&'static str, u64>,
    topic_of: BTreeMap<usize, u64>,
    posts_in_topic: BTreeMap<u64, u64>,
    next_topic: BTreeMap<&'static str, u64>,
}

impl IdMaker {
    fn make(&mut self, rng: &mut Rng, draft: &Draft, created: Timestamp) -> String {
        let counter = self.per_source.entry(draft.source).or_insert(0);
        *counter += 1;
        let seq = *counter;
        let millis = created.as_millisecond() + rng.range(0, 999);
        let millis = u64::try_from(millis).unwrap_or(0);
        match draft.source {
            // A snowflake: milliseconds since the X epoch, worker bits, sequence.
            TWITTER => {
                let since_epoch = millis.saturating_sub(1_288_834_974_657);
                let id = (since_epoch << 22) | (rng.below(1024) << 12) | (seq & 0xfff);
                id.to_string()
            }
            // Mastodon ids are milliseconds shifted left 16 bits plus a sequence.
            MASTODON => ((millis << 16) | (seq & 0xffff)).to_string(),
            BLUESKY => {
                let handle = draft.author.handle.as_deref().unwrap_or("");
                let micros = millis * 1000 + rng.below(1000);
                format!(
                    "at://did:plc:{}/app.bsky.feed.post/{}",
                    did_for(handle),
                    tid((micros << 10) | (seq & 0x3ff))
                )
            }
            FORUM | KASSA => {
                let topic = match draft.parent.and_then(|p| self.topic_of.get(&p)) {
                    Some(&topic) => topic,
                    None => {
                        let start = if draft.source == FORUM {
                            48_210
                        } else {
                            731_400
                        };
                        let next = self.next_topic.entry(draft.source).or_insert(start);
                        *next += rng.range(3, 60).unsigned_abs();
                        *next
                    }
                };
                self.topic_of.insert(draft.key, topic);
                let post = self.posts_in_topic.entry(topic).or_insert(0);
                *post += 1;
                if draft.source == FORUM {
                    format!("topic-{topic}/post-{post}")
                } else {
                    format!("discussie-{topic}#reactie-{post}")
                }
            }
            _ => {
                let handle = draft.author.handle.as_deref().unwrap_or("");
                let domain = match handle.split_once('@') {
                    Some((_, "gmail.com")) => "mail.gmail.com",
                    Some((_, domain)) if !domain.is_empty() => domain,
                    _ => "mail.example.nl",
                };
                format!("<{millis:x}.{seq:04x}{:04x}@{domain}>", rng.below(0x10000))
            }
        }
    }
}

const BASE32_SORTABLE: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";

/// A Bluesky record key (TID): 13 characters of sortable base32.
fn tid(value: u64) -> String {
    (0..13)
        .map(|i| {
            let shift = 60 - 5 * i;
            base32_char((value >> shift) & 31)
        })
        .collect()
}

/// A stable, made-up `did:plc` for a handle: 24 characters of base32 from two hashes.
fn did_for(handle: &str) -> String {
    let first = fnv1a(handle.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let second = fnv1a(handle.as_bytes(), 0x6c62_272e_07bb_0142);
    (0..24)
        .map(|i| {
            let word = if i < 12 { first } else { second };
            base32_char((word >> (5 * (i % 12))) & 31)
        })
        .collect()
}

fn base32_char(index: u64) -> char {
    BASE32_SORTABLE
        .get(index as usize)
        .map_or('2', |&b| char::from(b))
}

fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    bytes.iter().fold(basis, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------------
// The PRNG
// ---------------------------------------------------------------------------------------------

/// xorshift64: small, fast and the same everywhere, which is all demo data needs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = high.abs_diff(low).saturating_add(1);
        low.saturating_add_unsigned(self.below(span))
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        let i = self.below(items.len() as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Person {
    first: String,
    last: String,
    /// The handle without decoration; each source renders it its own way.
    base: String,
    /// The display name; `None` for anonymous-looking accounts.
    display: Option<String>,
    followers: i64,
    email: String,
}

impl Person {
    fn full(&self) -> String {
        format!("{} {}", self.first, self.last).trim().to_owned()
    }

    fn author_on(&self, source: &str) -> IncomingAuthor {
        let named = self.display.is_some();
        let (handle, name, followers) = match source {
            TWITTER => (
                format!("@{}", self.base),
                self.display.clone(),
                Some(self.followers),
            ),
            MASTODON => {
                let instances = ["mastodon.nl", "mastodon.social", "toot.community", "mas.to"];
                let i = (fnv1a(self.base.as_bytes(), 7) % instances.len() as u64) as usize;
                let instance = instances.get(i).copied().unwrap_or("mastodon.nl");
                let followers = self.followers / 3 + 4;
                (
                    format!("@{}@{instance}", self.base),
                    self.display.clone(),
                    Some(followers),
                )
            }
            BLUESKY => {
                let handle = format!("@{}.bsky.social", self.base.replace('_', "-"));
                (handle, self.display.clone(), Some(self.followers / 2 + 3))
            }
            FORUM => (self.base.clone(), named.then(|| self.full()), None),
            KASSA => {
                let initial = self
                    .last
                    .split_whitespace()
                    .last()
                    .and_then(|w| w.chars().next());
                let name = match initial {
                    Some(c) if named => Some(format!("{} {c}.", self.first)),
                    _ => None,
                };
                (self.base.clone(), name, None)
            }
            _ => (self.email.clone(), named.then(|| self.full()), None),
        };
        IncomingAuthor {
            handle: Some(handle),
            name,
            followers,
        }
    }
}

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Sanne", "Daan", "Lotte", "Thijs", "Fleur", "Bram", "Eva", "Jeroen", "Marloes", "Sem", "Noor",
    "Ruben", "Iris", "Joost", "Anouk", "Koen", "Lieke", "Mohamed", "Fatima", "Yusuf", "Samira",
    "Priya", "Wei", "Ömer", "Zoë", "Daniël", "Sjoerd", "Femke", "Wouter", "Esther", "Henk", "Gerda",
    "Kees", "Annemieke", "Pieter", "Mirjam", "Bas", "Linda", "Rik", "Hanneke", "Tim", "Nadia",
    "Ilse", "Stijn", "Mila", "Luuk", "Roos", "Jesse", "Ahmet", "Yara", "Gijs", "Merel", "Marco",
    "Sandra", "Erik", "Petra", "Niels", "Hamza", "Sophie", "Tom", "Carla", "Dirk", "Wilma", "Jan",
    "Floor", "Lars", "Naima", "Kevin", "Chantal", "Mehmet", "Ellen", "Hugo",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
    "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan",
    "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Jong",
    "Schouten", "van Beek", "Willems", "van Dijk", "Hoekstra", "Verhoeven", "Prins", "Huisman",
    "Postma", "Kuipers", "Veenstra", "Kramer", "Timmermans", "El Amrani", "Yılmaz", "Bouzid",
    "Kaya", "Nguyen", "Chen", "Pinas", "Rahman", "Janssens", "Wijnands", "Aerts", "Maas", "Roelofs",
    "Sanders", "Evers", "Lammers", "van Wijk", "Zwart", "Hermans", "Boersma", "Oosterhuis",
    "Pauwels", "Coenen", "Ramdin", "Gerritsen",
];

#[rustfmt::skip]
const HANDLE_CITIES: &[&str] = &[
    "breda", "tilburg", "eindhoven", "venlo", "maastricht", "denbosch", "helmond", "goes",
];
const AREA_CODES: &[&str] = &["040", "013", "076", "073", "043", "077", "010", "030"];
const NAME_EMOJI: &[&str] = &["🌻", "⚽", "🚴", "🌷", "🐾", "☕", "🎸", "🇳🇱", "🌈", "📚"];
#[rustfmt::skip]
const MAIL_DOMAINS: &[&str] = &[
    "gmail.com", "gmail.com", "hotmail.com", "ziggo.nl", "kpnmail.nl", "outlook.com", "live.nl",
    "planet.nl", "xs4all.nl", "icloud.com",
];

/// The ordinary customers: 120 distinct invented people, shuffled.
fn pool_people(rng: &mut Rng) -> Vec<Person> {
    let mut seen_names = BTreeSet::new();
    let mut seen_handles = BTreeSet::new();
    let mut people = Vec::new();
    let mut attempts = 0;
    while people.len() < 120 && attempts < 10_000 {
        attempts += 1;
        let first = rng.pick(FIRST_NAMES);
        let last = rng.pick(LAST_NAMES);
        if !seen_names.insert((first, last)) {
            continue;
        }
        let f = slug(first);
        let l = slug(last);
        let initials: String = last
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_lowercase)
            .collect();
        let mut base = match rng.below(8) {
            0 => format!("{f}{l}"),
            1 => format!("{f}_{initials}"),
            2 => format!(
                "{f}{}",
                rng.pick(&["71", "78", "83", "86", "89", "92", "95", "99", "01", "04"])
            ),
            3 => format!("{}{l}", f.chars().next().unwrap_or('x')),
            4 => format!("{f}_{l}"),
            5 => format!("{f}uit{}", rng.pick(HANDLE_CITIES)),
            6 => format!("{l}_{f}"),
            _ => format!("{f}_{}", rng.pick(AREA_CODES)),
        };
        while !seen_handles.insert(base.clone()) {
            base.push(char::from(b'0' + rng.below(10) as u8));
        }
        let display = match rng.below(6) {
            0 | 1 => format!("{first} {last}"),
            2 => format!("{first} {}", rng.pick(NAME_EMOJI)),
            3 => format!("{} {initials}", first.to_lowercase()),
            4 => format!("{}. {last}", first.chars().next().unwrap_or('X')),
            _ => format!("{first} {last} {}", rng.pick(NAME_EMOJI)),
        };
        let email = match rng.below(3) {
            0 => format!("{f}.{l}@{}", rng.pick(MAIL_DOMAINS)),
            1 => format!(
                "{}{l}@{}",
                f.chars().next().unwrap_or('x'),
                rng.pick(MAIL_DOMAINS)
            ),
            _ => format!("{f}{}@{}", rng.range(10, 99), rng.pick(MAIL_DOMAINS)),
        };
        // Most people have a few hundred followers; one in thirty is well known locally.
        let followers = if rng.chance(3) {
            rng.range(10_000, 40_000)
        } else {
            (20.0 * 100f64.powf(rng.unit())) as i64
        };
        people.push(Person {
            first: first.to_owned(),
            last: last.to_owned(),
            base,
            display: Some(display),
            followers,
            email,
        });
    }
    people
}

/// Accounts without a name that give nothing away.
fn anonymous_people(rng: &mut Rng) -> Vec<Person> {
    [
        "user84721",
        "user55103",
        "anon_2291",
        "x7k2m9q",
        "nietmijnechtenaam",
        "bankzooi_nl",
        "trollie_88",
        "zb_watcher",
    ]
    .iter()
    .map(|&base| Person {
        first: String::new(),
        last: String::new(),
        base: base.to_owned(),
        display: None,
        followers: rng.range(0, 60),
        email: format!("{base}@proton.me"),
    })
    .collect()
}

/// Press, politics and people with a large audience, for the escalations.
fn special_people() -> Vec<Person> {
    let person =
        |first: &str, last: &str, base: &str, display: &str, followers: i64, email: &str| Person {
            first: first.to_owned(),
            last: last.to_owned(),
            base: base.to_owned(),
            display: Some(display.to_owned()),
            followers,
            email: email.to_owned(),
        };
    vec![
        person(
            "Ingrid",
            "Verbeek",
            "ingridverbeek_np",
            "Ingrid Verbeek | Nieuwsplein.nl",
            8_900,
            "i.verbeek@nieuwsplein.nl",
        ),
        person(
            "Bo",
            "van Rossum",
            "bovanrossum",
            "Bo van Rossum ✨",
            120_400,
            "management@bovanrossum.nl",
        ),
        person(
            "Joris",
            "Lammerts",
            "jorislammerts",
            "Joris Lammerts",
            2_300,
            "j.lammerts@dagbladvanhetzuiden.nl",
        ),
        person(
            "Yvonne",
            "Driessen",
            "ydriessen_tk",
            "Yvonne Driessen | Tweede Kamerlid",
            45_200,
            "y.driessen@tweedekamer.example",
        ),
        person(
            "Nina",
            "Hofman",
            "ninahofman",
            "Nina Hofman",
            35_800,
            "nina.hofman@gmail.com",
        ),
        person(
            "Sam",
            "Okafor",
            "samokafor_sec",
            "Sam Okafor (privacy & security)",
            62_000,
            "sam@okafor.dev",
        ),
        person(
            "Redactie",
            "Geld Terug!",
            "geldterug_tv",
            "Geld Terug! | redactie",
            23_100,
            "redactie@geldterug.example",
        ),
    ]
}

/// Lowercase ASCII letters and digits only: "van der Meer" → "vandermeer", "Zoë" → "zoe".
fn slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ä' | 'á' | 'à' | 'â' => Some('a'),
            'ë' | 'é' | 'è' | 'ê' => Some('e'),
            'ï' | 'í' | 'ı' => Some('i'),
            'ö' | 'Ö' | 'ó' | 'ô' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ç' => Some('c'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------------------------

/// The values of `{slot}`s in templates, drawn once and then kept, so a slot used twice (or in a
/// later message of the same thread) says the same thing.
struct Slots {
    now: Timestamp,
    values: BTreeMap<String, String>,
}

impl Slots {
    fn new(now: Timestamp) -> Self {
        Slots {
            now,
            values: BTreeMap::new(),
        }
    }

    fn fill(&mut self, rng: &mut Rng, person: &Person, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('{') {
            out.push_str(before);
            match after.split_once('}') {
                Some((key, tail)) => {
                    out.push_str(&self.value(rng, person, key));
                    rest = tail;
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn value(&mut self, rng: &mut Rng, person: &Person, key: &str) -> String {
        if let Some(v) = self.values.get(key) {
            return v.clone();
        }
        let value = match key {
            "first" => person.first.clone(),
            "full" => person.full(),
            "email" => person.email.clone(),
            "shopname" => format!("Bakkerij {}", capitalised(&person.last)),
            "at" => rng
                .pick(&[
                    "@zuiderbank",
                    "@zuiderbank",
                    "@zuiderbank",
                    "@zuiderbank_help",
                    "@zuiderbank_help",
                ])
                .to_owned(),
            "city" | "city2" => {
                let other = if key == "city" { "city2" } else { "city" };
                let taken = self.values.get(other).cloned().unwrap_or_default();
                let mut city = rng.pick(CITIES);
                for _ in 0..5 {
                    if city != taken {
                        break;
                    }
                    city = rng.pick(CITIES);
                }
                city.to_owned()
            }
            "city_en" => rng
                .pick(&[
                    "Amsterdam",
                    "Rotterdam",
                    "Eindhoven",
                    "Utrecht",
                    "The Hague",
                    "Maastricht",
                ])
                .to_owned(),
            "shop" => rng.pick(SHOPS).to_owned(),
            "webshop" => rng
                .pick(&[
                    "Bol",
                    "Coolblue",
                    "Zalando",
                    "een kleine webshop",
                    "Thuisbezorgd",
                    "de NS-site",
                ])
                .to_owned(),
            "atm_place" => rng
                .pick(&[
                    "het station",
                    "de Markt",
                    "het winkelcentrum",
                    "de Jumbo",
                    "het Stationsplein",
                    "de Grote Markt",
                ])
                .to_owned(),
            "device" => rng
                .pick(&[
                    "iPhone 12",
                    "iPhone 15",
                    "Samsung Galaxy S21",
                    "Galaxy A52",
                    "Pixel 7",
                    "OnePlus 9",
                    "Fairphone 5",
                    "Motorola g54",
                ])
                .to_owned(),
            "country" => rng
                .pick(&[
                    "Spanje",
                    "Portugal",
                    "Turkije",
                    "Marokko",
                    "Thailand",
                    "Griekenland",
                    "Italië",
                    "Kroatië",
                ])
                .to_owned(),
            "relative" => rng
                .pick(&[
                    "vader",
                    "moeder",
                    "schoonvader",
                    "schoonmoeder",
                    "oma",
                    "opa",
                ])
                .to_owned(),
            "agent" => rng
                .pick(&[
                    "Sanne", "Jeroen", "Fatma", "Mark", "Lisa", "Bas", "Ilse", "Ricardo",
                ])
                .to_owned(),
            "club" => rng
                .pick(&[
                    "VV Maasoever",
                    "SV Zuiderkwartier",
                    "RKSV De Kempen",
                    "VV Brabantia '31",
                ])
                .to_owned(),
            "region" => rng
                .pick(&[
                    "de Kempen",
                    "Zeeuws-Vlaanderen",
                    "Noord-Limburg",
                    "de Peel",
                    "West-Brabant",
                ])
                .to_owned(),
            "gym" => rng
                .pick(&["FitPlaza", "GymGo", "SportHal Zuid", "Fit4Less Brabant"])
                .to_owned(),
            "company" => rng
                .pick(&[
                    "mijn oude energieleverancier",
                    "een streamingdienst",
                    "FitPlaza",
                    "een loterij",
                    "mijn vorige telefoonprovider",
                ])
                .to_owned(),
            "emoji_mad" => rng.pick(&["😡", "🤬", "😤", "🙄", "😠"]).to_owned(),
            "emoji_ok" => rng.pick(&["👍", "🙏", "😊", "💚", "🙌"]).to_owned(),
            "day" => rng
                .pick(&[
                    "gisteren",
                    "eergisteren",
                    "maandag",
                    "dinsdag",
                    "woensdag",
                    "donderdag",
                    "vrijdag",
                    "zaterdag",
                    "vorige week",
                ])
                .to_owned(),
            "amount" => euros(rng.range(1_500, 149_999)),
            "small" => euros(rng.range(200, 4_999)),
            "big" => thousands(rng.range(30, 480) * 50),
            "cash" => rng
                .pick(&["20", "50", "70", "100", "150", "200", "250", "300"])
                .to_owned(),
            "fee_old" | "fee_new" => {
                let old = rng.range(290, 425);
                let new = old + rng.range(3, 8) * 25;
                self.values.insert("fee_old".to_owned(), euros(old));
                self.values.insert("fee_new".to_owned(), euros(new));
                euros(if key == "fee_old" { old } else { new })
            }
            "fee_small" => rng.pick(&["2,50", "3,75", "4,50", "5,00"]).to_owned(),
            "rate" => rng
                .pick(&["0,75", "0,90", "1,00", "1,15", "1,25"])
                .to_owned(),
            "n" | "n2" => {
                let n = rng.range(22, 95);
                let n2 = n + rng.range(25, 45);
                self.values.insert("n".to_owned(), n.to_string());
                self.values.insert("n2".to_owned(), n2.to_string());
                (if key == "n" { n } else { n2 }).to_string()
            }
            "weeks" => rng.range(3, 8).to_string(),
            "days" => rng.range(3, 6).to_string(),
            "age" => rng.range(79, 94).to_string(),
            "date" => dutch_date(self.days_from_now(-rng.range(5, 40))),
            "date_future" => dutch_date(self.days_from_now(rng.range(2, 9))),
            "month" => dutch_month(self.days_from_now(-rng.range(40, 150))),
            "month_future" => dutch_month(self.days_from_now(rng.range(60, 200))),
            "year" => (i64::from(self.now.to_zoned(jiff::tz::TimeZone::UTC).year())
                + rng.range(2, 8))
            .to_string(),
            "version" => APP_VERSION.to_owned(),
            "version_fix" => APP_VERSION_FIXED.to_owned(),
            "iban" => iban("ZUID", &account_number(rng)),
            "iban_sp" => spaced(&iban("ZUID", &account_number(rng))),
            "iban2" => iban(
                rng.pick(&["INGB", "RABO", "ABNA", "SNSB", "BUNQ", "TRIO", "ASNB"]),
                &account_number(rng),
            ),
            "mobile" => mobile(rng),
            "mobile_intl" => format!("+31 6 {}", digits(rng, 8)),
            "klantnr" => format!("{}{}", rng.range(1, 9), digits(rng, 6)),
            "bsn" => bsn(rng),
            "postcode" => postcode(rng),
            "address" => {
                let street = rng.pick(STREETS);
                let number = rng.range(1, 180);
                let postcode = postcode(rng);
                let city = self.value(rng, person, "city");
                format!("{street} {number}, {postcode} {city}")
            }
            "dob" => format!(
                "{:02}-{:02}-{}",
                rng.range(1, 28),
                rng.range(1, 12),
                rng.range(1950, 2001)
            ),
            other => other.to_owned(),
        };
        self.values.insert(key.to_owned(), value.clone());
        value
    }

    fn days_from_now(&self, days: i64) -> Timestamp {
        self.now
            .checked_add(SignedDuration::from_hours(24 * days))
            .unwrap_or(self.now)
    }
}

#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Eindhoven", "Tilburg", "Breda", "Den Bosch", "Maastricht", "Venlo", "Roermond", "Helmond",
    "Utrecht", "Rotterdam", "Nijmegen", "Oss", "Heerlen", "Sittard", "Bergen op Zoom", "Roosendaal",
    "Dordrecht", "Middelburg", "Goes", "Weert", "Waalwijk", "Uden",
];

#[rustfmt::skip]
const SHOPS: &[&str] = &[
    "Albert Heijn", "Jumbo", "Action", "Kruidvat", "HEMA", "Lidl", "Gamma", "de bakker",
    "het tankstation", "de drogist", "de Primark", "de snackbar",
];

#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Kastanjelaan", "Molenstraat", "Julianastraat", "Dorpsstraat", "Burgemeester de Withstraat",
    "Lindenlaan", "Kerkstraat", "Wilhelminapark", "Beatrixlaan", "Heuvelstraat", "Schoolstraat",
    "Vlierbesstraat", "Markt",
];

#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
];

fn dutch_date(ts: Timestamp) -> String {
    let date = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
    format!("{} {}", date.day(), month_name(date.month()))
}

fn dutch_month(ts: Timestamp) -> String {
    month_name(ts.to_zoned(jiff::tz::TimeZone::UTC).date().month()).to_owned()
}

fn month_name(month: i8) -> &'static str {
    usize::try_from(month - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("januari")
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Cents as Dutch euros: 123456 → "1.234,56".
fn euros(cents: i64) -> String {
    format!("{},{:02}", thousands(cents / 100), cents % 100)
}

/// Dots between thousands: 12500 → "12.500".
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn digits(rng: &mut Rng, count: usize) -> String {
    (0..count)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn mobile(rng: &mut Rng) -> String {
    let number = format!("{}{}", rng.range(1, 9), digits(rng, 7));
    let (head, tail) = number.split_at(number.len().min(4));
    match rng.below(3) {
        0 => format!("06-{number}"),
        1 => format!("06 {head} {tail}"),
        _ => format!("06{number}"),
    }
}

fn postcode(rng: &mut Rng) -> String {
    // No S in the letters: SA, SD and SS are not issued, and this is simpler than listing them.
    let letters = [
        "A", "B", "C", "D", "E", "G", "H", "J", "K", "L", "M", "N", "P", "R", "T", "V", "W", "X",
        "Z",
    ];
    format!(
        "{} {}{}",
        rng.range(3000, 6999),
        rng.pick(&letters),
        rng.pick(&letters)
    )
}

/// A ten-digit Dutch account number that passes the old eleven-test, as real ones did.
fn account_number(rng: &mut Rng) -> String {
    for _ in 0..100 {
        let mut body: Vec<u32> = vec![0];
        body.extend((0..8).map(|_| rng.below(10) as u32));
        let sum: u32 = body.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let last = (11 - sum % 11) % 11;
        if last < 10 {
            body.push(last);
            return body
                .iter()
                .filter_map(|&d| char::from_digit(d, 10))
                .collect();
        }
    }
    "0417164300".to_owned()
}

/// A Dutch IBAN with correct mod-97 check digits for the bank code and account number.
fn iban(bank: &str, account: &str) -> String {
    let remainder = bank
        .chars()
        .chain(account.chars())
        .chain("NL00".chars())
        .fold(0u32, |rem, c| match c.to_digit(36) {
            Some(v) if v < 10 => (rem * 10 + v) % 97,
            Some(v) => (rem * 100 + v) % 97,
            None => rem,
        });
    format!("NL{:02}{bank}{account}", 98 - remainder)
}

/// An IBAN in groups of four, as people type it from their card.
fn spaced(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A nine-digit number that passes the BSN eleven-test.
fn bsn(rng: &mut Rng) -> String {
    for _ in 0..100 {
        let mut body: Vec<u32> = vec![rng.range(1, 6) as u32];
        body.extend((0..7).map(|_| rng.below(10) as u32));
        let sum: u32 = body.iter().zip((2..=9).rev()).map(|(d, w)| d * w).sum();
        let last = sum % 11;
        if last < 10 {
            body.push(last);
            return body
                .iter()
                .filter_map(|&d| char::from_digit(d, 10))
                .collect();
        }
    }
    "111222333".to_owned()
}

// ---------------------------------------------------------------------------------------------
// The texts
// ---------------------------------------------------------------------------------------------

/// Serious, substantiated questions and complaints from named customers.
#[rustfmt::skip]
const SERIOUS: &[Template] = &[
    (Social, "{at} mijn Zuiderpas is geblokkeerd nadat ik 3x de verkeerde pincode intoetste bij de {shop} in {city}. Hoe krijg ik hem weer werkend? Sta hier met een volle kar 🙈"),
    (Social, "{at} {day} €{amount} overgemaakt naar mijn aannemer, bij mij staat het afgeschreven maar hij zegt dat er niks binnen is. Hoe kan dat?"),
    (Social, "Sinds de update van de ZuiderApp kan ik niet meer inloggen op mijn {device}. Krijg steeds 'Er ging iets mis (4012)'. Al opnieuw geinstalleerd, helpt niks. {at}"),
    (Forum, "Onze rentevaste periode van de Zuider Hypotheek loopt in {month_future} af. Wanneer krijgen we een renteaanbod? En kunnen we nu al rentemiddelen? Ik kan er niks over vinden op zuiderbank.nl."),
    (Social, "{at} waarom gaan de kosten van mijn betaalpakket omhoog van €{fee_old} naar €{fee_new} per maand? Geen brief gehad, niks. Ik zit al 20 jaar bij jullie {emoji_mad}"),
    (Social, "Nu {n} minuten in de wacht bij de klantenservice van {at}. Het muziekje ken ik inmiddels uit mijn hoofd. Is er een andere manier om iemand te spreken? Het gaat om een betaling die vandaag weg moet"),
    (Mail, "Beste Zuiderbank,\n\nMijn {relative} is op {date} overleden. Ik ben executeur en wil de rekeningen opheffen en het saldo verdelen onder de erfgenamen. Welke documenten hebben jullie nodig en kan dat zonder langs een kantoor te gaan? Het kantoor bij ons in {city} is gesloten.\n\nMet vriendelijke groet,\n{full}"),
    (Kassa, "Al {weeks} weken wacht ik op een zakelijke rekening bij Zuiderbank voor mijn eenmanszaak. KvK-inschrijving is rond, alle stukken ingestuurd en elke keer dat ik bel krijg ik een ander verhaal. Intussen kan ik mijn klanten geen factuur sturen met een zakelijk rekeningnummer. Iemand ervaring hoe lang dit normaal duurt?"),
    (Social, "{at} betaling bij {shop} is 2x afgeschreven (€{amount}). Winkel zegt dat ik bij de bank moet zijn, bank zegt winkel... Wie gaat dit oplossen?"),
    (Social, "Geldautomaat bij {atm_place} in {city} heeft net mijn pas ingeslikt {emoji_mad} scherm zei alleen 'transactie afgebroken'. Moet ik de pas nu blokkeren {at}?"),
    (Social, "{at} €{cash} gepind bij de automaat op {atm_place} maar er kwam niks uit. Wel afgeschreven!! Hoe krijg ik mijn geld terug?"),
    (Social, "{at} contactloos betalen met m'n Zuiderpas werkt ineens niet meer, moet steeds pas insteken + pincode. Ligt het aan de pas of aan jullie?"),
    (Forum, "Ik ben in {country} op vakantie en mijn Zuiderpas wordt bij elke pinautomaat geweigerd. Geoblocking staat op 'Wereld' in de app. Wat kan ik nog meer checken? Heb bijna geen contant geld meer en de creditcard ligt thuis."),
    (Social, "iDEAL betaling via de ZuiderApp blijft hangen op 'bezig met verwerken' bij {webshop}. Nu 3x geprobeerd, geld niet afgeschreven maar bestelling ook niet gelukt. {at} storing? #zuiderapp"),
    (Social, "{at} zie in de app dat de rente op mijn Zuider Spaarrekening naar {rate}% gaat. Klopt dat? Andere banken geven meer, ik twijfel of ik blijf eerlijk gezegd"),
    (Social, "{at} hoe stop ik een incasso van {company}? Heb het abonnement in {month} al opgezegd maar ze blijven gewoon afschrijven"),
    (Forum, "Mijn ex en ik hebben een en-of-rekening. We zijn uit elkaar, hoe zetten we die om naar een rekening op alleen mijn naam? Hij werkt niet echt mee 😕 Moet hij daar per se voor tekenen?"),
    (Social, "{at} hoe verhoog ik mijn daglimiet? Moet morgen een auto aanbetalen (€{big}) en de app zegt dat ik max €2.500 per dag mag overmaken"),
    (Social, "{at} de selfie-check in de app om mijn identiteit te bevestigen mislukt steeds, 'gezicht niet herkend'. Al 10x gedaan bij goed licht. Nu kan ik mijn nieuwe spaarrekening niet openen"),
    (Forum, "Het kantoor van Zuiderbank in {city} gaat dicht. Mijn moeder van {age} bankiert niet online en deed alles aan de balie. Waar moet ze nu heen met haar vragen? Is er een servicepunt in de buurt of komt er iemand aan huis?"),
    (Social, "{at} Hi, I'm an expat living in {city_en}, still waiting for my BSN. Can I open a Zuider account with just my passport and rental contract? Your website only has Dutch forms 😅"),
    (Social, "{at} ik sta €{small} rood en krijg ineens rente + een brief dat ik binnen 30 dagen moet aanvullen?? Dat rood staan was toch gewoon toegestaan bij mijn pakket?"),
    (Social, "Betaalverzoek van mijn huisgenoot werkt niet, de link opent niet de ZuiderApp maar een witte pagina. Iemand anders ook? {at}"),
    (Social, "{at} jullie app zegt al sinds vanochtend 'gepland onderhoud'. Ik moet vandaag de huur betalen, hoe lang duurt dit nog?"),
    (Mail, "Goedendag,\n\nIk kreeg een brief dat mijn Zuiderpas verloopt, maar de nieuwe pas is na {weeks} weken nog steeds niet bezorgd. Mijn oude pas werkt vanaf {date_future} niet meer. Kunnen jullie nagaan waar de pas is gebleven? Ik ben overdag lastig te bellen vanwege mijn werk in de zorg.\n\nGroet,\n{full}"),
    (Forum, "Vraag over het verhogen van de hypotheek voor een verbouwing (dakkapel + isolatie, ongeveer €{big}). Kan dat bij Zuider Hypotheek met een extra leningdeel of moet alles opnieuw? En tellen energiebesparende maatregelen mee voor meer leenruimte?"),
    (Social, "{at} ik krijg geen sms-code meer om in te loggen op mijn nieuwe telefoon. Nummer is hetzelfde gebleven. Hoe koppel ik de app zonder mijn oude toestel? Die is kapot gevallen"),
    (Kassa, "Zuiderbank heeft mijn rekening 'tijdelijk beperkt' vanwege een klantonderzoek. Alle vragen over mijn inkomen heb ik beantwoord, maar nu {weeks} weken later kan ik nog steeds niks overmaken. Niemand kan zeggen hoe lang het nog duurt. Is dit normaal? Mijn vaste lasten lopen gewoon door."),
    (Social, "{at} mijn zoon van 12 wil een eigen rekening. Kan ik die via de app openen of moeten we langs een kantoor? En krijgt hij dan ook een Zuiderpas?"),
    (Social, "{at} bij het scannen van de QR-code op een acceptgiro crasht de ZuiderApp elke keer. Android 14, {device}"),
    (Social, "Waarom kan ik in de ZuiderApp mijn jaaroverzicht voor de belastingaangifte niet downloaden? Krijg 'document niet beschikbaar'. Deadline komt eraan {at}"),
    (Mail, "Beste webcare,\n\nAls ondernemer heb ik een zakelijke rekening bij jullie. Sinds vorige week worden de pinbetalingen van onze betaalterminal pas na drie dagen bijgeschreven in plaats van de volgende werkdag. Dat geeft problemen bij het betalen van onze leveranciers. Is er iets veranderd in de afspraken?\n\nMet vriendelijke groet,\n{full}\n{shopname}, {city}"),
    (Social, "{at} Apple Pay toevoegen lukt niet met mijn Zuiderpas: 'kaart niet ondersteund'. Op jullie site staat dat het wel kan?"),
    (Social, "{at} pas verloren, in de app blokkeren lukte, maar hoe vraag ik nu een nieuwe aan? Zie die optie nergens staan"),
    (Social, "SEPA overboeking naar Duitsland al {days} werkdagen onderweg. Zou toch binnen een dag moeten zijn? {at}"),
    (Social, "{at} vraagje: mijn dochter studeert in {country} en wil geld van haar Zuider Spaarrekening opnemen. Kan ze daar gewoon pinnen met haar pas of kost dat veel?"),
    (Forum, "In mijn overzicht staat een afschrijving van €{small} 'ZB Servicekosten' die ik niet ken. Wat is dat? Heb nergens voor getekend en kan het niet terugvinden in de voorwaarden."),
    (Social, "{at} ik ben doof en kan de klantenservice dus niet bellen. De chat in de app zegt 'alle medewerkers zijn bezet' en daarna gebeurt er niks. Hoe kan ik jullie wél bereiken?"),
    (Social, "Na de laatste update toont de ZuiderApp mijn saldo niet meer, alleen een streepje. Uit- en inloggen helpt niet. iemand anders ook? {at}"),
    (Social, "{at} your app keeps logging me out every 30 seconds since the last update. {device}, software up to date. Can't pay anything. Please fix"),
    (Kassa, "Klacht over Zuiderbank: ik heb €{amount} betaald aan een webshop die nooit heeft geleverd. Zuiderbank zegt dat ze niks kunnen doen omdat ik zelf met iDEAL heb betaald. Klopt dat echt? Bij een creditcard kun je toch ook terugvorderen?"),
    (Social, "{at} hoe lang duurt het voor een nieuwe pincode met de post komt? Aangevraagd op {day}. Kan nu niks pinnen"),
    (Mail, "Geachte heer/mevrouw,\n\nMijn vrouw heeft dementie en kan haar bankzaken niet meer zelf regelen. Ik wil graag een volmacht op haar rekening. Kan dat zonder notaris en wat moet ik daarvoor doen? Zij kan zelf niet meer naar een kantoor komen.\n\nVriendelijke groet,\n{full}"),
    (Social, "{at} waarom betaal ik voor een contante storting van €{cash} ineens €{fee_small}? En de stortautomaat in {city} is ook weg. Ik sta op de markt, ik heb nou eenmaal veel contant"),
    (Social, "{at} mijn salaris staat er nog niet op terwijl mijn werkgever zegt dat het gisteren is overgemaakt. Collega's bij andere banken hebben het wel al. Is er vertraging?"),
    (Forum, "Klopt het dat je bij de Zuider Spaarrekening maar 1x per maand gratis mag opnemen? Dat lees ik in de nieuwe voorwaarden, maar ik snap het niet helemaal. Wat kost een tweede opname dan?"),
];

/// Personal data posted in public: IBANs, phone numbers, e-mail and postal addresses, customer
/// numbers and a BSN. These should be taken to a private channel.
#[rustfmt::skip]
const PERSONAL_DATA: &[Template] = &[
    (Social, "{at} willen jullie mijn rekening {iban} even controleren? Er is sinds {day} €{amount} verdwenen!!"),
    (Social, "{at} bel me maar even terug op {mobile}, ik kom er via de app niet uit met mijn hypotheekaanvraag"),
    (Social, "{at} mijn klantnummer is {klantnr}, kunnen jullie kijken waarom mijn nieuwe pas nog niet verstuurd is?"),
    (Social, "{at} mail me maar op {email} want DM's lukken me niet. Gaat over een dubbele afschrijving van €{amount}"),
    (Forum, "Mijn nieuwe pas is naar mijn oude adres gestuurd terwijl ik in {month} al heb doorgegeven dat ik verhuisd ben naar {address}. Hoe kan dat?? Wie heeft nu mijn pas?"),
    (Social, "Hee {at} kunnen jullie €{amount} terugboeken naar {iban_sp}? Per ongeluk naar een onbekende rekening overgemaakt, typfoutje 🙈"),
    (Social, "{at} heb het geld van de Marktplaats-koper nog niet ontvangen op {iban}. Hij zegt dat het vrijdag al is overgemaakt"),
    (Kassa, "Na 5x bellen nog steeds niks opgelost. Mijn gegevens: {full}, {address}, klantnummer {klantnr}. Zoek het maar uit Zuiderbank."),
    (Social, "{at} hier mijn BSN voor dat klantonderzoek: {bsn}. Kan de rekening nu weer open?"),
    (Social, "{at} please refund the double charge on my account {iban}, you can reach me on {mobile_intl}"),
    (Social, "{at} ik ben {full}, geboren {dob}, klantnummer {klantnr}. Mijn app is geblokkeerd na te veel inlogpogingen, graag ontgrendelen"),
    (Social, "{at} graag terugbellen op {mobile} ivm het overlijden van mijn {relative}, wil de rekening {iban} opheffen"),
    (Forum, "Er is geld overgemaakt naar {iban2} met mijn naam in de omschrijving, maar die rekening ken ik niet. Is dit fraude? Mijn eigen rekening is {iban}."),
    (Social, "{at} moet ik mijn adreswijziging ({address}) via de app doorgeven of kan dat hier ook?"),
    (Social, "{at} al 3 mails gestuurd vanaf {email}, nog steeds geen reactie over mijn hypotheekofferte. Hallo?"),
    (Social, "{at} waarom staat mijn rekening {iban_sp} op 'geblokkeerd'? Ik heb niks verkeerd gedaan. Bel me op {mobile}"),
    (Social, "{at} klantnummer {klantnr} en postcode {postcode}, kunnen jullie mijn inlog resetten? Ben mijn wachtwoord kwijt"),
    (Forum, "Wie kan mij helpen? Ik kom niet meer in de app en de klantenservice is steeds in gesprek. Mijn e-mail is {email} en mijn nummer {mobile}, stuur maar een berichtje."),
    (Social, "{at} mijn {relative} woont op {address} en krijgt al weken geen post meer van jullie. Kunnen jullie het adres checken?"),
    (Social, "{at} voor de duidelijkheid mijn IBAN: {iban_sp}. Daar moet de terugbetaling van €{small} naartoe, niet naar mijn oude rekening"),
];

/// Phishing, fraud and impersonation reports.
#[rustfmt::skip]
const PHISHING: &[Template] = &[
    (Social, "{at} ik kreeg net deze sms: 'Uw Zuiderpas verloopt binnenkort. Verleng direct via zuiderbank-verificatie.nl om blokkering te voorkomen.' Is dit echt?? Lijkt me nep"),
    (Social, "Pas op! Werd gebeld door iemand 'van de fraudeafdeling van Zuiderbank'. Nummerweergave leek echt. Hij vroeg om mijn inlogcode omdat mijn geld naar een 'veilige rekening' moest. Opgehangen. {at} #fraude #oplichting"),
    (Social, "Mijn moeder ({age}) kreeg een WhatsApp van 'Zuiderbank Beveiliging' dat ze haar spaargeld naar een veilige rekening moest overmaken. Gelukkig belde ze mij eerst. Dit is toch te gek {at}"),
    (Social, "{at} is @zuiderbank_helpdesk een echt account van jullie? Ze stuurden me een DM dat ik mijn rekening moet 'verifiëren' via een link"),
    (Forum, "Vandaag een brief met QR-code ontvangen, zogenaamd van Zuiderbank: 'Scan de QR-code om uw Zuiderpas te vervangen'. Logo ziet er echt uit. De code gaat naar mijn-zuiderbank.info. Klopt dit?"),
    (Social, "{at} er gaat een phishingmail rond met als onderwerp 'Actie vereist: uw rekening wordt beperkt'. Afzender service@zuiderbank-beveiliging.com. Heb hem doorgestuurd naar jullie meldadres"),
    (Social, "Ik ben opgelicht. Op een link in een sms van 'Zuiderbank' geklikt, gegevens ingevuld en nu is er €{big} van mijn rekening weg. Klantenservice neemt niet op {at} HELP"),
    (Social, "{at} iemand belde me 'namens Zuiderbank' en wist mijn naam, adres en de laatste 4 cijfers van mijn pas. Vroeg me een code uit de app voor te lezen. Niet gedaan. Hoe komen ze aan die gegevens?"),
    (Social, "Marktplaats-'koper' stuurde een betaalverzoek van 1 cent 'om je rekening te verifiëren' via zuiderbnk.nl. Bijna ingetrapt. Let op mensen! {at}"),
    (Social, "{at} got a text saying my Zuider account is suspended and I need to log in at zuiderbank.veilig-inloggen.net. Is this phishing? Looks legit"),
    (Mail, "Goedendag,\n\nIk ontving vanochtend een e-mail met het logo van Zuiderbank waarin staat dat ik mijn Zuiderpas moet inleveren voor vervanging en dat er vanmiddag een koerier langskomt om de pas op te halen. Ik vertrouw het niet. Kunnen jullie bevestigen dat dit niet van jullie komt?\n\nMet vriendelijke groet,\n{full}"),
    (Kassa, "Waarschuwing: oplichters doen zich voor als medewerkers van Zuiderbank. Mijn buurman is via bankhelpdeskfraude €{big} kwijtgeraakt. Zuiderbank zegt dat hij het zelf heeft overgemaakt en dus zelf schuld heeft. Schandalig."),
    (Social, "{at} op Instagram zie ik advertenties 'Zuiderbank geeft €500 bonus bij een nieuwe rekening, klik hier'. Gaat naar een vage site. Dat zijn jullie toch niet?"),
];

/// A burst of nearly the same report within a quarter of an hour, as when a text message campaign starts.
#[rustfmt::skip]
const PHISHING_BURST: &[Template] = &[
    (Social, "{at} krijg ook die sms 'Uw Zuiderpas verloopt op {date_future}, verleng via zuiderbank-verificatie.nl'. Al de derde in mijn omgeving vandaag. Doe er wat aan!"),
    (Social, "Weer zo'n phishing sms van 'Zuiderbank' binnen. zuiderbank-verificatie.nl ... niet klikken mensen #phishing {at}"),
    (Social, "{at} is zuiderbank-verificatie . nl van jullie? kreeg sms dat mijn pas verloopt"),
    (Social, "Hele familie-app ontploft, iedereen heeft de sms van 'Zuiderbank' over de verlopen pas gehad. Link: zuiderbank-verificatie.nl. {at} weten jullie hiervan?"),
    (Social, "Sms: 'ZUIDERBANK: uw pas wordt vandaag geblokkeerd. Verifieer via zuiderbank-verificatie.nl'. Gemeld bij de Fraudehelpdesk. {at}"),
    (Social, "{at} mijn vader heeft op de link in die sms geklikt (zuiderbank-verificatie.nl) en zijn gegevens ingevuld 😰 wat moet hij nu doen??"),
    (Social, "@zuiderbank zet alsjeblieft een waarschuwing in de app over die sms met zuiderbank-verificatie.nl, mijn oma had bijna geklikt"),
];

/// Scolding without substance.
#[rustfmt::skip]
const ABUSE: &[Template] = &[
    (Social, "{at} kutbank"),
    (Social, "tyfusbank {at} 🤬🤬"),
    (Social, "Wat een k*nkerzooi is die Zuiderbank ook. Nooit meer."),
    (Social, "{at} stelletje graaiers, jullie kunnen de pot op"),
    (Social, "teringbank. dat is alles. {at}"),
    (Social, "Zuiderbank = oplichters met een logo 🤡"),
    (Social, "{at} echt de slechtste bank van nederland, waardeloze klotezooi"),
    (Social, "{at} 🖕🖕🖕"),
    (Social, "haha Zuiderbank weer. klootzakken allemaal"),
    (Social, "@zuiderbank @zuiderbank_help jullie mogen allemaal een enkeltje hel"),
    (Forum, "Zuiderbank is een kutbank en iedereen die er werkt is een sukkel. Punt."),
    (Social, "{at} wat een zielige bende zijn jullie ook, echt kansloos #zuiderbank"),
    (Social, "fuck @zuiderbank"),
    (Social, "{at} tyfuslijers met jullie bonussen"),
    (Social, "Kapotte bank. Kapotte app. Kapot land. {at}"),
];

/// The hard cases: a customer describes being scolded, or swears around a real complaint.
#[rustfmt::skip]
const HARD_CASES: &[Template] = &[
    (Social, "{at} ik werd gisteren aan de telefoon door een van jullie medewerkers uitgemaakt voor 'zeurwijf' toen ik vroeg waarom mijn pas al 2 weken niet werkt. Dat pik ik niet. Met wie kan ik hierover praten?"),
    (Kassa, "Bij het Zuiderbank-kantoor in {city} werd ik door de beveiliger toegesnauwd: 'rot op met je kutvragen'. Omdat ik zonder afspraak binnenkwam. Ik wilde alleen contant geld storten voor mijn oma. Is dit hoe Zuiderbank met klanten omgaat?"),
    (Social, "{at} kutapp doet het wéér niet na de update, inloggen geeft fout 4012 op mijn {device}. Moet vandaag de huur betalen. Fix het nou eens"),
];

/// Press, politics, people with a large audience, and legal threats.
#[rustfmt::skip]
const ESCALATIONS: &[Escalation] = &[
    Escalation {
        channel: Social,
        author: Some(0),
        reach: Reach::Fixed(3, 14),
        text: "{at} Hallo, ik ben {full}, verslaggever bij Nieuwsplein.nl. Wij krijgen meerdere meldingen van lezers dat de ZuiderApp sinds dinsdag niet goed werkt. Kunnen jullie laten weten wat er aan de hand is? Ik publiceer vanmiddag om 16.00 uur. DM staat open.",
    },
    Escalation {
        channel: Social,
        author: Some(1),
        reach: Reach::Fixed(2_410, 11_800),
        text: "Zuiderbank blokkeert al 3 weken de rekening van m'n moeder 'voor onderzoek' en niemand neemt de telefoon op. Ze kan haar boodschappen niet eens betalen. Dit is echt schandalig @zuiderbank. RT dit aub",
    },
    Escalation {
        channel: Social,
        author: None,
        reach: Reach::Quiet,
        text: "{at} ik heb jullie 4x gevraagd de onterechte afschrijving van €{big} terug te boeken. Mijn advocaat stelt jullie aansprakelijk voor alle schade. Jullie horen van hem.",
    },
    Escalation {
        channel: Mail,
        author: Some(2),
        reach: Reach::Quiet,
        text: "Geachte woordvoerder,\n\nVoor een artikel in Dagblad van het Zuiden over het sluiten van bankkantoren in de regio zou ik graag een reactie van Zuiderbank ontvangen. Klopt het dat de kantoren in {city} en {city2} per 1 maart sluiten, en wat betekent dat voor oudere klanten die niet online bankieren? Het stuk verschijnt donderdag.\n\nMet vriendelijke groet,\n{full}\nverslaggever, Dagblad van het Zuiden",
    },
    Escalation {
        channel: Social,
        author: Some(3),
        reach: Reach::Fixed(312, 1_240),
        text: "Vandaag schriftelijke vragen gesteld over het weghalen van geldautomaten door Zuiderbank in kleine kernen. Ouderen in {region} worden zo buitengesloten. @zuiderbank gaat u met de gemeenten in gesprek?",
    },
    Escalation {
        channel: Social,
        author: None,
        reach: Reach::Quiet,
        text: "{at} dit is de derde keer dat mijn hypotheekaanvraag 'kwijt' is. Ik dien een klacht in bij het Kifid en stap naar de Consumentenbond. Genoeg is genoeg.",
    },
    Escalation {
        channel: Social,
        author: Some(4),
        reach: Reach::Fixed(1_850, 6_400),
        text: "Draadje 🧵: hoe ik in 5 stappen €{big} kwijtraakte aan bankhelpdeskfraude en @zuiderbank me daarna liet zitten. 1/5",
    },
    Escalation {
        channel: Social,
        author: Some(5),
        reach: Reach::Fixed(220, 940),
        text: "Hey @zuiderbank, your login page loads a third-party tracking script before any consent is given. That's a GDPR problem. Will you comment before I publish my write-up on Friday?",
    },
    Escalation {
        channel: Social,
        author: None,
        reach: Reach::Quiet,
        text: "Ik heb een dagvaarding laten opstellen tegen Zuiderbank vanwege een onterechte BKR-registratie. {at} laatste kans om dit netjes op te lossen voor het naar de rechter gaat.",
    },
    Escalation {
        channel: Social,
        author: Some(6),
        reach: Reach::Fixed(6, 31),
        text: "{at} Wij zijn van het tv-programma Geld Terug! en zoeken contact met jullie persvoorlichting over klanten van wie de rekening maandenlang geblokkeerd is. Wie kunnen we bellen? Uitzending is volgende week.",
    },
];

/// Praise and thanks, some with a question on the side.
#[rustfmt::skip]
const PRAISE: &[Template] = &[
    (Social, "Top geholpen door {agent} van {at}! Pas binnen 2 dagen vervangen 👍"),
    (Social, "{at} dank voor de snelle reactie gisteren, dubbele afschrijving is al teruggestort {emoji_ok}"),
    (Social, "Eerlijk is eerlijk: de nieuwe ZuiderApp is een stuk sneller dan de oude. Goed bezig {at}"),
    (Social, "{at} super vriendelijk geholpen aan de telefoon door iemand die echt de tijd nam voor mijn moeder. Dat waarderen we enorm ❤️"),
    (Social, "Wat fijn dat {at} ook in het weekend reageert. Probleem met een incasso binnen 10 minuten opgelost"),
    (Social, "{at} bedankt! Vraagje nog: kan ik de Zuiderpas nu ook in Google Wallet zetten?"),
    (Forum, "Wil even kwijt dat ik via dit forum binnen een uur antwoord kreeg op mijn hypotheekvraag. Top, {agent}!"),
    (Social, "Shoutout to {at} for helping me open an account as an expat in just 2 days. Smooth!"),
    (Social, "{at} dank jullie wel voor het meedenken na het overlijden van mijn {relative}. Alles netjes en met respect afgehandeld."),
    (Social, "Complimenten aan het kantoor in {city}! Hele fijne hypotheekadviseur 🏡 {at}"),
    (Social, "{at} goed dat jullie die phishing-sms meteen op de site zetten, mijn oma herkende hem daardoor 💪"),
    (Social, "Fijn dat je in de ZuiderApp nu zelf je pas tijdelijk kan blokkeren. Handig als je hem kwijt bent (en daarna in je jaszak terugvindt 🙃) {at}"),
    (Social, "{at} thanks voor de snelle hulp! Nog 1 vraag: wanneer komt de donkere modus in de app?"),
    (Mail, "Beste webcare,\n\nIk wil jullie bedanken voor de hulp bij het openen van mijn zakelijke rekening. {agent} heeft me heel goed op weg geholpen. Nog een vraag: kan ik een tweede pas aanvragen voor mijn compagnon?\n\nGroet,\n{full}"),
    (Social, "Zelden zo snel een bank aan de lijn gehad. 3 minuten wachten bij {at}. Respect"),
    (Social, "{at} 💚💚 bedankt voor het terugdraaien van die rente, had ik echt niet verwacht"),
    (Social, "Geld was zo teruggeboekt na een verkeerde overboeking. Netjes {at}!"),
    (Social, "Best een fijne bank eigenlijk, {at}. Geen gedoe, app werkt, mensen aardig. Dat mag ook weleens gezegd worden."),
    (Social, "{at} bedankt {agent}, je bent een held! 🦸"),
    (Forum, "Dank aan de webcare voor het snel oppakken van mijn vraag over de spaarrekening. Nog een vraagje: wordt de rente per maand of per jaar bijgeschreven?"),
];

/// Taste, mere sentiment, sponsorship, share prices and mentions that are not about the bank.
#[rustfmt::skip]
const SENTIMENT: &[Template] = &[
    (Social, "die nieuwe oranje kleur van de ZuiderApp is echt lelijk zeg 🤢"),
    (Social, "Zuiderbank sponsort nu ook {club}. Als je toch geld over hebt 🙄"),
    (Social, "Aandeel Zuiderbank vandaag -3,4%. Kwartaalcijfers vielen tegen? #beurs"),
    (Social, "Mooi om te zien, Zuiderbank op de shirts van de jeugd van {club} 💚⚽"),
    (Social, "Wie bij Zuiderbank heeft bedacht dat dat reclamedeuntje een goed idee was? Zit al de hele dag in m'n hoofd"),
    (Social, "Het bankje in het Zuiderpark is weer helemaal ingenomen door de duiven 😂"),
    (Social, "Het oude logo van Zuiderbank was mooier. Just saying."),
    (Social, "Zuiderbank, ING, Rabo... allemaal hetzelfde eigenlijk. Maakt niet uit waar je zit."),
    (Social, "Loop net langs het oude Zuiderbank-kantoor in {city}, is nu een sushirestaurant lol"),
    (Social, "Vandaag de Zuiderbank Marathon in {city}, wat een sfeer! 🏃‍♀️"),
    (Social, "Zuiderbank heeft meer winst gemaakt dan vorig jaar lees ik. Ok."),
    (Social, "Ik vind die nieuwe reclame met die zingende spaarvarkens eigenlijk wel grappig 🐷"),
    (Social, "Zuiderbank's new ad campaign is so cringe lol"),
    (Social, "Droomde vannacht dat ik bij Zuiderbank werkte. Raar."),
    (Social, "Fietsen door de oude Zuiderzeepolders, wat een luchten vandaag ☁️"),
    (Social, "dividend van Zuiderbank binnen, gaat op aan patat 🍟"),
    (Social, "Zuiderbank is dit jaar hoofdsponsor van het jazzfestival in {city}. Hmm."),
    (Social, "Waarom moet elke bank tegenwoordig een 'vernieuwd' design hebben. Zuiderbank ook al. Saai."),
    (Social, "Die Zuiderpas in het nieuwe ontwerp is wel chique eigenlijk"),
    (Social, "Mijn opa werkte 40 jaar bij de Zuiderbank, vandaag zou hij 90 zijn geworden 🕯️"),
];

/// Claims about the bank that are not true.
#[rustfmt::skip]
const INACCURACIES: &[Template] = &[
    (Social, "Zuiderbank rekent nu €5 per pinbetaling!! Echt belachelijk, iedereen overstappen"),
    (Social, "Hoorde dat Zuiderbank per 1 januari stopt met contant geld, je kan dan nergens meer pinnen. Klopt toch {at}?"),
    (Social, "Zuiderbank geeft al je betalingen boven de €100 automatisch door aan de Belastingdienst. Let op wat je koopt mensen"),
    (Social, "{at} jullie gaan bij een crisis de spaarrekeningen bevriezen, heb ik gelezen. Dan haal ik alles er nu af"),
    (Forum, "Zuiderbank is overgenomen door een Amerikaans hedgefonds, daarom gaan de kosten zo omhoog. Zoek het maar op."),
    (Social, "Bij Zuiderbank betaal je tegenwoordig €2,50 om je eigen saldo te bekijken in de app. Gekkenhuis."),
    (Social, "Het depositogarantiestelsel geldt niet voor Zuiderbank want die is te klein. Zet je geld ergens anders neer!"),
    (Social, "Vanaf volgende maand sluit Zuiderbank ALLE kantoren in Nederland. Ouderen kunnen het schudden"),
    (Social, "Heads up: Zuiderbank charges €5 for every card payment now. Pay cash."),
    (Social, "Zuiderbank verkoopt klantgegevens aan adverteerders, staat gewoon in de nieuwe voorwaarden. {at}"),
];

/// Threads: a customer comes back to their own message, two to four times.
#[rustfmt::skip]
const THREADS: &[ThreadScript] = &[
    ThreadScript {
        channel: Social,
        root: "{at} de geldautomaat bij {atm_place} in {city} heeft vanochtend mijn pas ingeslikt. Wat moet ik doen?",
        follow_ups: &[
            (60, 300, "{at} nog even over mijn ingeslikte pas: ik heb hem nu in de app geblokkeerd. Wanneer krijg ik een nieuwe?"),
            (1_200, 2_400, "Update: nieuwe Zuiderpas vandaag binnen, sneller dan verwacht. Thanks {at} 👍"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} ik heb {day} €{amount} overgemaakt naar mijn verhuurder en het is nog steeds niet bij hem binnen. Bij mij is het wel afgeschreven",
        follow_ups: &[
            (20, 90, "Hier is mijn rekeningnummer zodat jullie kunnen kijken: {iban}"),
            (30, 180, "Oh ik zie jullie DM nu pas, had dat nummer niet openbaar moeten zetten denk ik 😅 ga daar verder"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "Na de update naar {version} kan ik niet meer inloggen in de ZuiderApp op mijn {device}. Fout 4012. {at}",
        follow_ups: &[
            (30, 120, "App verwijderd en opnieuw geïnstalleerd, nog steeds fout 4012 {at}"),
            (20, 90, "Ook telefoon herstart. Nu staat er 'toestel niet herkend'. Ik moet vandaag echt nog betalen {at} 😩"),
            (600, 1_800, "Werkt weer sinds versie {version_fix}! Dank voor de tip om eerst de oude koppeling te verwijderen {at}"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} ik heb op een link in een sms geklikt en mijn gegevens ingevuld 😰 nu staat er een afschrijving van €{big} die ik niet ken",
        follow_ups: &[
            (15, 60, "Pas en app zijn geblokkeerd via de fraudelijn, dank voor het snelle antwoord. Wat moet ik nu doen om het geld terug te krijgen?"),
            (300, 1_440, "Aangifte gedaan bij de politie. Kan ik het proces-verbaal via de app uploaden of moet het per post? {at}"),
        ],
    },
    ThreadScript {
        channel: Forum,
        root: "Vraag over de Zuider Hypotheek: wij willen een deel aflossen (€{big}) zonder boete. Hoeveel mag je per jaar boetevrij aflossen?",
        follow_ups: &[
            (30, 240, "Aanvulling: het gaat om een annuïteitenhypotheek met rentevast tot {year}, afgesloten in 2021."),
            (1_000, 2_800, "Iemand? Of moet ik dit echt via een adviseur vragen?"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} waarom gaat mijn betaalpakket van €{fee_old} naar €{fee_new} per maand? Nergens gecommuniceerd",
        follow_ups: &[
            (240, 720, "{at} nog steeds geen antwoord. Op complimenten reageren jullie wel zie ik"),
            (600, 1_440, "{at} als ik hier vandaag geen fatsoenlijk antwoord op krijg dien ik een klacht in bij het Kifid."),
        ],
    },
    ThreadScript {
        channel: Mail,
        root: "Beste webcare,\n\nMijn moeder is op {date} overleden. Ik ben haar enige kind en wil haar betaalrekening en Zuider Spaarrekening afsluiten. Hoe gaat dat in zijn werk?\n\nMet vriendelijke groet,\n{full}",
        follow_ups: &[
            (1_000, 2_800, "Aanvulling op mijn vorige bericht: ik heb inmiddels een verklaring van erfrecht. Kan ik die als pdf mailen of moet het origineel per post?\n\nGroet,\n{full}"),
            (600, 2_000, "Dank voor de duidelijke uitleg en het meeleven. Ik stuur de stukken vandaag op.\n\n{full}"),
        ],
    },
    ThreadScript {
        channel: Kassa,
        root: "Ervaringen met een zakelijke rekening bij Zuiderbank? Ik wacht nu {weeks} weken. Alle stukken ingeleverd, KvK-uittreksel, ID, alles. Elke keer 'het ligt bij de afdeling'.",
        follow_ups: &[
            (1_440, 2_880, "Update: weer gebeld. Nu moet ik opnieuw een UBO-verklaring invullen. Die heb ik al 2x gestuurd."),
            (1_440, 2_880, "Update 2: nog steeds niks. Ik ga overstappen. Jammer, ik zit er privé al 15 jaar."),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "Al {n} minuten in de wacht bij {at}. Gaat om een geblokkeerde betaling voor mijn zorgverzekering",
        follow_ups: &[
            (20, 40, "Update: nu {n2} min. Het muziekje is van thema gewisseld, we gaan vooruit 🎶"),
            (30, 60, "Na anderhalf uur opgehangen. Morgen maar weer. Jullie chat doet het ook niet {at}"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} mijn Zuiderpas doet het sinds gisteren niet meer, 'pas ongeldig' bij elke kassa. Niet verlopen, niet beschadigd",
        follow_ups: &[
            (120, 300, "{at} hallo??"),
            (300, 900, "kutbank, nog steeds geen reactie. tyfus op"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} betaling bij {shop} van €{amount} 2x afgeschreven, hoe krijg ik dat terug?",
        follow_ups: &[
            (60, 240, "Bij de winkel gevraagd, die zien maar één betaling. Dus het zit aan jullie kant? {at}"),
            (1_440, 2_880, "Het dubbele bedrag is teruggestort, opgelost {emoji_ok} {at}"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} Hi! Trying to open an account as an expat in {city_en}. The app asks for a BSN which I don't have yet. Any way around that?",
        follow_ups: &[
            (2_000, 4_000, "Update: got my BSN today. Now the app says 'identity check failed' on the passport scan 🙃 {at}"),
            (30, 180, "Third try worked after taking the photo without flash. Thanks for the tip {at}!"),
        ],
    },
    ThreadScript {
        channel: Forum,
        root: "Klopt het dat de rente op de Zuider Spaarrekening per kwartaal wordt uitbetaald?",
        follow_ups: &[
            (20, 120, "En wordt de rente berekend over het gemiddelde saldo of over het saldo aan het eind van het kwartaal?"),
            (300, 1_200, "Helder, dank voor de uitleg!"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} mijn telefoon is gestolen in de trein naar {city}. Daar staat de ZuiderApp op. Hoe blokkeer ik dat zo snel mogelijk??",
        follow_ups: &[
            (10, 40, "Gelukt via de fraudelijn. Moet ik mijn pas ook laten blokkeren? {at}"),
            (1_440, 3_000, "{at} nieuwe telefoon binnen, hoe koppel ik de app opnieuw?"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} sportschool {gym} blijft incasseren terwijl ik in {month} heb opgezegd. Wat kan ik doen?",
        follow_ups: &[
            (600, 1_800, "Heb de laatste 2 incasso's teruggeboekt via de app. Nu dreigen ze met een incassobureau 🙄"),
            (60, 300, "{at} kunnen jullie een incassoblokkade zetten alleen voor dit bedrijf?"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} de nieuwe ZuiderApp werkt niet goed met VoiceOver. Knoppen hebben geen labels, ik kan als blinde gebruiker niet meer zelf overmaken.",
        follow_ups: &[
            (30, 120, "Voor de duidelijkheid: in de vorige versie ging het prima. Nu ben ik afhankelijk van mijn buurvrouw om mijn rekeningen te betalen."),
            (600, 1_440, "Dank voor het contact. Fijn dat het is doorgezet naar het app-team. Ik hoor graag wanneer het is opgelost."),
            (1_440, 2_880, "Versie {version_fix} getest: veel beter! Alleen de knop 'Bevestigen' heeft nog geen label {at}"),
        ],
    },
    ThreadScript {
        channel: Social,
        root: "{at} het maandbedrag van mijn Zuider Hypotheek is omhoog gegaan terwijl ik rentevast heb?",
        follow_ups: &[
            (60, 300, "Contract erbij gepakt: rentevast tot {year}. Toch gaat er €{small} per maand meer af."),
            (300, 1_200, "Oké het blijkt de opstalverzekering te zijn die via jullie loopt. Mijn fout, sorry {at}!"),
        ],
    },
    ThreadScript {
        channel: Mail,
        root: "Beste webcare,\n\nWij hebben een zakelijke rekening bij jullie. Sinds vorige week komen de pinbetalingen van onze kassa pas na drie dagen binnen in plaats van de volgende dag. Wat is er aan de hand?\n\nMet vriendelijke groet,\n{full}\n{shopname}, {city}",
        follow_ups: &[
            (1_440, 2_880, "Beste webcare,\n\nInmiddels komen de betalingen weer op tijd binnen. Wel graag een verklaring: onze leverancier heeft ons rente in rekening gebracht.\n\n{full}"),
            (600, 1_440, "Dank voor de uitleg over de storing en de tegemoetkoming. Wat ons betreft is het hiermee afgehandeld.\n\n{full}\n{shopname}"),
        ],
    },
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn now() -> Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    fn source_of(m: &IncomingMessage) -> String {
        m.source.clone().unwrap()
    }

    fn id_of(m: &IncomingMessage) -> String {
        match m.id.clone().unwrap() {
            serde_json::Value::String(s) => s,
            other => panic!("id is not a string: {other}"),
        }
    }

    /// The ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 is 1.
    fn iban_is_valid(iban: &str) -> bool {
        let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
        let mut remainder = 0u32;
        for c in rearranged.chars() {
            let value = c.to_digit(36).unwrap();
            remainder = if value < 10 {
                (remainder * 10 + value) % 97
            } else {
                (remainder * 100 + value) % 97
            };
        }
        remainder == 1
    }

    /// Dutch IBANs in a text, with or without spaces, that pass the check.
    fn valid_ibans(text: &str) -> Vec<String> {
        let compact: Vec<char> = text.chars().filter(|c| *c != ' ').collect();
        compact
            .windows(18)
            .filter(|w| {
                w[0] == 'N'
                    && w[1] == 'L'
                    && w[2..4].iter().all(char::is_ascii_digit)
                    && w[4..8].iter().all(char::is_ascii_uppercase)
                    && w[8..18].iter().all(char::is_ascii_digit)
            })
            .map(|w| w.iter().collect::<String>())
            .filter(|s| iban_is_valid(s))
            .collect()
    }

    #[test]
    fn the_checker_knows_a_valid_iban() {
        assert!(iban_is_valid("NL91ABNA0417164300"));
        assert!(iban_is_valid("NL20INGB0001234567"));
        assert!(!iban_is_valid("NL92ABNA0417164300"));
        assert_eq!(
            valid_ibans("naar NL91 ABNA 0417 1643 00 graag"),
            vec!["NL91ABNA0417164300"]
        );
        assert!(iban_is_valid(&iban("ZUID", "0417164300")));
    }

    #[test]
    fn about_two_hundred_messages_that_all_parse() {
        let messages = demo_messages(now());
        assert!(
            (190..=240).contains(&messages.len()),
            "{} messages",
            messages.len()
        );
        for m in &messages {
            let valid = m.clone().parse(now());
            assert!(valid.is_ok(), "{m:?}: {valid:?}");
        }
    }

    #[test]
    fn ids_are_unique_per_source_and_sources_exist() {
        let names: BTreeSet<&str> = demo_sources().iter().map(|s| s.name).collect();
        let mut seen = BTreeSet::new();
        let mut used = BTreeSet::new();
        for m in demo_messages(now()) {
            let source = source_of(&m);
            assert!(names.contains(source.as_str()), "unknown source {source}");
            assert!(
                seen.insert((source.clone(), id_of(&m))),
                "duplicate id {:?} on {source}",
                m.id
            );
            used.insert(source);
        }
        assert_eq!(used.len(), names.len(), "every demo source has messages");
    }

    #[test]
    fn replies_point_to_an_earlier_message_on_the_same_source() {
        let mut earlier: BTreeMap<(String, String), Timestamp> = BTreeMap::new();
        for m in demo_messages(now()) {
            let valid = m.clone().parse(now()).unwrap();
            if let Some(parent) = &m.in_reply_to {
                let at = earlier.get(&(source_of(&m), parent.clone()));
                let at = at.unwrap_or_else(|| {
                    panic!("{parent} is not an earlier message on {}", source_of(&m))
                });
                assert!(*at < valid.created_at);
            }
            earlier.insert((source_of(&m), id_of(&m)), valid.created_at);
        }
    }

    #[test]
    fn at_least_fifteen_threads() {
        let messages = demo_messages(now());
        let parent_of: BTreeMap<(String, String), Option<String>> = messages
            .iter()
            .map(|m| ((source_of(m), id_of(m)), m.in_reply_to.clone()))
            .collect();
        let mut roots = BTreeSet::new();
        for m in messages.iter().filter(|m| m.in_reply_to.is_some()) {
            let source = source_of(m);
            let mut id = id_of(m);
            while let Some(Some(parent)) = parent_of.get(&(source.clone(), id.clone())) {
                id = parent.clone();
            }
            roots.insert((source, id));
        }
        assert!(roots.len() >= 15, "{} threads", roots.len());
        // Each follow-up is by the same author as the message it answers.
        let author_of: BTreeMap<(String, String), Option<String>> = messages
            .iter()
            .map(|m| {
                (
                    (source_of(m), id_of(m)),
                    m.author.as_ref().and_then(|a| a.handle.clone()),
                )
            })
            .collect();
        for m in messages.iter().filter(|m| m.in_reply_to.is_some()) {
            let parent = (source_of(m), m.in_reply_to.clone().unwrap());
            assert_eq!(
                author_of[&parent],
                m.author.as_ref().and_then(|a| a.handle.clone())
            );
        }
    }

    #[test]
    fn any_moment_gives_a_valid_week() {
        for moment in ["2031-03-30T01:30:00.123456Z", "2024-02-29T23:59:59Z"] {
            let now: Timestamp = moment.parse().unwrap();
            let week_ago = now.checked_sub(SignedDuration::from_hours(7 * 24)).unwrap();
            let messages = demo_messages(now);
            assert!((190..=240).contains(&messages.len()));
            for m in messages {
                let valid = m.parse(now).unwrap();
                assert!(valid.created_at > week_ago && valid.created_at <= now);
            }
        }
    }

    #[test]
    fn the_same_moment_gives_the_same_messages() {
        assert_eq!(demo_messages(now()), demo_messages(now()));
    }

    #[test]
    fn some_text_holds_a_valid_iban() {
        let found: Vec<String> = demo_messages(now())
            .iter()
            .flat_map(|m| valid_ibans(m.text.as_deref().unwrap()))
            .collect();
        assert!(!found.is_empty());
    }

    #[test]
    fn times_are_within_the_week_before_now_and_sorted() {
        let week_ago = now()
            .checked_sub(SignedDuration::from_hours(7 * 24))
            .unwrap();
        let mut previous = week_ago;
        for m in demo_messages(now()) {
            let at: Timestamp = m.created_at.as_deref().unwrap().parse().unwrap();
            assert!(at > week_ago && at <= now(), "{at}");
            assert!(at >= previous, "not sorted at {at}");
            previous = at;
        }
    }

    #[test]
    fn every_slot_is_filled_and_authors_are_varied() {
        let messages = demo_messages(now());
        for m in &messages {
            let text = m.text.as_deref().unwrap();
            assert!(
                !text.contains('{') && !text.contains('}'),
                "unfilled slot in {text}"
            );
        }
        let people: BTreeSet<String> = messages
            .iter()
            .filter_map(|m| {
                m.author
                    .as_ref()
                    .and_then(|a| a.name.clone().or(a.handle.clone()))
            })
            .collect();
        assert!(people.len() >= 100, "{} distinct authors", people.len());
        let anonymous = messages
            .iter()
            .filter(|m| m.author.as_ref().is_some_and(|a| a.name.is_none()))
            .count();
        assert!(anonymous >= 5, "{anonymous} anonymous messages");
    }

    #[test]
    fn the_mix_follows_the_rules_of_engagement() {
        let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
        for (category, _) in generate(now()) {
            *counts.entry(category).or_default() += 1;
        }
        println!("{counts:?}");
        for category in [
            Category::Serious,
            Category::PersonalData,
            Category::Phishing,
            Category::Abuse,
            Category::HardCase,
            Category::Escalation,
            Category::Praise,
            Category::Sentiment,
            Category::Inaccuracy,
            Category::FollowUp,
        ] {
            assert!(
                counts.get(&category).copied().unwrap_or(0) > 0,
                "no {category:?}"
            );
        }
    }
}
