//! The web edge of Wederhoor: the inbox (server-rendered HTML), the JSON API, ingest, sessions,
//! live updates (server-sent events) and health/metrics.
//!
//! Invariant: every route names the role it needs (`Auth<ROLE>` or a bearer token); no handler
//! touches SQL; every form carries the session's CSRF token.

pub mod accounts;
mod answers;
mod api_sources;
mod audit;
mod auth;
mod broadcasts;
mod cards;
pub mod charts;
mod contacts;
mod error;
mod escalations;
pub mod feedback;
mod followup;
pub mod i18n;
mod inbox;
mod incidents;
mod ingest;
pub mod learning;
mod live;
pub mod markdown;
mod media_reply;
mod meta_in;
pub mod oidc;
mod pages;
mod panels;
mod privacy;
pub mod public;
mod reports;
pub mod rules;
pub mod rules_draft;
mod search;
pub mod security;
pub mod service_levels;
mod sources;
mod staff_account;
mod structural;
pub mod surveys;
mod system;
mod webhook_in;

pub use auth::{hash_password, verify_password};
pub use error::{ApiError, AppError};
pub use ingest::triage_message;
pub use ingest::{
    IngestReport, ItemResult, PreparedBatch, ingest_values, prepare_values, store_prepared,
};
pub use live::{EVENT_KINDS, LiveEvent, Presence, Viewer};
pub use rules::{VerdictChange, backtest_items, backtest_store};
pub use sources::{SOURCE_KINDS, SourceSpec};
pub use system::retriage_all;

use axum::Router;
use axum::routing::{MethodRouter, get, post};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use tokio::sync::{Notify, broadcast};
use wederhoor_store::Store;

/// Settings the web edge needs from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind a reverse proxy that sets it).
    pub trust_proxy: bool,
    /// The address customers reach this server at, without a trailing slash; used for links in
    /// e-mail, the Atom feed and Open Graph tags.
    pub public_url: String,
    /// The company the feedback page belongs to (shown in its title).
    pub brand_name: String,
    /// Customer login through an OpenID Connect provider; `None`: password accounts only.
    pub oidc: Option<accounts::OidcSettings>,
    /// A bearer token that may read `/metrics` (a Prometheus scraper); `None`: only staff
    /// sessions of leads and admins may.
    pub metrics_token: Option<String>,
    /// Staff single sign-on through an OpenID Connect provider; `None`: password logins only.
    pub staff_oidc: Option<accounts::OidcSettings>,
    /// How long a request's whole body may take to arrive ([`security::BODY_DEADLINE`] unless
    /// configured: `[server] body_timeout_secs`).
    pub body_deadline: std::time::Duration,
    /// How replies are signed per channel (`[replies]`).
    pub replies: wederhoor_app::reply::ReplyPolicy,
    /// When growing reach flags a case for a lead (`[reach]`).
    pub reach: wederhoor_app::ingest::ReachPolicy,
    pub escalations: wederhoor_app::escalations::EscalationPolicy,
    /// Satisfaction surveys after a close (`[surveys]`).
    pub surveys: wederhoor_app::surveys::SurveyPolicy,
    /// What printed cards may cost (`[cards]`).
    pub printed_cards: wederhoor_app::cards::PrintedPolicy,
    /// Targets, business hours and auto-assignment (`[service_levels]`).
    pub service_levels: wederhoor_app::service_levels::ServiceLevelPolicy,
    /// Drafts from a language model (`[drafts]`); `None`: off, no button.
    pub drafts: Option<wederhoor_app::drafts::DraftsPolicy>,
    /// Suggested replies from earlier answers.
    pub suggest: wederhoor_app::suggest::SuggestPolicy,
    /// What the public team page says about the opening hours (`[team_page]`).
    pub opening_hours: wederhoor_app::team::OpeningHours,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            secure_cookies: false,
            trust_proxy: false,
            public_url: "http://127.0.0.1:8080".to_owned(),
            brand_name: "Zuiderbank".to_owned(),
            oidc: None,
            metrics_token: None,
            body_deadline: security::BODY_DEADLINE,
            staff_oidc: None,
            replies: wederhoor_app::reply::ReplyPolicy::default(),
            reach: wederhoor_app::ingest::ReachPolicy::default(),
            escalations: wederhoor_app::escalations::EscalationPolicy::default(),
            surveys: wederhoor_app::surveys::SurveyPolicy::default(),
            printed_cards: wederhoor_app::cards::PrintedPolicy::default(),
            service_levels: wederhoor_app::service_levels::ServiceLevelPolicy::default(),
            drafts: None,
            suggest: wederhoor_app::suggest::SuggestPolicy::default(),
            opening_hours: wederhoor_app::team::OpeningHours::default(),
        }
    }
}

