//! The configuration, declared once: each option has one definition here (type, default, doc).
//! The TOML file, the `WEDERHOOR_SECTION__KEY` environment overrides and the documented example
//! (`wederhoor config`) are all derived from it.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The SQLite database file in the data directory when no database URL is configured.
pub const SQLITE_FILE: &str = "wederhoor.db";

/// Environment variables with this prefix are configuration.
const ENV_PREFIX: &str = "WEDERHOOR_";
/// Variables with the prefix that are not configuration keys (test and tool settings).
const NOT_CONFIG: &[&str] = &[
    "WEDERHOOR_TEST_",
    "WEDERHOOR_CHROMIUM",
    "WEDERHOOR_CONFIG",
    "WEDERHOOR_BIN",
    "WEDERHOOR_AXE",
    "WEDERHOOR_REQUIRE_AXE",
    "WEDERHOOR_UPDATE_SCREENSHOTS",
    "WEDERHOOR_FUZZ_",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the SQLite database and other files live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; empty means SQLite in `data_dir`.
    pub database_url: String,
    /// A brand profile (TOML: name, aliases, handles, domains, products); empty means the demo brand.
    pub brand_file: String,
    /// A topic taxonomy (TOML: `[[topic]]` with name, phrases, stems); empty means the default
    /// bank taxonomy.
    pub topics_file: String,
    /// A sources file (TOML, `[[source]]` entries) applied at every `serve` start; empty: none.
    pub sources_file: String,
    /// NATS server (`nats://host:4222`) that carries live events between several web nodes on
    /// one database; empty: one node, events stay in this process.
    pub nats_url: String,
    /// The NATS subject of the live events (several installations can share a NATS server).
    pub nats_subject: String,
    /// The key that seals secrets at rest (webhook secrets, Meta and Mastodon tokens), as 64 hex
    /// digits, usually from `WEDERHOOR_SECRET_KEY`; empty: the key file `secret.key` in
    /// `data_dir`, created (mode 0600) with a random key on first start.
    pub secret_key: SecretKeyText,
    pub server: ServerConfig,
    pub outbox: OutboxSection,
    pub log: LogConfig,
    pub mail: MailSection,
    pub public: PublicSection,
    pub oidc: OidcSection,
    pub staff_oidc: StaffOidcSection,
    pub cluster: ClusterSection,
    pub summary: SummarySection,
    pub replies: RepliesSection,
    pub reach: ReachSection,
    pub escalations: EscalationsSection,
    pub surveys: SurveysSection,
    pub cards: CardsSection,
    pub service_levels: ServiceLevelsSection,
    pub drafts: DraftsSection,
    pub team_page: TeamPageSection,
}

/// Drafts from a self-hosted language model through an OpenAI-compatible endpoint
/// (`POST {base_url}/v1/chat/completions`). Off by default; personal data is masked in the
/// prompt and in the draft.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DraftsSection {
    pub enabled: bool,
    /// The endpoint without `/v1/...`, e.g. `http://127.0.0.1:11434`.
    pub base_url: String,
    pub model: String,
    pub timeout_secs: u64,
    /// The environment variable holding the API key (sent as a bearer token), if one is needed.
    pub api_key_env: String,
}

impl Default for DraftsSection {
    fn default() -> Self {
        DraftsSection {
            enabled: false,
            base_url: String::new(),
            model: String::new(),
            timeout_secs: 20,
            api_key_env: String::new(),
        }
    }
}

impl DraftsSection {
    /// The drafts policy (`None`: off); names a wrong setting.
    pub fn policy(
        &self,
        team_name: &str,
    ) -> anyhow::Result<Option<wederhoor_app::drafts::DraftsPolicy>> {
        if !self.enabled {
            return Ok(None);
        }
        let base = self.base_url.trim();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("drafts.base_url: an http:// or https:// URL is needed when drafts are enabled");
        }
        if self.model.trim().is_empty() {
            bail!("drafts.model: a model name is needed when drafts are enabled");
        }
        if !(1..=300).contains(&self.timeout_secs) {
            bail!("drafts.timeout_secs: from 1 to 300");
        }
        let api_key = match self.api_key_env.trim() {
            "" => None,
            var => Some(std::env::var(var).map_err(|_| {
                anyhow::anyhow!("drafts.api_key_env: the environment variable {var} is not set")
            })?),
        };
        Ok(Some(wederhoor_app::drafts::DraftsPolicy {
            base_url: base.trim_end_matches('/').to_owned(),
            model: self.model.trim().to_owned(),
            timeout: std::time::Duration::from_secs(self.timeout_secs),
            api_key,
            team_name: team_name.to_owned(),
        }))
    }
}

/// The public team page (`/team`): the opening hours it shows, per language.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TeamPageSection {
    pub opening_hours_nl: String,
    pub opening_hours_en: String,
    pub opening_hours_fr: String,
}

impl Default for TeamPageSection {
    fn default() -> Self {
        let h = wederhoor_app::team::OpeningHours::default();
        TeamPageSection {
            opening_hours_nl: h.nl,
            opening_hours_en: h.en,
            opening_hours_fr: h.fr,
        }
    }
}

