//! The wall clock pacing counts in: an instant and a zone's offset, its days and hours.

use std::fmt;
use std::sync::Arc;

pub(crate) const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// The wall-clock time pacing counts in: the instant, and the offset of the zone whose
/// days (for the daily caps) and hours (for the working hours) apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wall {
    /// Milliseconds since the Unix epoch.
    pub unix_ms: i64,
    /// The zone's offset from UTC, in seconds (`+08:00` is 28 800).
    pub utc_offset_secs: i32,
}

impl Wall {
    /// The instant `unix_ms`, with days and hours counted at `utc_offset_secs`.
    pub fn new(unix_ms: i64, utc_offset_secs: i32) -> Self {
        Self { unix_ms, utc_offset_secs }
    }

    fn local_ms(self) -> i64 {
        self.unix_ms.saturating_add(i64::from(self.utc_offset_secs) * 1000)
    }

    /// The day in the zone, counted from 1970-01-01.
    pub fn day(self) -> i64 {
        self.local_ms().div_euclid(DAY_MS)
    }

    /// When the next day begins in the zone, in milliseconds since the epoch.
    pub fn next_day_ms(self) -> i64 {
        (self.day() + 1) * DAY_MS - i64::from(self.utc_offset_secs) * 1000
    }

    fn minute_of_day(self) -> u32 {
        u32::try_from(self.local_ms().rem_euclid(DAY_MS) / MINUTE_MS).unwrap_or(0)
    }
}

/// Working hours: from `start` up to `end`, minutes of the day in the zone of the
/// [`Wall`]; an `end` before `start` runs over midnight (`22:00-06:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    /// The first minute of the day submits may go (9:10 is 550).
    pub start: u16,
    /// The first minute they may not (22:50 is 1370).
    pub end: u16,
}

impl Hours {
    /// When submits may go again, if they may not at `now`.
    pub(super) fn next_open(self, now: Wall) -> Option<i64> {
        let minute = now.minute_of_day();
        let (start, end) = (u32::from(self.start), u32::from(self.end));
        let open = if start <= end { minute >= start && minute < end } else { minute >= start || minute < end };
        if open || start == end {
            return None;
        }
        let wait_minutes = if minute < start { start - minute } else { 24 * 60 - minute + start };
        let this_minute = now.unix_ms - now.local_ms().rem_euclid(MINUTE_MS);
        Some(this_minute + i64::from(wait_minutes) * MINUTE_MS)
    }
}

impl std::str::FromStr for Hours {
    type Err = String;

    /// `HH:MM-HH:MM`, e.g. `09:10-22:50`.
    fn from_str(s: &str) -> Result<Self, String> {
        let minute = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let bad = || format!("working hours are HH:MM-HH:MM (like 09:10-22:50), not {s:?}");
        let (start, end) = s.split_once('-').ok_or_else(bad)?;
        Ok(Self { start: minute(start).ok_or_else(bad)?, end: minute(end).ok_or_else(bad)? })
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

/// `unix_ms` as a date and time in the zone at `offset` seconds: `2026-12-07 14:02:31 +08:00`.
pub fn clock(unix_ms: i64, offset: i32) -> String {
    let local = unix_ms.div_euclid(1000) + i64::from(offset);
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let (year, month, day) = civil(days);
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.unsigned_abs();
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} {sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        off / 3600,
        off % 3600 / 60
    )
}

/// The date of `days` since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Day `day` (counted from 1970-01-01, as [`Wall::day`] counts) as `YYYY-MM-DD`.
pub fn date_of_day(day: i64) -> String {
    let (year, month, date) = civil(day);
    format!("{year:04}-{month:02}-{date:02}")
}

/// `YYYY-MM-DD` as a day counted from 1970-01-01 (as [`Wall::day`] counts).
pub fn day_of_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let (year, month, date): (i64, i64, i64) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&date) {
        return None;
    }
    // Days from civil (the inverse of `civil`).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + date - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let day = era * 146_097 + doe - 719_468;
    (date_of_day(day) == format!("{year:04}-{month:02}-{date:02}")).then_some(day)
}

/// A zone whose offset from UTC changes with the date (daylight saving time): what a zone
/// name in the servers file (`Asia/Shanghai`, `Europe/Berlin`) reads as. The core knows
/// no time zone database; a reader of one implements this (mj-files does, with its
/// `zones` feature).
pub trait Zone: Send + Sync + fmt::Debug {
    /// Its name, as written.
    fn name(&self) -> &str;
    /// Its offset from UTC at `unix_ms`, in seconds.
    fn offset_at(&self, unix_ms: i64) -> i32;
}

/// A [`Zone`] as pacing holds it: two are equal when their names are.
#[derive(Clone, Debug)]
pub struct NamedZone(pub Arc<dyn Zone>);

impl PartialEq for NamedZone {
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for NamedZone {}