/// The triage engine with the store version of the rules it was built from.
pub use wederhoor_app::ActiveRules;

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub ingested: AtomicU64,
    pub duplicates: AtomicU64,
    pub rejected: AtomicU64,
    pub replies_queued: AtomicU64,
}

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub rules: Arc<RwLock<ActiveRules>>,
    pub events: broadcast::Sender<LiveEvent>,
    pub presence: Arc<live::Presence>,
    pub outbox_wakeup: Arc<Notify>,
    pub metrics: Arc<Metrics>,
    pub config: WebConfig,
    /// Flips to `true` when the server shuts down, so endless streams (`/events`) end and a
    /// graceful shutdown does not wait for open browser tabs.
    pub shutting_down: tokio::sync::watch::Sender<bool>,
    /// Rate limits of the public feedback page.
    pub limits: Arc<public::RateLimits>,
    /// Wakes the mail worker when a mail was queued.
    pub mail_wakeup: Arc<Notify>,
    /// Wakes the notification webhook worker when an escalation queued webhooks.
    pub webhook_wakeup: Arc<Notify>,
    /// Counts the rules or model changes made on this node ([`AppState::set_rules`]), so the
    /// binary can tell the other nodes at once.
    pub rules_changed: tokio::sync::watch::Sender<u64>,
    /// This process's live burst detector (fed by every ingest of this node).
    pub alerts: Arc<wederhoor_app::live_alerts::LiveAlerts>,
    /// The server's time (tests move it instead of sleeping).
    pub clock: service_levels::Clock,
    templates: Arc<minijinja::Environment<'static>>,
}

impl AppState {
    pub fn new(
        store: Store,
        rules: ActiveRules,
        config: WebConfig,
    ) -> Result<AppState, minijinja::Error> {
        let (events, _) = broadcast::channel(1024);
        Ok(AppState {
            store,
            rules: Arc::new(RwLock::new(rules)),
            events,
            presence: Arc::new(live::Presence::default()),
            outbox_wakeup: Arc::new(Notify::new()),
            metrics: Arc::new(Metrics::default()),
            config,
            shutting_down: tokio::sync::watch::Sender::new(false),
            limits: Arc::new(public::RateLimits::default()),
            mail_wakeup: Arc::new(Notify::new()),
            webhook_wakeup: Arc::new(Notify::new()),
            rules_changed: tokio::sync::watch::Sender::new(0),
            alerts: Arc::new(wederhoor_app::live_alerts::LiveAlerts::default()),
            clock: service_levels::Clock::default(),
            templates: Arc::new(pages::environment()?),
        })
    }