impl TeamPageSection {
    pub fn opening_hours(&self) -> anyhow::Result<wederhoor_app::team::OpeningHours> {
        for (name, v) in [
            ("opening_hours_nl", &self.opening_hours_nl),
            ("opening_hours_en", &self.opening_hours_en),
            ("opening_hours_fr", &self.opening_hours_fr),
        ] {
            if v.trim().is_empty() || v.chars().count() > 300 {
                bail!("team_page.{name}: from 1 to 300 characters");
            }
        }
        Ok(wederhoor_app::team::OpeningHours {
            nl: self.opening_hours_nl.trim().to_owned(),
            en: self.opening_hours_en.trim().to_owned(),
            fr: self.opening_hours_fr.trim().to_owned(),
        })
    }
}

/// Satisfaction surveys after a case closes: a link through the case's channel when it is
/// private, else through a private conversation of the same customer (never in public).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurveysSection {
    /// Send surveys at all.
    pub enabled: bool,
    /// Minutes from the close to the link (0: with the close).
    pub delay_minutes: i64,
    /// Days a link can be answered.
    pub valid_days: i64,
    /// The channels of cases that get a survey, comma-separated: whatsapp, facebook, instagram,
    /// bluesky, mastodon, x, email, other.
    pub channels: String,
}

impl Default for SurveysSection {
    fn default() -> Self {
        let p = wederhoor_app::surveys::SurveyPolicy::default();
        SurveysSection {
            enabled: p.enabled,
            delay_minutes: p.delay_ms / 60_000,
            valid_days: p.valid_ms / 86_400_000,
            channels: p
                .channels
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

impl SurveysSection {
    /// The policy these settings describe; names a wrong setting.
    pub fn policy(&self) -> anyhow::Result<wederhoor_app::surveys::SurveyPolicy> {
        if !(0..=60 * 24 * 30).contains(&self.delay_minutes) {
            bail!("surveys.delay_minutes: from 0 to 43200 (30 days)");
        }
        if !(1..=365).contains(&self.valid_days) {
            bail!("surveys.valid_days: from 1 to 365");
        }
        let channels = self
            .channels
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse::<wederhoor_core::Channel>().map_err(|_| {
                    anyhow::anyhow!(
                        "surveys.channels: {c:?} is not one of whatsapp, facebook, instagram, \
                         bluesky, mastodon, x, email, other"
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(wederhoor_app::surveys::SurveyPolicy {
            enabled: self.enabled,
            delay_ms: self.delay_minutes * 60_000,
            valid_ms: self.valid_days * 86_400_000,
            channels,
        })
    }
}

/// Printed cards: what the team may spend per month and what one card costs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardsSection {
    /// What printed cards may cost together per calendar month (UTC), in cents.
    pub printed_monthly_budget_cents: i64,
    /// What one printed card costs (card, print, stamp), in cents.
    pub printed_card_cost_cents: i64,
}

impl Default for CardsSection {
    fn default() -> Self {
        let p = wederhoor_app::cards::PrintedPolicy::default();
        CardsSection {
            printed_monthly_budget_cents: p.monthly_budget_cents,
            printed_card_cost_cents: p.cost_cents,
        }
    }
}

impl CardsSection {
    pub fn printed_policy(&self) -> wederhoor_app::cards::PrintedPolicy {
        wederhoor_app::cards::PrintedPolicy {
            monthly_budget_cents: self.printed_monthly_budget_cents,
            cost_cents: self.printed_card_cost_cents,
        }
    }
}

/// Several `serve` nodes on one database (PostgreSQL).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterSection {
    /// This node's id (holder of the listening sources' leases); empty: a random id kept in
    /// `data_dir/node-id`, so a restarted node takes its own sources back at once.
    pub node_id: String,
    /// Seconds a source lease lasts without renewal: a dead node's sources move to another
    /// node after this. Renewed every third of it.
    pub lease_secs: u64,
    /// What a `serve` process does, comma-separated: `web` (pages, API, ingest), `listen` (the
    /// listening connectors, each source on one node) and `worker` (outbox, mail, retention).
    pub roles: String,
    /// Seconds between checks of the active rules version in the database (a save on another
    /// node; with NATS the change arrives at once and this is the fallback).
    pub rules_poll_secs: u64,
    /// How the listening connectors hand over what they read: `direct` (into the database) or
    /// `jetstream` (a durable NATS JetStream stream, stored by the `worker` nodes; needs
    /// `nats_url`).
    pub ingest_bus: String,
    /// The JetStream stream of the ingest bus.
    pub ingest_stream: String,
    /// Subject prefix of the ingest bus (one subject per source below it).
    pub ingest_subject: String,
    /// Seconds in which JetStream drops a re-published message (same source and id).
    pub ingest_duplicate_window_secs: u64,
    /// Seconds before a message a worker took but did not acknowledge (it died) is redelivered.
    pub ingest_ack_wait_secs: u64,
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            node_id: String::new(),
            roles: "web,listen,worker".into(),
            lease_secs: 30,
            rules_poll_secs: 5,
            ingest_bus: "direct".into(),
            ingest_stream: "WEDERHOOR_INGEST".into(),
            ingest_subject: "wederhoor.ingest".into(),
            ingest_duplicate_window_secs: 600,
            ingest_ack_wait_secs: 30,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Mark cookies Secure (set this when Wederhoor is served over HTTPS).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: take the client's address from `X-Forwarded-For` (for the feedback
    /// page's rate limits). Only set this when the proxy sets that header; otherwise anyone could.
    pub trust_proxy: bool,
    /// A token a Prometheus scraper sends as `Authorization: Bearer …` to read `/metrics`; empty:
    /// only a lead's or admin's session may read it.
    pub metrics_token: String,
    /// Seconds a client has to send a request's headers, counted from the connection's opening
    /// or the end of the previous response (so also how long an idle keep-alive connection stays).
    pub header_timeout_secs: u64,
    /// Seconds a request's whole body must arrive in, counted from its headers; a stalled upload
    /// gets an error and its connection is closed.
    pub body_timeout_secs: u64,
    /// Seconds without a byte moving either way (while no handler works on a request) after which
    /// a connection is closed, e.g. a client that stops reading. Live-update streams send a
    /// keep-alive every 15 s, so keep this above 15.
    pub idle_timeout_secs: u64,
    /// Connections served at once; more wait in the listen backlog. Keep it below the process's
    /// open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// Connections at once from one client address (the TCP peer; behind a reverse proxy that is
    /// the proxy, so raise it or set 0 there and cap at the proxy); more are answered 503 and
    /// closed. 0: no cap.
    pub max_connections_per_ip: usize,
}

/// Leaves the metrics token out.
/// The configured secret key as text; never shown by `Debug`.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretKeyText(pub String);

impl std::fmt::Debug for SecretKeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "[redacted]"
        })
    }
}

