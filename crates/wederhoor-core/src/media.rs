//! Pictures and videos a reply carries: what they are, told by their first bytes (never by a
//! name or a declared type), and how big each kind may be.

/// A kind of media a reply may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum MediaType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Mp4,
}

impl MediaType {
    /// What the bytes are, from their magic numbers; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(MediaType::Gif)
        } else if bytes.len() >= 12
            && bytes.starts_with(b"RIFF")
            && bytes.get(8..12) == Some(b"WEBP")
        {
            Some(MediaType::Webp)
        } else if bytes.get(4..8) == Some(b"ftyp") {
            Some(MediaType::Mp4)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
            MediaType::Mp4 => "video/mp4",
        }
    }

    /// The largest file of this kind a reply may carry: 5 MB pictures, 15 MB (short) videos —
    /// well under what Mastodon accepts (16 MB, 99 MB) and under the server's buffered-body
    /// budget.
    pub fn max_bytes(self) -> usize {
        match self {
            MediaType::Mp4 => 15 * 1024 * 1024,
            _ => 5 * 1024 * 1024,
        }
    }
}

/// The width and height of a PNG, from its header; `None` when it is not a PNG.
pub fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if MediaType::sniff(bytes) != Some(MediaType::Png) || bytes.get(12..16) != Some(b"IHDR") {
        return None;
    }
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_their_magic_bytes() {
        assert_eq!(
            MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(MediaType::Png)
        );
        assert_eq!(
            MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(MediaType::Jpeg)
        );
        assert_eq!(MediaType::sniff(b"GIF89a..."), Some(MediaType::Gif));
        assert_eq!(
            MediaType::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(MediaType::Webp)
        );
        assert_eq!(
            MediaType::sniff(b"\0\0\0\x18ftypmp42"),
            Some(MediaType::Mp4)
        );
        // A PNG by name only, an SVG (script can hide in it), HTML and a truncated header.
        assert_eq!(
            MediaType::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(MediaType::sniff(b"<html>png</html>"), None);
        assert_eq!(MediaType::sniff(b"\x89PNG"), None);
        assert_eq!(MediaType::sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(MediaType::sniff(b""), None);
    }

    #[test]
    fn png_dimensions_come_from_the_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1200u32.to_be_bytes());
        png.extend_from_slice(&675u32.to_be_bytes());
        assert_eq!(png_dimensions(&png), Some((1200, 675)));
        assert_eq!(png_dimensions(&png[..20]), None);
        assert_eq!(png_dimensions(b"GIF89a"), None);
        assert!(MediaType::Mp4.max_bytes() > MediaType::Png.max_bytes());
    }
}
