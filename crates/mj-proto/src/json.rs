//! The JSON reader under every response decoder: serde_json, driving mj's hand-written
//! lenient visitors (serde_json also names the JSON path of an error).

use serde::Deserialize;

/// Decodes `body` as `T`. A body that is valid UTF-8 as a whole (nearly all are) is
/// checked once, in one vectorised pass (simdutf8: std's scalar check was 8% of a bulk
/// decode), instead of string by string; any other goes through the byte reader, which
/// gives the same values and the same errors.
pub(crate) fn from_slice<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, serde_json::Error> {
    match simdutf8::basic::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}
