//! The ingest schema (`POST /api/v1/ingest`, `wederhoor import`): any JSON either becomes a
//! checked message or is refused with a reason.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::import_message(data));