    /// The current rules (a clone of the engine handle; engines share their compiled tables).
    pub fn active_rules(&self) -> ActiveRules {
        match self.rules.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `rules` the active rules of this node (a save or a trained model here) and says
    /// so on `rules_changed`, for the other nodes.
    pub fn set_rules(&self, rules: ActiveRules) {
        self.replace_rules(rules);
        self.rules_changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Makes `rules` the active rules without announcing it (a change seen from another node).
    pub fn replace_rules(&self, rules: ActiveRules) {
        match self.rules.write() {
            Ok(mut r) => *r = rules,
            Err(poisoned) => *poisoned.into_inner() = rules,
        }
    }

    /// Ends the live streams; call when the server starts its graceful shutdown.
    pub fn begin_shutdown(&self) {
        self.shutting_down.send_replace(true);
    }

    /// Tells every open page that something changed (ignored when nobody listens).
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.events.send(event);
    }
}

/// The routes, recorded as they are added so the authorisation matrix test can list them.
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    fn route(mut self, path: &'static str, handler: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, handler);
        self.paths.push(path);
        self
    }
}

/// Every route path of [`app`], in the order it is added (the methods each one answers are in
/// its `405` answer's `Allow` header).
pub fn route_paths() -> Vec<&'static str> {
    routes().paths
}

/// The whole HTTP surface.
pub fn app(state: AppState) -> Router {
    routes()
        .router
        .fallback(error::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(ingest::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::pages,
        ))
        // Outermost: security headers and limits hold for every answer, error pages included.
        .layer(axum::middleware::from_fn_with_state(
            security::Guard::new(state.clone()),
            security::guard,
        ))
        .with_state(state)
}

