//! Streaming burst detection: finds waves of near-duplicate messages (a phishing text, an outage,
//! a viral complaint) in a stream of messages, above their own baseline.
//!
//! Pure and deterministic: no I/O, no clock; time comes from the messages (`at`, Unix seconds).
//! Every message is folded to a few *keys*:
//! - MinHash bands over word pairs of the normalised text (handles dropped, links, numbers and
//!   amounts folded to placeholders), so the same text with other amounts or links shares a key;
//! - the domain of each link (the full link for shorteners and platforms, whose domain says
//!   nothing), so differently worded messages about the same fake site share a key.
//!
//! Each key keeps the messages of the last `window_secs` and a baseline (how often it was seen
//! before). An alert opens when, within the window, a key was used by at least `min_authors`
//! distinct authors and clearly more than its baseline predicts. Later messages that share a key
//! with an open alert are `update`s of that alert (same id); an alert closes after a quiet window.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Tuning of the detector.
#[derive(Debug, Clone, Copy)]
pub struct BurstConfig {
    /// How far back a burst looks, in seconds.
    pub window_secs: i64,
    /// Distinct authors needed within the window.
    pub min_authors: usize,
    /// How many times the expected count (from the baseline) the window must hold on top of
    /// `min_authors`.
    pub baseline_factor: f64,
    /// Words (after normalisation) a text needs for its wording to count.
    pub min_words: usize,
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            window_secs: 600,
            min_authors: 3,
            baseline_factor: 4.0,
            min_words: 5,
        }
    }
}

/// One message as the detector sees it (the caller has triaged it).
#[derive(Debug, Clone, Copy)]
pub struct BurstMessage<'a> {
    pub id: &'a str,
    /// Unix seconds.
    pub at: i64,
    pub author: &'a str,
    pub text: &'a str,
    /// The first topic of the triage, if any.
    pub topic: Option<&'a str>,
    /// The triage saw phishing or fraud.
    pub phishing: bool,
    /// The triage saw a problem (a complaint, something not working).
    pub problem: bool,
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    Phishing,
    Outage,
    Burst,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Phishing => "phishing",
            AlertKind::Outage => "outage",
            AlertKind::Burst => "burst",
        }
    }
}

/// Opened (first event of an alert) or a later message joining it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertEventKind {
    Opened,
    Update,
}

/// One event of an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub alert: u64,
    pub event: AlertEventKind,
    /// When the alert opened (Unix seconds): the time of the message that opened it.
    pub opened_at: i64,
    pub kind: AlertKind,
    pub topic: Option<String>,
    /// On `Opened`: the messages that make up the alert; on `Update`: the new message.
    pub message_ids: Vec<String>,
    pub sample: String,
}

#[derive(Debug)]
struct Member {
    id: Arc<str>,
    at: i64,
    author: u64,
    topic: Option<Arc<str>>,
    phishing: bool,
    problem: bool,
}

#[derive(Debug, Default)]
struct KeyState {
    window: VecDeque<Arc<Member>>,
    /// Messages seen with this key before the current window.
    history: u32,
    first_seen: i64,
    last_seen: i64,
}

#[derive(Debug)]
struct Alert {
    opened_at: i64,
    last_at: i64,
    kind: AlertKind,
    topic: Option<String>,
}

/// The streaming detector. Feed it messages in time order with [`BurstDetector::push`].
#[derive(Debug)]
pub struct BurstDetector {
    config: BurstConfig,
    keys: HashMap<u64, KeyState>,
    key_alert: HashMap<u64, u64>,
    alerts: HashMap<u64, Alert>,
    next_alert: u64,
    now: i64,
    pushed: u64,
}

const MINHASHES: usize = 12;
const ROWS: usize = 3;
/// Hosts whose domain says nothing about the link (shorteners, platforms): keyed by full link.
const GENERIC_HOSTS: &[&str] = &[
    "t.co",
    "bit.ly",
    "goo.gl",
    "tinyurl.com",
    "ow.ly",
    "buff.ly",
    "twitter.com",
    "x.com",
    "facebook.com",
    "fb.me",
    "instagram.com",
    "youtube.com",
    "youtu.be",
    "linkedin.com",
    "lnkd.in",
];
const TLDS: &[&str] = &[
    "com", "be", "nl", "net", "org", "eu", "info", "io", "co", "me", "xyz", "top", "site",
    "online", "app", "biz", "fr", "de", "uk", "ly", "shop", "link", "click",
];

impl Default for BurstDetector {
    fn default() -> Self {
        BurstDetector::new(BurstConfig::default())
    }
}

