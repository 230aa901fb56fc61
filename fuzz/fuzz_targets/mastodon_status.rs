//! A Mastodon status (streaming or timeline JSON) becomes a message or a reason.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::mastodon_status(data));