/// The route table: each path with its handlers (and so the role each handler asks for).
fn routes() -> Routes {
    Routes::new()
        .route("/", get(inbox::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route(
            "/login/code",
            get(staff_account::code_page).post(staff_account::code_login),
        )
        .route("/login/oidc", get(staff_account::sso_start))
        .route("/login/oidc/terug", get(staff_account::sso_callback))
        .route("/me", get(staff_account::show))
        .route("/me/totp", post(staff_account::begin))
        .route("/me/totp/confirm", post(staff_account::confirm))
        .route("/logout", post(auth::logout))
        .route("/language", post(auth::switch_language))
        .route("/inbox", get(inbox::list))
        .route("/zoeken", get(search::page))
        .route("/c/{id}", get(inbox::conversation))
        .route("/c/{id}/reply", post(inbox::reply))
        .route("/c/{id}/note", post(inbox::note))
        .route("/c/{id}/assign", post(inbox::assign))
        .route("/c/{id}/state", post(inbox::set_state))
        .route("/c/{id}/oordeel", post(learning::override_verdict))
        .route("/c/{id}/presence", post(live::presence))
        .route("/c/{id}/prive", post(followup::take_private))
        .route(
            "/terugbellen/{token}",
            get(followup::callback_form).post(followup::callback_submit),
        )
        .route(
            "/antwoorden",
            get(followup::canned_page).post(followup::canned_create),
        )
        .route("/antwoorden/{id}", post(followup::canned_update))
        .route(
            "/antwoorden/{id}/verwijderen",
            post(followup::canned_delete),
        )
        .route("/c/{id}/concept", post(answers::draft))
        .route(
            "/feiten",
            get(answers::facts_page).post(answers::fact_create),
        )
        .route("/feiten/{id}", post(answers::fact_update))
        .route("/feiten/{id}/verwijderen", post(answers::fact_delete))
        .route("/team", get(answers::team_page))
        .route("/me/team", post(answers::set_profile))
        .route("/c/{id}/kaart", get(cards::form).post(cards::send))
        .route("/c/{id}/kaart.png", get(cards::preview))
        .route("/c/{id}/kaart/drukwerk", post(cards::request_printed))
        .route(
            "/c/{id}/media",
            post(media_reply::reply_with_media).layer(axum::extract::DefaultBodyLimit::max(
                media_reply::MEDIA_BODY_BYTES,
            )),
        )
        .route("/kaarten/{file}", get(cards::picture))
        .route("/drukwerk", get(cards::fulfilment))
        .route("/drukwerk/{id}/verstuurd", post(cards::mark_printed_sent))
        .route("/attachments/{id}", get(inbox::attachment))
        .route("/replies/{id}/sent", post(inbox::mark_sent))
        .route("/replies/{id}/retry", post(inbox::retry))
        .route("/events", get(live::events))
        .route("/admin", get(system::admin))
        .route("/admin/agents", post(system::add_agent))
        .route("/admin/audit", get(audit::page))
        .route("/admin/audit.csv", get(audit::export))
        .route(
            "/admin/sources",
            get(sources::admin_list).post(sources::add),
        )
        .route("/admin/sources/{id}", post(sources::update))
        .route("/admin/sources/{id}/token", post(sources::rotate_token))
        .route("/admin/sources/{id}/delete", post(sources::delete))
        .route("/bronnen", get(sources::public_list))
        .route(
            "/capture",
            get(sources::capture_form).post(sources::capture),
        )
        .route("/admin/retriage", post(system::retriage))
        .route("/rules", get(rules::show).post(rules::save))
        .route("/rules/versions/{id}", get(rules::version))
        .route("/rules/model", get(learning::show).post(learning::train))
        .route("/rules/model/rollback", post(learning::rollback))
        .route("/rules/model/{id}", get(learning::version))
        .route("/rules/model/{id}/activate", post(learning::activate))
        .route("/escalaties", get(escalations::list))
        .route("/escalaties/{id}/oppakken", post(escalations::acknowledge))
        .route("/escalaties/{id}/toewijzen", post(escalations::assign))
        .route("/escalaties/{id}/checklist", post(escalations::tick))
        .route("/escalaties/{id}/afronden", post(escalations::close))
        .route(
            "/escalaties/volglijst",
            get(escalations::watchlist).post(escalations::watch),
        )
        .route(
            "/escalaties/volglijst/{id}/verwijderen",
            post(escalations::unwatch),
        )
        .route("/contacten", get(contacts::search))
        .route("/contacten/{id}", get(contacts::show))
        .route("/contacten/{id}/samenvoegen", post(contacts::merge))
        .route("/contacten/{id}/losmaken", post(contacts::split))
        .route("/meldingen", get(incidents::alerts))
        .route("/meldingen/{id}/negeren", post(incidents::dismiss))
        .route("/meldingen/{id}/incident", post(incidents::make))
        .route("/incidenten/{id}", get(incidents::show))
        .route("/incidenten/{id}/publiceren", post(incidents::publish))
        .route("/incidenten/{id}/posten", post(incidents::post))
        .route("/incidenten/{id}/sluiten", post(incidents::close))
        .route("/rapporten", get(reports::page))
        .route("/rapporten.csv", get(reports::export))
        .route("/rapporten/wand", get(reports::wall))
        .route("/enquete/{token}", get(surveys::show).post(surveys::submit))
        .route(
            "/incidenten/{id}/rondzending",
            get(broadcasts::show).post(broadcasts::act),
        )
        .route(
            "/structureel",
            get(structural::list).post(structural::create),
        )
        .route(
            "/structureel/{id}",
            get(structural::show).post(structural::edit),
        )
        .route("/structureel/{id}/status", post(structural::set_state))
        .route(
            "/structureel/{id}/rondzending",
            get(broadcasts::show_structural).post(broadcasts::act_structural),
        )
        .route("/c/{id}/structureel", post(structural::link))
        .route(
            "/c/{id}/structureel/{issue}/ontkoppelen",
            post(structural::unlink),
        )
        .route("/review", get(rules::review))
        .route("/review/{id}", post(rules::decide))
        .route("/privacy", get(privacy::show))
        .route("/privacy/export", get(privacy::export))
        .route("/privacy/erase", post(privacy::erase))
        .route("/privacy/account", get(privacy::account_export))
        .route("/privacy/account/erase", post(privacy::account_erase))
        .route("/account/gegevens", get(privacy::my_account_export))
        // the public feedback page
        .route("/ideeen", get(feedback::list))
        .route(
            "/ideeen/nieuw",
            get(feedback::new_form).post(feedback::create),
        )
        .route("/ideeen/feed.atom", get(feedback::feed))
        .route("/ideeen/beheer", get(feedback::desk))
        .route(
            "/ideeen/beheer/meldingen/{id}/afwijzen",
            post(feedback::dismiss_report),
        )
        .route("/ideeen/beheer/afdeling", post(feedback::set_department))
        .route("/ideeen/beheer/borden", post(feedback::add_board))
        .route(
            "/ideeen/beheer/borden/{slug}/status",
            post(feedback::set_board_status),
        )
        .route("/ideeen/{id}", get(feedback::show))
        .route("/ideeen/{id}/stem", post(feedback::vote))
        .route("/ideeen/{id}/volgen", post(feedback::follow))
        .route("/ideeen/{id}/reactie", post(feedback::react))
        .route("/ideeen/{id}/melden", post(feedback::report))
        .route("/ideeen/{id}/status", post(feedback::set_status))
        .route("/ideeen/{id}/antwoord", post(feedback::answer))
        .route("/ideeen/{id}/vastzetten", post(feedback::pin))
        .route("/ideeen/{id}/samenvoegen", post(feedback::merge))
        .route("/ideeen/{id}/verbergen", post(feedback::hide))
        .route("/reacties/{id}/verbergen", post(feedback::hide_reaction))
        .route("/c/{id}/idee", post(feedback::attach_from_inbox))
        .route("/c/{id}/nieuw-idee", post(feedback::create_from_inbox))
        .route("/api/v1/ideas", get(feedback::api_list))
        .route("/api/v1/ideas/similar", get(feedback::api_similar))
        .route("/api/v1/ingest", post(ingest::ingest))
        .route("/api/v1/webhook/{source_id}", post(webhook_in::receive))
        .route(
            "/api/v1/meta/{source_id}",
            get(meta_in::verify).post(meta_in::receive),
        )
        .route("/api/v1/conversations", get(inbox::api_list))
        .route(
            "/api/v1/sources",
            get(api_sources::list).post(api_sources::create),
        )
        .route(
            "/api/v1/sources/{id}",
            axum::routing::put(api_sources::update).delete(api_sources::delete),
        )
        .route(
            "/api/v1/sources/{id}/token",
            post(api_sources::rotate_token),
        )
        .route("/api/v1/openapi.json", get(system::openapi))
        // customer accounts
        .route(
            "/account/registreren",
            get(accounts::register_page).post(accounts::register),
        )
        .route("/account/bevestigen", get(accounts::verify))
        .route("/account/opnieuw", post(accounts::resend))
        .route(
            "/account/inloggen",
            get(accounts::login_page).post(accounts::login),
        )
        .route("/account/uitloggen", post(accounts::logout))
        .route("/account/oidc", get(accounts::oidc_start))
        .route("/account/oidc/terug", get(accounts::oidc_callback))
        .route(
            "/account",
            get(accounts::profile_page).post(accounts::profile_save),
        )
        .route("/account/verwijderen", post(accounts::delete))
        .route("/taal", get(accounts::switch_language))
        // panels
        .route("/panels", get(panels::list).post(panels::create))
        .route("/panels/{id}", get(panels::show))
        .route("/panels/{id}/publiceren", post(panels::publish))
        .route(
            "/account/panels",
            get(panels::account_page).post(panels::account_save),
        )
        .route(
            "/panel/{id}",
            get(panels::question_page).post(panels::question_answer),
        )
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .route("/static/{file}", get(system::asset))
        .route("/c/{id}/snooze", post(service_levels::snooze))
        .route("/c/{id}/wake", post(service_levels::wake))
        .route("/beloftes", get(service_levels::promises))
        .route("/me/beschikbaarheid", post(service_levels::set_routing))
}
