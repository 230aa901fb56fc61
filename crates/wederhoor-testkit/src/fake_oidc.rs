//! A fake OpenID Connect provider for tests: one client, one user, the authorization-code flow
//! with PKCE (S256), ID tokens signed HS256 with the client secret (OIDC Core §10.1) or RS256
//! with one of two fixed test RSA keys (published at `/jwks`, kids `rsa-1` and `rsa-2`).
//!
//! `GET /authorize` checks the request and redirects straight back with a code (a real provider
//! would show a login page first). Codes are single-use. Knobs ([`FakeOidc::set_token_mode`],
//! [`FakeOidc::set_userinfo_subject`]) make it misbehave for negative tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac as _};
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// The one user of the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcUser {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

/// What the provider is configured with.
#[derive(Debug, Clone)]
pub struct FakeOidcConfig {
    pub client_id: String,
    pub client_secret: String,
    /// The one registered redirect URI (exact match).
    pub redirect_uri: String,
    pub user: OidcUser,
}

/// How the next ID tokens are made (for negative tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenMode {
    /// Correct tokens.
    #[default]
    Valid,
    /// `aud` is another client.
    WrongAudience,
    /// `exp` lies an hour in the past.
    Expired,
    /// `iss` is not the provider's issuer.
    WrongIssuer,
    /// The HS256 signature is made with another key.
    BadSignature,
    /// `alg: none`, no signature.
    Unsigned,
    /// No `email`, `email_verified` or `name` in the ID token (the client must ask userinfo).
    WithoutProfile,
    /// RS256 with the key `rsa-1`.
    Rs256,
    /// RS256 with the key `rsa-2` (a rotated key; publish it with [`FakeOidc::publish_keys`]).
    Rs256Rotated,
    /// RS256 by `rsa-1`, but the signature is over other claims.
    Rs256BadSignature,
    /// RS256 by `rsa-2` under a kid the JWKS never lists (`rsa-9`).
    Rs256UnknownKid,
    /// RS256 header and kid `rsa-1`, signed by `rsa-2`.
    Rs256WrongKey,
}