/// The name of the key file in the data directory.
pub const SECRET_KEY_FILE: &str = "secret.key";

fn parse_secret_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text.trim()).map_err(|_| anyhow::anyhow!("not hex"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| anyhow::anyhow!("not 64 hex digits"))
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_proxy", &self.trust_proxy)
            .field("metrics_token", &"[redacted]")
            .field("header_timeout_secs", &self.header_timeout_secs)
            .field("body_timeout_secs", &self.body_timeout_secs)
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_ip", &self.max_connections_per_ip)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxSection {
    /// Delivery attempts before a reply is marked failed.
    pub max_attempts: i64,
    /// First retry delay in seconds; doubles per attempt.
    pub base_delay_secs: u64,
    /// Longest retry delay in seconds.
    pub max_delay_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `wederhoor=debug,info`.
    pub level: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSection {
    /// The SMTP server for customer mail (verification links, notifications):
    /// `smtp://host:port`, `smtp+starttls://user:password@host:587` or `smtps://…:465`; empty
    /// means no mail is sent (it stays queued).
    pub smtp_url: String,
    /// The sender of customer mail.
    pub from: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicSection {
    /// The address customers reach Wederhoor at (links in mail); empty means `http://` plus the
    /// address the server listens on.
    pub url: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcSection {
    /// The OpenID Connect provider customers may log in with (its issuer URL); empty: off. The
    /// provider must know `{public.url}/account/oidc/terug` as redirect URI.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The button says "Inloggen met {label}".
    pub label: String,
}

/// Staff single sign-on through an OpenID Connect provider (RS256 or HS256 ID tokens, the RS256
/// ones checked against the provider's JWKS). A login is accepted for the enabled agent whose
/// username is the OIDC subject or the verified e-mail address; anyone else is refused.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffOidcSection {
    /// The provider's issuer URL; empty: staff log in with passwords only. The provider must
    /// know `{public.url}/login/oidc/terug` as redirect URI.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The login page's button says "Inloggen met {label}".
    pub label: String,
}

impl Default for StaffOidcSection {
    fn default() -> Self {
        StaffOidcSection {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            label: "SSO".into(),
        }
    }
}

impl std::fmt::Debug for StaffOidcSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffOidcSection")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("label", &self.label)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SummarySection {
    /// The time zone whose calendar days the daily summary counts (IANA name).
    pub time_zone: String,
    /// Where the daily summary goes by e-mail (customer service); empty: no summary mail.
    pub mail_to: String,
    /// Local time (`HH:MM`, in `time_zone`) after which yesterday's summary is queued, once per
    /// day for the whole cluster.
    pub send_at: String,
    /// Language of the summary mail: `nl` or `en`.
    pub language: String,
}

impl Default for SummarySection {
    fn default() -> Self {
        SummarySection {
            time_zone: "Europe/Amsterdam".into(),
            mail_to: String::new(),
            send_at: "07:00".into(),
            language: "nl".into(),
        }
    }
}

/// How replies are signed, per channel: `first_name` ("Anna"), `first_name_initial`
/// ("Anna J."), `team_and_name` ("Anna · Webcare") or `full_name` ("Anna Jansen").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepliesSection {
    /// The team's name in `team_and_name` signatures.
    pub team_name: String,
    pub signature_whatsapp: String,
    pub signature_facebook: String,
    pub signature_instagram: String,
    pub signature_bluesky: String,
    pub signature_mastodon: String,
    pub signature_x: String,
    pub signature_email: String,
    /// Every other channel (forums, sites, webhooks).
    pub signature_other: String,
    /// Whether a private e-mail reply may carry personal data (IBAN, phone, …). Default
    /// `false`: confidential content by e-mail is refused; take it to the phone instead.
    pub allow_confidential_email: bool,
    /// How long the one-time call-back link of "take it private" works, in hours (1–720).
    pub callback_link_hours: i64,
}

impl Default for RepliesSection {
    fn default() -> Self {
        let p = wederhoor_app::reply::ReplyPolicy::default();
        RepliesSection {
            team_name: p.team_name,
            signature_whatsapp: p.whatsapp.as_str().into(),
            signature_facebook: p.facebook.as_str().into(),
            signature_instagram: p.instagram.as_str().into(),
            signature_bluesky: p.bluesky.as_str().into(),
            signature_mastodon: p.mastodon.as_str().into(),
            signature_x: p.x.as_str().into(),
            signature_email: p.email.as_str().into(),
            signature_other: p.other.as_str().into(),
            allow_confidential_email: p.allow_confidential_email,
            callback_link_hours: p.callback_link_hours,
        }
    }
}