impl BurstDetector {
    pub fn new(config: BurstConfig) -> Self {
        BurstDetector {
            config,
            keys: HashMap::new(),
            key_alert: HashMap::new(),
            alerts: HashMap::new(),
            next_alert: 1,
            now: i64::MIN,
            pushed: 0,
        }
    }

    /// Takes one message; returns the alert event it causes, if any. Messages older than the
    /// latest one seen are treated as arriving at the latest time.
    pub fn push(&mut self, msg: &BurstMessage<'_>) -> Option<AlertEvent> {
        let at = msg.at.max(self.now);
        self.now = at;
        self.pushed += 1;
        if self.pushed.is_multiple_of(4096) {
            self.sweep();
        }
        let keys = message_keys(msg.text, self.config.min_words);
        if keys.is_empty() {
            return None;
        }
        let member = Arc::new(Member {
            id: Arc::from(msg.id),
            at,
            author: fnv(msg.author.trim().to_lowercase().as_bytes()),
            topic: msg.topic.map(Arc::from),
            phishing: msg.phishing,
            problem: msg.problem,
        });
        let horizon = at - self.config.window_secs;
        // Expire the windows of this message's keys; add the message.
        for &k in &keys {
            let st = self.keys.entry(k).or_insert_with(|| KeyState {
                first_seen: at,
                ..KeyState::default()
            });
            while st.window.front().is_some_and(|m| m.at < horizon) {
                st.window.pop_front();
                st.history += 1;
            }
            st.window.push_back(member.clone());
            st.last_seen = at;
        }
        // Joins an open alert?
        let open = keys.iter().find_map(|k| {
            let id = *self.key_alert.get(k)?;
            let a = self.alerts.get(&id)?;
            (a.last_at >= horizon).then_some(id)
        });
        if let Some(id) = open {
            for &k in &keys {
                self.key_alert.insert(k, id);
            }
            let a = self.alerts.get_mut(&id)?;
            a.last_at = at;
            if msg.phishing {
                a.kind = AlertKind::Phishing;
            }
            return Some(AlertEvent {
                alert: id,
                event: AlertEventKind::Update,
                opened_at: a.opened_at,
                kind: a.kind,
                topic: a.topic.clone(),
                message_ids: vec![msg.id.to_string()],
                sample: msg.text.to_string(),
            });
        }
        // Opens one?
        let window = self.config.window_secs as f64;
        let trigger = keys.iter().copied().find(|k| {
            let Some(st) = self.keys.get(k) else {
                return false;
            };
            let mut authors: Vec<u64> = st.window.iter().map(|m| m.author).collect();
            authors.sort_unstable();
            authors.dedup();
            let span =
                ((st.window.front().map_or(at, |m| m.at) - st.first_seen) as f64).max(86_400.0);
            let expected = f64::from(st.history) * window / span;
            authors.len() >= self.config.min_authors
                && authors.len() as f64
                    >= self.config.min_authors as f64 + self.config.baseline_factor * expected
        })?;
        let members: Vec<Arc<Member>> = self.keys.get(&trigger)?.window.iter().cloned().collect();
        let id = self.next_alert;
        self.next_alert += 1;
        let kind = if members.iter().any(|m| m.phishing) {
            AlertKind::Phishing
        } else if members.iter().filter(|m| m.problem).count() * 2 > members.len() {
            AlertKind::Outage
        } else {
            AlertKind::Burst
        };
        let topic = most_common(members.iter().filter_map(|m| m.topic.as_deref()));
        self.alerts.insert(
            id,
            Alert {
                opened_at: at,
                last_at: at,
                kind,
                topic: topic.clone(),
            },
        );
        for &k in &keys {
            self.key_alert.insert(k, id);
        }
        Some(AlertEvent {
            alert: id,
            event: AlertEventKind::Opened,
            opened_at: at,
            kind,
            topic,
            message_ids: members.iter().map(|m| m.id.to_string()).collect(),
            sample: msg.text.to_string(),
        })
    }

    /// Forgets closed alerts and keys that are quiet and have no baseline worth keeping.
    fn sweep(&mut self) {
        let now = self.now;
        let w = self.config.window_secs;
        self.alerts.retain(|_, a| a.last_at >= now - w);
        let alerts = &self.alerts;
        self.key_alert.retain(|_, id| alerts.contains_key(id));
        self.keys.retain(|_, st| {
            st.last_seen >= now - w || (st.history > 1 && st.last_seen >= now - 90 * 86_400)
        });
        for st in self.keys.values_mut() {
            while st.window.front().is_some_and(|m| m.at < now - w) {
                st.window.pop_front();
                st.history += 1;
            }
        }
    }
}

