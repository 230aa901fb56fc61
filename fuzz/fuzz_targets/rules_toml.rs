//! Rules, brand and topic files (TOML): bad input is an error with a location, never a panic.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::rules_toml(data));