impl RepliesSection {
    /// The policy these settings describe; names a wrong setting.
    pub fn policy(&self) -> anyhow::Result<wederhoor_app::reply::ReplyPolicy> {
        let style = |key: &str, v: &str| {
            v.parse::<wederhoor_core::SignatureStyle>()
                .map_err(|e| anyhow::anyhow!("replies.{key}: {e}"))
        };
        Ok(wederhoor_app::reply::ReplyPolicy {
            team_name: self.team_name.trim().to_owned(),
            whatsapp: style("signature_whatsapp", &self.signature_whatsapp)?,
            facebook: style("signature_facebook", &self.signature_facebook)?,
            instagram: style("signature_instagram", &self.signature_instagram)?,
            bluesky: style("signature_bluesky", &self.signature_bluesky)?,
            mastodon: style("signature_mastodon", &self.signature_mastodon)?,
            x: style("signature_x", &self.signature_x)?,
            email: style("signature_email", &self.signature_email)?,
            other: style("signature_other", &self.signature_other)?,
            allow_confidential_email: self.allow_confidential_email,
            callback_link_hours: if (1..=720).contains(&self.callback_link_hours) {
                self.callback_link_hours
            } else {
                anyhow::bail!(
                    "replies.callback_link_hours: {} is not between 1 and 720",
                    self.callback_link_hours
                )
            },
        })
    }
}

/// When a re-sent public message's reach brings a lead in (it never moves the case in the queue).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReachSection {
    /// Flag the case when its reposts grow to at least this many; 0: never by count alone.
    pub flag_reposts: i64,
    /// Flag the case when its reposts grow to this many times the author's usual reposts (the
    /// mean over their other messages, at least 1); 0: never by growth.
    pub flag_growth_factor: f64,
}

impl Default for ReachSection {
    fn default() -> Self {
        let p = wederhoor_app::ingest::ReachPolicy::default();
        ReachSection {
            flag_reposts: p.flag_reposts,
            flag_growth_factor: p.flag_growth_factor,
        }
    }
}

impl ReachSection {
    pub fn policy(&self) -> wederhoor_app::ingest::ReachPolicy {
        wederhoor_app::ingest::ReachPolicy {
            flag_reposts: self.flag_reposts,
            flag_growth_factor: self.flag_growth_factor,
        }
    }
}

/// Escalations that reach a lead: repeat contact, and whom a new escalation notifies.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationsSection {
    /// A contact (one handle across sources) with this many messages on one topic within
    /// `repeat_days` days is a repeat contact; 0: only when the text says so.
    pub repeat_messages: i64,
    pub repeat_days: i64,
    /// Lead addresses, comma-separated, that get a mail for every new escalation (sent by the
    /// mail worker, `[mail]`); empty: no mail.
    pub mail_to: String,
    /// Incoming-webhook URLs (Slack, Mattermost, Teams), comma-separated, that get
    /// `{"text": …}` for every new escalation; empty: none.
    pub webhook_urls: String,
    /// Language of the notifications: `nl` or `en`.
    pub language: String,
}

impl Default for EscalationsSection {
    fn default() -> Self {
        let p = wederhoor_app::escalations::EscalationPolicy::default();
        EscalationsSection {
            repeat_messages: p.repeat_messages,
            repeat_days: p.repeat_days,
            mail_to: String::new(),
            webhook_urls: String::new(),
            language: p.language,
        }
    }
}

/// Leaves the webhook URLs out (an incoming-webhook URL is its own secret).
impl std::fmt::Debug for EscalationsSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EscalationsSection")
            .field("repeat_messages", &self.repeat_messages)
            .field("repeat_days", &self.repeat_days)
            .field("mail_to", &self.mail_to)
            .field("webhook_urls", &comma_list(&self.webhook_urls).len())
            .field("language", &self.language)
            .finish()
    }
}

fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

impl EscalationsSection {
    /// The policy, with `public_url` for the links in the notifications.
    pub fn policy(&self, public_url: &str) -> wederhoor_app::escalations::EscalationPolicy {
        wederhoor_app::escalations::EscalationPolicy {
            repeat_messages: self.repeat_messages,
            repeat_days: self.repeat_days,
            mail_to: comma_list(&self.mail_to),
            webhook_urls: comma_list(&self.webhook_urls),
            language: self.language.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.repeat_messages < 0 || !(1..=365).contains(&self.repeat_days) {
            bail!("escalations: repeat_messages must be 0 or more, repeat_days 1 to 365");
        }
        if !["nl", "en"].contains(&self.language.as_str()) {
            bail!("escalations.language: use nl or en");
        }
        for to in comma_list(&self.mail_to) {
            if !to.contains('@') || to.contains(char::is_whitespace) {
                bail!("escalations.mail_to: {to:?} is not an e-mail address");
            }
        }
        for url in comma_list(&self.webhook_urls) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                bail!("escalations.webhook_urls: use http(s) URLs");
            }
        }
        Ok(())
    }
}

/// Leaves the password in the SMTP URL out.
impl std::fmt::Debug for MailSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSection")
            .field("smtp_url", &redact_userinfo(&self.smtp_url))
            .field("from", &self.from)
            .finish()
    }
}

/// Leaves the client secret out.
impl std::fmt::Debug for OidcSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSection")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("label", &self.label)
            .finish()
    }
}

