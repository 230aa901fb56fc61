//! `wederhoor serve`: the web server plus the outbox worker, the feed poller and the Mastodon
//! streams, until Ctrl-C or SIGTERM. Listening sources run on the node holding their lease
//! (`cluster.rs`); rules changes on other nodes are taken over by the rules sync.

use crate::config::Config;
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use wederhoor_listen::rss::FeedClient;
use wederhoor_listen::{
    DispatchConnector, MastodonClient, MastodonConfig, MastodonConnector, OutboxConfig, RssConfig,
    WebhookConnector, run_mastodon, run_outbox, run_rss,
};
use wederhoor_store::Store;
use wederhoor_web::{ActiveRules, AppState, LiveEvent, WebConfig};

/// The active rules from the store; on first start the default rules become version 1.
/// A stored version that no longer compiles is reported and the default rules are used.
pub async fn load_rules(store: &Store, config: &Config) -> anyhow::Result<ActiveRules> {
    let brand = crate::brand(config, None)?;
    let (version, text) = match store.active_rules().await? {
        Some(v) => v,
        None => {
            let text = wederhoor_triage::DEFAULT_RULES.to_owned();
            let id = store
                .save_rules_version(&text, None, "standaardregels (DESIGN §4)")
                .await?;
            (id, text)
        }
    };
    match crate::engine(config, &text, brand.clone())? {
        Ok(engine) => Ok(ActiveRules {
            engine: wederhoor_web::learning::with_active_model(store, engine)
                .await
                .map_err(|e| anyhow::anyhow!("loading the learned model: {e}"))?,
            version: Some(version),
        }),
        Err(e) => {
            tracing::error!(version, error = %e, "stored rules do not compile; using the default rules");
            let engine = crate::engine(config, wederhoor_triage::DEFAULT_RULES, brand)?
                .map_err(|e| anyhow::anyhow!("default rules: {e}"))?;
            Ok(ActiveRules {
                engine,
                version: None,
            })
        }
    }
}

/// Whether `serve` fills its store with the Dutch demo, and where the demo keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demo {
    /// No demo: the configured data directory and database.
    Off,
    /// The demo in a fresh directory under the system's temporary directory (removed first if
    /// a previous process with this id left it).
    InTempDir,
    /// The demo in the data directory given with `--data-dir`; it must not hold a database yet
    /// (the demo never overwrites somebody's data).
    InDataDir,
}

