//! Listening-query matcher throughput: 100, 1,000 and 10,000 generated queries against a
//! stream of tweet-length messages, plus the compile time of 10,000 queries.
//!
//! `cargo bench -p wederhoor-listen --bench query -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wederhoor_listen::query::{Matcher, Query, QueryId};

/// A small deterministic generator (no extra dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = (self.next() % items.len().max(1) as u64) as usize;
        items.get(i).copied().unwrap_or("x")
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const SYLLABLES: &[&str] = &[
    "zuider", "noord", "oost", "west", "bank", "verz", "kering", "tel", "com", "energie", "post",
    "spoor", "lucht", "vaart", "zorg", "groen", "stad", "land", "net", "data", "pay", "direct",
    "fin", "hypo", "thuis", "bezorg", "rail", "mobiel", "water", "gas", "licht", "sun", "rabo",
    "ing", "abn", "kpn", "ns", "bol", "ah", "coolblue",
];

const PRODUCTS: &[&str] = &[
    "pas",
    "pinpas",
    "creditcard",
    "app",
    "storing",
    "rekening",
    "hypotheek",
    "lening",
    "sparen",
    "betaalverzoek",
    "ideal",
    "tikkie",
    "overboeking",
    "incasso",
    "factuur",
    "abonnement",
    "bezorging",
    "pakket",
    "levering",
    "retour",
    "klantenservice",
    "wachttijd",
    "internet",
    "wifi",
    "router",
    "glasvezel",
    "bundel",
    "roaming",
    "trein",
    "vertraging",
    "ov",
    "chipkaart",
    "meterstand",
    "jaarafrekening",
    "termijnbedrag",
    "polis",
    "schade",
    "declaratie",
    "premie",
    "verzekering",
    "login",
    "wachtwoord",
    "phishing",
    "fraude",
    "oplichting",
    "inlog",
    "update",
];

const NEGATIVES: &[&str] = &[
    "sponsor",
    "aandeel",
    "koers",
    "beurs",
    "vacature",
    "reclame",
    "voetbal",
    "schaatsen",
    "wielrennen",
    "dividend",
    "kwartaalcijfers",
];

const FILLER: &[&str] = &[
    "ik",
    "je",
    "de",
    "het",
    "een",
    "en",
    "van",
    "is",
    "niet",
    "wel",
    "maar",
    "dat",
    "die",
    "al",
    "weer",
    "nog",
    "steeds",
    "geen",
    "waarom",
    "hoe",
    "kan",
    "moet",
    "wil",
    "heb",
    "heeft",
    "sinds",
    "gisteren",
    "vandaag",
    "morgen",
    "echt",
    "super",
    "slecht",
    "goed",
    "snel",
    "traag",
    "bedankt",
    "help",
    "hallo",
    "vraag",
    "probleem",
    "werkt",
    "kapot",
    "blij",
    "boos",
    "wachten",
    "uur",
    "minuten",
    "dagen",
    "klant",
    "jullie",
    "mijn",
    "onze",
    "bellen",
    "chat",
    "mail",
    "reactie",
    "café",
    "één",
    "ontzettend",
    "teleurgesteld",
    "opgelost",
    "eindelijk",
    "alweer",
    "😡",
    "🙏",
];

fn brand(rng: &mut Rng) -> String {
    let n = 1 + rng.next() % 2;
    (0..=n).map(|_| rng.pick(SYLLABLES)).collect()
}

fn generate_queries(n: usize, seed: u64) -> Vec<(QueryId, Query)> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n);
    let mut i = 0u64;
    while out.len() < n {
        let b = brand(&mut rng);
        let p1 = rng.pick(PRODUCTS);
        let p2 = rng.pick(PRODUCTS);
        let p3 = rng.pick(PRODUCTS);
        let n1 = rng.pick(NEGATIVES);
        let n2 = rng.pick(NEGATIVES);
        let text = match rng.next() % 6 {
            0 => format!("\"{b}\" AND ({p1} OR {p2}*) NOT {n1}"),
            1 => format!("#{b} {p1}"),
            2 => format!("@{b} OR \"{b} {p1}\""),
            3 => format!("{b} ({p1} OR {p2} OR {p3}*) NOT ({n1} OR {n2})"),
            4 => format!("({b} OR #{b} OR @{b}) \"{p1} {p2}\""),
            _ => format!("{b}* {p1}* NOT {n1}"),
        };
        if let Ok(q) = Query::parse(&text) {
            out.push((QueryId(i), q));
        }
        i += 1;
    }
    out
}

/// Tweet-length messages: mostly filler, sometimes brands, products, hashtags and handles.
fn generate_messages(n: usize, brands_from: &[(QueryId, Query)], seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let brands: Vec<String> = brands_from
        .iter()
        .take(500)
        .filter_map(|(_, q)| {
            q.to_string()
                .split(|c: char| !c.is_alphanumeric())
                .find(|w| !w.is_empty())
                .map(str::to_owned)
        })
        .collect();
    (0..n)
        .map(|_| {
            let mut m = String::new();
            while m.chars().count() < 100 + (rng.next() % 180) as usize {
                let roll = rng.next() % 100;
                let word = if roll < 8 && !brands.is_empty() {
                    let b = brands
                        .get((rng.next() % brands.len() as u64) as usize)
                        .cloned()
                        .unwrap_or_default();
                    match rng.next() % 3 {
                        0 => format!("#{b}"),
                        1 => format!("@{b}"),
                        _ => b,
                    }
                } else if roll < 20 {
                    rng.pick(PRODUCTS).to_owned()
                } else if roll < 22 {
                    rng.pick(NEGATIVES).to_owned()
                } else {
                    rng.pick(FILLER).to_owned()
                };
                m.push_str(&word);
                m.push_str(if rng.chance(10) { ", " } else { " " });
            }
            m
        })
        .collect()
}

fn bench_matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("match");
    for &n in &[100usize, 1_000, 10_000] {
        let queries = generate_queries(n, 0x5eed_0001);
        let messages = generate_messages(1_000, &queries, 0x5eed_0002);
        let matcher = Matcher::compile(queries.iter().map(|(id, q)| (*id, q)));
        let hits: usize = messages.iter().map(|m| matcher.matches(m).len()).sum();
        let hit_messages = messages
            .iter()
            .filter(|m| !matcher.matches(m).is_empty())
            .count();
        eprintln!(
            "{n} queries ({} distinct terms): {hit_messages} of {} messages match, {hits} matches",
            matcher.term_count(),
            messages.len()
        );
        group.throughput(Throughput::Elements(messages.len() as u64));
        group.bench_with_input(BenchmarkId::new("queries", n), &messages, |b, messages| {
            b.iter(|| {
                let mut hits = 0usize;
                for m in messages {
                    hits += matcher.matches(black_box(m)).len();
                }
                hits
            })
        });
    }
    group.finish();
}

fn bench_compile(c: &mut Criterion) {
    let queries = generate_queries(10_000, 0x5eed_0001);
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    group.bench_function("10000_queries", |b| {
        b.iter(|| Matcher::compile(black_box(&queries).iter().map(|(id, q)| (*id, q))))
    });
    group.finish();
}

criterion_group!(benches, bench_matching, bench_compile);
criterion_main!(benches);