fn redact_userinfo(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => {
            format!("{scheme}://[redacted]{}", url.get(at..).unwrap_or(""))
        }
        _ => url.to_owned(),
    }
}

impl Default for MailSection {
    fn default() -> Self {
        MailSection {
            smtp_url: String::new(),
            from: "Wederhoor <noreply@localhost>".into(),
        }
    }
}

impl Default for OidcSection {
    fn default() -> Self {
        OidcSection {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            label: "OIDC".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./wederhoor-data"),
            database_url: String::new(),
            brand_file: String::new(),
            topics_file: String::new(),
            sources_file: String::new(),
            nats_url: String::new(),
            nats_subject: "wederhoor.live".into(),
            secret_key: SecretKeyText::default(),
            server: ServerConfig::default(),
            outbox: OutboxSection::default(),
            log: LogConfig::default(),
            mail: MailSection::default(),
            public: PublicSection::default(),
            oidc: OidcSection::default(),
            staff_oidc: StaffOidcSection::default(),
            cluster: ClusterSection::default(),
            summary: SummarySection::default(),
            replies: RepliesSection::default(),
            reach: ReachSection::default(),
            escalations: EscalationsSection::default(),
            surveys: SurveysSection::default(),
            cards: CardsSection::default(),
            service_levels: ServiceLevelsSection::default(),
            drafts: DraftsSection::default(),
            team_page: TeamPageSection::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            trust_proxy: false,
            metrics_token: String::new(),
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 1024,
            max_connections_per_ip: 64,
        }
    }
}

impl Default for OutboxSection {
    fn default() -> Self {
        OutboxSection {
            max_attempts: 8,
            base_delay_secs: 2,
            max_delay_secs: 900,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
        }
    }
}

