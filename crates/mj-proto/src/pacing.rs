//! How fast and how much one server may be asked to create tasks, so that the Midjourney
//! account behind it is not banned for going too fast or too far: a minimum interval
//! between submits (with jitter), daily caps on tasks and images, working hours, and a
//! rest after moderation strikes.
//!
//! Pure, like the plans: the wall-clock time comes in as a [`Wall`] (milliseconds since the
//! Unix epoch and the offset of the zone whose days and hours count), and what a server
//! has been asked is a [`Tally`], plain data that a store keeps between calls and between
//! processes. [`Pacing::claim`] checks every rule and, when all allow a submit, records it
//! in the same step, so that a store that runs it under a lock or a transaction gives two
//! processes one slot, never the same one.

use std::fmt;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// The rules of one server. The default has none: submits go as fast as the server takes
/// them, as before pacing existed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pacing {
    /// The least time between two submits to this server.
    pub min_interval: Duration,
    /// Up to this much more, drawn anew after each submit, so that submits do not come at a
    /// machine's even beat.
    pub jitter: Duration,
    /// The most tasks created per day.
    pub daily_tasks: Option<u32>,
    /// The most images created per day (a grid counts 4, an upscale 1).
    pub daily_images: Option<u32>,
    /// The hours of the day submits may go, in the zone of the [`Wall`].
    pub hours: Option<Hours>,
    /// How moderation strikes put the server to rest.
    pub cooldown: Option<Cooldown>,
    /// The zone whose days and hours the caps and working hours count in, as its offset
    /// from UTC in seconds (`+08:00` is 28 800; UTC by default).
    pub utc_offset_secs: i32,
}

impl Pacing {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// At least `interval` between two submits, plus up to `jitter` more.
    pub fn min_interval(mut self, interval: Duration, jitter: Duration) -> Self {
        (self.min_interval, self.jitter) = (interval, jitter);
        self
    }

    /// At most `tasks` tasks per day.
    pub fn daily_tasks(mut self, tasks: u32) -> Self {
        self.daily_tasks = Some(tasks);
        self
    }

    /// At most `images` images per day.
    pub fn daily_images(mut self, images: u32) -> Self {
        self.daily_images = Some(images);
        self
    }

    /// Submits only within `hours`.
    pub fn hours(mut self, hours: Hours) -> Self {
        self.hours = Some(hours);
        self
    }

    /// A rest after moderation strikes.
    pub fn cooldown(mut self, cooldown: Cooldown) -> Self {
        self.cooldown = Some(cooldown);
        self
    }

    /// Counts days and hours in the zone `utc_offset_secs` from UTC.
    pub fn utc_offset(mut self, utc_offset_secs: i32) -> Self {
        self.utc_offset_secs = utc_offset_secs;
        self
    }

    /// Whether any rule is set (the zone alone is none).
    pub fn is_active(&self) -> bool {
        Self { utc_offset_secs: 0, ..self.clone() } != Self::default()
    }

    /// Claims a submit of a task of `images` images at `now`: when every rule allows it,
    /// records it in `tally` and returns `Ok`; otherwise returns the earliest instant it
    /// may go and the rule that holds it, and changes nothing. `draw` is a random number
    /// for the next submit's jitter.
    pub fn claim(&self, tally: &mut Tally, now: Wall, images: u32, draw: u64) -> Result<(), Held> {
        tally.roll(now);
        let held = |rule, until_ms| Held {
            server: String::new(),
            rule,
            until_ms,
            utc_offset_secs: now.utc_offset_secs,
            tasks_today: tally.tasks,
            images_today: tally.images,
        };
        if let Some(until) = tally.resting_until.filter(|&until| until > now.unix_ms) {
            return Err(held(Rule::Cooldown, Some(until)));
        }
        if let Some(next) = tally.next_ms.filter(|&next| next > now.unix_ms) {
            return Err(held(Rule::MinInterval, Some(next)));
        }
        if let Some(hours) = self.hours
            && let Some(opens) = hours.next_open(now)
        {
            return Err(held(Rule::Hours, Some(opens)));
        }
        let tomorrow = Some(now.next_day_ms());
        if let Some(cap) = self.daily_tasks
            && tally.tasks >= cap
        {
            return Err(held(Rule::DailyTasks { cap }, tomorrow));
        }
        if let Some(cap) = self.daily_images
            && tally.images.saturating_add(images) > cap
        {
            // A task bigger than the whole cap never fits.
            let until = if images > cap { None } else { tomorrow };
            return Err(held(Rule::DailyImages { cap }, until));
        }
        tally.tasks += 1;
        tally.images = tally.images.saturating_add(images);
        tally.last_ms = Some(now.unix_ms);
        let jitter = match u64::try_from(self.jitter.as_millis()).unwrap_or(u64::MAX) {
            0 => 0,
            most => draw % most.saturating_add(1),
        };
        tally.gap_ms =
            i64::try_from(u64::try_from(self.min_interval.as_millis()).unwrap_or(u64::MAX).saturating_add(jitter))
                .unwrap_or(i64::MAX);
        tally.next_ms = Some(now.unix_ms.saturating_add(tally.gap_ms));
        Ok(())
    }

