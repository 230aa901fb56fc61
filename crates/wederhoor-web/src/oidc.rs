//! OpenID Connect sign-in for customers: the authorization-code flow with PKCE (S256).
//!
//! 1. [`Provider::discover`] reads `{issuer}/.well-known/openid-configuration` and checks that the
//!    metadata names the configured issuer exactly (OIDC Discovery §4.3).
//! 2. [`start_login`] makes a fresh `state`, `nonce` and PKCE verifier and the URL to send the
//!    browser to; the caller keeps the three values (e.g. in the session) until the callback.
//! 3. [`finish_login`] exchanges the code (client authentication `client_secret_basic`), checks
//!    the ID token and, when the ID token lacks e-mail or name, reads the userinfo endpoint.
//!
//! **Signature.** HS256 ID tokens are verified with the client secret (OIDC Core §10.1), in
//! constant time. RS256 ID tokens are verified against the provider's published keys: the JWKS
//! at the discovery document's `jwks_uri`, kept per URL for the process's life and fetched again
//! when a token names a key id (`kid`) not in it (key rotation); a kid that is still unknown, a
//! wrong signature or any other algorithm (`none` included) is refused. Every endpoint must be
//! `https`, except on a loopback host (`127.0.0.1`, `::1`, `localhost`, for tests and
//! development).

use hmac::{Hmac, Mac as _};
use reqwest::Url;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Allowed clock difference for `exp`.
pub const CLOCK_LEEWAY: Duration = Duration::from_secs(60);
/// The scopes asked for.
pub const SCOPE: &str = "openid email profile";

/// How this application is registered with the provider. Its `Debug` leaves the secret out.
#[derive(Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The callback URL, exactly as registered with the provider.
    pub redirect_url: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// Why a sign-in through the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("could not reach the identity provider ({what}): {source}")]
    Http {
        what: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("the identity provider's discovery document is unusable: {0}")]
    Discovery(String),
    #[error("the identity provider says its issuer is {found:?}, but {expected:?} is configured")]
    IssuerMismatch { expected: String, found: String },
    #[error("the identity provider endpoint {0} is not https (only loopback hosts may use http)")]
    InsecureEndpoint(String),
    #[error("the identity provider does not support PKCE with S256")]
    NoPkce,
    #[error("no random numbers available: {0}")]
    Random(String),
    #[error("the token endpoint refused the code (HTTP {status}): {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenRefused {
        status: u16,
        error: String,
        description: Option<String>,
    },
    #[error("the token endpoint's answer is unusable: {0}")]
    TokenResponse(String),
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("the userinfo endpoint failed: {0}")]
    Userinfo(String),
}

/// What discovery found.
#[derive(Debug, Clone)]
pub struct Provider {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub userinfo_endpoint: Option<Url>,
    /// The provider's signing keys (JWKS), for RS256 ID tokens.
    pub jwks_uri: Option<Url>,
}

/// An RSA public key from a JWKS: modulus and exponent, big-endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

/// Signing keys by kid, per JWKS URL (see the module documentation).
static JWKS_CACHE: LazyLock<Mutex<HashMap<String, HashMap<String, RsaKey>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn cached_keys(url: &str) -> HashMap<String, RsaKey> {
    match JWKS_CACHE.lock() {
        Ok(cache) => cache.get(url).cloned().unwrap_or_default(),
        Err(poisoned) => poisoned.into_inner().get(url).cloned().unwrap_or_default(),
    }
}

fn cache_keys(url: &str, keys: HashMap<String, RsaKey>) {
    let mut cache = match JWKS_CACHE.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    cache.insert(url.to_owned(), keys);
}

/// The RSA signing keys of a JWKS document, by kid (`""` for a key without one). Keys of other
/// types or for other uses are skipped.
pub fn parse_jwks(doc: &Value) -> Result<HashMap<String, RsaKey>, OidcError> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| OidcError::Discovery("the JWKS has no `keys` list".into()))?;
    let mut out = HashMap::new();
    for key in keys {
        let field = |k: &str| key.get(k).and_then(Value::as_str);
        if field("kty") != Some("RSA")
            || field("use").is_some_and(|u| u != "sig")
            || field("alg").is_some_and(|a| a != "RS256")
        {
            continue;
        }
        let (Some(n), Some(e)) = (
            field("n").and_then(b64url_decode),
            field("e").and_then(b64url_decode),
        ) else {
            continue;
        };
        out.insert(field("kid").unwrap_or("").to_owned(), RsaKey { n, e });
    }
    Ok(out)
}