fn most_common<'a>(it: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for t in it {
        match counts.iter_mut().find(|(n, _)| *n == t) {
            Some((_, c)) => *c += 1,
            None => counts.push((t, 1)),
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(t, _)| t.to_string())
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The keys of one text: MinHash band keys of its wording and its link keys.
pub fn message_keys(text: &str, min_words: usize) -> Vec<u64> {
    let mut keys = Vec::new();
    let mut words: Vec<u64> = Vec::new();
    let mut lower = String::with_capacity(text.len());
    for raw in text.split_whitespace() {
        if raw.starts_with('@') {
            continue;
        }
        if let Some(link) = link_key(raw) {
            keys.push(fnv(link.as_bytes()) ^ 0x6c69_6e6b);
            words.push(fnv(b"<url>"));
            continue;
        }
        lower.clear();
        for c in raw.chars() {
            if c.is_alphanumeric() {
                lower.extend(c.to_lowercase());
            } else if !lower.is_empty() {
                push_word(&mut words, &lower);
                lower.clear();
            }
        }
        if !lower.is_empty() {
            push_word(&mut words, &lower);
        }
    }
    let content = words.iter().filter(|&&w| w != fnv(b"<url>")).count();
    if content >= min_words && words.len() >= 2 {
        let mut mins = [u64::MAX; MINHASHES];
        for pair in words.windows(2) {
            let s = pair[0].rotate_left(17) ^ pair[1];
            for (i, m) in mins.iter_mut().enumerate() {
                let h = mix(s ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                if h < *m {
                    *m = h;
                }
            }
        }
        for (b, band) in mins.chunks(ROWS).enumerate() {
            let mut h = (b as u64) + 1;
            for &m in band {
                h = mix(h ^ m);
            }
            keys.push(h);
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn push_word(words: &mut Vec<u64>, w: &str) {
    if w.chars().any(|c| c.is_ascii_digit()) {
        words.push(fnv(b"<num>"));
    } else {
        words.push(fnv(w.as_bytes()));
    }
}

/// The key of a link-like token: its host, or host and path for generic hosts.
fn link_key(raw: &str) -> Option<String> {
    let t = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    let lower = t.to_lowercase();
    let (rest, scheme) = match lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        Some(r) => (r, true),
        None => (lower.as_str(), false),
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let (name, tld) = host.rsplit_once('.')?;
    let valid = !name.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && tld.chars().all(|c| c.is_ascii_alphabetic());
    if !valid || !(scheme || TLDS.contains(&tld)) {
        return None;
    }
    if GENERIC_HOSTS.contains(&host) {
        Some(format!("{host}/{path}"))
    } else {
        Some(host.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg<'a>(id: &'a str, at: i64, author: &'a str, text: &'a str) -> BurstMessage<'a> {
        BurstMessage {
            id,
            at,
            author,
            text,
            topic: None,
            phishing: false,
            problem: false,
        }
    }

    const FILLER: &[&str] = &[
        "mijn internet valt steeds weg sinds gisteren avond",
        "wanneer komt de technieker eindelijk langs voor de installatie",
        "bedankt voor de snelle hulp met mijn abonnement vandaag",
        "waarom is mijn factuur deze maand zo hoog geworden",
        "ik wil graag overstappen naar een ander tarief met meer data",
        "de app geeft een foutmelding bij het inloggen op mijn telefoon",
        "hoe kan ik mijn simkaart activeren na de verhuis",
        "het netwerk in gent is vandaag heel traag op 4g",
        "kan iemand mij helpen met het doorschakelen van oproepen",
        "mijn bestelling van de nieuwe modem is nog steeds niet aangekomen",
    ];

    fn filler(det: &mut BurstDetector, from: i64, n: usize) -> Vec<AlertEvent> {
        let mut out = Vec::new();
        for i in 0..n {
            let id = format!("f{from}-{i}");
            let author = format!("@user{i}");
            let text = format!("{} ({i})", FILLER[i % FILLER.len()]);
            let at = from + i as i64 * 60;
            out.extend(det.push(&msg(&id, at, &author, &text)));
        }
        out
    }

    #[test]
    fn a_wave_among_unrelated_text_opens_one_alert_within_the_window() {
        let mut det = BurstDetector::default();
        assert!(filler(&mut det, 0, 10).is_empty());
        let mut events = Vec::new();
        let t0 = 10_000;
        for i in 0..6 {
            let id = format!("w{i}");
            let author = format!("@klant{i}");
            let text = format!(
                "@Brand sms gekregen: uw factuur van EUR 1{i},50 is niet betaald, betaal via https://brand-betaling.com/{i} vandaag"
            );
            events.extend(det.push(&msg(&id, t0 + i * 40, &author, &text)));
        }
        let opened: Vec<_> = events
            .iter()
            .filter(|e| e.event == AlertEventKind::Opened)
            .collect();
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].message_ids, vec!["w0", "w1", "w2"]);
        assert_eq!(opened[0].opened_at, t0 + 80);
        // Later messages are updates of the same alert.
        let updates: Vec<_> = events
            .iter()
            .filter(|e| e.event == AlertEventKind::Update)
            .collect();
        assert_eq!(updates.len(), 3);
        assert!(updates.iter().all(|e| e.alert == opened[0].alert));
        assert_eq!(updates[0].message_ids, vec!["w3"]);
    }

    #[test]
    fn the_same_number_of_unrelated_messages_opens_none() {
        let mut det = BurstDetector::default();
        let mut events = Vec::new();
        for (i, text) in FILLER.iter().enumerate() {
            let id = format!("u{i}");
            let author = format!("@a{i}");
            events.extend(det.push(&msg(&id, 1000 + i as i64 * 20, &author, text)));
        }
        assert!(events.is_empty(), "{events:?}");
    }

    #[test]
    fn one_author_repeating_itself_is_no_burst() {
        let mut det = BurstDetector::default();
        let text = "@Brand jullie sms over de factuur is fake, kijk naar brand-betaling.com nu";
        let events: Vec<_> = (0..8)
            .filter_map(|i| det.push(&msg(&format!("s{i}"), 100 + i * 10, "@same", text)))
            .collect();
        assert!(events.is_empty());
        // Two authors are not enough either.
        let e = det.push(&msg("s9", 200, "@other", text));
        assert!(e.is_none());
        let e = det.push(&msg("s10", 210, "@third", text));
        assert!(e.is_some_and(|e| e.event == AlertEventKind::Opened));
    }

    #[test]
    fn texts_of_only_handles_and_links_are_ignored() {
        let mut det = BurstDetector::default();
        for i in 0..10 {
            let e = det.push(&msg(
                &format!("h{i}"),
                i * 5,
                &format!("@x{i}"),
                "@Brand @Other",
            ));
            assert!(e.is_none());
        }
    }

    #[test]
    fn a_recurring_template_is_held_against_its_baseline() {
        let mut det = BurstDetector::default();
        let text = "goedemorgen allemaal wat een mooie dag om te bellen met de klantendienst";
        let mut opened = 0;
        // Every day for a month, three authors within ten minutes: the first days alert, later
        // days are ordinary for this key.
        for day in 0..30 {
            for i in 0..3 {
                let at = day * 86_400 + i * 60;
                let e = det.push(&msg(&format!("d{day}-{i}"), at, &format!("@p{i}"), text));
                if e.is_some_and(|e| e.event == AlertEventKind::Opened) {
                    opened += 1;
                }
            }
        }
        assert!(opened < 5, "{opened} alerts");
    }

    #[test]
    fn kinds_follow_the_triage() {
        let mut det = BurstDetector::default();
        let text = "geen internet en geen tv meer in heel antwerpen sinds een uur";
        let mut last = None;
        for i in 0..3 {
            let mut m = msg("o", 50 + i, "", text);
            let id = format!("o{i}");
            let author = format!("@o{i}");
            m.id = &id;
            m.author = &author;
            m.problem = true;
            m.topic = Some("service_reachability");
            last = det.push(&m).or(last);
        }
        let e = last.expect("an alert");
        assert_eq!(e.kind, AlertKind::Outage);
        assert_eq!(e.topic.as_deref(), Some("service_reachability"));
    }

    #[test]
    fn link_keys_fold_paths_except_for_shorteners() {
        assert_eq!(
            link_key("https://orange-be-betaling.com/f").as_deref(),
            Some("orange-be-betaling.com")
        );
        assert_eq!(
            link_key("orange-be-betaling.com'").as_deref(),
            Some("orange-be-betaling.com")
        );
        assert_eq!(link_key("https://t.co/abc").as_deref(), Some("t.co/abc"));
        assert_eq!(link_key("12.50"), None);
        assert_eq!(link_key("gisteren.maar"), None);
    }
}
