//! The Markdown renderer of the feedback page: whatever a customer types, the HTML it gives has
//! no script element, no event-handler attribute and no javascript: URL.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::markdown(data));