async fn fetch_jwks(
    http: &reqwest::Client,
    url: &Url,
) -> Result<HashMap<String, RsaKey>, OidcError> {
    let response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|source| OidcError::Http {
            what: "jwks",
            source,
        })?;
    if !response.status().is_success() {
        return Err(OidcError::Discovery(format!(
            "the JWKS {url} answered HTTP {}",
            response.status().as_u16()
        )));
    }
    let doc: Value = response
        .json()
        .await
        .map_err(|e| OidcError::Discovery(format!("the JWKS {url} is not JSON ({e})")))?;
    parse_jwks(&doc)
}

/// The `alg` and `kid` of a compact JWS's header, if it parses.
fn jws_header(jws: &str) -> Option<(String, Option<String>)> {
    let header: Value = serde_json::from_slice(&b64url_decode(jws.split('.').next()?)?).ok()?;
    let alg = header.get("alg")?.as_str()?.to_owned();
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    Some((alg, kid))
}

/// The keys to check an RS256 token with: the cached JWKS, fetched again when it lacks the
/// token's kid.
async fn keys_for(
    http: &reqwest::Client,
    p: &Provider,
    id_token: &str,
) -> Result<HashMap<String, RsaKey>, OidcError> {
    let Some(("RS256", kid)) = jws_header(id_token)
        .as_ref()
        .map(|(alg, kid)| (alg.as_str(), kid.clone()))
    else {
        return Ok(HashMap::new());
    };
    let Some(url) = &p.jwks_uri else {
        return Err(invalid("RS256, but the provider publishes no jwks_uri"));
    };
    let cached = cached_keys(url.as_str());
    if !cached.is_empty() && pick_key(&cached, kid.as_deref()).is_some() {
        return Ok(cached);
    }
    let fresh = fetch_jwks(http, url).await?;
    cache_keys(url.as_str(), fresh.clone());
    Ok(fresh)
}

/// The key for `kid`; a token without a kid may use the only key there is.
fn pick_key<'a>(keys: &'a HashMap<String, RsaKey>, kid: Option<&str>) -> Option<&'a RsaKey> {
    match kid {
        Some(kid) => keys.get(kid),
        None if keys.len() == 1 => keys.values().next(),
        None => None,
    }
}

/// Where to send the browser, and what to keep until the callback.
#[derive(Debug, Clone)]
pub struct LoginStart {
    pub url: String,
    /// Compare with the callback's `state` (CSRF).
    pub state: String,
    /// Hand to [`finish_login`] as `expected_nonce`.
    pub nonce: String,
    /// The PKCE code verifier; hand to [`finish_login`].
    pub verifier: String,
}

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn endpoint(meta: &Value, key: &str) -> Result<Option<Url>, OidcError> {
    let Some(raw) = meta.get(key).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let raw = raw
        .as_str()
        .ok_or_else(|| OidcError::Discovery(format!("`{key}` is not a string")))?;
    let url = Url::parse(raw)
        .map_err(|e| OidcError::Discovery(format!("`{key}` is not a URL ({e}): {raw:?}")))?;
    match url.scheme() {
        "https" => Ok(Some(url)),
        "http" if is_loopback(&url) => Ok(Some(url)),
        _ => Err(OidcError::InsecureEndpoint(url.to_string())),
    }
}

fn required(meta: &Value, key: &str) -> Result<Url, OidcError> {
    endpoint(meta, key)?.ok_or_else(|| OidcError::Discovery(format!("`{key}` is missing")))
}

