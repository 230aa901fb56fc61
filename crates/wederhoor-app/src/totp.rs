//! TOTP as a second factor for staff password logins (RFC 6238: HMAC-SHA-1, 30-second steps,
//! 6 digits). A code of the step before or after the current one is accepted too (clock drift);
//! a step once used is never accepted again (store: `totp_last_step`).
//!
//! Use cases: [`begin`] (a new secret, shown once as base32 and an `otpauth://` URI), [`confirm`]
//! (the first code switches the factor on), [`check`] (a login's code), [`reset`] (an admin,
//! after a lost phone). Each takes the time as Unix seconds, so tests choose it.

use crate::Error;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use wederhoor_core::AgentId;
use wederhoor_store::Store;

/// Seconds per time step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Secret length in bytes (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps read).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Base32 back to bytes; spaces and lower case are accepted, padding ignored.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase();
        let v = BASE32.iter().position(|&b| char::from(b) == c)?;
        buffer = (buffer << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The code for time step `step` (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this branch is never taken.
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    word % 10u32.pow(DIGITS)
}

/// The time step of Unix time `now_secs`.
pub fn step_of(now_secs: i64) -> i64 {
    now_secs.div_euclid(STEP_SECS)
}

/// The step (current, one before or one after) whose code `code` is, if any. The code may
/// contain spaces; anything but six digits matches nothing.
pub fn matching_step(secret: &[u8], code: &str, now_secs: i64) -> Option<i64> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = digits.parse().ok()?;
    let now = step_of(now_secs);
    // Every candidate is computed and compared, so the time taken does not tell which matched.
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        let diff = code_at(secret, step) ^ wanted;
        if diff == 0 && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The `otpauth://` URI authenticator apps read (as a QR code or pasted).
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let label = format!("{}:{}", url_part(issuer), url_part(account));
    format!(
        "otpauth://totp/{label}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        url_part(issuer)
    )
}

fn url_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A started enrolment: what the agent copies into an authenticator app.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

/// Starts (or restarts) setting up the second factor: a new random secret, stored sealed and
/// not yet on. Refused when the factor is on already (an admin resets it first).
pub async fn begin(store: &Store, agent: AgentId, username: &str) -> Result<Enrolment, Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::Invalid(format!("no randomness: {e}")))?;
    let secret = base32_encode(&bytes);
    if !store.begin_totp(agent, &secret).await? {
        return Err(Error::Invalid("the second factor is on already".into()));
    }
    Ok(Enrolment {
        uri: otpauth_uri("Wederhoor", username, &secret),
        secret,
    })
}

/// Switches the second factor on if `code` is right for the secret being set up.
pub async fn confirm(
    store: &Store,
    agent: AgentId,
    code: &str,
    now_secs: i64,
) -> Result<bool, Error> {
    let Some(totp) = store.totp(agent).await? else {
        return Ok(false);
    };
    if totp.on {
        return Ok(false);
    }
    check_code(store, agent, &totp.secret, code, now_secs, true).await
}

/// Whether the agent's second factor is on (a password login then asks for a code).
pub async fn is_on(store: &Store, agent: AgentId) -> Result<bool, Error> {
    Ok(store.totp(agent).await?.is_some_and(|t| t.on))
}

/// A login's code: right for the current step or a neighbour, and not used before.
pub async fn check(
    store: &Store,
    agent: AgentId,
    code: &str,
    now_secs: i64,
) -> Result<bool, Error> {
    let Some(totp) = store.totp(agent).await?.filter(|t| t.on) else {
        return Ok(false);
    };
    check_code(store, agent, &totp.secret, code, now_secs, false).await
}

async fn check_code(
    store: &Store,
    agent: AgentId,
    secret: &str,
    code: &str,
    now_secs: i64,
    confirm: bool,
) -> Result<bool, Error> {
    let Some(secret) = base32_decode(secret) else {
        return Err(Error::Invalid(
            "the stored second-factor secret is not base32".into(),
        ));
    };
    match matching_step(&secret, code, now_secs) {
        Some(step) => Ok(store.use_totp_step(agent, step, confirm).await?),
        None => Ok(false),
    }
}

/// Removes an agent's second factor (`wederhoor user reset-totp NAME`); audited.
pub async fn reset(store: &Store, username: &str, actor: Option<AgentId>) -> Result<(), Error> {
    Ok(store.reset_totp(username, actor).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8 digits there; the last 6 are ours).
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code8) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at(secret, step_of(time)), code8 % 1_000_000, "{time}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb oi====").unwrap(), b"foobar");
        let bytes: Vec<u8> = (0..20).collect();
        assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn a_code_counts_for_its_step_and_the_neighbours_only() {
        let secret = b"12345678901234567890";
        let now = 1_700_000_015;
        let step = step_of(now);
        for d in [-1, 0, 1] {
            let code = format!("{:06}", code_at(secret, step + d));
            assert_eq!(matching_step(secret, &code, now), Some(step + d));
        }
        for d in [-3, -2, 2, 3] {
            let code = format!("{:06}", code_at(secret, step + d));
            assert_ne!(matching_step(secret, &code, now), Some(step + d));
        }
        assert_eq!(matching_step(secret, "12345", now), None);
        assert_eq!(matching_step(secret, "abcdef", now), None);
    }

    #[test]
    fn the_uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri("Wederhoor", "sanne de boer", "MZXW6YTBOI");
        assert_eq!(
            uri,
            "otpauth://totp/Wederhoor:sanne%20de%20boer?secret=MZXW6YTBOI&issuer=Wederhoor&algorithm=SHA1&digits=6&period=30"
        );
    }
}
