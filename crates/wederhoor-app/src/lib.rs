//! The application layer: one function per use case (ingest, reply, change a case, decide a review,
//! save rules, summaries, alerts, ...). Each takes typed input and does validation, triage, storage,
//! outbox and live events in one place, so the web handlers only translate HTTP, the CLI only parses
//! arguments and the connectors hand what they hear to the same ingest.
//!
//! Dependencies point one way: `web` and the binary call this crate; this crate calls `store`,
//! `triage`, `listen` (for the connectors' [`wederhoor_listen::Sink`]) and `core`, and never knows
//! about HTTP. What a use case announces (a conversation changed, messages counted) goes to an
//! [`Events`] implementation the caller provides: the web crate's live events, or nothing.
//!
//! Use cases so far: [`ingest::ingest_batch`] (and the connectors' [`ingest::ConnectorSink`]),
//! [`ingest::edit_message`], [`ingest::delete_message`], [`retriage::retriage_all`],
//! [`backtest::backtest_store`], [`summary::daily_summary`], [`alerts::replay`],
//! [`live_alerts::LiveAlerts`] (the burst detector on the live stream) and the incidents made of
//! its alerts ([`incidents`]); the staff second factor in [`totp`]; a reply through
//! [`reply::queue_reply`] (with [`reply::composer`]); taking a case private in one action
//! ([`private::take_private`], with the customer's [`private::request_callback`]) and the canned
//! replies of the composer ([`canned`]); satisfaction surveys after a close
//! ([`surveys::case_closed`], [`surveys::send_due_surveys`], [`surveys::answer`]) and the
//! leads' reports ([`reports::build_report`], [`reports::report_csv`]); e-cards through
//! [`cards::send_ecard`]; a broadcast to everyone an incident or a fixed structural issue
//! affects through [`broadcast::broadcast`]; structural issues ([`structural`]) and the
//! next-best-action hints of the case page ([`hints::hints_for_case`]); the model learned from
//! the team's decisions, in versions that are trained, backtested, activated and rolled back
//! ([`learning`]), and an agent's override of a verdict ([`learning::override_verdict`]);
//! search across messages, authors and notes through [`search::search`]; answers at hand:
//! suggested replies from earlier answers ([`suggest::suggestions`]), drafts from a language
//! model ([`drafts::draft`]), the fact base for corrections ([`facts`]) and the public team page
//! ([`team::set_profile`]).

pub mod alerts;
pub mod backtest;
pub mod broadcast;
pub mod canned;
pub mod cards;
pub mod contacts;
pub mod drafts;
pub mod escalations;
pub mod events;
pub mod facts;
pub mod hints;
pub mod incidents;
pub mod ingest;
pub mod learning;
pub mod live_alerts;
pub mod panels;
pub mod private;
pub mod reply;
pub mod reports;
pub mod retriage;
pub mod search;
pub mod service_levels;
pub mod structural;
pub mod suggest;
pub mod summary;
pub mod surveys;
pub mod team;
pub mod totp;

pub use events::{Change, Events, IngestTally, NoEvents};

use wederhoor_store::StoreError;
use wederhoor_triage::Engine;

/// The triage engine with the store version of the rules it was built from.
#[derive(Clone)]
pub struct ActiveRules {
    pub engine: Engine,
    pub version: Option<i64>,
}

/// Why a use case did not complete. The web edge maps these to HTTP answers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The input cannot be used (said in words for the one who sent it).
    #[error("{0}")]
    Invalid(String),
    /// A bug or a crashed worker thread.
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