/// Two fixed 2048-bit RSA test keys (PKCS#1 DER, base64), made with `openssl genpkey`. Test
/// keys only: never trust them anywhere.
const TEST_RSA_KEYS: [(&str, &[&str]); 2] = [
    (
        "rsa-1",
        &[
            "MIIEowIBAAKCAQEAuZrhdwTDxxrBFxSesMG5Y8qGWX1zp/Uiw2ttSCMgyRPn61WBy25QOK0hHTp+S9E9RH15uQymof",
            "rmqwvFqJFNVgzISbI7DD1v3Ya+t7bjAAXejLNi+yve7XBX6NczGaP99kA4OiFEG0dDqLmxgQZDgWHScJpjxgUt1OmJ",
            "LHoUaqU2dao7WNc7dTThB4qNIsfMvWZ8Jd8SNmM8AbFu8qx0VIS9jQVP35HQnMbIEJ5MwB4ilHR/ceoAIgZRdzQcj9",
            "3zhOyw//9XYBn+G2KOIRU9YArxn94OEjD0ERRTs/uh34TdfPfyc8TvGCzQj0Dz8ybqodHE/nqt4HGz5Z0sIfs5jQID",
            "AQABAoIBAAEExR+mWMtvH+fPDul47iM4UYE6TLW7crfJfQo6/bIbrK5ZbRvmGmmJN7WzUgSgAT938dLlj/wghloQCc",
            "xrt3EwtSBEaq55Q/zebyAqffen9Slm4RBeC3MPXXXckn4dtfhs+ZaYXqS2ZZeOgHv/VHtM6BpwUVXKxmm5sRsANKnW",
            "KdAe1NsjReUzs15wisPW1ieSwuWgKUzrqA8m0BfjSODPSK+KlLaWgwfBZIZtL71mYtTaR8c53kJSIfty4hypJrE0bz",
            "58RVC22QYhThuO0Ms5wzgwypXCzqk8+xNb+/Llwspl4U9H01X7LJlj6emL/4xTYz8mafaPk2iJupx5ftkCgYEA7hxu",
            "1VLFE8JwPsqlUYq4/fS6Gzk4GiNBNUr5iuMokbWW3kPqDuBplacRbK1dUDbw8MX4hPQ0SHQXIzryUMi6a9uei43jtO",
            "xlJCAOubZGn/fnuJwEeuY/Zr169WTZKtBHqD/w7hwkKLZOMuOs+bKBm9nPbrnJLYKnr3RnJTEE0TkCgYEAx4yaj4E9",
            "A6VUQSMbbyCqlT9XOA3Vg5HUO0PwRmSa2mTbeMQTA8Sbuo2yG2IJH4CfSmUxe32Uh7sTsjTUHk8mOjV63sKZ23QFxS",
            "3OIb0/Ex7jov83QMZxnshnCwwCjDDsV3eS+0e/CwAFznSJHIVKkZT8qvB3QtF4mFqKcNi87vUCgYBaVx1SAIpXWeE+",
            "YaJhkrFnYQ+vPoFjoVafQqf1IwSEbBImmDvYkxpcNjvtMMWDpqS5pVMKFqEzkCArNLU1I0Nfor6/kgD/5uTk1OjhWx",
            "/ml6cqKr+kZXFOqLtbGX0vukBFvKTLoo+xhqGauzkor6pvGC+UgharFrRKZG6x9KwwOQKBgQCdNfjO9lLLfIVUjAQh",
            "GOtLigt87ek5Lrq1tmCmFLyrMqp2CoOwhETsRJX9XM8zMnJMekzxrY5HIOvzigtTlafYVCnpNgdhDZc+MUgk7KO0vL",
            "E6yTcOoUkCf4AvA9c9+403m80AixXH5MyuSsF65shIycgGJEzRJ5aK8UoAfcDbwQKBgGAgbp/erKj2B11W0y/6MqOa",
            "zrA+f/vvtfTFIkxIjZvy9ghgPQ6janht5rik5i3/2sE5SS8yDtShIndCB/AS7cG2YIDi7QlFfY9EdxbcdpIgOpIslX",
            "YZe4GfCyP6jnAgItvLxFj7NfYMGrEXi4GMs56zQNMZWogdoMdz1gX6Hlim",
        ],
    ),
    (
        "rsa-2",
        &[
            "MIIEogIBAAKCAQEArDRnyYDrGX4PCF9fTyR6X0Ct0Z3Gyam3aTqB8t9lAc2qU/UTdaUL2eyVsgXBOxmbCD0tD8VHYb",
            "uAWSLar2wJE6AhFDs7zE7hzCUmMF2o0hITHFo319GQwlqK1m9TKjqP6HPTR4/EjJMkIgmo9DkjoDdUz2Lrdj1dW0/V",
            "azVKG5/HPQUyeJR/C/f8uiJs2W8fSXe2U4r49guiwshRFRpwH5HTqRBjI9H06t/Dbf+tQsX9S+Tiqyv59n8w7QiB8U",
            "IAEcHSURhdbCr0dd70Fn2kDBAU9gXry0Px4IsHM1nWEoLF2h18dOaLK7NMneXW+ofAav+d9UouhWQpPFWD4NCU3QID",
            "AQABAoIBAB4ELnkdux0g737enO7fJWN4EzRAA7gAGMPDWoZasTEMx91FkURG5hdw2TEENsfV8UOQ4ktm8EfVVoxy+l",
            "psgvKETW/I2WYF8+7RJOR2VuhzFRiykxxP36M5BA1Xr0/jkFUM522IXlLAjSJPu78CPLb/Hg3eKLvd+2lgs4sx6T6C",
            "JFRarJTxA46xRCsQOJJTr70BY0PPgLq7jWS4IqpPnRzWOtf3N4+5UPUmy5YKRkDmlDFoKgUhtWJIU0OC7vUvJIGNcC",
            "OCV/b0c4nZ+5tK5oR7GifVayGn/dDvmfBuE77fm2yMHAKVes3/wEIuju9Aph26lVLXFJsSt2/2cr5bPmECgYEA5GDI",
            "d4fTQjj6OQkhRPKdic1xko2BIBydCOaI0stxUJHH39iZPx3yH5znSov3Mi7Z2/9JJxfdb2meVXTMdh3RAmhYiyogKi",
            "/SUz7buSI2Roi2+3ggSXN+tp2GwKFWXIZdW5Az4+JotwXOyFej1RWHcnx/cjfQmk991mZNr2yH/HECgYEAwQhXBL64",
            "9QeAcJ8ftXP2QZ9FodvTfahy48MjFIC3Mss9j66reoEWQ030JyhWFG+0wMTLyt/xlZwcx8wiCkbq5Y408kl1dgtWaU",
            "uYfh8xk2xAfYrcCEL4o/lP7zc4JTsrznrpPHOqt+O53WOblqrM+jX5A+tchpIWRPizip4rBS0CgYAeYh3pgSGDCu+H",
            "TQanFJwO7E0y0S6fpg7iU0FawgQ2Ut7Dkh55PjOrLwW6bjqZ64/CbAlAcTVdkDCnb92PzVG0P0ugYB9dXXVe69rxm3",
            "KbGa82b3nkK8Bs7TIzSIOj1aBwARRWOhXyW4xyLO6396BIg/W0rWZMUU0NjBjDwO2qkQKBgC7U8ye3jfAEreik8nB3",
            "fdtV5PLr/leSMq2Hfk9PGyM7o+fkHL5P6zLRCtclNh0nLNdH55mE03vUsDbZE7kik4K2CapuoAzPm1tYd9rBfqmhrd",
            "PHiLKIbQJ7TiVfZEPEI1CpCUUdWuHaYhGQRQM81RYvWgbVZ1FOyBBbtlN/JDjRAoGABcSlcC7cMelQY4CLBKd6h32e",
            "Hbg/j92wtON4+H+UtQFc6bHJUsIU4lqWVLMj/I9SaBk8KsnxziuQXZQtpCImZeKyxCMu2Fgm2QkMthvFwdzhxaaZxm",
            "RrzOxSJK4M0VliR7lHIWA0ipb/OKpHuyIfwsxQq6BWdjdCnM5+IOAmAN4=",
        ],
    ),
];

