//! `data:` URLs: how images travel in request bodies (`base64Array`, `maskBase64`, …).

/// Encodes `bytes` as a `data:<mime>;base64,…` URL.
///
/// ```
/// assert_eq!(mj_proto::data_url::encode("image/png", b"hi"), "data:image/png;base64,aGk=");
/// ```
pub fn encode(mime: &str, bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(mime.len() + 13 + bytes.len().div_ceil(3) * 4);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";base64,");
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An image file's bytes as a data URL, its type sniffed from the bytes: what every image
/// field takes.
///
/// ```
/// let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
/// assert!(mj_proto::data_url::from_image(png)?.starts_with("data:image/png;base64,"));
/// assert!(mj_proto::data_url::from_image(b"%PDF-1.7").is_err());
/// # Ok::<(), mj_proto::BuildError>(())
/// ```
pub fn from_image(bytes: &[u8]) -> Result<String, crate::BuildError> {
    match sniff_image_type(bytes) {
        Some(mime) => Ok(encode(mime, bytes)),
        None => Err(crate::BuildError::Image { field: "image", index: 0, reason: "not a PNG, JPEG, GIF or WebP file" }),
    }
}

/// The image type of `bytes`, from its magic number (PNG, JPEG, GIF, WebP).
pub fn sniff_image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// True for bare base64 (no `data:` prefix) of a plausible length.
pub(crate) fn is_raw_base64(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    !body.is_empty()
        && value.len() - body.len() <= 2
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        && value.len() % 4 != 1
}

/// Why a string is not a usable image reference, or `None` when it is one: a
/// `data:<type>;base64,<data>` URL with valid base64, or an http(s) URL.
pub(crate) fn problem(value: &str) -> Option<&'static str> {
    if value.starts_with("http://") || value.starts_with("https://") {
        return None;
    }
    let Some(rest) = value.strip_prefix("data:") else {
        return Some(if is_raw_base64(value) {
            "raw base64 needs a data URL prefix (data:image/png;base64,…); only trueai takes it bare"
        } else {
            "expected a data:<type>;base64,<data> URL or an http(s) URL"
        });
    };
    let Some((meta, data)) = rest.split_once(',') else {
        return Some("the data URL has no comma before its data");
    };
    if !meta.ends_with(";base64") {
        return Some("the data URL is not base64 (`;base64,` is missing)");
    }
    if data.is_empty() {
        return Some("the data URL holds no data");
    }
    let body = data.trim_end_matches('=');
    if data.len() - body.len() > 2 {
        return Some("the base64 data has too much padding");
    }
    if !body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')) {
        return Some("the base64 data holds characters outside the base64 alphabet");
    }
    if data.len() % 4 == 1 || (data.ends_with('=') && data.len() % 4 != 0) {
        return Some("the base64 data has an impossible length (truncated?)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, b64) in cases {
            assert_eq!(encode("x/y", input.as_bytes()), format!("data:x/y;base64,{b64}"));
        }
    }

    #[test]
    fn checks_data_urls() {
        assert_eq!(problem("data:image/png;base64,iVBORw0KGgo="), None);
        assert_eq!(problem("https://example.com/a.png"), None);
        assert!(problem("iVBORw0KGgo=").is_some());
        assert!(problem("data:image/png,abc").is_some());
        assert!(problem("data:image/png;base64,").is_some());
        assert!(problem("data:image/png;base64,ab$d").is_some());
        assert!(problem("data:image/png;base64,abcde").is_some());
        assert!(problem("data:image/png;base64,iVBOR...gg==").is_some());
        assert_eq!(problem(&encode("image/png", &[1, 2, 3, 4, 5])), None);
    }

    #[test]
    fn sniffs_types() {
        assert_eq!(sniff_image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_image_type(b"\xFF\xD8\xFF\xE0"), Some("image/jpeg"));
        assert_eq!(sniff_image_type(b"hello"), None);
    }
}
