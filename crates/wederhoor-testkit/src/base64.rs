//! Just enough standard-alphabet base64 decoding for `Page.captureScreenshot`.

use anyhow::bail;

fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decode standard base64 (padding optional, ASCII whitespace ignored).
pub(crate) fn decode(input: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = 0usize;
    for (i, c) in input.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            bail!("invalid base64: data after padding at byte {i}");
        }
        let Some(v) = sextet(c) else {
            bail!("invalid base64: unexpected byte {c:#04x} at {i}");
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if padding > 2 || bits >= 6 {
        bail!("invalid base64: bad length or padding");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_rfc4648_vectors() -> anyhow::Result<()> {
        let cases = [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9vYmFy\n", "foobar"),
        ];
        for (input, want) in cases {
            assert_eq!(decode(input)?, want.as_bytes(), "decoding {input:?}");
        }
        Ok(())
    }

    #[test]
    fn decodes_binary() -> anyhow::Result<()> {
        assert_eq!(decode("iVBORw0KGgo=")?, b"\x89PNG\r\n\x1a\n");
        assert_eq!(decode("/+8=")?, [0xff, 0xef]);
        Ok(())
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode("Zm9v!").is_err());
        assert!(decode("Z").is_err());
        assert!(decode("Zg==Zg").is_err());
    }
}
