//! Throughput of `Engine::triage` on tweet-length messages.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wederhoor_triage::{Engine, TriageInput};

const MESSAGES: &[&str] = &[
    "@zuiderbank ik wacht al drie weken op mijn nieuwe pinpas, nog steeds niks ontvangen. Wat is hier aan de hand?",
    "Dank jullie wel @zuiderbank, super snel geholpen met mijn nieuwe pas! 👍",
    "Iemand belde namens Zuiderbank en vroeg om mijn pincode, klopt dat? Kreeg ook een sms van zuiderbank-veilig.nl",
    "@zuiderbank mijn IBAN is NL91 ABNA 0417 1643 00, waarom is mijn overboeking nog niet aangekomen? Bel me op 06-12345678",
    "Zuiderbank is een kankerbank, stelletje tyfuslijers 🤬",
    "Dat nieuwe logo van Zuiderbank is echt lelijk, vind het oude veel mooier",
    "@zuiderbank why are you still charging me fees on a closed account? This is unacceptable #fail",
    "Heerlijk weer vandaag, op naar het strand met de kinderen. Iemand nog tips voor een goede ijssalon?",
];

fn bench(c: &mut Criterion) {
    let engine = Engine::default_engine();
    let mut g = c.benchmark_group("triage");
    g.throughput(Throughput::Elements(MESSAGES.len() as u64));
    g.bench_function("tweet_length_messages", |b| {
        b.iter(|| {
            for text in MESSAGES {
                let t = engine.triage(&TriageInput {
                    text: black_box(text),
                    source: Some("twitter"),
                    author_handle: "@marieke_v",
                    author_name: Some("Marieke"),
                    followers: 250,
                    reposts: 0,
                    likes: 3,
                    direct: false,
                });
                black_box(t);
            }
        });
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("json_line", |b| {
        let line = r#"{"id":"m1","text":"@zuiderbank ik wacht al drie weken op mijn nieuwe pinpas, nog steeds niks ontvangen.","author":{"handle":"@jan","name":"Jan","followers":12}}"#;
        b.iter(|| black_box(engine.triage_json_line(black_box(line))));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