impl Provider {
    /// Reads the provider's metadata from `{issuer}/.well-known/openid-configuration`.
    pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Provider, OidcError> {
        let base = Url::parse(issuer).map_err(|e| {
            OidcError::Discovery(format!("the issuer {issuer:?} is not a URL ({e})"))
        })?;
        if base.scheme() != "https" && !(base.scheme() == "http" && is_loopback(&base)) {
            return Err(OidcError::InsecureEndpoint(issuer.to_owned()));
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let response = http
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|source| OidcError::Http {
                what: "discovery",
                source,
            })?;
        if !response.status().is_success() {
            return Err(OidcError::Discovery(format!(
                "{url} answered HTTP {}",
                response.status().as_u16()
            )));
        }
        let meta: Value = response
            .json()
            .await
            .map_err(|e| OidcError::Discovery(format!("{url} is not JSON ({e})")))?;
        let found = meta
            .get("issuer")
            .and_then(Value::as_str)
            .ok_or_else(|| OidcError::Discovery("`issuer` is missing".into()))?;
        if found != issuer {
            return Err(OidcError::IssuerMismatch {
                expected: issuer.to_owned(),
                found: found.to_owned(),
            });
        }
        // Without the list we try anyway (many providers support S256 without saying so); a
        // list without S256 means PKCE would not protect the code.
        if let Some(methods) = meta
            .get("code_challenge_methods_supported")
            .and_then(Value::as_array)
            && !methods.iter().any(|m| m.as_str() == Some("S256"))
        {
            return Err(OidcError::NoPkce);
        }
        Ok(Provider {
            issuer: found.to_owned(),
            authorization_endpoint: required(&meta, "authorization_endpoint")?,
            token_endpoint: required(&meta, "token_endpoint")?,
            userinfo_endpoint: endpoint(&meta, "userinfo_endpoint")?,
            jwks_uri: endpoint(&meta, "jwks_uri")?,
        })
    }
}

/// base64url without padding (RFC 4648 §5).
fn b64url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        for i in 0..=chunk.len() {
            let idx = ((n >> (18 - 6 * i)) & 63) as usize;
            if let Some(&c) = ALPHABET.get(idx) {
                out.push(char::from(c));
            }
        }
    }
    out
}

/// Decodes base64url, padding optional; `None` for anything else.
fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // A lone trailing sextet cannot encode a byte.
    (bits < 6).then_some(out)
}

fn random_token() -> Result<String, OidcError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| OidcError::Random(e.to_string()))?;
    Ok(b64url_encode(&bytes))
}

/// The PKCE S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    b64url_encode(&Sha256::digest(verifier.as_bytes()))
}

/// A fresh login: random `state`, `nonce` and PKCE verifier (32 random bytes each), and the
/// authorization URL (`response_type=code`, scope [`SCOPE`], S256 challenge).
///
/// Fails only when the operating system has no random numbers for us.
pub fn start_login(p: &Provider, cfg: &OidcConfig) -> Result<LoginStart, OidcError> {
    let state = random_token()?;
    let nonce = random_token()?;
    let verifier = random_token()?;
    let mut url = p.authorization_endpoint.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &cfg.client_id)
        .append_pair("redirect_uri", &cfg.redirect_url)
        .append_pair("scope", SCOPE)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(LoginStart {
        url: url.into(),
        state,
        nonce,
        verifier,
    })
}

/// `application/x-www-form-urlencoded` escaping, for the Basic credentials (RFC 6749 §2.3.1).
fn form_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*') {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn invalid(why: impl Into<String>) -> OidcError {
    OidcError::InvalidIdToken(why.into())
}

