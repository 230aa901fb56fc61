//! `wederhoor`: the one binary. Thin: parses the command line and configuration, then calls
//! the crates that do the work.

mod bench;
mod bus;
mod cluster;
mod config;
mod demo;
mod demo_answers;
mod demo_data;
mod demo_feedback;
mod demo_panels;
mod demo_service_levels;
mod demo_structural;
mod demo_surveys;
mod http_server;
mod import;
mod ingest_bus;
mod learn;
mod mail;
mod rules_test;
mod serve;
mod sources_file;
mod summary;
mod webhooks;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::Config;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use wederhoor_core::Role;
use wederhoor_store::Store;
use wederhoor_triage::{Brand, Engine};

#[derive(Parser)]
#[command(
    name = "wederhoor",
    version,
    about = "Self-hosted webcare: listen, triage, answer with a name."
)]
struct Cli {
    /// Configuration file (TOML); see `wederhoor config`.
    #[arg(long, global = true, env = "WEDERHOOR_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (overrides the configuration).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL, sqlite://PATH or postgres://… (overrides the configuration).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Replay JSON Lines in the ingest schema (with `created_at`, in time order) and write one
    /// JSON line per alert event. Bad lines are reported with their number and skipped.
    Replay {
        file: PathBuf,
        /// Brand profile (TOML).
        #[arg(long)]
        brand: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and the outbox worker.
    Serve {
        /// Address to listen on (overrides server.listen).
        #[arg(long)]
        listen: Option<String>,
        /// Start with the Dutch demo: in the empty directory given with --data-dir, else in a
        /// fresh directory under the system's temporary directory.
        #[arg(long)]
        demo: bool,
        /// What this process runs: web, listen, worker, comma-separated (overrides
        /// cluster.roles; default all three).
        #[arg(long)]
        role: Option<String>,
    },
    /// Create or update the database schema.
    Migrate,
    /// Import JSON Lines files (the ingest schema, one message per line).
    Import {
        files: Vec<PathBuf>,
        /// Source for lines without a `source` field.
        #[arg(long, default_value = "import")]
        source: String,
    },
    /// Triage JSON Lines from stdin to stdout (DESIGN §7).
    Triage {
        /// Rules file instead of the active rules.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Brand profile (TOML).
        #[arg(long)]
        brand: Option<PathBuf>,
        /// Topic taxonomy (TOML) instead of the configured or default one.
        #[arg(long)]
        topics: Option<PathBuf>,
        /// A model of the team's decisions (from `wederhoor learn`), weighed as evidence.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Learn from the team's decisions: JSON Lines in the ingest schema plus
    /// "decision": "respond|ignore|no_engage|private|alert|escalate". Bad lines are reported
    /// with their number and skipped.
    ///
    /// With --from-store: learn a new model version from the decisions the server keeps (the
    /// team's replies, closes and review decisions), kept inactive with its backtest unless
    /// --activate is given (leads see and activate versions on /rules/model).
    Learn {
        #[arg(
            long,
            required_unless_present = "from_store",
            conflicts_with = "from_store"
        )]
        decisions: Option<PathBuf>,
        /// Where to write the model.
        #[arg(
            long,
            required_unless_present = "from_store",
            conflicts_with = "from_store"
        )]
        out: Option<PathBuf>,
        /// Learn from the decisions kept in the configured database.
        #[arg(long)]
        from_store: bool,
        /// With --from-store: make the new version the active one at once.
        #[arg(long, requires = "from_store")]
        activate: bool,
        /// Brand profile (TOML).
        #[arg(long)]
        brand: Option<PathBuf>,
        /// Rules file instead of the default rules (their verdict is one of the features).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Bursts of near-duplicate messages (phishing waves, outages) as alerts.
    Alerts {
        #[command(subcommand)]
        command: AlertsCommand,
    },
    /// Triage every stored message again with the active rules.
    Retriage,
    /// Delete expired messages of listened-to sources now (the server also does this hourly).
    Retention,
    /// Rules of engagement.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Manage agents.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage sources.
    Source {
        #[command(subcommand)]
        command: SourceCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Export or erase what is stored about one person (GDPR).
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// The daily summary: a day's messages, verdicts, cases and replies (Europe/Amsterdam days).
    Summary {
        /// The day, YYYY-MM-DD; default: yesterday in the summary's time zone.
        #[arg(long)]
        date: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: summary::Format,
        /// Language of the text format: nl or en.
        #[arg(long, default_value = "nl")]
        lang: String,
    },
    /// Print the documented example configuration.
    Config,
    /// Measure throughput and latency (figures for docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check a rules file; errors name line and column.
    Check { file: PathBuf },
    /// Backtest a draft: print every verdict it would change, against a JSON Lines file (in
    /// the ingest schema, compared with the active rules) or against the stored messages
    /// (compared with their stored triage).
    Test {
        file: PathBuf,
        /// JSON Lines file of messages to test against.
        #[arg(long, value_name = "FILE.jsonl")]
        against: Option<PathBuf>,
        /// Test against the stored messages instead.
        #[arg(long, conflicts_with = "against")]
        against_store: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain; exits non-zero naming the first entry that was
    /// changed or follows removed entries.
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an agent; the password is read from stdin.
    Add {
        username: String,
        /// Name shown to customers under replies.
        #[arg(long)]
        name: String,
        /// agent, specialist, lead or admin.
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// List agents.
    List,
    /// Set a new password (read from stdin); ends the agent's sessions.
    Passwd { username: String },
    /// Switch an agent off: ends their sessions at once; they cannot log in until enabled.
    Disable { username: String },
    /// Switch a disabled agent on again.
    Enable { username: String },
    /// Switch an agent's second factor (TOTP) off, e.g. after a lost phone; their next password
    /// login needs no code until they set one up again. Audited.
    #[command(name = "reset-totp")]
    ResetTotp { username: String },
}

#[derive(Subcommand)]
enum PersonCommand {
    /// Print everything stored about a person as JSON (the export is audited).
    Export {
        /// Source name.
        #[arg(long)]
        source: String,
        /// Author handle in that source.
        #[arg(long)]
        handle: String,
    },
    /// Erase a person's messages (and what only existed because of them); anonymise the author.
    Erase {
        /// Source name.
        #[arg(long)]
        source: String,
        /// Author handle in that source.
        #[arg(long)]
        handle: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum SourceCommand {
    /// Add a source and print its ingest token.
    Add {
        name: String,
        #[arg(long, default_value = "webhook")]
        kind: String,
        /// Deliver replies by POSTing them here (otherwise delivery is manual).
        #[arg(long)]
        webhook_url: Option<String>,
        /// HMAC secret for webhook signatures (replies out and `/api/v1/webhook/{id}` in); for a
        /// Mastodon source, the account's access token (replies then go through its API).
        #[arg(long)]
        webhook_secret: Option<String>,
    },
    /// List sources.
    List,
    /// Create or update sources from a sources file (TOML, `[[source]]` entries).
    Sync { file: PathBuf },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = run(cli);
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wederhoor: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    let data_dir_given = cli.data_dir.is_some();
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    if let Some(u) = cli.database_url {
        config.database_url = u;
    }
    init_logging(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve { listen, demo, role } => {
                if let Some(l) = listen {
                    config.server.listen = l;
                }
                if let Some(r) = role {
                    cluster::Roles::parse(&r)?;
                    config.cluster.roles = r;
                }
                let demo = match (demo, data_dir_given) {
                    (false, _) => serve::Demo::Off,
                    (true, false) => serve::Demo::InTempDir,
                    (true, true) => serve::Demo::InDataDir,
                };
                serve::serve(config, demo).await?;
            }
            Command::Migrate => {
                let store = open_store(&config).await?;
                println!("database schema is up to date ({:?})", store.backend());
            }
            Command::Import { files, source } => {
                let store = open_store(&config).await?.for_bulk_load();
                let rules = serve::load_rules(&store, &config).await?;
                let summary = import::import_files(&store, &rules, &files, &source).await?;
                if summary.rejected > 0 {
                    return Ok(std::process::ExitCode::from(3));
                }
            }
            Command::Triage {
                rules,
                brand,
                topics,
                model,
            } => triage_stdin(&config, rules, brand, topics, model)?,
            Command::Learn {
                decisions,
                out,
                from_store,
                activate,
                brand,
                rules,
            } => {
                if from_store {
                    let store = open_store(&config).await?;
                    learn::learn_from_store(&store, &config, activate).await?;
                } else if let (Some(decisions), Some(out)) = (decisions, out) {
                    let engine = cli_engine(&config, rules, brand, None)?;
                    learn::learn(&engine, &decisions, &out)?;
                }
            }
            Command::Alerts {
                command: AlertsCommand::Replay { file, brand },
            } => {
                let engine = cli_engine(&config, None, brand, None)?;
                let input = std::fs::File::open(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let out = std::io::BufWriter::new(std::io::stdout().lock());
                let s = wederhoor_app::alerts::replay(
                    &engine,
                    std::io::BufReader::new(input),
                    out,
                    std::io::stderr().lock(),
                )?;
                eprintln!(
                    "{} messages, {} skipped, {} alerts",
                    s.messages, s.skipped, s.alerts
                );
            }
            Command::Retention => {
                let store = open_store(&config).await?;
                let n = store.apply_retention().await?;
                println!("{n} expired messages deleted");
            }
            Command::Retriage => {
                let store = open_store(&config).await?;
                let rules = serve::load_rules(&store, &config).await?;
                let n =
                    wederhoor_web::retriage_all(&store, &rules.engine, rules.version, None).await?;
                println!(
                    "{n} messages re-triaged with rules version {}",
                    rules.version.unwrap_or(0)
                );
            }
            Command::Rules {
                command: RulesCommand::Check { file },
            } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                match engine(&config, &text, brand(&config, None)?)? {
                    Ok(engine) => println!(
                        "{}: {} rules, valid",
                        file.display(),
                        engine.rule_ids().len()
                    ),
                    Err(e) => {
                        eprintln!("{}: {e}", file.display());
                        return Ok(std::process::ExitCode::FAILURE);
                    }
                }
            }
            Command::Rules {
                command:
                    RulesCommand::Test {
                        file,
                        against,
                        against_store,
                    },
            } => {
                if !rules_test::run(&config, &file, against.as_deref(), against_store).await? {
                    return Ok(std::process::ExitCode::FAILURE);
                }
            }
            Command::User { command } => user(&config, command).await?,
            Command::Source { command } => source(&config, command).await?,
            Command::Audit {
                command: AuditCommand::Verify,
            } => audit_verify(&config).await?,
            Command::Person { command } => person(&config, command).await?,
            Command::Summary { date, format, lang } => {
                summary::run(&config, date.as_deref(), format, &lang).await?
            }
            Command::Config => print!("{}", Config::example()),
            Command::Bench { command } => bench::run(&config, command).await?,
        }
        Ok(std::process::ExitCode::SUCCESS)
    })
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&config.log.level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let key = config.load_secret_key()?;
    let store = Store::open(&url)
        .await
        .with_context(|| format!("opening the database {}", redact(&url)))?
        .with_secret_key(key);
    // Secrets stored in plain text by an older version are sealed now.
    store
        .reseal_secrets()
        .await
        .context("sealing stored secrets")?;
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The topic taxonomy: `file`, else the configured `topics_file`, else the default.
pub fn taxonomy(config: &Config, file: Option<&std::path::Path>) -> anyhow::Result<String> {
    let path = file
        .map(std::path::Path::to_path_buf)
        .or_else(|| (!config.topics_file.is_empty()).then(|| PathBuf::from(&config.topics_file)));
    match path {
        None => Ok(wederhoor_triage::DEFAULT_TOPICS.to_owned()),
        Some(p) => std::fs::read_to_string(&p)
            .with_context(|| format!("reading topics file {}", p.display())),
    }
}

/// An engine for `rules` with the configured brand and taxonomy.
pub fn engine(
    config: &Config,
    rules: &str,
    brand: Brand,
) -> anyhow::Result<Result<Engine, wederhoor_triage::RulesError>> {
    Ok(Engine::with_taxonomy(
        rules,
        brand,
        &taxonomy(config, None)?,
    ))
}

pub fn brand(config: &Config, file: Option<&std::path::Path>) -> anyhow::Result<Brand> {
    let path = file
        .map(std::path::Path::to_path_buf)
        .or_else(|| (!config.brand_file.is_empty()).then(|| PathBuf::from(&config.brand_file)));
    match path {
        None => Ok(Brand::demo()),
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("reading brand file {}", p.display()))?;
            Brand::from_toml(&text).map_err(|e| anyhow::anyhow!("brand file {}: {e}", p.display()))
        }
    }
}

/// `wederhoor triage`: one output line per input line, in order; constant memory.
fn triage_stdin(
    config: &Config,
    rules: Option<PathBuf>,
    brand_file: Option<PathBuf>,
    topics_file: Option<PathBuf>,
    model: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut engine = cli_engine(config, rules, brand_file, topics_file)?;
    if let Some(path) = model {
        engine = engine.with_model(Some(learn::load_model(&path)?));
    }
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .by_ref()
            .take(16 * 1024 * 1024)
            .read_until(b'\n', &mut line)
            .context("reading stdin")?;
        if n == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let result = if std::str::from_utf8(&line).is_err() {
            r#"{"id":null,"error":"line is not valid UTF-8"}"#.to_owned()
        } else {
            engine.triage_json_line(text)
        };
        out.write_all(result.as_bytes())?;
        out.write_all(b"\n")?;
        if input.buffer().is_empty() {
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The engine of a command-line run: a rules file or the default rules, the brand and taxonomy.
fn cli_engine(
    config: &Config,
    rules: Option<PathBuf>,
    brand_file: Option<PathBuf>,
    topics_file: Option<PathBuf>,
) -> anyhow::Result<Engine> {
    let brand = brand(config, brand_file.as_deref())?;
    let topics = taxonomy(config, topics_file.as_deref())?;
    let rules_text = match &rules {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading rules {}", p.display()))?
        }
        None => wederhoor_triage::DEFAULT_RULES.to_owned(),
    };
    Engine::with_taxonomy(&rules_text, brand, &topics).map_err(|e| {
        anyhow::anyhow!(
            "rules {}: {e}",
            rules
                .as_ref()
                .map_or("(default)".into(), |p| p.display().to_string())
        )
    })
}

fn read_secret_line(what: &str) -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .with_context(|| format!("reading the {what} from stdin"))?;
    let s = s.trim_end_matches(['\n', '\r']).to_owned();
    if s.chars().count() < 10 {
        bail!("the {what} must be at least 10 characters");
    }
    Ok(s)
}

async fn audit_verify(config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match store.verify_audit_chain().await? {
        wederhoor_store::AuditCheck::Intact { entries, unchained } => {
            println!(
                "audit log intact: {entries} chained entries ({unchained} from before the chain)"
            );
            Ok(())
        }
        wederhoor_store::AuditCheck::Broken { id } => {
            bail!("audit log tampered: entry {id} does not match its chain")
        }
    }
}

async fn user(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match command {
        UserCommand::Add {
            username,
            name,
            role,
        } => {
            let role: Role = role.parse()?;
            if name.trim().is_empty() {
                bail!("--name must not be empty: replies are signed with it");
            }
            let password = read_secret_line("password")?;
            let hash = wederhoor_web::hash_password(&password)?;
            let agent = store
                .create_agent(
                    &wederhoor_store::NewAgent {
                        username,
                        display_name: name,
                        role,
                        password_hash: hash,
                    },
                    None,
                )
                .await?;
            println!(
                "added {} ({}) with id {}",
                agent.username, agent.role, agent.id
            );
        }
        UserCommand::List => {
            for a in store.list_agents().await? {
                println!(
                    "{}\t{}\t{}{}",
                    a.username,
                    a.role,
                    a.display_name,
                    if a.disabled { "\t(disabled)" } else { "" }
                );
            }
        }
        UserCommand::Passwd { username } => {
            let password = read_secret_line("password")?;
            let hash = wederhoor_web::hash_password(&password)?;
            store.set_password(&username, &hash).await?;
            println!("password of {username} changed; its sessions have ended");
        }
        UserCommand::Disable { username } => {
            store.set_agent_disabled(&username, true).await?;
            println!("{username} is disabled; their sessions have ended");
        }
        UserCommand::Enable { username } => {
            store.set_agent_disabled(&username, false).await?;
            println!("{username} is enabled again");
        }
        UserCommand::ResetTotp { username } => {
            wederhoor_app::totp::reset(&store, &username, None).await?;
            println!("the second factor of {username} is off; they can set up a new one");
        }
    }
    Ok(())
}

async fn source(config: &Config, command: SourceCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match command {
        SourceCommand::Add {
            name,
            kind,
            webhook_url,
            webhook_secret,
        } => {
            if let Some(u) = &webhook_url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                bail!("--webhook-url must start with http:// or https://");
            }
            let delivery_kind = wederhoor_core::DeliveryKind::for_new_source(
                &kind,
                webhook_url.is_some(),
                webhook_secret.is_some(),
            );
            let (s, token) = store
                .create_source(&wederhoor_store::NewSource {
                    kind,
                    name,
                    delivery_kind,
                    delivery_url: webhook_url,
                    delivery_secret: webhook_secret,
                })
                .await?;
            println!(
                "source {} (id {}) added; ingest token (shown once):\n{token}",
                s.name, s.id
            );
        }
        SourceCommand::Sync { file } => {
            let report = sources_file::apply(&store, &file).await?;
            for line in sources_file::lines(&report) {
                println!("{line}");
            }
            if !report.problems.is_empty() {
                bail!("{} sources refused", report.problems.len());
            }
        }
        SourceCommand::List => {
            for s in store.list_sources().await? {
                println!("{}\t{}\t{}\t{}", s.id, s.name, s.kind, s.delivery_kind);
            }
        }
    }
    Ok(())
}

