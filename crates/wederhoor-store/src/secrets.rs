//! Secrets at rest: sources' delivery secrets (webhook signing secrets, Meta and Mastodon
//! tokens) are stored sealed with ChaCha20-Poly1305 under the installation's key, as
//! `v1:` + hex(nonce ‖ ciphertext). A value without the prefix is a plain-text value from before
//! encryption: it is read as it is and sealed on the next write (`Store::reseal_secrets` seals
//! them all at once). A store without a key (tests, tools) keeps plain text.

use crate::{Result, Store, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sqlx::Row;

const PREFIX: &str = "v1:";
const NONCE_BYTES: usize = 12;

/// Seals `plain` under `key`.
pub(crate) fn seal(key: &[u8; 32], plain: &str) -> Result<String> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .map_err(|_| StoreError::Corrupt("sealing a secret failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{PREFIX}{}", hex::encode(out)))
}

/// Opens a stored value: sealed ones with `key`, plain-text ones as they are.
pub(crate) fn open(key: Option<&[u8; 32]>, stored: &str) -> Result<String> {
    let Some(hexed) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let key = key.ok_or_else(|| {
        StoreError::Corrupt("an encrypted secret, but no secret key is configured".into())
    })?;
    let bytes = hex::decode(hexed)
        .map_err(|_| StoreError::Corrupt("an encrypted secret is not hex".into()))?;
    if bytes.len() < NONCE_BYTES {
        return Err(StoreError::Corrupt(
            "an encrypted secret is too short".into(),
        ));
    }
    let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
    let plain = ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| {
            StoreError::Corrupt("a secret does not open with this key (wrong key?)".into())
        })?;
    String::from_utf8(plain).map_err(|_| StoreError::Corrupt("a secret is not UTF-8".into()))
}

impl Store {
    /// The store with the key that seals secrets at rest.
    pub fn with_secret_key(mut self, key: [u8; 32]) -> Store {
        self.secret_key = Some(std::sync::Arc::new(key));
        self
    }

    /// A secret as it is written: sealed when the store has a key.
    pub(crate) fn seal_secret(&self, plain: Option<&str>) -> Result<Option<String>> {
        match (plain, self.secret_key.as_deref()) {
            (Some(p), Some(key)) => Ok(Some(seal(key, p)?)),
            (p, None) => Ok(p.map(str::to_owned)),
            (None, _) => Ok(None),
        }
    }

    /// A stored secret opened.
    pub(crate) fn open_secret(&self, stored: Option<String>) -> Result<Option<String>> {
        stored
            .map(|s| open(self.secret_key.as_deref(), &s))
            .transpose()
    }

    /// Seals every delivery secret still stored in plain text (from before encryption); returns
    /// how many. Does nothing without a key.
    pub async fn reseal_secrets(&self) -> Result<u64> {
        let Some(key) = self.secret_key.clone() else {
            return Ok(0);
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let rows = sqlx::query(
            "SELECT id, delivery_secret FROM sources WHERE delivery_secret IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut n = 0;
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let value: String = r.try_get(1)?;
            if value.starts_with(PREFIX) {
                continue;
            }
            self.counted(1);
            sqlx::query("UPDATE sources SET delivery_secret = $1 WHERE id = $2")
                .bind(seal(&key, &value)?)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key() {
        let key = [7u8; 32];
        let sealed = seal(&key, "geheim-token").unwrap();
        assert!(sealed.starts_with("v1:") && !sealed.contains("geheim"));
        assert_ne!(
            sealed,
            seal(&key, "geheim-token").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(open(Some(&key), &sealed).unwrap(), "geheim-token");
        assert!(open(Some(&[8u8; 32]), &sealed).is_err());
        assert!(open(None, &sealed).is_err());
        // Plain text from before encryption reads as it is.
        assert_eq!(open(Some(&key), "oud-geheim").unwrap(), "oud-geheim");
        // A changed byte is refused.
        let mut tampered = sealed.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        assert!(open(Some(&key), &tampered).is_err());
    }
}