/// Checks the ID token (OIDC Core §3.1.3.7) and returns its claims.
fn validate_id_token(
    id_token: &str,
    p: &Provider,
    cfg: &OidcConfig,
    expected_nonce: &str,
    now: i64,
    rsa_keys: &HashMap<String, RsaKey>,
) -> Result<serde_json::Map<String, Value>, OidcError> {
    let mut parts = id_token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("not a JWS in compact form (three parts)"));
    };
    let header: Value = b64url_decode(header)
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or_else(|| invalid("the header is not base64url JSON"))?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the header has no alg"))?;
    match alg {
        "HS256" => {
            let sig = b64url_decode(signature)
                .ok_or_else(|| invalid("the signature is not base64url"))?;
            let mut mac = Hmac::<Sha256>::new_from_slice(cfg.client_secret.as_bytes())
                .map_err(|e| invalid(format!("HMAC key: {e}")))?;
            mac.update(header_and_payload(id_token).as_bytes());
            // `verify_slice` compares in constant time.
            mac.verify_slice(&sig)
                .map_err(|_| invalid("the HS256 signature does not match"))?;
        }
        "RS256" => {
            let kid = header.get("kid").and_then(Value::as_str);
            let key = pick_key(rsa_keys, kid).ok_or_else(|| {
                invalid(format!(
                    "signed with key {kid:?}, which the provider does not publish"
                ))
            })?;
            let sig = b64url_decode(signature)
                .ok_or_else(|| invalid("the signature is not base64url"))?;
            ring::signature::RsaPublicKeyComponents {
                n: &key.n,
                e: &key.e,
            }
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                header_and_payload(id_token).as_bytes(),
                &sig,
            )
            .map_err(|_| invalid("the RS256 signature does not match"))?;
        }
        "none" => return Err(invalid("unsigned (alg none)")),
        other => return Err(invalid(format!("unsupported signature algorithm {other}"))),
    }
    let claims: Value = b64url_decode(payload)
        .and_then(|c| serde_json::from_slice(&c).ok())
        .ok_or_else(|| invalid("the payload is not base64url JSON"))?;
    let Value::Object(claims) = claims else {
        return Err(invalid("the payload is not a JSON object"));
    };
    let str_claim = |k: &str| claims.get(k).and_then(Value::as_str);
    match str_claim("iss") {
        Some(iss) if iss == p.issuer => {}
        other => {
            return Err(invalid(format!(
                "issued by {other:?}, expected {:?}",
                p.issuer
            )));
        }
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => return Err(invalid("no aud")),
    };
    if !audiences.contains(&cfg.client_id.as_str()) {
        return Err(invalid(format!(
            "meant for {audiences:?}, not for this client"
        )));
    }
    match str_claim("azp") {
        Some(azp) if azp != cfg.client_id => {
            return Err(invalid(format!(
                "authorized party is {azp:?}, not this client"
            )));
        }
        None if audiences.len() > 1 => {
            return Err(invalid("several audiences but no azp"));
        }
        _ => {}
    }
    let leeway = i64::try_from(CLOCK_LEEWAY.as_secs()).unwrap_or(60);
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or_else(|| invalid("no exp"))?;
    if exp + leeway as f64 <= now as f64 {
        return Err(invalid("expired"));
    }
    if claims.get("iat").and_then(Value::as_f64).is_none() {
        return Err(invalid("no iat"));
    }
    match str_claim("nonce") {
        Some(n) if constant_time_eq(n.as_bytes(), expected_nonce.as_bytes()) => {}
        Some(_) => return Err(invalid("the nonce does not match this login")),
        None => return Err(invalid("no nonce")),
    }
    if str_claim("sub").is_none_or(str::is_empty) {
        return Err(invalid("no sub"));
    }
    Ok(claims)
}

fn header_and_payload(jws: &str) -> &str {
    jws.rsplit_once('.').map_or(jws, |(hp, _)| hp)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `email_verified` as a boolean, or as the string `"true"` some providers send.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn nonempty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Completes a login: exchanges `code` (with the PKCE `verifier`) at the token endpoint, checks
/// the ID token against `expected_nonce` and the rules in the module documentation, and fills in
/// e-mail and name from the userinfo endpoint when the ID token lacks them.
pub async fn finish_login(
    http: &reqwest::Client,
    p: &Provider,
    cfg: &OidcConfig,
    code: &str,
    verifier: &str,
    expected_nonce: &str,
) -> Result<OidcIdentity, OidcError> {
    let response = http
        .post(p.token_endpoint.clone())
        .basic_auth(
            form_escape(&cfg.client_id),
            Some(form_escape(&cfg.client_secret)),
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", cfg.redirect_url.as_str()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .map_err(|source| OidcError::Http {
            what: "token",
            source,
        })?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| {
        OidcError::TokenResponse(format!("HTTP {}, not JSON ({e})", status.as_u16()))
    })?;
    if !status.is_success() {
        return Err(OidcError::TokenRefused {
            status: status.as_u16(),
            error: nonempty(body.get("error")).unwrap_or_else(|| "unknown error".into()),
            description: nonempty(body.get("error_description")),
        });
    }
    let token_type = body.get("token_type").and_then(Value::as_str).unwrap_or("");
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(OidcError::TokenResponse(format!(
            "token_type is {token_type:?}, not Bearer"
        )));
    }
    let access_token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| OidcError::TokenResponse("no access_token".into()))?;
    let id_token = body
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| OidcError::TokenResponse("no id_token".into()))?;
    let keys = keys_for(http, p, id_token).await?;
    let claims = validate_id_token(id_token, p, cfg, expected_nonce, now_secs(), &keys)?;
    let subject = nonempty(claims.get("sub")).unwrap_or_default();
    let mut identity = OidcIdentity {
        issuer: p.issuer.clone(),
        subject,
        email: nonempty(claims.get("email")),
        email_verified: truthy(claims.get("email_verified")),
        name: nonempty(claims.get("name")),
    };
    if (identity.email.is_none() || identity.name.is_none())
        && let Some(userinfo) = &p.userinfo_endpoint
    {
        let info = fetch_userinfo(http, userinfo, access_token).await?;
        let sub = info.get("sub").and_then(Value::as_str);
        if sub != Some(identity.subject.as_str()) {
            return Err(OidcError::Userinfo(format!(
                "it describes {sub:?}, but the ID token is for {:?}",
                identity.subject
            )));
        }
        if identity.email.is_none() {
            identity.email = nonempty(info.get("email"));
            identity.email_verified = truthy(info.get("email_verified"));
        }
        if identity.name.is_none() {
            identity.name = nonempty(info.get("name"));
        }
    }
    Ok(identity)
}

