//! The application layer: one function per use case (ingest, reply, change a case, decide a review,
//! save rules, summaries, alerts, ...). Each takes typed input and does validation, triage, storage,
//! outbox and live events in one place, so the web handlers only translate HTTP, the CLI only parses
//! arguments and the connectors hand what they hear to the same ingest.
//!
//! Dependencies point one way: `web` and the binary call this crate; this crate calls `store`,
//! `triage` and `core`, and never knows about HTTP.
pub mod alerts;