fn test_key(kid: &str) -> Option<ring::rsa::KeyPair> {
    let (_, parts) = TEST_RSA_KEYS.iter().find(|(k, _)| *k == kid)?;
    let der = crate::base64::decode(&parts.concat()).ok()?;
    ring::rsa::KeyPair::from_der(&der).ok()
}

fn sign_rs256(kid: &str, input: &str) -> String {
    let Some(key) = test_key(kid) else {
        return String::new();
    };
    let rng = ring::rand::SystemRandom::new();
    let mut sig = vec![0u8; key.public().modulus_len()];
    match key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &rng,
        input.as_bytes(),
        &mut sig,
    ) {
        Ok(()) => base64url(&sig),
        Err(_) => String::new(),
    }
}

/// The JWK (RSA public key) of test key `kid`.
fn jwk(kid: &str) -> Option<serde_json::Value> {
    let key = test_key(kid)?;
    let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(key.public());
    Some(
        json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                "n": base64url(&public.n), "e": base64url(&public.e)}),
    )
}

/// One `GET /authorize` as received: its query parameters.
pub type AuthorizeRequest = HashMap<String, String>;

/// One `POST /token` as received: the form fields, plus `basic_user` / `basic_password` when an
/// HTTP Basic `Authorization` header was sent.
pub type TokenRequest = HashMap<String, String>;

struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    challenge: String,
}

#[derive(Default)]
struct Recorded {
    authorize: Vec<AuthorizeRequest>,
    token: Vec<TokenRequest>,
    userinfo: usize,
    codes: HashMap<String, Grant>,
    access_tokens: HashMap<String, ()>,
    mode: TokenMode,
    userinfo_subject: Option<String>,
    /// The kids `/jwks` lists (default: `rsa-1`).
    published: Vec<String>,
    jwks: usize,
}

struct Inner {
    issuer: String,
    config: FakeOidcConfig,
    counter: AtomicU64,
    state: Mutex<Recorded>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Recorded> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn fresh(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{prefix}-{n}-{nanos:x}")
    }
}

