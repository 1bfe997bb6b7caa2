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

use std::sync::Arc;
use std::time::Duration;

mod clock;
mod hold;
mod ledger;
mod money;
mod tally;

pub use clock::{Hours, NamedZone, Wall, Zone, clock, date_of_day, day_of_date};
pub use hold::{Held, Rule};
pub use ledger::LedgerEntry;
pub use money::{CLIP_SECONDS, Money, Prices};
pub use tally::Tally;

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
    /// from UTC in seconds (`+08:00` is 28 800; UTC by default), unless a named
    /// [`zone`](Self::zone) is set.
    pub utc_offset_secs: i32,
    /// A zone whose offset changes with the date; it wins over `utc_offset_secs`.
    pub zone: Option<NamedZone>,
    /// What each action costs on this server.
    pub prices: Prices,
    /// The most the day's tasks may cost together, at these prices.
    pub budget_per_day: Option<Money>,
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

    /// Prices each action at this server.
    pub fn prices(mut self, prices: Prices) -> Self {
        self.prices = prices;
        self
    }

    /// At most `budget` spent per day, at the server's prices.
    pub fn budget_per_day(mut self, budget: Money) -> Self {
        self.budget_per_day = Some(budget);
        self
    }

    /// Counts days and hours in `zone`, whatever its offset on the day (daylight saving
    /// time included).
    pub fn zone(mut self, zone: Arc<dyn Zone>) -> Self {
        self.zone = Some(NamedZone(zone));
        self
    }

    /// The instant `unix_ms` in this server's zone: what its rules count days and hours in.
    pub fn wall(&self, unix_ms: i64) -> Wall {
        let offset = self.zone.as_ref().map_or(self.utc_offset_secs, |zone| zone.0.offset_at(unix_ms));
        Wall::new(unix_ms, offset)
    }

    /// Counts days and hours in the zone `utc_offset_secs` from UTC.
    pub fn utc_offset(mut self, utc_offset_secs: i32) -> Self {
        self.utc_offset_secs = utc_offset_secs;
        self
    }

    /// Whether any rule is set (the zone alone is none).
    pub fn is_active(&self) -> bool {
        Self { utc_offset_secs: 0, zone: None, ..self.clone() } != Self::default()
    }

    /// Claims a submit of a task of `images` images at `now`: when every rule allows it,
    /// records it in `tally` and returns `Ok`; otherwise returns the earliest instant it
    /// may go and the rule that holds it, and changes nothing. `draw` is a random number
    /// for the next submit's jitter.
    pub fn claim(&self, tally: &mut Tally, now: Wall, images: u32, cost: Money, draw: u64) -> Result<(), Held> {
        tally.roll(now);
        let held = |rule, until_ms| Held {
            server: String::new(),
            rule,
            until_ms,
            utc_offset_secs: now.utc_offset_secs,
            tasks_today: tally.tasks,
            images_today: tally.images,
            spent_today: tally.spent,
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
        if let Some(budget) = self.budget_per_day
            && tally.spent.plus(cost) > budget
        {
            let until = if cost > budget { None } else { tomorrow };
            return Err(held(Rule::DailyBudget { budget }, until));
        }
        tally.tasks += 1;
        tally.images = tally.images.saturating_add(images);
        tally.spent = tally.spent.plus(cost);
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
    pub fn release(&self, tally: &mut Tally, images: u32, cost: Money) {
        tally.tasks = tally.tasks.saturating_sub(1);
        tally.images = tally.images.saturating_sub(images);
        tally.spent = tally.spent.minus(cost);
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
    use super::clock::DAY_MS;
    use super::*;

    const T0: i64 = 1_765_000_000_000; // a UTC instant; offsets below move its day

    fn wall(ms: i64) -> Wall {
        Wall::new(ms, 0)
    }

    #[test]
    fn submits_keep_the_minimum_interval_plus_jitter() {
        let pacing = Pacing::new().min_interval(Duration::from_secs(45), Duration::from_secs(10));
        let mut tally = Tally::default();
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, Money::default(), 3_000), Ok(()));
        let held = pacing.claim(&mut tally, wall(T0 + 44_000), 4, Money::default(), 0).expect_err("too soon");
        assert_eq!((held.rule, held.until_ms), (Rule::MinInterval, Some(T0 + 48_000)), "45 s + 3 s of jitter");
        assert_eq!(pacing.claim(&mut tally, wall(T0 + 48_000), 4, Money::default(), 0), Ok(()));
        assert_eq!(tally.tasks, 2);
        // The exchange ended 2 s later: the interval counts from its end.
        pacing.sent(&mut tally, wall(T0 + 50_000));
        let held = pacing.claim(&mut tally, wall(T0 + 94_000), 4, Money::default(), 0).expect_err("45 s after the end");
        assert_eq!(held.until_ms, Some(T0 + 95_000));
    }

    #[test]
    fn daily_caps_hold_until_the_next_day_in_the_zone() {
        let pacing = Pacing::new().daily_tasks(2).daily_images(5);
        let mut tally = Tally::default();
        let shanghai = |ms| Wall::new(ms, 8 * 3600);
        assert_eq!(pacing.claim(&mut tally, shanghai(T0), 4, Money::default(), 0), Ok(()));
        let held = pacing.claim(&mut tally, shanghai(T0 + 1), 4, Money::default(), 0).expect_err("9 images > 5");
        assert_eq!(held.rule, Rule::DailyImages { cap: 5 });
        let midnight = shanghai(T0).next_day_ms();
        assert_eq!(held.until_ms, Some(midnight));
        assert_eq!(shanghai(midnight).day(), shanghai(T0).day() + 1);
        assert_eq!((midnight + 8 * 3_600_000) % DAY_MS, 0, "midnight in Shanghai");
        assert_eq!(pacing.claim(&mut tally, shanghai(T0 + 2), 1, Money::default(), 0), Ok(()), "an upscale still fits");
        let held = pacing.claim(&mut tally, shanghai(T0 + 3), 0, Money::default(), 0).expect_err("2 tasks");
        assert_eq!(held.rule, Rule::DailyTasks { cap: 2 });
        assert_eq!(pacing.claim(&mut tally, shanghai(midnight), 4, Money::default(), 0), Ok(()), "a new day");
        assert_eq!((tally.tasks, tally.images), (1, 4));
        let too_big = pacing.claim(&mut tally, shanghai(midnight), 9, Money::default(), 0).expect_err("never fits");
        assert_eq!(too_big.until_ms, None);
    }

    #[test]
    fn a_released_claim_no_longer_counts_but_the_interval_runs() {
        let pacing = Pacing::new().daily_tasks(1).min_interval(Duration::from_secs(1), Duration::ZERO);
        let mut tally = Tally::default();
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, Money::default(), 0), Ok(()));
        pacing.release(&mut tally, 4, Money::default());
        assert_eq!(
            pacing.claim(&mut tally, wall(T0 + 10), 4, Money::default(), 0).map_err(|h| h.rule),
            Err(Rule::MinInterval)
        );
        assert_eq!(pacing.claim(&mut tally, wall(T0 + 1_000), 4, Money::default(), 0), Ok(()));
    }

    #[test]
    fn working_hours_open_at_their_start_and_may_run_over_midnight() {
        let hours: Hours = "09:10-22:50".parse().expect("hours");
        assert_eq!((hours.start, hours.end, hours.to_string()), (550, 1370, "09:10-22:50".to_owned()));
        let pacing = Pacing::new().hours(hours);
        let day = T0 - T0.rem_euclid(DAY_MS);
        let at = |h: i64, m: i64| wall(day + h * 3_600_000 + m * 60_000);
        let mut tally = Tally::default();
        let early = pacing.claim(&mut tally, at(8, 0), 4, Money::default(), 0).expect_err("before 9:10");
        assert_eq!((early.rule, early.until_ms), (Rule::Hours, Some(at(9, 10).unix_ms)));
        let late = pacing.claim(&mut tally, at(23, 0), 4, Money::default(), 0).expect_err("after 22:50");
        assert_eq!(late.until_ms, Some(at(24 + 9, 10).unix_ms), "tomorrow at 9:10");
        assert_eq!(pacing.claim(&mut tally, at(12, 0), 4, Money::default(), 0), Ok(()));
        let night = Pacing::new().hours("22:00-06:00".parse().expect("hours"));
        assert_eq!(night.claim(&mut tally, at(23, 30), 4, Money::default(), 0), Ok(()));
        let mut tally = Tally::default();
        assert_eq!(
            night.claim(&mut tally, at(12, 0), 4, Money::default(), 0).map_err(|h| h.until_ms),
            Err(Some(at(22, 0).unix_ms))
        );
        assert!("9-17".parse::<Hours>().is_err() && "25:00-26:00".parse::<Hours>().is_err());
    }

    #[test]
    fn a_hold_says_when_in_the_zone_s_own_clock() {
        let pacing = Pacing::new().min_interval(Duration::from_secs(45), Duration::ZERO);
        let mut tally = Tally::default();
        let at = Wall::new(1_765_087_306_000, 8 * 3600); // 2025-12-07 06:01:46 UTC
        assert_eq!(pacing.claim(&mut tally, at, 4, Money::default(), 0), Ok(()));
        let held = pacing.claim(&mut tally, at, 4, Money::default(), 0).expect_err("too soon").on("a");
        assert_eq!(
            held.to_string(),
            "server a: no submit before 2025-12-07 14:02:31 +08:00 (the minimum interval between submits); 1 tasks and 4 images today"
        );
        assert_eq!(clock(0, -5 * 3600 - 1800), "1969-12-31 18:30:00 -05:30");
    }

    #[test]
    fn a_daily_budget_holds_what_would_pass_it_until_the_next_day() {
        let nickel = Money::from_units(0.05).expect("an amount");
        let pacing = Pacing::new().budget_per_day(Money::from_units(0.12).expect("an amount"));
        let mut tally = Tally::default();
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, nickel, 0), Ok(()));
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, nickel, 0), Ok(()));
        let held = pacing.claim(&mut tally, wall(T0), 4, nickel, 0).expect_err("0.15 > 0.12");
        assert_eq!(held.rule, Rule::DailyBudget { budget: Money(120_000) });
        assert_eq!(held.until_ms, Some(wall(T0).next_day_ms()));
        assert!(held.to_string().ends_with("2 tasks and 8 images today, 0.1 spent"), "{held}");
        pacing.release(&mut tally, 4, nickel);
        assert_eq!(pacing.claim(&mut tally, wall(T0), 4, nickel, 0), Ok(()), "a release gives the money back");
    }

    #[test]
    fn days_read_and_print_as_dates() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(day_of_date("2026-12-07").map(date_of_day).as_deref(), Some("2026-12-07"));
        assert_eq!(day_of_date("2024-02-29").map(|d| d + 1).map(date_of_day).as_deref(), Some("2024-03-01"));
        assert!(day_of_date("2026-02-30").is_none() && day_of_date("yesterday").is_none());
    }

    #[test]
    fn strikes_within_the_window_rest_the_server() {
        let cooldown = Cooldown { after: 2, window: Duration::from_secs(3600), rest: Duration::from_secs(6 * 3600) };
        let pacing = Pacing::new().cooldown(cooldown);
        let mut tally = Tally::default();
        assert!(!pacing.strike(&mut tally, wall(T0)));
        assert!(!pacing.strike(&mut tally, wall(T0 + 3_600_000)), "the first strike left the window");
        assert!(pacing.strike(&mut tally, wall(T0 + 3_600_001)), "two within the hour");
        let held = pacing.claim(&mut tally, wall(T0 + 3_600_002), 4, Money::default(), 0).expect_err("resting");
        assert_eq!((held.rule, held.until_ms), (Rule::Cooldown, Some(T0 + 3_600_001 + 6 * 3_600_000)));
        assert_eq!(tally.strikes_today, 3);
        assert!(!Pacing::new().strike(&mut tally, wall(T0)), "no cooldown set: counted only");
    }
}
