//! Task timestamps: milliseconds since the Unix epoch, however the server wrote them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer};

use super::scalar::{self, Scalar};
use serde::{Serialize, Serializer};

/// A point in time in milliseconds since the Unix epoch, as the servers send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// A timestamp from milliseconds since the Unix epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0)
    }

    /// Time from `self` to `later`, or zero when `later` is earlier.
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_millis(later.0.saturating_sub(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Decodes `Option<Timestamp>` from an integer, a numeric string, null, `""` or `0`.
///
/// `0` is new-api's "unset" (Go's zero value); negative values are treated the same way.
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    scalar::read(d, TimestampReader)
}

struct TimestampReader;

impl Scalar<'_> for TimestampReader {
    type Value = Timestamp;

    fn expecting(&self) -> &'static str {
        "milliseconds since the epoch as a number or numeric string, or null"
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<Timestamp>, E> {
        Ok((v != 0).then_some(Timestamp(v)))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<Timestamp>, E> {
        Ok(u64::try_from(v).ok().filter(|&v| v != 0).map(Timestamp))
    }
    fn float<E: de::Error>(self, v: f64) -> Result<Option<Timestamp>, E> {
        // 2^64 is exactly representable; a larger value cannot be a timestamp.
        if v.is_finite() && v.fract() == 0.0 && v < 18_446_744_073_709_551_616.0 {
            Ok((v > 0.0).then_some(Timestamp(v as u64)))
        } else {
            Err(self.invalid(de::Unexpected::Float(v)))
        }
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<Timestamp>, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<i64>() {
            Ok(n) => self.signed(n),
            Err(_) => t.parse::<u64>().map(|n| Some(Timestamp(n))).map_err(|_| self.invalid(de::Unexpected::Str(v))),
        }
    }
}
