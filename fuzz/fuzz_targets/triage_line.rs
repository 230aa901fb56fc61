//! `wederhoor triage` and `wederhoor learn` read JSON Lines: every line gets exactly one line of
//! output (a triage or an error object), and a decision line is read or refused.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::triage_line(data));