pub async fn serve(mut config: Config, demo: Demo) -> anyhow::Result<()> {
    if demo == Demo::InTempDir && config.database_url.is_empty() {
        let dir = std::env::temp_dir().join(format!("wederhoor-demo-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        config.data_dir = dir;
    }
    if demo == Demo::InDataDir && config.database_url.is_empty() {
        let db = config.data_dir.join(crate::config::SQLITE_FILE);
        if db.exists() {
            anyhow::bail!(
                "the demo needs an empty data directory, and {} already holds a database ({}); \
                 remove it or choose another --data-dir",
                config.data_dir.display(),
                db.display()
            );
        }
    }
    let demo = demo != Demo::Off;
    let store = crate::open_store(&config).await?;
    // `_node_file` keeps the data directory's node id locked while this process runs.
    let (node, _node_file) = crate::cluster::node_id(&config);
    let leases = crate::cluster::leases(&config, &node);
    let rules = load_rules(&store, &config).await?;
    if !config.sources_file.is_empty() {
        // Bad entries are reported and skipped; the server starts with the good ones.
        // On stderr: stdout's first line is the address (scripts and tests read it).
        let report =
            crate::sources_file::apply(&store, std::path::Path::new(&config.sources_file)).await?;
        for line in crate::sources_file::lines(&report) {
            eprintln!("{line}");
        }
    }
    let logins = if demo {
        Some(crate::demo::load(&store, &rules).await?)
    } else {
        None
    };
    // A new installation's feedback page starts with the "Particulier" and "Zakelijk" panels.
    store.ensure_default_boards().await?;
    let roles = crate::cluster::Roles::parse(&config.cluster.roles)?;
    // Bound before the web state is built: the public URL defaults to the address listened on.
    let listener = if roles.web {
        Some(
            tokio::net::TcpListener::bind(&config.server.listen)
                .await
                .with_context(|| format!("listening on {}", config.server.listen))?,
        )
    } else {
        None
    };
    let addr = match &listener {
        Some(l) => l.local_addr()?,
        None => config
            .server
            .listen
            .parse()
            .context("server.listen is not an address")?,
    };
    let public_url = config.public_url(addr);
    if demo {
        crate::demo::send_card(&store, &rules, &public_url).await?;
    }
    let mailer = if config.mail.smtp_url.is_empty() {
        None
    } else {
        Some(
            wederhoor_listen::mailer::Mailer::new(&config.mail.smtp_url, &config.mail.from)
                .map_err(|e| anyhow::anyhow!("[mail] smtp_url / from: {e}"))?,
        )
    };
    let oidc = (!config.oidc.issuer.is_empty()).then(|| wederhoor_web::accounts::OidcSettings {
        config: wederhoor_web::oidc::OidcConfig {
            issuer: config.oidc.issuer.clone(),
            client_id: config.oidc.client_id.clone(),
            client_secret: config.oidc.client_secret.clone(),
            redirect_url: format!("{public_url}/account/oidc/terug"),
        },
        label: config.oidc.label.clone(),
    });
    let staff_oidc =
        (!config.staff_oidc.issuer.is_empty()).then(|| wederhoor_web::accounts::OidcSettings {
            config: wederhoor_web::oidc::OidcConfig {
                issuer: config.staff_oidc.issuer.clone(),
                client_id: config.staff_oidc.client_id.clone(),
                client_secret: config.staff_oidc.client_secret.clone(),
                redirect_url: format!("{public_url}/login/oidc/terug"),
            },
            label: config.staff_oidc.label.clone(),
        });
    let state = AppState::new(
        store.clone(),
        rules,
        WebConfig {
            secure_cookies: config.server.secure_cookies,
            trust_proxy: config.server.trust_proxy,
            metrics_token: Some(config.server.metrics_token.clone()).filter(|t| !t.is_empty()),
            oidc,
            staff_oidc,
            body_deadline: Duration::from_secs(config.server.body_timeout_secs),
            replies: config.replies.policy()?,
            reach: config.reach.policy(),
            escalations: config.escalations.policy(&public_url),
            public_url,
            surveys: config.surveys.policy()?,
            printed_cards: config.cards.printed_policy(),
            service_levels: config.service_levels.policy()?,
            drafts: config.drafts.policy(&config.replies.team_name)?,
            opening_hours: config.team_page.opening_hours()?,
            ..WebConfig::default()
        },
    )
    .map_err(|e| anyhow::anyhow!("templates: {e}"))?;
    if demo {
        crate::demo_surveys::load(&state)
            .await
            .context("the demo's surveys")?;
        crate::demo_structural::load(&state)
            .await
            .context("the demo's structural issue")?;
        crate::demo_service_levels::load(&state)
            .await
            .context("the demo's service levels")?;
    }
    // The live burst detector remembers the waves of the last hours across a restart (and sees
    // the demo's): rebuilt from the stored messages before the first new one arrives.
    let rebuilt = state
        .alerts
        .rebuild(&store, &state)
        .await
        .context("rebuilding the burst detector")?;
    tracing::info!(
        new_alerts = rebuilt.opened.len(),
        "burst detector rebuilt from the last hours"
    );

    let connector = DispatchConnector {
        webhook: WebhookConnector::new().context("building the HTTP client")?,
        mastodon: MastodonConnector::new().context("building the Mastodon HTTP client")?,
        meta: wederhoor_listen::MetaConnector::new()
            .context("building the Graph API HTTP client")?,
        bluesky: wederhoor_listen::BlueskyConnector::new()
            .context("building the Bluesky HTTP client")?,
    };
    let outbox = OutboxConfig {
        max_attempts: config.outbox.max_attempts,
        base_delay: Duration::from_secs(config.outbox.base_delay_secs),
        max_delay: Duration::from_secs(config.outbox.max_delay_secs),
    };
    let events = state.clone();
    let on_change: Arc<dyn Fn(wederhoor_core::ConversationId) + Send + Sync> =
        Arc::new(move |c| events.publish(LiveEvent::changed(c, "delivery")));
    // Every listening connector hands what it reads to the ingest use case: directly, or
    // through the JetStream ingest bus that the worker nodes consume.
    let direct_sink = wederhoor_app::ingest::ConnectorSink::new(
        store.clone(),
        state.rules.clone(),
        Arc::new(state.clone()),
    )
    .with_alerts(state.alerts.clone())
    .with_reach(state.config.reach)
    .with_escalations(state.config.escalations.clone());
    let nats = if config.nats_url.is_empty() {
        None
    } else {
        Some(crate::bus::connect(&config.nats_url).await?)
    };
    let ingest_bus = match (&nats, config.cluster.ingest_bus.as_str()) {
        (Some(client), "jetstream") => {
            Some(crate::ingest_bus::IngestBus::open(client.clone(), &config.cluster).await?)
        }
        _ => None,
    };
    let sink = crate::ingest_bus::NodeSink::new(direct_sink.clone(), ingest_bus.clone());
    // Background tasks that get time to stop at shutdown.
    let mut stopping: Vec<(&'static str, tokio::task::JoinHandle<()>)> = Vec::new();
    if roles.listen {
        stopping.push((
            "feed poller",
            tokio::spawn(run_rss(
                store.clone(),
                FeedClient::new().context("building the feed HTTP client")?,
                Arc::new(sink.clone()),
                RssConfig {
                    leases: leases.clone(),
                    ..RssConfig::default()
                },
                state.shutting_down.subscribe(),
            )),
        ));
        stopping.push((
            "mastodon streams",
            tokio::spawn(run_mastodon(
                store.clone(),
                MastodonClient::new().context("building the Mastodon HTTP client")?,
                Arc::new(sink.clone()),
                MastodonConfig {
                    leases: leases.clone(),
                    ..MastodonConfig::default()
                },
                state.shutting_down.subscribe(),
            )),
        ));
        stopping.push((
            "bluesky streams",
            tokio::spawn(wederhoor_listen::run_bluesky(
                store.clone(),
                wederhoor_listen::BlueskyClient::default(),
                Arc::new(sink.clone()),
                wederhoor_listen::BlueskyConfig {
                    leases: leases.clone(),
                    ..wederhoor_listen::BlueskyConfig::default()
                },
                state.shutting_down.subscribe(),
            )),
        ));
        stopping.push((
            "e-mail poller",
            tokio::spawn(wederhoor_listen::run_email(
                store.clone(),
                Arc::new(sink.clone()),
                wederhoor_listen::EmailConfig {
                    leases: leases.clone(),
                    ..wederhoor_listen::EmailConfig::default()
                },
                state.shutting_down.subscribe(),
            )),
        ));
    }
    if let (true, Some(bus)) = (roles.worker, ingest_bus) {
        stopping.push((
            "ingest worker",
            tokio::spawn(crate::ingest_bus::run_consumer(
                bus,
                store.clone(),
                direct_sink,
                Duration::from_secs(config.cluster.ingest_ack_wait_secs),
                state.shutting_down.subscribe(),
            )),
        ));
    }
    if roles.worker {
        tokio::spawn(run_retention(
            store.clone(),
            state.shutting_down.subscribe(),
        ));
        tokio::spawn(run_surveys(state.clone(), state.shutting_down.subscribe()));
        tokio::spawn(run_service_levels(
            state.clone(),
            state.shutting_down.subscribe(),
        ));
        tokio::spawn(crate::summary::run_summary_mail(
            store.clone(),
            config.summary.clone(),
            state.config.service_levels.levels.clone(),
            state.mail_wakeup.clone(),
            state.shutting_down.subscribe(),
        ));
        stopping.push((
            "webhook worker",
            tokio::spawn(crate::webhooks::run_webhooks(
                store.clone(),
                wederhoor_listen::notify::Notifier::new()
                    .context("building the webhook HTTP client")?,
                state.webhook_wakeup.clone(),
                state.shutting_down.subscribe(),
            )),
        ));
        stopping.push((
            "mail worker",
            tokio::spawn(crate::mail::run_mail(
                store.clone(),
                mailer,
                state.mail_wakeup.clone(),
                state.shutting_down.subscribe(),
            )),
        ));
    }
    // Several web nodes on one database share their live events over NATS.
    let mut rules_bus = None;
    let bridge = if let Some(client) = nats {
        let incoming = crate::bus::subscribe(&client, &config.nats_subject).await?;
        rules_bus =
            Some(crate::cluster::RulesBus::subscribe(client.clone(), &config.nats_subject).await?);
        Some(tokio::spawn(crate::bus::run_live_bridge(
            state.clone(),
            client,
            incoming,
            config.nats_subject.clone(),
            state.shutting_down.subscribe(),
        )))
    } else {
        None
    };
    // A rules save or a trained model on any node becomes active on this one too.
    tokio::spawn(crate::cluster::run_rules_sync(
        state.clone(),
        Duration::from_secs(config.cluster.rules_poll_secs),
        rules_bus,
        state.shutting_down.subscribe(),
    ));
    tracing::info!(%node, roles = %config.cluster.roles, "node started");
    if roles.worker {
        // Without the web role here, replies queued on other nodes are picked up within 30 s.
        tokio::spawn(run_outbox(
            store,
            connector,
            outbox,
            state.outbox_wakeup.clone(),
            on_change,
        ));
    }

    match &listener {
        Some(_) => println!("Wederhoor luistert op http://{addr}/"),
        None => println!(
            "Wederhoor draait zonder web (rollen: {})",
            config.cluster.roles
        ),
    }
    if let Some(logins) = logins {
        println!("Demo-gegevens in {}", config.data_dir.display());
        println!(
            "Demo-logins (wachtwoord voor allen: {}):",
            crate::demo::PASSWORD
        );
        for (user, role) in logins {
            println!("  {user:<8} {role}");
        }
    }
    match listener {
        Some(listener) => {
            let app = wederhoor_web::app(state.clone());
            let stop = state.clone();
            let server = &config.server;
            let limits = crate::http_server::Limits {
                header_timeout: Duration::from_secs(server.header_timeout_secs),
                idle_timeout: Duration::from_secs(server.idle_timeout_secs),
                max_connections: server.max_connections,
                max_connections_per_ip: server.max_connections_per_ip,
            };
            crate::http_server::serve(listener, app, limits, async move {
                shutdown().await;
                stop.begin_shutdown();
            })
            .await;
        }
        None => {
            shutdown().await;
            state.begin_shutdown();
        }
    }
    // The tasks saw the shutdown flag too; give running polls a moment to finish.
    for (what, task) in stopping {
        if tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .is_err()
        {
            tracing::warn!("{what} did not stop in time");
        }
    }
    if let Some(bridge) = bridge {
        match tokio::time::timeout(Duration::from_secs(5), bridge).await {
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "the NATS live bridge stopped"),
            Err(_) => tracing::warn!("the NATS live bridge did not stop in time"),
            _ => {}
        }
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

/// The retention job (GDPR): at start and then hourly, expired messages of sources we only
/// listen to are deleted (`Store::apply_retention`; audited per source).
async fn run_retention(
    store: wederhoor_store::Store,
    mut shutting_down: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match store.apply_retention().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, "retention: expired messages deleted"),
            Err(e) => tracing::error!(error = %e, "retention job failed; trying again in an hour"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutting_down.wait_for(|down| *down) => return,
        }
    }
}

/// Sends the satisfaction surveys whose delay has passed, every half minute (with a delay of 0
/// the close itself sends them). Several workers are safe: each survey is claimed in the
/// transaction that queues its link.
async fn run_surveys(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    if !state.config.surveys.enabled {
        return;
    }
    loop {
        match wederhoor_web::surveys::send_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(surveys = n, "survey links queued"),
            Err(e) => tracing::error!(error = %e, "sending due surveys failed; trying again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Every minute: the service-level sweep (targets, warnings, breaches, auto-assignment).
/// Several nodes may run it: each signal is taken once in a transaction and an assignment only
/// sets an owner where there is none.
async fn run_service_levels(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        match wederhoor_web::service_levels::sweep(&state).await {
            Ok(o) if o.breaches.is_empty() && o.assigned.is_empty() => {}
            Ok(o) => tracing::info!(
                breaches = o.breaches.len(),
                assigned = o.assigned.len(),
                "service-level sweep"
            ),
            Err(e) => tracing::error!(error = %e, "service-level sweep failed; trying again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
