//! Hashed linear models (logistic regression over hashed word and character n-grams), trained
//! by `scripts/train_sentiment_abuse.py` and embedded with `include_bytes!`. The hashing here
//! must stay identical to that script.
//!
//! Layout of a model file (little endian): magic `[u8; 4]`, version `u16`, classes `u16`,
//! bits `u32`, dense `u32`, groups `u32`, scale `f32`, bias `f32 × classes`, dense weights
//! `f32 × dense × classes`, weights `i8 × (1 << bits) × classes` (bucket-major, multiplied by
//! scale), group word hashes `u64 × groups` (sorted).

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
pub(crate) const K_UNI: u64 = 0x01;
const K_BI: u64 = 0x02;
pub(crate) const K_NEG: u64 = 0x03;
pub(crate) const K_PRE: u64 = 0x04;
pub(crate) const K_CHAR: u64 = 0x05;
pub(crate) const K_GROUP: u64 = 0xa5a5_0000_0000_0000;
const BIGRAM_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

/// FNV-1a over bytes, continuing from `h` (start with [`fnv_start`]).
pub(crate) fn fnv_feed(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

pub(crate) fn fnv_start() -> u64 {
    FNV_OFFSET
}

pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    fnv_feed(FNV_OFFSET, bytes)
}

/// The hash of the sentence-start pseudo word.
pub(crate) fn bos() -> u64 {
    fnv(b"<s>")
}

/// The hash of the sentence-end pseudo word.
pub(crate) fn eos() -> u64 {
    fnv(b"</s>")
}

pub(crate) fn bigram_key(a: u64, b: u64) -> u64 {
    a.wrapping_mul(BIGRAM_MUL) ^ b ^ K_BI
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

/// Reads little-endian values from the embedded bytes, failing instead of panicking.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).ok_or("model file: size overflow")?;
        let out = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| format!("model file truncated at byte {}", self.at))?;
        self.at = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<usize, String> {
        usize::try_from(u32::from_le_bytes(self.array()?)).map_err(|e| e.to_string())
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

/// A hashed linear model with `classes` outputs.
pub(crate) struct HashedLinear {
    classes: usize,
    shift: u32,
    scale: f32,
    bias: Vec<f32>,
    dense: Vec<f32>,
    weights: &'static [u8],
    groups: Vec<u64>,
    /// A one-probe filter in front of `groups`: bit `hash >> 48` set for every group hash.
    group_filter: Vec<u64>,
}

impl HashedLinear {
    /// Parses an embedded model file with the given magic.
    pub(crate) fn parse(bytes: &'static [u8], magic: &[u8; 4]) -> Result<HashedLinear, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != magic {
            return Err("model file: wrong magic".into());
        }
        if r.u16()? != 1 {
            return Err("model file: unknown version".into());
        }
        let classes = usize::from(r.u16()?);
        let bits = r.u32()?;
        let dense = r.u32()?;
        let groups = r.u32()?;
        if classes == 0 || !(8..=24).contains(&bits) {
            return Err("model file: bad header".into());
        }
        let scale = r.f32()?;
        let bias = (0..classes)
            .map(|_| r.f32())
            .collect::<Result<Vec<_>, _>>()?;
        let dense = (0..dense * classes)
            .map(|_| r.f32())
            .collect::<Result<Vec<_>, _>>()?;
        let weights = r.take((1usize << bits) * classes)?;
        let mut groups = (0..groups)
            .map(|_| r.u64())
            .collect::<Result<Vec<_>, _>>()?;
        groups.sort_unstable();
        let mut group_filter = vec![0u64; 1024];
        for &g in &groups {
            let bit = g >> 48;
            if let Some(w) = group_filter.get_mut((bit >> 6) as usize) {
                *w |= 1 << (bit & 63);
            }
        }
        if r.at != bytes.len() {
            return Err("model file: trailing bytes".into());
        }
        Ok(HashedLinear {
            classes,
            shift: 64 - u32::try_from(bits).map_err(|e| e.to_string())?,
            scale,
            bias,
            dense,
            weights,
            groups,
            group_filter,
        })
    }

    pub(crate) fn classes(&self) -> usize {
        self.classes
    }

    /// Starts the logits: bias plus the dense features (`dense.len()` must match the file).
    pub(crate) fn start(&self, dense: &[f32], out: &mut [f32]) {
        for (c, o) in out.iter_mut().enumerate().take(self.classes) {
            let mut z = self.bias.get(c).copied().unwrap_or(0.0);
            for (i, x) in dense.iter().enumerate() {
                z += x * self.dense.get(i * self.classes + c).copied().unwrap_or(0.0);
            }
            *o = z;
        }
    }

    /// Adds the weights of one hashed feature to the logits.
    #[inline]
    pub(crate) fn add(&self, key: u64, out: &mut [f32]) {
        let Ok(bucket) = usize::try_from(mix(key) >> self.shift) else {
            return;
        };
        let base = bucket * self.classes;
        if let Some(ws) = self.weights.get(base..base + self.classes) {
            for (o, &w) in out.iter_mut().zip(ws) {
                *o += f32::from(w as i8) * self.scale;
            }
        }
    }

    fn is_group_hash(&self, h: u64) -> bool {
        let bit = h >> 48;
        let maybe = self
            .group_filter
            .get((bit >> 6) as usize)
            .is_some_and(|w| w & (1 << (bit & 63)) != 0);
        maybe && self.groups.binary_search(&h).is_ok()
    }

    /// Whether a word is one of the model's group words (or a misspelling the model lists), or
    /// a long word that starts with one ("vrouwenophangen").
    pub(crate) fn is_group_word(&self, word: &[u8]) -> bool {
        if self.is_group_hash(fnv(word)) {
            return true;
        }
        if word.len() < 10 {
            return false;
        }
        let mut h = fnv_start();
        for (k, &b) in word.iter().enumerate().take(word.len() - 3) {
            h = fnv_feed(h, &[b]);
            if k + 1 >= 6 && self.is_group_hash(h) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_the_training_script() {
        // Values printed by scripts/train_sentiment_abuse.py (fnv, bucket).
        assert_eq!(fnv(b"kanker"), 0xbd2e_96a7_64ff_16e5);
        assert_eq!(mix(fnv(b"goed") ^ K_UNI) >> (64 - 17), 18679);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert!(HashedLinear::parse(b"", b"WHSM").is_err());
        assert!(HashedLinear::parse(b"WHSM\x01\x00", b"WHSM").is_err());
        assert!(HashedLinear::parse(b"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", b"WHSM").is_err());
    }
}
