//! What one server has been asked, as pacing counts it.

use super::Wall;

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
    /// What the tasks claimed that day cost, at the server's prices.
    #[serde(default)]
    pub spent: super::Money,
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
    /// A hold by `rule` until `until_ms` at `now`, with the day's counts as they stand.
    pub fn held(&self, rule: super::Rule, until_ms: Option<i64>, now: Wall) -> super::Held {
        let today = self.as_of(now);
        super::Held {
            server: String::new(),
            rule,
            until_ms,
            utc_offset_secs: now.utc_offset_secs,
            tasks_today: today.tasks,
            images_today: today.images,
            spent_today: today.spent,
        }
    }

    /// The counts as they stand on `now`'s day: zero when the tally is of an earlier day.
    pub fn as_of(&self, now: Wall) -> Tally {
        let mut today = self.clone();
        today.roll(now);
        today
    }

    /// Starts the day's counts afresh when `now` is on another day.
    pub(super) fn roll(&mut self, now: Wall) {
        let day = now.day();
        if day != self.day {
            (self.day, self.tasks, self.images, self.strikes_today) = (day, 0, 0, 0);
            self.spent = super::Money::default();
        }
    }
}
