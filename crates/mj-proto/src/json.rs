//! The JSON backend under every response decoder: serde_json, or sonic-rs with the `sonic`
//! feature. Both drive the same hand-written lenient visitors, so they give the same
//! values; serde_json stays the authority for errors (and names their JSON path).

use serde::Deserialize;

/// Decodes `body` as `T` with the configured backend.
pub(crate) fn from_slice<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, serde_json::Error> {
    #[cfg(feature = "sonic")]
    {
        match sonic(body) {
            Ok(value) => Ok(value),
            // The error path: serde_json decides, so an error reads the same with either
            // backend (and a body only sonic-rs refuses still decodes).
            Err(_) => serde_json(body),
        }
    }
    #[cfg(not(feature = "sonic"))]
    serde_json(body)
}

/// serde_json. A body that is valid UTF-8 as a whole (nearly all are) is checked once, in
/// one pass, instead of string by string; any other goes through the byte reader, which
/// gives the same values and the same errors.
pub(crate) fn serde_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// sonic-rs alone, with its own errors; a body it must not be given is refused first.
///
/// Three things sonic-rs 0.5 does not guard against are checked before it runs:
/// - invalid UTF-8: its `from_slice` hands a raw value (`properties`) holding invalid
///   UTF-8 to the visitor as a `&str` unchecked (only a `debug_assert` in its `as_str`);
/// - deep nesting: it skips unknown members recursively with no depth limit, so a body of
///   a few thousand `[` overflows the stack and aborts the process;
/// - escapes: what it skips may hold escapes serde_json refuses (`\u0mp4`, a lone
///   surrogate), which would make the two disagree.
///
/// serde_json has none of these problems, and such bodies go to it.
#[cfg(feature = "sonic")]
pub(crate) fn sonic<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, SonicError> {
    let text = sonic_input(body)?;
    sonic_rs::from_str(text).map_err(SonicError::Json)
}

/// `body` as the text sonic-rs may be given, or why it may not.
#[cfg(feature = "sonic")]
pub(crate) fn sonic_input(body: &[u8]) -> Result<&str, SonicError> {
    let text = std::str::from_utf8(body).map_err(SonicError::Utf8)?;
    screen(body, SONIC_MAX_DEPTH)?;
    Ok(text)
}

/// The deepest nesting given to sonic-rs: beyond any server's answer (a page of trueai
/// tasks nests seven levels), far under serde_json's limit of 127 (so both backends accept
/// the same bodies), and shallow enough for a 2 MiB thread stack (a tokio worker's) in a
/// debug build, where each level of sonic-rs's skipping takes some 50 KiB of stack.
#[cfg(feature = "sonic")]
const SONIC_MAX_DEPTH: usize = 16;