async fn person(config: &Config, command: PersonCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match command {
        PersonCommand::Export { source, handle } => {
            let source = source_named(&store, &source).await?;
            let export = store.person_export(source.id, &handle).await?;
            store.record_person_export(&export, None).await?;
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
        PersonCommand::Erase {
            source,
            handle,
            reason,
        } => {
            if reason.trim().is_empty() {
                bail!("--reason must not be empty: it is kept in the audit log");
            }
            let source = source_named(&store, &source).await?;
            let r = store
                .person_erase(source.id, &handle, None, reason.trim())
                .await?;
            if r.nothing_erased() {
                println!("nothing to erase for {handle} in {}", source.name);
            }
            println!(
                "messages deleted: {}\nconversations deleted: {}\nconversations updated: {}\nreplies deleted: {}\nnotes deleted: {}\nprecedents deleted: {}\nauthors anonymised: {}",
                r.messages_deleted,
                r.conversations_deleted,
                r.conversations_updated,
                r.replies_deleted,
                r.notes_deleted,
                r.precedents_deleted,
                r.authors_anonymised
            );
        }
    }
    Ok(())
}

async fn source_named(store: &Store, name: &str) -> anyhow::Result<wederhoor_store::Source> {
    store
        .source_by_name(name)
        .await?
        .with_context(|| format!("no source named {name:?}"))
}