    /// Notes that the claimed submit's exchange ended at `now`: the request reached the
    /// server at some instant before, so the interval counts from here, and the next
    /// submit cannot reach the server sooner than the interval after this one did.
    pub fn sent(&self, tally: &mut Tally, now: Wall) {
        let next = now.unix_ms.saturating_add(tally.gap_ms);
        tally.next_ms = Some(tally.next_ms.map_or(next, |n| n.max(next)));
    }

    /// Gives back a claim whose submit provably created nothing (no connection, a full
    /// queue, a refused key): the task and its images no longer count against the day's
    /// caps. The interval still runs from it, since the server saw a request.
    pub fn release(&self, tally: &mut Tally, images: u32) {
        tally.tasks = tally.tasks.saturating_sub(1);
        tally.images = tally.images.saturating_sub(images);
    }

    /// Counts a moderation strike at `now` (a banned prompt, a moderated task): enough of
    /// them within the window put the server to rest. True when this strike started a rest.
    pub fn strike(&self, tally: &mut Tally, now: Wall) -> bool {
        tally.roll(now);
        tally.strikes_today = tally.strikes_today.saturating_add(1);
        let Some(cooldown) = self.cooldown else { return false };
        let window = i64::try_from(cooldown.window.as_millis()).unwrap_or(i64::MAX);
        tally.strikes.retain(|&at| now.unix_ms.saturating_sub(at) < window);
        tally.strikes.push(now.unix_ms);
        if tally.strikes.len() < cooldown.after as usize {
            return false;
        }
        tally.strikes.clear();
        let rest = i64::try_from(cooldown.rest.as_millis()).unwrap_or(i64::MAX);
        tally.resting_until = Some(now.unix_ms.saturating_add(rest));
        true
    }
}

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
    fn next_open(self, now: Wall) -> Option<i64> {
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

/// Moderation strikes put a server to rest: `after` strikes within `window` rest it for
/// `rest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cooldown {
    /// Strikes within the window that start a rest.
    pub after: u32,
    /// How far back strikes count.
    pub window: Duration,
    /// How long the rest lasts.
    pub rest: Duration,
}

/// What one server has been asked, as pacing counts it: plain data that a store keeps
/// (serialized as JSON by the stores mj ships).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Tally {
    /// The day (in the pacing zone) the counts are of.
    pub day: i64,
    /// Tasks claimed that day.
    pub tasks: u32,
    /// Images claimed that day.
    pub images: u32,
    /// Moderation strikes that day.
    #[serde(default)]
    pub strikes_today: u32,
    /// The last submit, in milliseconds since the epoch.
    pub last_ms: Option<i64>,
    /// The earliest next submit (the last one, the interval and its jitter).
    pub next_ms: Option<i64>,
    /// The interval and jitter drawn for the last submit, in milliseconds.
    #[serde(default)]
    pub gap_ms: i64,
    /// The strikes within the cooldown window.
    #[serde(default)]
    pub strikes: Vec<i64>,
    /// The end of a rest after strikes.
    pub resting_until: Option<i64>,
}

impl Tally {
    /// Starts the day's counts afresh when `now` is on another day.
    fn roll(&mut self, now: Wall) {
        let day = now.day();
        if day != self.day {
            (self.day, self.tasks, self.images, self.strikes_today) = (day, 0, 0, 0);
        }
    }
}

/// Why a submit may not go yet, and when it may.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Held {
    /// The server it is held on (a pool member's name, or the server's host); empty from
    /// [`Pacing::claim`], which does not know it.
    pub server: String,
    /// The rule that holds it.
    pub rule: Rule,
    /// The earliest instant it may go, in milliseconds since the epoch; `None` when it
    /// never may (a task bigger than the whole daily image cap).
    pub until_ms: Option<i64>,
    /// The offset of the zone the rules count in, to say the instant as its clocks do.
    pub utc_offset_secs: i32,
    /// Tasks claimed on the server today.
    pub tasks_today: u32,
    /// Images claimed on the server today.
    pub images_today: u32,
}

