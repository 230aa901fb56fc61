//! A Meta (Facebook, Instagram, WhatsApp) webhook delivery: every entry is a message or counted
//! as skipped.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::meta_webhook(data));