/// Checks what sonic-rs is not trusted with: nesting deeper than `limit`, and escapes that
/// serde_json would refuse (a bad escape, a lone surrogate), which sonic-rs lets through
/// when it skips a value. (Control characters in strings it refuses as serde_json does.) Strings are read as JSON reads them, so
/// brackets inside them do not count; a body that is not JSON is judged on the prefix a
/// JSON parser would read before it fails. Strings, most of a body, are crossed eight
/// bytes at a time.
#[cfg(feature = "sonic")]
fn screen(body: &[u8], limit: usize) -> Result<(), SonicError> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&byte) = body.get(at) {
        at += 1;
        match byte {
            b'"' => loop {
                at = string_special(body, at);
                match body.get(at) {
                    Some(b'\\') => at = escape(body, at + 1)?,
                    Some(_) => {
                        at += 1;
                        break;
                    }
                    None => return Ok(()),
                }
            },
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(SonicError::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks the escape whose letter is at `at` as serde_json reads it into a string, and
/// returns where the string goes on.
#[cfg(feature = "sonic")]
fn escape(body: &[u8], at: usize) -> Result<usize, SonicError> {
    let irregular = || SonicError::Irregular("an escape serde_json refuses");
    match body.get(at) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(at + 1),
        Some(b'u') => match hex4(body, at + 1) {
            // A high surrogate must be followed by an escaped low one.
            Some(0xD800..=0xDBFF) => match (body.get(at + 5..at + 7), hex4(body, at + 7)) {
                (Some(b"\\u"), Some(0xDC00..=0xDFFF)) => Ok(at + 11),
                _ => Err(irregular()),
            },
            Some(0xDC00..=0xDFFF) | None => Err(irregular()),
            Some(_) => Ok(at + 5),
        },
        // The end of the body: the parser fails there whichever it is.
        None => Ok(at),
        Some(_) => Err(irregular()),
    }
}

/// Four hex digits at `at`.
#[cfg(feature = "sonic")]
fn hex4(body: &[u8], at: usize) -> Option<u16> {
    let digits = std::str::from_utf8(body.get(at..at + 4)?).ok()?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

/// The index of the first quote or backslash in `body` at or after `at` (or `body.len()`).
#[cfg(feature = "sonic")]
fn string_special(body: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Bytes of `word` equal to `b` get their high bit set (exact for the lowest one).
    let equal = |word: u64, b: u8| {
        let x = word ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    while let Some(chunk) = body.get(at..at + 8) {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let hits = equal(word, b'"') | equal(word, b'\\');
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let special = |b: &u8| *b == b'"' || *b == b'\\';
    body.get(at..).and_then(|rest| rest.iter().position(special)).map_or(body.len(), |i| at + i)
}

/// Why sonic-rs did not decode a body.
#[cfg(feature = "sonic")]
#[derive(Debug)]
pub(crate) enum SonicError {
    /// The body is not UTF-8 (serde_json reads it byte by byte instead).
    Utf8(std::str::Utf8Error),
    /// It nests deeper than sonic-rs is given.
    TooDeep,
    /// It holds a string serde_json refuses and sonic-rs might not.
    Irregular(&'static str),
    /// sonic-rs refused it.
    Json(sonic_rs::Error),
}

#[cfg(feature = "sonic")]
impl std::fmt::Display for SonicError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SonicError::Utf8(e) => write!(f, "not UTF-8: {e}"),
            SonicError::TooDeep => write!(f, "nested deeper than {SONIC_MAX_DEPTH} levels"),
            SonicError::Irregular(what) => f.write_str(what),
            SonicError::Json(e) => e.fmt(f),
        }
    }
}

#[cfg(all(test, feature = "sonic"))]
mod tests {
    use super::{SonicError, screen};

    fn nests_within(body: &[u8], limit: usize) -> bool {
        !matches!(screen(body, limit), Err(SonicError::TooDeep))
    }

    #[test]
    fn nesting_is_measured_outside_strings_only() {
        assert!(nests_within(br#"[{"a":[1,{"b":[]}]}]"#, 5));
        assert!(!nests_within(br#"[{"a":[1,{"b":[]}]}]"#, 4));
        // Brackets in strings, escaped quotes and backslashes do not count.
        assert!(nests_within(br#"["[[[[", "\"[[[[", "\\\\", "{{{{"]"#, 1));
        assert!(!nests_within(br#"["\\\\", [[]]]"#, 2));
        // `]` in a string cannot hide real depth.
        assert!(!nests_within(br#"[["]]]]"[[[]]]]]"#, 4));
        // An unterminated string ends the structure.
        assert!(nests_within(br#"[["abc"#, 2));
        assert!(!nests_within(&[b'['; 65], 64));
        // Quotes and escapes at every offset of the eight-byte steps.
        for pad in 0..20 {
            let body = format!(r#"["{}\"[[[", [[]]]"#, "x".repeat(pad));
            assert!(nests_within(body.as_bytes(), 3) && !nests_within(body.as_bytes(), 2), "{body}");
        }
    }

    #[test]
    fn strings_serde_json_refuses_are_not_given_to_sonic() {
        for good in [r#"["a\u00e9\n\/\"", "\ud83e\udd8a"]"#, r#"["x\"#] {
            assert!(screen(good.as_bytes(), 8).is_ok(), "{good}");
        }
        for bad in [r#"["\u0mp4"]"#, r#"["\x"]"#, r#"["\ud83e"]"#, r#"["\udd8a"]"#, r#"["\ud83e\u0041"]"#] {
            assert!(matches!(screen(bad.as_bytes(), 8), Err(SonicError::Irregular(_))), "{bad}");
        }
    }
}