impl Held {
    /// The same hold, on `server`.
    pub fn on(mut self, server: impl Into<String>) -> Self {
        self.server = server.into();
        self
    }
}

/// `server a: no submit before 2026-12-07 14:02:31 +08:00 (the minimum interval between
/// submits); 12 tasks and 48 images today`.
impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.server.is_empty() {
            write!(f, "server {}: ", self.server)?;
        }
        match self.until_ms {
            Some(until) => write!(f, "no submit before {} ({})", clock(until, self.utc_offset_secs), self.rule)?,
            None => write!(f, "this task never fits {}", self.rule)?,
        }
        write!(f, "; {} tasks and {} images today", self.tasks_today, self.images_today)
    }
}

/// `unix_ms` as a date and time in the zone at `offset` seconds: `2026-12-07 14:02:31 +08:00`.
fn clock(unix_ms: i64, offset: i32) -> String {
    let local = unix_ms.div_euclid(1000) + i64::from(offset);
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
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

/// A pacing rule, as a hold names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The least time between two submits.
    MinInterval,
    /// The daily cap on tasks.
    DailyTasks {
        /// The cap.
        cap: u32,
    },
    /// The daily cap on images.
    DailyImages {
        /// The cap.
        cap: u32,
    },
    /// The working hours.
    Hours,
    /// A rest after moderation strikes.
    Cooldown,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MinInterval => f.write_str("the minimum interval between submits"),
            Self::DailyTasks { cap } => write!(f, "the daily cap of {cap} tasks"),
            Self::DailyImages { cap } => write!(f, "the daily cap of {cap} images"),
            Self::Hours => f.write_str("the working hours"),
            Self::Cooldown => f.write_str("a rest after moderation strikes"),
        }
    }
}