impl Config {
    /// Reads the file (if any), applies `WEDERHOOR_*` variables from `env`, and checks the result.
    pub fn load(
        file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> anyhow::Result<Config> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading configuration file {}", path.display()))?;
                toml::from_str::<toml::Table>(&text).with_context(|| {
                    format!("configuration file {} is not valid TOML", path.display())
                })?
            }
            None => toml::Table::new(),
        };
        for (key, value) in env {
            let Some(rest) = key.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if NOT_CONFIG.iter().any(|p| key.starts_with(p)) {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
            insert(&mut table, &path, parse_env_value(&value))
                .with_context(|| format!("environment variable {key}"))?;
        }
        // Through text, so an error shows the offending key and value in context.
        let merged = toml::to_string(&table).context("rendering the configuration")?;
        let config: Config = toml::from_str(&merged).map_err(|e| {
            anyhow::anyhow!("invalid configuration (file and WEDERHOOR_* variables):\n{e}")
        })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "server.listen: {:?} is not an address like 127.0.0.1:8080",
                self.server.listen
            );
        }
        if !self.database_url.is_empty()
            && !["sqlite:", "postgres:", "postgresql:"]
                .iter()
                .any(|p| self.database_url.starts_with(p))
        {
            bail!("database_url: use sqlite://PATH or postgres://…");
        }
        if !(self.nats_url.is_empty()
            || self.nats_url.starts_with("nats://")
            || self.nats_url.starts_with("tls://"))
        {
            bail!("nats_url: use nats://host:4222 (or tls://…), or leave it empty");
        }
        if self.nats_subject.is_empty()
            || self
                .nats_subject
                .chars()
                .any(|c| c.is_whitespace() || c == '*' || c == '>')
        {
            bail!("nats_subject: a subject like wederhoor.live, without spaces or wildcards");
        }
        if self.cluster.lease_secs < 3 || self.cluster.rules_poll_secs < 1 {
            bail!("cluster: lease_secs must be at least 3 and rules_poll_secs at least 1");
        }
        crate::cluster::Roles::parse(&self.cluster.roles)?;
        if self.cluster.node_id.len() > 64 || self.cluster.node_id.chars().any(char::is_whitespace)
        {
            bail!("cluster.node_id: at most 64 characters, without spaces");
        }
        match self.cluster.ingest_bus.as_str() {
            "direct" => {}
            "jetstream" if self.nats_url.is_empty() => {
                bail!(
                    "cluster.ingest_bus = \"jetstream\" needs nats_url (the NATS server with JetStream)"
                )
            }
            "jetstream" => {}
            other => bail!("cluster.ingest_bus: \"direct\" or \"jetstream\", not {other:?}"),
        }
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        };
        if !token(&self.cluster.ingest_stream) || self.cluster.ingest_stream.contains('.') {
            bail!("cluster.ingest_stream: a stream name of letters, digits, '_' and '-'");
        }
        if !token(&self.cluster.ingest_subject) {
            bail!(
                "cluster.ingest_subject: a subject like wederhoor.ingest, without spaces or wildcards"
            );
        }
        if self.cluster.ingest_duplicate_window_secs < 1 || self.cluster.ingest_ack_wait_secs < 1 {
            bail!(
                "cluster: ingest_duplicate_window_secs and ingest_ack_wait_secs must be at least 1"
            );
        }
        if self.outbox.max_attempts < 1 {
            bail!("outbox.max_attempts: must be at least 1");
        }
        let url = &self.public.url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            bail!("public.url: must start with http:// or https://");
        }
        let oidc = [
            &self.oidc.issuer,
            &self.oidc.client_id,
            &self.oidc.client_secret,
        ];
        if oidc.iter().any(|v| v.is_empty()) && oidc.iter().any(|v| !v.is_empty()) {
            bail!("oidc: set issuer, client_id and client_secret together (or none of them)");
        }
        let staff = [
            &self.staff_oidc.issuer,
            &self.staff_oidc.client_id,
            &self.staff_oidc.client_secret,
        ];
        if staff.iter().any(|v| v.is_empty()) && staff.iter().any(|v| !v.is_empty()) {
            bail!("staff_oidc: set issuer, client_id and client_secret together (or none of them)");
        }
        let server = &self.server;
        if server.header_timeout_secs == 0
            || server.body_timeout_secs == 0
            || server.idle_timeout_secs == 0
            || server.max_connections == 0
        {
            bail!(
                "server: header_timeout_secs, body_timeout_secs, idle_timeout_secs and \
                 max_connections must be at least 1"
            );
        }
        if jiff::tz::TimeZone::get(&self.summary.time_zone).is_err() {
            bail!(
                "summary.time_zone: {:?} is not a time zone like Europe/Amsterdam",
                self.summary.time_zone
            );
        }
        if self.summary.send_at.parse::<jiff::civil::Time>().is_err() {
            bail!(
                "summary.send_at: {:?} is not a time like 07:00",
                self.summary.send_at
            );
        }
        if !["nl", "en"].contains(&self.summary.language.as_str()) {
            bail!("summary.language: use nl or en");
        }
        self.replies.policy()?;
        self.escalations.check()?;
        self.surveys.policy()?;
        self.service_levels.policy()?;
        self.drafts.policy(&self.replies.team_name)?;
        self.team_page.opening_hours()?;
        if self.cards.printed_monthly_budget_cents < 0 || self.cards.printed_card_cost_cents <= 0 {
            anyhow::bail!(
                "cards: printed_monthly_budget_cents must be 0 or more, printed_card_cost_cents more than 0"
            );
        }
        if self.reach.flag_reposts < 0
            || !(self.reach.flag_growth_factor == 0.0 || self.reach.flag_growth_factor >= 1.0)
        {
            bail!(
                "reach: flag_reposts must be 0 or more, flag_growth_factor 0 (off) or at least 1"
            );
        }
        if !self.summary.mail_to.is_empty() && !self.summary.mail_to.contains('@') {
            bail!(
                "summary.mail_to: {:?} is not an e-mail address",
                self.summary.mail_to
            );
        }
        Ok(())
    }

    /// The address customers reach this server at, without a trailing slash: `public.url`, or
    /// `http://` plus the address the server is listening on.
    pub fn public_url(&self, listening_on: std::net::SocketAddr) -> String {
        if self.public.url.is_empty() {
            format!("http://{listening_on}")
        } else {
            self.public.url.trim_end_matches('/').to_owned()
        }
    }

    /// The key that seals secrets at rest: `secret_key`, or the key file in the data directory,
    /// made with a random key and mode 0600 when it does not exist yet.
    pub fn load_secret_key(&self) -> anyhow::Result<[u8; 32]> {
        if !self.secret_key.0.is_empty() {
            return parse_secret_key(&self.secret_key.0)
                .context("secret_key (WEDERHOOR_SECRET_KEY) must be 64 hex digits");
        }
        let path = self.data_dir.join(SECRET_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return parse_secret_key(&text).with_context(|| {
                    format!("key file {} must hold 64 hex digits", path.display())
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .with_context(|| format!("creating key file {}", path.display()))?;
        std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(key)).as_bytes())
            .with_context(|| format!("writing key file {}", path.display()))?;
        Ok(key)
    }

    /// The database URL: the configured one, or SQLite ([`SQLITE_FILE`]) in the data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join(SQLITE_FILE).display())
        } else {
            self.database_url.clone()
        }
    }

    /// The documented example: every option with its default.
    pub fn example() -> String {
        let defaults = toml::to_string_pretty(&Config::default()).unwrap_or_default();
        format!(
            "# Wederhoor configuration. Every key can also be set as an environment variable:\n\
             # WEDERHOOR_DATA_DIR, WEDERHOOR_SERVER__LISTEN, WEDERHOOR_OUTBOX__MAX_ATTEMPTS, …\n\n{defaults}"
        )
    }
}

fn parse_env_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) -> anyhow::Result<()> {
    match path {
        [] => bail!("empty key"),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => insert(t, rest, value),
                _ => bail!("{first} is not a section"),
            }
        }
    }
}

/// Service levels: targets per priority in business minutes, the business calendar (opening
/// hours per weekday, holidays, time zone), the warning before a breach, and auto-assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceLevelsSection {
    /// The zone the opening hours and holidays are read in.
    pub time_zone: String,
    /// Opening hours per weekday, `HH:MM-HH:MM` (`00:00-24:00`: all day), or `closed`.
    pub monday: String,
    pub tuesday: String,
    pub wednesday: String,
    pub thursday: String,
    pub friday: String,
    pub saturday: String,
    pub sunday: String,
    /// Closed days, comma-separated `YYYY-MM-DD`.
    pub holidays: String,
    /// First-response targets in business minutes per priority.
    pub first_response_urgent: i64,
    pub first_response_high: i64,
    pub first_response_normal: i64,
    pub first_response_low: i64,
    /// Resolution targets in business minutes per priority.
    pub resolution_urgent: i64,
    pub resolution_high: i64,
    pub resolution_normal: i64,
    pub resolution_low: i64,
    /// A timer warns when this share of its target has passed (1 to 99 percent).
    pub warn_percent: i64,
    /// A breach opens a `service_level` escalation for the leads (mail and webhook as
    /// `[escalations]` says).
    pub escalate_breaches: bool,
    /// Auto-assignment of unassigned cases: `off`, `round_robin` or `least_busy`.
    pub assignment: String,
    /// Only agents of this team get cases automatically; empty: every agent.
    pub assign_team: String,
}

