//! A server's pacing as the servers file writes it: durations as seconds or as text
//! (`45`, `"45s"`, `"1h30m"`), working hours as `"09:10-22:50"`, the zone as an offset.

use std::fmt;
use std::time::Duration;

use mj_proto::pacing::{Cooldown, Hours, Money, Pacing, Prices};
use serde::Deserialize;
use serde::de::{self, Visitor};

/// A duration in the servers file: a number of seconds, or text such as `"45s"`, `"6h"`,
/// `"1h30m"`, `"500ms"` or `"2d"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span(pub(crate) Duration);

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SpanVisitor;
        impl Visitor<'_> for SpanVisitor {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("seconds, or a duration such as \"45s\", \"6h\" or \"1h30m\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Span, E> {
                Ok(Span(Duration::from_secs(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Span, E> {
                u64::try_from(v)
                    .map(|v| Span(Duration::from_secs(v)))
                    .map_err(|_| E::custom("a duration is not negative"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Span, E> {
                Duration::try_from_secs_f64(v).map(Span).map_err(|_| E::custom("not a duration in seconds"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Span, E> {
                parse_duration(v).map(Span).map_err(E::custom)
            }
        }
        d.deserialize_any(SpanVisitor)
    }
}

/// `"45s"`, `"6h"`, `"1h30m"`, `"500ms"`, `"2d"` or a bare number of seconds (`"45"`).
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(mj_files::parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
/// assert_eq!(mj_files::parse_duration("45"), Ok(Duration::from_secs(45)));
/// assert!(mj_files::parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("{text:?} is not a duration: write seconds, or a number and a unit (ms, s, m, h, d) like 45s or 1h30m")
    };
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let (mut total, mut rest) = (Duration::ZERO, text);
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let one = match &rest[..unit] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return Err(bad()),
        };
        total = one
            .checked_mul(u32::try_from(number).map_err(|_| bad())?)
            .and_then(|d| total.checked_add(d))
            .ok_or_else(bad)?;
        rest = &rest[unit..];
    }
    if text.is_empty() { Err(bad()) } else { Ok(total) }
}

/// A zone: a name of the time zone database (`Asia/Shanghai`, with the `zones` feature),
/// or an offset from UTC.
fn zone_of(text: &str) -> Result<Zoned, String> {
    match parse_offset(text) {
        Ok(offset) => Ok(Zoned::Offset(offset)),
        Err(e) => named(text).map(Zoned::Named).ok_or(e),
    }
}

/// How a `timezone` reads.
enum Zoned {
    Offset(i32),
    Named(std::sync::Arc<dyn mj_proto::pacing::Zone>),
}

/// A zone of the time zone database.
#[cfg(feature = "zones")]
fn named(text: &str) -> Option<std::sync::Arc<dyn mj_proto::pacing::Zone>> {
    let tz = jiff::tz::TimeZone::get(text.trim()).ok()?;
    Some(std::sync::Arc::new(DatabaseZone { name: text.trim().to_owned(), tz }))
}

/// Without the `zones` feature, no name is known.
#[cfg(not(feature = "zones"))]
fn named(_: &str) -> Option<std::sync::Arc<dyn mj_proto::pacing::Zone>> {
    None
}

/// A zone of jiff's bundled time zone database.
#[cfg(feature = "zones")]
#[derive(Debug)]
struct DatabaseZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

#[cfg(feature = "zones")]
impl mj_proto::pacing::Zone for DatabaseZone {
    fn name(&self) -> &str {
        &self.name
    }

    fn offset_at(&self, unix_ms: i64) -> i32 {
        jiff::Timestamp::from_millisecond(unix_ms).map_or(0, |at| self.tz.to_offset(at).seconds())
    }
}

/// A zone as an offset from UTC: `UTC`, `Z`, `+08:00`, `-05:30` or `+8`, in seconds.
pub(crate) fn parse_offset(text: &str) -> Result<i32, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return Ok(0);
    }
    let bad = || {
        format!(
            "timezone {text:?}: write a zone name such as \"Asia/Shanghai\" (with mj-files' `zones` feature, which mj has), an offset from UTC such as \"+08:00\", or \"UTC\""
        )
    };
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes): (i32, i32) = (hours.parse().map_err(|_| bad())?, minutes.parse().map_err(|_| bad())?);
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return Err(bad());
    }
    Ok(sign * (hours * 3600 + minutes * 60))
}

