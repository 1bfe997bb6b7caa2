//! The API key, kept out of `Debug`, logs and error messages.

use std::fmt;

use crate::error::ConfigError;

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

/// Replaces every occurrence of `secret` in `text`.
pub(crate) fn scrub_text(text: &mut String, secret: &str) {
    if !secret.is_empty() && text.contains(secret) {
        *text = text.replace(secret, REDACTED);
    }
}

/// Replaces every occurrence of `secret` in `bytes`.
pub(crate) fn scrub_bytes(bytes: &mut Vec<u8>, secret: &str) {
    let needle = secret.as_bytes();
    if needle.is_empty() || bytes.len() < needle.len() {
        return;
    }
    if !bytes.windows(needle.len()).any(|w| w == needle) {
        return;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        if rest.starts_with(needle) {
            out.extend_from_slice(REDACTED.as_bytes());
            rest = &rest[needle.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    *bytes = out;
}