impl Default for ServiceLevelsSection {
    fn default() -> Self {
        let day = "09:00-17:00".to_owned();
        ServiceLevelsSection {
            time_zone: "Europe/Amsterdam".into(),
            monday: day.clone(),
            tuesday: day.clone(),
            wednesday: day.clone(),
            thursday: day.clone(),
            friday: day,
            saturday: "closed".into(),
            sunday: "closed".into(),
            holidays: String::new(),
            first_response_urgent: 30,
            first_response_high: 60,
            first_response_normal: 240,
            first_response_low: 480,
            resolution_urgent: 240,
            resolution_high: 480,
            resolution_normal: 960,
            resolution_low: 2400,
            warn_percent: 80,
            escalate_breaches: true,
            assignment: "off".into(),
            assign_team: String::new(),
        }
    }
}

impl ServiceLevelsSection {
    /// The policy these settings describe; names a wrong setting.
    pub fn policy(&self) -> anyhow::Result<wederhoor_app::service_levels::ServiceLevelPolicy> {
        use wederhoor_core::service_level::{
            BusinessCalendar, OpeningHours, ServiceLevels, Target,
        };
        let zone = jiff::tz::TimeZone::get(&self.time_zone).map_err(|_| {
            anyhow::anyhow!(
                "service_levels.time_zone: {:?} is not a time zone like Europe/Amsterdam",
                self.time_zone
            )
        })?;
        let mut hours = [None; 7];
        for (slot, (name, value)) in hours.iter_mut().zip([
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]) {
            *slot = OpeningHours::parse(value)
                .map_err(|e| anyhow::anyhow!("service_levels.{name}: {e}"))?;
        }
        let mut holidays = std::collections::BTreeSet::new();
        for d in comma_list(&self.holidays) {
            let date = d
                .parse::<jiff::civil::Date>()
                .ok()
                .filter(|_| d.len() == 10)
                .ok_or_else(|| {
                    anyhow::anyhow!("service_levels.holidays: {d:?} is not a date like 2026-12-25")
                })?;
            holidays.insert(date);
        }
        let calendar = BusinessCalendar::new(zone, hours, holidays)
            .map_err(|e| anyhow::anyhow!("service_levels: {e}"))?;
        let year = 366 * 24 * 60;
        let target = |name: &str, first: i64, resolution: i64| -> anyhow::Result<Target> {
            if !(1..=year).contains(&first) || !(1..=year).contains(&resolution) {
                bail!("service_levels: the {name} targets must be 1 to {year} minutes");
            }
            if resolution < first {
                bail!(
                    "service_levels: resolution_{name} must not be shorter than first_response_{name}"
                );
            }
            Ok(Target {
                first_response_minutes: first,
                resolution_minutes: resolution,
            })
        };
        let targets = [
            target("low", self.first_response_low, self.resolution_low)?,
            target("normal", self.first_response_normal, self.resolution_normal)?,
            target("high", self.first_response_high, self.resolution_high)?,
            target("urgent", self.first_response_urgent, self.resolution_urgent)?,
        ];
        if !(1..=99).contains(&self.warn_percent) {
            bail!("service_levels.warn_percent: from 1 to 99");
        }
        let assignment = wederhoor_app::service_levels::AssignmentMode::parse(&self.assignment)
            .ok_or_else(|| {
                anyhow::anyhow!("service_levels.assignment: use off, round_robin or least_busy")
            })?;
        let team = self.assign_team.trim();
        Ok(wederhoor_app::service_levels::ServiceLevelPolicy {
            levels: ServiceLevels {
                calendar,
                targets,
                warn_percent: self.warn_percent,
            },
            assignment,
            assign_team: (!team.is_empty()).then(|| team.to_owned()),
            escalate_breaches: self.escalate_breaches,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn the_secret_key_comes_from_the_environment_or_a_private_key_file() {
        let dir = std::env::temp_dir().join(format!("wederhoor-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let hexed = "ab".repeat(32);
        let dir_s = dir.display().to_string();
        let c = Config::load(
            None,
            env(&[
                ("WEDERHOOR_SECRET_KEY", &hexed),
                ("WEDERHOOR_DATA_DIR", &dir_s),
            ]),
        )
        .unwrap();
        assert_eq!(c.load_secret_key().unwrap(), [0xab; 32]);
        assert!(!format!("{c:?}").contains(&hexed), "Debug hides the key");
        assert!(!dir.join(SECRET_KEY_FILE).exists());
        let bad = Config::load(None, env(&[("WEDERHOOR_SECRET_KEY", "kort")])).unwrap();
        assert!(bad.load_secret_key().is_err());

        // No key configured: a key file, made once, 0600, and the same key on the next start.
        let c = Config::load(None, env(&[("WEDERHOOR_DATA_DIR", &dir_s)])).unwrap();
        let first = c.load_secret_key().unwrap();
        assert_eq!(c.load_secret_key().unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_jetstream_ingest_bus_needs_nats_and_a_known_name() {
        let e =
            Config::load(None, env(&[("WEDERHOOR_CLUSTER__INGEST_BUS", "jetstream")])).unwrap_err();
        assert!(format!("{e:#}").contains("needs nats_url"), "{e:#}");
        let e = Config::load(None, env(&[("WEDERHOOR_CLUSTER__INGEST_BUS", "kafka")])).unwrap_err();
        assert!(format!("{e:#}").contains("\"kafka\""), "{e:#}");
        let e = Config::load(
            None,
            env(&[
                ("WEDERHOOR_NATS_URL", "nats://127.0.0.1:4222"),
                ("WEDERHOOR_CLUSTER__INGEST_BUS", "jetstream"),
                ("WEDERHOOR_CLUSTER__INGEST_STREAM", "a.b"),
            ]),
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("ingest_stream"), "{e:#}");
        let c = Config::load(
            None,
            env(&[
                ("WEDERHOOR_NATS_URL", "nats://127.0.0.1:4222"),
                ("WEDERHOOR_CLUSTER__INGEST_BUS", "jetstream"),
            ]),
        )
        .unwrap();
        assert_eq!(c.cluster.ingest_stream, "WEDERHOOR_INGEST");
        assert_eq!(c.cluster.ingest_subject, "wederhoor.ingest");
    }

    #[test]
    fn environment_overrides_defaults_with_typed_values() {
        let c = Config::load(
            None,
            env(&[
                ("WEDERHOOR_SERVER__LISTEN", "0.0.0.0:9000"),
                ("WEDERHOOR_OUTBOX__MAX_ATTEMPTS", "3"),
                ("WEDERHOOR_TEST_PG", "postgres://ignored"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.listen, "0.0.0.0:9000");
        assert_eq!(c.outbox.max_attempts, 3);
        assert_eq!(c.log.level, "info");
    }

    #[test]
    fn unknown_or_invalid_keys_are_refused_with_their_name() {
        let e = Config::load(None, env(&[("WEDERHOOR_SERVER__LISTN", "x")])).unwrap_err();
        assert!(format!("{e:#}").contains("listn"), "{e:#}");
        let e = Config::load(None, env(&[("WEDERHOOR_OUTBOX__MAX_ATTEMPTS", "veel")])).unwrap_err();
        assert!(
            format!("{e:#}").contains("max_attempts") || format!("{e:#}").contains("integer"),
            "{e:#}"
        );
        let e = Config::load(None, env(&[("WEDERHOOR_SERVER__LISTEN", "localhost")])).unwrap_err();
        assert!(format!("{e:#}").contains("server.listen"), "{e:#}");
    }

    #[test]
    fn the_example_is_a_valid_configuration() {
        let dir = std::env::temp_dir().join(format!("wederhoor-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wederhoor.toml");
        std::fs::write(&file, Config::example()).unwrap();
        let c = Config::load(Some(&file), env(&[])).unwrap();
        assert_eq!(c.server.listen, Config::default().server.listen);
        assert_eq!(c.mail.from, "Wederhoor <noreply@localhost>");
        assert_eq!(c.oidc.label, "OIDC");
    }

    #[test]
    fn mail_public_and_oidc_sections() {
        let c = Config::load(
            None,
            env(&[
                ("WEDERHOOR_MAIL__SMTP_URL", "smtp://user:pw@127.0.0.1:2525"),
                ("WEDERHOOR_PUBLIC__URL", "https://ideeen.example/"),
                ("WEDERHOOR_OIDC__ISSUER", "https://login.example"),
                ("WEDERHOOR_OIDC__CLIENT_ID", "wederhoor"),
                ("WEDERHOOR_OIDC__CLIENT_SECRET", "geheim"),
            ]),
        )
        .unwrap();
        assert_eq!(c.mail.smtp_url, "smtp://user:pw@127.0.0.1:2525");
        let addr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(c.public_url(addr), "https://ideeen.example");
        assert_eq!(
            Config::default().public_url("127.0.0.1:9999".parse().unwrap()),
            "http://127.0.0.1:9999"
        );
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("geheim") && !shown.contains("pw@"),
            "{shown}"
        );
        let e = Config::load(
            None,
            env(&[("WEDERHOOR_OIDC__ISSUER", "https://x.example")]),
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("oidc"), "{e:#}");
        let e =
            Config::load(None, env(&[("WEDERHOOR_PUBLIC__URL", "ideeen.example")])).unwrap_err();
        assert!(format!("{e:#}").contains("public.url"), "{e:#}");
    }

    #[test]
    fn summary_section_is_checked() {
        let c = Config::load(
            None,
            env(&[
                (
                    "WEDERHOOR_SUMMARY__MAIL_TO",
                    "klantenservice@zuiderbank.example",
                ),
                ("WEDERHOOR_SUMMARY__SEND_AT", "06:30"),
            ]),
        )
        .unwrap();
        assert_eq!(c.summary.send_at, "06:30");
        assert_eq!(c.summary.time_zone, "Europe/Amsterdam");
        for (key, value, named) in [
            ("WEDERHOOR_SUMMARY__SEND_AT", "zeven uur", "summary.send_at"),
            (
                "WEDERHOOR_SUMMARY__TIME_ZONE",
                "Europe/Utrecht",
                "summary.time_zone",
            ),
            (
                "WEDERHOOR_SUMMARY__MAIL_TO",
                "klantenservice",
                "summary.mail_to",
            ),
            ("WEDERHOOR_SUMMARY__LANGUAGE", "fr", "summary.language"),
        ] {
            let e = Config::load(None, env(&[(key, value)])).unwrap_err();
            assert!(format!("{e:#}").contains(named), "{e:#}");
        }
    }
}
