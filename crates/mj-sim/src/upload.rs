//! The image a DESCRIBE task was given. The real servers answer a describe with that image
//! as the task's `imageUrl` (the attachment they posted to Discord), not with a new
//! drawing, so the simulator keeps the upload and serves it back byte for byte.

/// Where a described image is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Uploaded as base64 (a data URL, or trueai's bare base64): kept to serve back.
    Uploaded {
        /// The media type the data URL declared (`image/png` for bare base64).
        mime: String,
        /// The decoded bytes.
        bytes: Vec<u8>,
    },
    /// Given as a link (trueai's `link`): the task shows the link itself.
    Link(String),
}

impl Source {
    /// The image of a describe request: a data URL, bare base64, or an http(s) link.
    /// `None` when the base64 does not decode.
    pub(crate) fn of(image: &str) -> Option<Self> {
        if image.starts_with("http://") || image.starts_with("https://") {
            return Some(Self::Link(image.to_owned()));
        }
        let (mime, data) = match image.strip_prefix("data:").and_then(|rest| rest.split_once(";base64,")) {
            Some((mime, data)) => (mime.trim(), data),
            None => ("image/png", image),
        };
        let mime = if mime.is_empty() { "image/png" } else { mime };
        Some(Self::Uploaded { mime: mime.to_owned(), bytes: decode_base64(data)? })
    }
}

/// Standard or URL-safe base64, padded or not; `None` on any other character.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    };
    let digits = text.trim().trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in digits {
        acc = (acc << 6) | u32::from(value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_bare_base64_and_links() {
        let png = Source::of("data:image/png;base64,iVBORw0KGgo=").expect("decodes");
        assert_eq!(png, Source::Uploaded { mime: "image/png".into(), bytes: b"\x89PNG\r\n\x1a\n".to_vec() });
        let bare = Source::of("aGVsbG8").expect("decodes");
        assert_eq!(bare, Source::Uploaded { mime: "image/png".into(), bytes: b"hello".to_vec() });
        assert_eq!(Source::of("https://x.test/a.png"), Some(Source::Link("https://x.test/a.png".into())));
        assert_eq!(Source::of("data:image/png;base64,@@"), None);
    }
}