/// How many images a task of `action` creates, as the daily image cap counts them: a grid
/// (imagine, blend, variation, reroll, zoom, pan) 4, an upscale 1, a text (describe,
/// shorten) none.
pub fn images_of(action: &crate::model::TaskAction) -> u32 {
    use crate::model::TaskAction as A;
    match action {
        A::Describe | A::Shorten => 0,
        A::Upscale => 1,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_765_000_000_000; // a UTC instant; offsets below move its day

    fn wall(ms: i64) -> Wall {
        Wall::new(ms, 0)
    }

    #[test]
    fn submits_keep_the_minimum_interval_plus_jitter() {
        let pacing = Pacing::new().min_interval(Duration::from_secs(45), Duration::from_secs(10));
        let mut tally = Tally::default();
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, 3_000), Ok(()));
        let held = pacing.claim(&mut tally, wall(T0 + 44_000), 4, 0).expect_err("too soon");
        assert_eq!((held.rule, held.until_ms), (Rule::MinInterval, Some(T0 + 48_000)), "45 s + 3 s of jitter");
        assert_eq!(pacing.claim(&mut tally, wall(T0 + 48_000), 4, 0), Ok(()));
        assert_eq!(tally.tasks, 2);
        // The exchange ended 2 s later: the interval counts from its end.
        pacing.sent(&mut tally, wall(T0 + 50_000));
        let held = pacing.claim(&mut tally, wall(T0 + 94_000), 4, 0).expect_err("45 s after the end");
        assert_eq!(held.until_ms, Some(T0 + 95_000));
    }

    #[test]
    fn daily_caps_hold_until_the_next_day_in_the_zone() {
        let pacing = Pacing::new().daily_tasks(2).daily_images(5);
        let mut tally = Tally::default();
        let shanghai = |ms| Wall::new(ms, 8 * 3600);
        assert_eq!(pacing.claim(&mut tally, shanghai(T0), 4, 0), Ok(()));
        let held = pacing.claim(&mut tally, shanghai(T0 + 1), 4, 0).expect_err("9 images > 5");
        assert_eq!(held.rule, Rule::DailyImages { cap: 5 });
        let midnight = shanghai(T0).next_day_ms();
        assert_eq!(held.until_ms, Some(midnight));
        assert_eq!(shanghai(midnight).day(), shanghai(T0).day() + 1);
        assert_eq!((midnight + 8 * 3_600_000) % DAY_MS, 0, "midnight in Shanghai");
        assert_eq!(pacing.claim(&mut tally, shanghai(T0 + 2), 1, 0), Ok(()), "an upscale still fits");
        let held = pacing.claim(&mut tally, shanghai(T0 + 3), 0, 0).expect_err("2 tasks");
        assert_eq!(held.rule, Rule::DailyTasks { cap: 2 });
        assert_eq!(pacing.claim(&mut tally, shanghai(midnight), 4, 0), Ok(()), "a new day");
        assert_eq!((tally.tasks, tally.images), (1, 4));
        let too_big = pacing.claim(&mut tally, shanghai(midnight), 9, 0).expect_err("never fits");
        assert_eq!(too_big.until_ms, None);
    }

    #[test]
    fn a_released_claim_no_longer_counts_but_the_interval_runs() {
        let pacing = Pacing::new().daily_tasks(1).min_interval(Duration::from_secs(1), Duration::ZERO);
        let mut tally = Tally::default();
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, 0), Ok(()));
        pacing.release(&mut tally, 4);
        assert_eq!(pacing.claim(&mut tally, wall(T0 + 10), 4, 0).map_err(|h| h.rule), Err(Rule::MinInterval));
        assert_eq!(pacing.claim(&mut tally, wall(T0 + 1_000), 4, 0), Ok(()));
    }

    #[test]
    fn working_hours_open_at_their_start_and_may_run_over_midnight() {
        let hours: Hours = "09:10-22:50".parse().expect("hours");
        assert_eq!((hours.start, hours.end, hours.to_string()), (550, 1370, "09:10-22:50".to_owned()));
        let pacing = Pacing::new().hours(hours);
        let day = T0 - T0.rem_euclid(DAY_MS);
        let at = |h: i64, m: i64| wall(day + h * 3_600_000 + m * 60_000);
        let mut tally = Tally::default();
        let early = pacing.claim(&mut tally, at(8, 0), 4, 0).expect_err("before 9:10");
        assert_eq!((early.rule, early.until_ms), (Rule::Hours, Some(at(9, 10).unix_ms)));
        let late = pacing.claim(&mut tally, at(23, 0), 4, 0).expect_err("after 22:50");
        assert_eq!(late.until_ms, Some(at(24 + 9, 10).unix_ms), "tomorrow at 9:10");
        assert_eq!(pacing.claim(&mut tally, at(12, 0), 4, 0), Ok(()));
        let night = Pacing::new().hours("22:00-06:00".parse().expect("hours"));
        assert_eq!(night.claim(&mut tally, at(23, 30), 4, 0), Ok(()));
        let mut tally = Tally::default();
        assert_eq!(night.claim(&mut tally, at(12, 0), 4, 0).map_err(|h| h.until_ms), Err(Some(at(22, 0).unix_ms)));
        assert!("9-17".parse::<Hours>().is_err() && "25:00-26:00".parse::<Hours>().is_err());
    }

    #[test]
    fn a_hold_says_when_in_the_zone_s_own_clock() {
        let pacing = Pacing::new().min_interval(Duration::from_secs(45), Duration::ZERO);
        let mut tally = Tally::default();
        let at = Wall::new(1_765_087_306_000, 8 * 3600); // 2025-12-07 06:01:46 UTC
        assert_eq!(pacing.claim(&mut tally, at, 4, 0), Ok(()));
        let held = pacing.claim(&mut tally, at, 4, 0).expect_err("too soon").on("a");
        assert_eq!(
            held.to_string(),
            "server a: no submit before 2025-12-07 14:02:31 +08:00 (the minimum interval between submits); 1 tasks and 4 images today"
        );
        assert_eq!(clock(0, -5 * 3600 - 1800), "1969-12-31 18:30:00 -05:30");
    }

    #[test]
    fn strikes_within_the_window_rest_the_server() {
        let cooldown = Cooldown { after: 2, window: Duration::from_secs(3600), rest: Duration::from_secs(6 * 3600) };
        let pacing = Pacing::new().cooldown(cooldown);
        let mut tally = Tally::default();
        assert!(!pacing.strike(&mut tally, wall(T0)));
        assert!(!pacing.strike(&mut tally, wall(T0 + 3_600_000)), "the first strike left the window");
        assert!(pacing.strike(&mut tally, wall(T0 + 3_600_001)), "two within the hour");
        let held = pacing.claim(&mut tally, wall(T0 + 3_600_002), 4, 0).expect_err("resting");
        assert_eq!((held.rule, held.until_ms), (Rule::Cooldown, Some(T0 + 3_600_001 + 6 * 3_600_000)));
        assert_eq!(tally.strikes_today, 3);
        assert!(!Pacing::new().strike(&mut tally, wall(T0)), "no cooldown set: counted only");
    }
}