async fn fetch_userinfo(
    http: &reqwest::Client,
    url: &Url,
    access_token: &str,
) -> Result<Value, OidcError> {
    let response = http
        .get(url.clone())
        .bearer_auth(access_token)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|source| OidcError::Http {
            what: "userinfo",
            source,
        })?;
    if !response.status().is_success() {
        return Err(OidcError::Userinfo(format!(
            "HTTP {}",
            response.status().as_u16()
        )));
    }
    response
        .json()
        .await
        .map_err(|e| OidcError::Userinfo(format!("not JSON ({e})")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn provider() -> Provider {
        Provider {
            issuer: "https://id.example".into(),
            authorization_endpoint: Url::parse("https://id.example/authorize?x=1").unwrap(),
            token_endpoint: Url::parse("https://id.example/token").unwrap(),
            userinfo_endpoint: None,
            jwks_uri: None,
        }
    }

    fn config() -> OidcConfig {
        OidcConfig {
            issuer: "https://id.example".into(),
            client_id: "wederhoor".into(),
            client_secret: "s3cret".into(),
            redirect_url: "https://ideeen.example/account/oidc/callback".into(),
        }
    }

    fn jwt(alg: &str, claims: &Value, key: &[u8]) -> String {
        let input = format!(
            "{}.{}",
            b64url_encode(json!({"alg": alg}).to_string().as_bytes()),
            b64url_encode(claims.to_string().as_bytes())
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(input.as_bytes());
        format!("{input}.{}", b64url_encode(&mac.finalize().into_bytes()))
    }

    fn good_claims() -> Value {
        json!({"iss": "https://id.example", "aud": "wederhoor", "sub": "u1", "exp": 1_000_100,
               "iat": 1_000_000, "nonce": "n1"})
    }

    #[test]
    fn base64url_round_trips() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64url_decode(&b64url_encode(&bytes)).unwrap(), bytes);
        }
        assert_eq!(b64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64url_decode("Zm9vYg==").unwrap(), b"foob");
        assert!(b64url_decode("Zm9v+g").is_none());
        assert!(b64url_decode("Z").is_none());
        // RFC 7636 appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_login_url_carries_pkce_state_and_nonce() {
        let start = start_login(&provider(), &config()).unwrap();
        let url = Url::parse(&start.url).unwrap();
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["x"], "1");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "wederhoor");
        assert_eq!(
            q["redirect_uri"],
            "https://ideeen.example/account/oidc/callback"
        );
        assert_eq!(q["scope"], "openid email profile");
        assert_eq!(q["state"], start.state);
        assert_eq!(q["nonce"], start.nonce);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], pkce_challenge(&start.verifier));
        assert_eq!(start.verifier.len(), 43);
        let again = start_login(&provider(), &config()).unwrap();
        assert_ne!(again.state, start.state);
        assert_ne!(again.nonce, start.nonce);
        assert_ne!(again.verifier, start.verifier);
    }

    #[test]
    fn id_tokens_are_checked() {
        let (p, cfg) = (provider(), config());
        let check = |claims: Value| {
            validate_id_token(
                &jwt("HS256", &claims, b"s3cret"),
                &p,
                &cfg,
                "n1",
                1_000_050,
                &HashMap::new(),
            )
        };
        assert!(check(good_claims()).is_ok());
        let with = |k: &str, v: Value| {
            let mut c = good_claims();
            c[k] = v;
            c
        };
        let without = |k: &str| {
            let mut c = good_claims();
            c.as_object_mut().unwrap().remove(k);
            c
        };
        assert!(
            check(with("aud", json!(["other", "wederhoor"]))).is_err(),
            "several aud, no azp"
        );
        assert!(check(with("aud", json!(["wederhoor"]))).is_ok());
        let mut both = with("aud", json!(["other", "wederhoor"]));
        both["azp"] = json!("wederhoor");
        assert!(check(both).is_ok());
        assert!(check(with("azp", json!("other"))).is_err());
        assert!(check(with("aud", json!("other"))).is_err());
        assert!(check(with("iss", json!("https://evil.example"))).is_err());
        assert!(check(with("nonce", json!("n2"))).is_err());
        assert!(check(without("nonce")).is_err());
        assert!(check(without("iat")).is_err());
        assert!(check(without("exp")).is_err());
        assert!(check(without("sub")).is_err());
        // Leeway: 59 s after exp is fine, 60 s is not.
        assert!(check(with("exp", json!(1_000_050 - 59))).is_ok());
        assert!(check(with("exp", json!(1_000_050 - 60))).is_err());

        let no_keys = HashMap::new();
        let wrong_key = jwt("HS256", &good_claims(), b"other");
        assert!(validate_id_token(&wrong_key, &p, &cfg, "n1", 1_000_050, &no_keys).is_err());
        let none = format!(
            "{}.{}.",
            b64url_encode(br#"{"alg":"none"}"#),
            b64url_encode(good_claims().to_string().as_bytes())
        );
        assert!(validate_id_token(&none, &p, &cfg, "n1", 1_000_050, &no_keys).is_err());
        // RS256 is checked against the provider's keys: an unknown kid or a bad signature is
        // refused (valid signatures: tests/oidc.rs with the fake provider's RSA keys).
        let rs = format!(
            "{}.{}.c2ln",
            b64url_encode(br#"{"alg":"RS256","kid":"k"}"#),
            b64url_encode(good_claims().to_string().as_bytes())
        );
        assert!(validate_id_token(&rs, &p, &cfg, "n1", 1_000_050, &no_keys).is_err());
        let some_key: HashMap<String, RsaKey> = [(
            "k".to_owned(),
            RsaKey {
                n: vec![0xc5; 256],
                e: vec![1, 0, 1],
            },
        )]
        .into();
        assert!(validate_id_token(&rs, &p, &cfg, "n1", 1_000_050, &some_key).is_err());
        // Other algorithms are refused.
        let es = format!(
            "{}.{}.c2ln",
            b64url_encode(br#"{"alg":"ES256","kid":"k"}"#),
            b64url_encode(good_claims().to_string().as_bytes())
        );
        assert!(validate_id_token(&es, &p, &cfg, "n1", 1_000_050, &some_key).is_err());
        // A tampered payload fails the HS256 check.
        let good = jwt("HS256", &good_claims(), b"s3cret");
        let (h, rest) = good.split_once('.').unwrap();
        let (_, s) = rest.split_once('.').unwrap();
        let forged = format!(
            "{h}.{}.{s}",
            b64url_encode(with("sub", json!("admin")).to_string().as_bytes())
        );
        assert!(validate_id_token(&forged, &p, &cfg, "n1", 1_000_050, &no_keys).is_err());
        assert!(validate_id_token("a.b", &p, &cfg, "n1", 1_000_050, &no_keys).is_err());
    }

    #[test]
    fn only_https_or_loopback_endpoints() {
        let meta = json!({"a": "http://127.0.0.1:8080/x", "b": "http://id.example/x",
                          "c": "https://id.example/x", "d": "http://[::1]/x", "e": "javascript:x"});
        assert!(endpoint(&meta, "a").is_ok());
        assert!(matches!(
            endpoint(&meta, "b"),
            Err(OidcError::InsecureEndpoint(_))
        ));
        assert!(endpoint(&meta, "c").is_ok());
        assert!(endpoint(&meta, "d").is_ok());
        assert!(endpoint(&meta, "e").is_err());
        assert!(endpoint(&meta, "missing").unwrap().is_none());
        assert!(required(&meta, "missing").is_err());
        assert_eq!(form_escape("a b:c%"), "a+b%3Ac%25");
        assert!(!format!("{:?}", config()).contains("s3cret"));
    }
}
