//! The API key, kept out of `Debug`, logs and error messages.

use std::fmt;

use crate::config_error::ConfigError;

/// An API key. Its `Debug` prints `ApiKey([redacted])`; it has no `Display`; the headers
/// that carry it are marked sensitive. Read it only with [`ApiKey::expose_secret`].
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks that `key` can travel in an HTTP header (visible ASCII, no spaces inside).
    /// Surrounding white space (a trailing newline from a key file) is dropped.
    pub fn new(key: impl Into<String>) -> Result<Self, ConfigError> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidApiKey);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The key itself, for building headers.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// The text that stands where a key was found in a server's answer.
pub(crate) const REDACTED: &str = "[redacted]";

/// Replaces every occurrence of `secret` in `text` with `[redacted]`, in whatever form a
/// server echoed it (plain, percent-encoded, JSON-escaped, base64): what the clients apply
/// to anything a person or a log sees that may hold a key or a hook's secret path.
///
/// ```
/// let mut text = "refused sk-abc/def (sk-abc%2Fdef)".to_owned();
/// mj_proto::scrub_text(&mut text, "sk-abc/def");
/// assert!(!text.contains("sk-abc"), "{text}");
/// ```
pub fn scrub_text(text: &mut String, secret: &str) {
    if secret.is_empty() || find(text.as_bytes(), secret.as_bytes(), 0).is_none() {
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    scrub_bytes(&mut bytes, secret);
    // Every matched form is ASCII and so is the stand-in: the text stays UTF-8.
    *text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// Replaces every occurrence of `secret` in `bytes` with `[redacted]`, in each form a
/// server may echo it: as it is, percent-encoded (`%2F`, `%2b`, any mix of encoded and
/// plain characters, as a URL or a form carries it), JSON-escaped (`\/`, `\u002F`,
/// `\"`, `\\`) and as HTML character references (`&#47;`, `&#x2F;`). A key is visible
/// ASCII ([`ApiKey::new`] checks), so each of its characters is matched in any of those
/// spellings, one at a time, and a key echoed in several encodings at once is caught too.
pub(crate) fn scrub_bytes(bytes: &mut Vec<u8>, secret: &str) {
    let needle = secret.as_bytes();
    if needle.is_empty() {
        return;
    }
    let Some((mut start, mut end)) = find(bytes, needle, 0) else { return };
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0;
    loop {
        out.extend_from_slice(&bytes[copied..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied = end;
        match find(bytes, needle, end) {
            Some((s, e)) => (start, end) = (s, e),
            None => break,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    *bytes = out;
}

/// True when `text` holds `secret` in any of the forms [`scrub_bytes`] knows.
pub(crate) fn contains(text: &[u8], secret: &str) -> bool {
    !secret.is_empty() && find(text, secret.as_bytes(), 0).is_some()
}

/// The first occurrence of `needle` at or after `from`, in any spelling: its start and end.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<(usize, usize)> {
    let first = *needle.first()?;
    (from..haystack.len())
        .filter(|&i| matches!(haystack[i], b'%' | b'\\' | b'&') || haystack[i] == first)
        .find_map(|i| matches_at(haystack, i, needle).map(|end| (i, end)))
}

/// Where a spelling of `needle` that starts at `at` ends, if one does. A character can
/// have two spellings at one place (`\\` is a backslash as it is, or the start of an
/// escaped one), so each is tried in turn.
fn matches_at(haystack: &[u8], at: usize, needle: &[u8]) -> Option<usize> {
    let Some((&wanted, rest)) = needle.split_first() else { return Some(at) };
    let text = haystack.get(at..)?;
    spellings(text, wanted).into_iter().flatten().find_map(|len| matches_at(haystack, at + len, rest))
}

/// The lengths of the spellings of the character `wanted` at the start of `text`: as it
/// is, and escaped or encoded.
fn spellings(text: &[u8], wanted: u8) -> [Option<usize>; 2] {
    let plain = (text.first() == Some(&wanted)).then_some(1);
    let encoded = match text {
        [b'%', h, l, ..] if hex(&[*h, *l]) == Some(u32::from(wanted)) => Some(3),
        [b'\\', c, ..] if *c == wanted && matches!(wanted, b'/' | b'\\' | b'"') => Some(2),
        [b'\\', b'u', rest @ ..] if rest.len() >= 4 && hex(&rest[..4]) == Some(u32::from(wanted)) => Some(6),
        [b'&', b'#', rest @ ..] => {
            let (digits, radix_len) = match rest {
                [b'x' | b'X', digits @ ..] => (digits, 1),
                digits => (digits, 0),
            };
            let len = digits.iter().take(8).position(|&b| b == b';');
            len.and_then(|len| {
                let value = if radix_len == 1 { hex(&digits[..len]) } else { decimal(&digits[..len]) };
                (value == Some(u32::from(wanted))).then_some(2 + radix_len + len + 1)
            })
        }
        _ => None,
    };
    [encoded, plain]
}

fn hex(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}

fn decimal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| Some(n * 10 + char::from(d).to_digit(10)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-a/b+c=d\"e\\f";

    fn scrubbed(text: &str) -> String {
        let mut text = text.to_owned();
        scrub_text(&mut text, KEY);
        text
    }

    #[test]
    fn every_spelling_of_the_key_is_scrubbed() {
        for echoed in [
            KEY.to_owned(),
            "sk-a%2Fb%2Bc%3Dd%22e%5Cf".to_owned(),
            "sk-a%2fb%2bc%3dd%22e%5cf".to_owned(),
            "%73%6B%2D%61%2F%62%2B%63%3D%64%22%65%5C%66".to_owned(),
            "sk-a%2Fb+c%3Dd\"e\\f".to_owned(),
            r#"sk-a\/b+c=d\"e\\f"#.to_owned(),
            r#"sk-a\u002Fb\u002bc\u003Dd\u0022e\u005Cf"#.to_owned(),
            "sk-a&#47;b&#x2B;c&#61;d&quot;e\\f".replace("&quot;", "&#34;"),
        ] {
            let text = format!("401: bad key `{echoed}` (see docs)");
            assert_eq!(scrubbed(&text), "401: bad key `[redacted]` (see docs)", "{echoed}");
        }
    }

    #[test]
    fn text_without_the_key_is_left_alone_and_near_misses_stay() {
        for text in ["", "sk-a/b+c=d\"e", "%zz sk-a%2", "&#;&#x;\\u00", "sk-a/b+c=d\"e\\g", "ü sk-a/b"] {
            assert_eq!(scrubbed(text), text);
        }
        let mut bytes = b"\xff\xfe sk-a/b+c=d\"e\\f tail sk-a%2Fb%2Bc%3Dd%22e%5Cf".to_vec();
        scrub_bytes(&mut bytes, KEY);
        assert_eq!(bytes, b"\xff\xfe [redacted] tail [redacted]");
        assert!(contains(br#"x sk-a\/b+c=d\"e\\f"#, KEY));
        assert!(!contains(b"x", ""));
    }
}
