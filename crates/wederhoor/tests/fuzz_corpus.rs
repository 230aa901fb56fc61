//! The fuzz corpus kept in `fuzz/corpus/` replayed through the fuzz targets' own bodies
//! (`fuzz/targets.rs`) with every `cargo test`: an input that once crashed a parser, or that
//! libFuzzer found interesting, keeps being checked without the fuzzing tools installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/targets.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        // Each target keeps its seeds at least; an empty folder means the corpus went missing.
        assert!(!inputs.is_empty(), "no corpus for {name}");
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(
                outcome.is_ok(),
                "{name}: {} breaks the target",
                path.display()
            );
        }
    }
}

/// Executions per target of the bounded mutation run (override with
/// `WEDERHOOR_FUZZ_MUTATIONS`; `WEDERHOOR_FUZZ_SEED` changes the seed).
const MUTATIONS_PER_TARGET: u64 = 40_000;
/// Targets that take far longer per input get fewer executions: a rules file builds a whole
/// triage engine (about 50 ms per input in a debug build).
const SLOW_TARGETS: &[(&str, u64)] = &[("rules_toml", 150)];
/// Mutated inputs are cut to this length (libFuzzer's `-max_len` in `scripts/fuzz.sh`).
const MAX_LEN: usize = 65_536;

/// A bounded, deterministic mutation run on stable Rust (libFuzzer needs nightly flags, so CI
/// cannot run `scripts/fuzz.sh`): for every target, inputs drawn from its corpus are mutated the
/// way libFuzzer's default mutators do (bit flips, random bytes, inserts, deletes, duplicated
/// ranges, splices with another corpus input, interesting values and tokens) by a seeded PRNG, a
/// fixed number of times, and no execution may panic. A panicking input is written to
/// `target/fuzz-mutations/` to be added to the corpus once fixed.
#[test]
fn mutated_corpus_inputs_never_break_a_target() {
    let configured = env_u64("WEDERHOOR_FUZZ_MUTATIONS");
    let seed = env_u64("WEDERHOOR_FUZZ_SEED").unwrap_or(0x5745_4445_5248_4f4f);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-mutations");
    let mut failures = Vec::new();
    for (index, (name, target)) in targets::TARGETS.iter().enumerate() {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(name))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        paths.sort();
        let corpus: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
        assert!(!corpus.is_empty(), "no corpus for {name}");
        let executions = configured.unwrap_or_else(|| {
            SLOW_TARGETS
                .iter()
                .find(|(slow, _)| slow == name)
                .map_or(MUTATIONS_PER_TARGET, |(_, n)| *n)
        });
        let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let started = std::time::Instant::now();
        for execution in 0..executions {
            let input = mutate(&corpus, &mut rng);
            let outcome = std::panic::catch_unwind(|| target(&input));
            if outcome.is_err() {
                std::fs::create_dir_all(&out).unwrap();
                let path = out.join(format!("{name}-{seed:x}-{execution}"));
                std::fs::write(&path, &input).unwrap();
                failures.push(format!(
                    "{name}: execution {execution} ({})",
                    path.display()
                ));
                break;
            }
        }
        eprintln!(
            "{name}: {executions} mutated inputs in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    assert!(
        failures.is_empty(),
        "mutated inputs broke targets (seed {seed:#x}):\n{}",
        failures.join("\n")
    );
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}

/// SplitMix64: small, seeded, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Byte values and tokens that tend to reach edge cases in parsers.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"\xe2\x80\x8b",
    b"-1",
    b"0",
    b"-9223372036854775808",
    b"18446744073709551616",
    b"1e999",
    b"NaN",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b"null",
    b"<",
    b">",
    b"</",
    b"<![CDATA[",
    b"&#x0;",
    b"&amp;",
    b"\r\n",
    b"\n\n",
    b"=?utf-8?B?",
    b"(",
    b")",
    b" AND ",
    b" NOT ",
    b"\"\"\"",
    b"[[",
    b"*",
    b"`",
    b"](javascript:",
    b"@",
    b"#",
];

/// One input: a corpus entry with one to four stacked mutations.
fn mutate(corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut data = corpus[rng.below(corpus.len())].clone();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(9) {
            // Flip one bit.
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            // Set one byte to any value.
            1 if len > 0 => {
                let at = rng.below(len);
                data[at] = rng.next() as u8;
            }
            // Insert a few random bytes.
            2 => {
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = (0..=rng.below(8)).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            // Delete a range.
            3 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(32)).min(len);
                data.drain(at..end);
            }
            // Duplicate a range in place.
            4 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                let copy = data[at..end].to_vec();
                data.splice(end..end, copy);
            }
            // Splice: this input's head with another input's tail.
            5 => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            // Insert an interesting value or token.
            6 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            // Overwrite with an interesting value.
            7 if len > 0 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                let at = rng.below(len);
                let end = (at + token.len()).min(len);
                data.splice(at..end, token.iter().copied());
            }
            // Truncate.
            _ => data.truncate(rng.below(len + 1)),
        }
    }
    data.truncate(MAX_LEN);
    data
}