/// A running fake provider on `127.0.0.1`. It stops when dropped.
pub struct FakeOidc {
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOidc {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeOidc {
    /// Starts the provider on a free port of `127.0.0.1`; its issuer is `http://127.0.0.1:PORT`.
    ///
    /// # Panics
    /// When no port can be bound (this is test support).
    #[allow(clippy::expect_used)]
    pub async fn start(config: FakeOidcConfig) -> FakeOidc {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake OIDC provider");
        let port = listener
            .local_addr()
            .expect("the provider's address")
            .port();
        let inner = Arc::new(Inner {
            issuer: format!("http://127.0.0.1:{port}"),
            config,
            counter: AtomicU64::new(1),
            state: Mutex::new(Recorded {
                published: vec!["rsa-1".into()],
                ..Recorded::default()
            }),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .route("/jwks", get(jwks))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeOidc { inner, task }
    }

    /// The issuer (and base URL), `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn issuer(&self) -> String {
        self.inner.issuer.clone()
    }

    /// Changes how the next ID tokens are made.
    pub fn set_token_mode(&self, mode: TokenMode) {
        self.inner.lock().mode = mode;
    }

    /// Makes `/userinfo` answer with another `sub` (`None`: the user's own).
    pub fn set_userinfo_subject(&self, subject: Option<&str>) {
        self.inner.lock().userinfo_subject = subject.map(str::to_owned);
    }

    /// The `/authorize` requests so far (query parameters), oldest first.
    pub fn authorize_requests(&self) -> Vec<AuthorizeRequest> {
        self.inner.lock().authorize.clone()
    }

    /// The `/token` requests so far, oldest first.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.inner.lock().token.clone()
    }

    /// Sets the kids `/jwks` lists (`rsa-1`, `rsa-2`).
    pub fn publish_keys(&self, kids: &[&str]) {
        self.inner.lock().published = kids.iter().map(|k| (*k).to_owned()).collect();
    }

    /// How many `/jwks` requests came in.
    pub fn jwks_requests(&self) -> usize {
        self.inner.lock().jwks
    }

    /// How many `/userinfo` requests came in (answered or not).
    pub fn userinfo_requests(&self) -> usize {
        self.inner.lock().userinfo
    }
}

/// base64url without padding (RFC 4648 §5), as JWTs and PKCE use it.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (
            b,
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn discovery(State(inner): State<Arc<Inner>>) -> Response {
    let base = &inner.issuer;
    axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256", "RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"],
    }))
    .into_response()
}

async fn jwks(State(inner): State<Arc<Inner>>) -> Response {
    // HS256 keys are the client secret and never published; the RSA test keys are.
    let published = {
        let mut state = inner.lock();
        state.jwks += 1;
        state.published.clone()
    };
    let keys: Vec<serde_json::Value> = published.iter().filter_map(|k| jwk(k)).collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())]).into_response()
}

fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn authorize(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    inner.lock().authorize.push(q.clone());
    let cfg = &inner.config;
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    // Errors about the client or redirect URI must not redirect (RFC 6749 §4.1.2.1).
    if get("client_id") != cfg.client_id {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    if get("redirect_uri") != cfg.redirect_uri {
        return (StatusCode::BAD_REQUEST, "redirect_uri is not registered").into_response();
    }
    let sep = if cfg.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let state = get("state");
    let fail = |error: &str, why: &str| {
        redirect(&format!(
            "{}{sep}error={error}&error_description={}&state={}",
            cfg.redirect_uri,
            query_escape(why),
            query_escape(state)
        ))
    };
    if get("response_type") != "code" {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if !get("scope").split(' ').any(|s| s == "openid") {
        return fail("invalid_scope", "scope must contain openid");
    }
    if state.is_empty() {
        return fail("invalid_request", "state is required");
    }
    if get("nonce").is_empty() {
        return fail("invalid_request", "nonce is required");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return fail("invalid_request", "a PKCE S256 code_challenge is required");
    }
    let code = inner.fresh("code");
    inner.lock().codes.insert(
        code.clone(),
        Grant {
            redirect_uri: cfg.redirect_uri.clone(),
            nonce: q.get("nonce").cloned(),
            challenge: get("code_challenge").to_owned(),
        },
    );
    redirect(&format!(
        "{}{sep}code={}&state={}",
        cfg.redirect_uri,
        query_escape(&code),
        query_escape(state)
    ))
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = crate::base64::decode(b64.trim()).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (user, pass) = raw.split_once(':')?;
    // RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
    Some((percent_decode(user), percent_decode(pass)))
}

fn sign_hs256(key: &[u8], input: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            base64url(&mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

async fn token(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let basic = basic_credentials(&headers);
    let mut recorded = form.clone();
    if let Some((u, p)) = &basic {
        recorded.insert("basic_user".into(), u.clone());
        recorded.insert("basic_password".into(), p.clone());
    }
    inner.lock().token.push(recorded);
    let cfg = &inner.config;
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let (client_id, secret) = match basic {
        Some(pair) => pair,
        None => (get("client_id").to_owned(), get("client_secret").to_owned()),
    };
    if client_id != cfg.client_id || secret != cfg.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    if get("grant_type") != "authorization_code" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code",
        );
    }
    // Single use: the code is gone after the first attempt, whatever its outcome.
    let Some(grant) = inner.lock().codes.remove(get("code")) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "unknown or used code",
        );
    };
    if get("redirect_uri") != grant.redirect_uri {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri differs",
        );
    }
    let verifier = get("code_verifier");
    if verifier.len() < 43 || base64url(&Sha256::digest(verifier.as_bytes())) != grant.challenge {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "PKCE verification failed",
        );
    }
    let mode = inner.lock().mode;
    let user = &cfg.user;
    let now = now();
    let mut claims = json!({
        "iss": if mode == TokenMode::WrongIssuer { "https://evil.example" } else { inner.issuer.as_str() },
        "sub": user.subject,
        "aud": if mode == TokenMode::WrongAudience { "another-client" } else { cfg.client_id.as_str() },
        "exp": if mode == TokenMode::Expired { now - 3600 } else { now + 300 },
        "iat": if mode == TokenMode::Expired { now - 3900 } else { now },
        "auth_time": now,
    });
    if let Some(nonce) = &grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    if mode != TokenMode::WithoutProfile {
        claims["email"] = json!(user.email);
        claims["email_verified"] = json!(user.email_verified);
        claims["name"] = json!(user.name);
    }
    let (alg, kid) = match mode {
        TokenMode::Unsigned => ("none", "client-secret"),
        TokenMode::Rs256 | TokenMode::Rs256BadSignature | TokenMode::Rs256WrongKey => {
            ("RS256", "rsa-1")
        }
        TokenMode::Rs256Rotated => ("RS256", "rsa-2"),
        TokenMode::Rs256UnknownKid => ("RS256", "rsa-9"),
        _ => ("HS256", "client-secret"),
    };
    let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
    let input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let signature = match mode {
        TokenMode::Unsigned => String::new(),
        TokenMode::BadSignature => sign_hs256(b"not the client secret", &input),
        TokenMode::Rs256 | TokenMode::Rs256Rotated => sign_rs256(kid, &input),
        TokenMode::Rs256UnknownKid | TokenMode::Rs256WrongKey => sign_rs256("rsa-2", &input),
        TokenMode::Rs256BadSignature => {
            let mut other = claims.clone();
            other["sub"] = json!("someone-else");
            let forged = format!(
                "{}.{}",
                base64url(header.to_string().as_bytes()),
                base64url(other.to_string().as_bytes())
            );
            sign_rs256(kid, &forged)
        }
        _ => sign_hs256(cfg.client_secret.as_bytes(), &input),
    };
    let access_token = inner.fresh("at");
    inner.lock().access_tokens.insert(access_token.clone(), ());
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "openid email profile",
            "id_token": format!("{input}.{signature}"),
        })),
    )
        .into_response()
}

async fn userinfo(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    let mut state = inner.lock();
    state.userinfo += 1;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !state.access_tokens.contains_key(token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response();
    }
    let user = &inner.config.user;
    let sub = state
        .userinfo_subject
        .clone()
        .unwrap_or_else(|| user.subject.clone());
    drop(state);
    axum::Json(json!({
        "sub": sub,
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
    }))
    .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), want);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        // RFC 7636 appendix B.
        assert_eq!(
            base64url(&Sha256::digest(
                b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
            )),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%3Ab+c%zz"), "a:b c%zz");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod rsa_tests {
    use super::*;

    #[test]
    fn the_test_keys_load_sign_and_publish() {
        for kid in ["rsa-1", "rsa-2"] {
            let parts = TEST_RSA_KEYS.iter().find(|(k, _)| *k == kid).unwrap().1;
            let der = crate::base64::decode(&parts.concat()).unwrap();
            ring::rsa::KeyPair::from_der(&der).unwrap();
            let key = jwk(kid).unwrap();
            assert_eq!(key["kid"], kid);
            assert!(!sign_rs256(kid, "a.b").is_empty());
        }
    }
}