/// The pacing fields of one `[[server]]` table.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PacingFields {
    pub(crate) min_interval: Option<Span>,
    pub(crate) jitter: Option<Span>,
    pub(crate) daily_tasks: Option<u32>,
    pub(crate) daily_images: Option<u32>,
    pub(crate) hours: Option<String>,
    pub(crate) timezone: Option<String>,
    pub(crate) cooldown_after: Option<u32>,
    pub(crate) cooldown_window: Option<Span>,
    pub(crate) cooldown: Option<Span>,
    pub(crate) budget_per_day: Option<f64>,
    pub(crate) prices: Option<std::collections::BTreeMap<String, f64>>,
}

impl PacingFields {
    /// The rules these fields write. Jitter is a third of the interval unless given, so
    /// that submits never come at a machine's even beat; a cooldown needs its three
    /// fields together.
    pub(crate) fn pacing(&self) -> Result<Pacing, String> {
        let mut pacing = Pacing::new();
        if let Some(Span(interval)) = self.min_interval {
            let jitter = self.jitter.map_or(interval / 3, |Span(j)| j);
            pacing = pacing.min_interval(interval, jitter);
        } else if self.jitter.is_some() {
            return Err("jitter is added to min_interval: give min_interval too".to_owned());
        }
        if let Some(tasks) = self.daily_tasks {
            pacing = pacing.daily_tasks(tasks);
        }
        if let Some(images) = self.daily_images {
            pacing = pacing.daily_images(images);
        }
        if let Some(hours) = &self.hours {
            pacing = pacing.hours(hours.parse::<Hours>()?);
        }
        if let Some(zone) = &self.timezone {
            pacing = match zone_of(zone)? {
                Zoned::Offset(offset) => pacing.utc_offset(offset),
                Zoned::Named(zone) => pacing.zone(zone),
            };
        }
        match (self.cooldown_after, self.cooldown_window, self.cooldown) {
            (Some(after), Some(Span(window)), Some(Span(rest))) if after > 0 => {
                pacing = pacing.cooldown(Cooldown { after, window, rest });
            }
            (None, None, None) => {}
            _ => {
                return Err(
                    "a cooldown is cooldown_after (1 or more), cooldown_window and cooldown together".to_owned()
                );
            }
        }
        if let Some(budget) = self.budget_per_day {
            pacing = pacing.budget_per_day(amount("budget_per_day", budget)?);
        }
        if let Some(table) = &self.prices {
            let mut prices = Prices::new();
            for (action, price) in table {
                prices = prices.price(action, amount(&format!("prices.{action}"), *price)?);
            }
            pacing = pacing.prices(prices);
        }
        Ok(pacing)
    }
}

/// `value` of `field` as an amount: a number from 0 up.
fn amount(field: &str, value: f64) -> Result<Money, String> {
    Money::from_units(value).ok_or_else(|| format!("{field} = {value} is not an amount (a number from 0)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds_or_with_units() {
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(2 * 86_400)));
        for bad in ["", "s", "4x", "1.5h", "-3s", "h1"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn zones_read_as_offsets() {
        assert_eq!(parse_offset("+08:00"), Ok(28_800));
        assert_eq!(parse_offset("-05:30"), Ok(-19_800));
        assert_eq!(parse_offset("UTC"), Ok(0));
        assert_eq!(parse_offset("+8"), Ok(28_800));
        let e = parse_offset("Asia/Shanghai").expect_err("a name");
        assert!(e.contains("+08:00"), "{e}");
    }
}
