//! The listening-query language: any text either parses or names the column of its problem; a
//! parsed query compiles into a matcher that can run over any text.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::query_parse(data));
