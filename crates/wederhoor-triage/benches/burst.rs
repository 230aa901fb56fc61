//! Throughput of the burst detector alone (issue #13 asks for >= 50,000 messages/s).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wederhoor_triage::burst::{BurstDetector, BurstMessage};

const TEXTS: &[&str] = &[
    "@OrangeBENL mijn internet valt steeds weg sinds gisteren avond, wat is er aan de hand?",
    "@OrangeBENL wanneer komt de technieker eindelijk langs voor de installatie van mijn Flybox",
    "Bedankt @OrangeBENL voor de snelle hulp met mijn abonnement vandaag! https://t.co/abc123",
    "@OrangeBENL waarom is mijn factuur deze maand 12,50 euro hoger geworden?",
    "sms gekregen: 'Uw Orange factuur van EUR 12,50 is niet betaald, betaal via orange-be-betaling.com'",
    "@OrangeBENL geen 4G meer in Gent sinds vanochtend, jullie ook storing?",
    "@OrangeBENL @Telenet @proximus",
    "Ik wil graag overstappen naar Love Duo, kan dat online of moet ik naar de winkel?",
];

fn bench(c: &mut Criterion) {
    let ids: Vec<String> = (0..10_000).map(|i| format!("m{i}")).collect();
    let authors: Vec<String> = (0..500).map(|i| format!("@klant{i}")).collect();
    let mut g = c.benchmark_group("burst");
    g.throughput(Throughput::Elements(ids.len() as u64));
    g.bench_function("push_10k_messages", |b| {
        b.iter(|| {
            let mut det = BurstDetector::default();
            for (i, id) in ids.iter().enumerate() {
                let e = det.push(&BurstMessage {
                    id,
                    at: 1_560_000_000 + i as i64 * 20,
                    author: &authors[i % authors.len()],
                    text: black_box(TEXTS[i % TEXTS.len()]),
                    topic: None,
                    phishing: false,
                    problem: false,
                });
                black_box(e);
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
