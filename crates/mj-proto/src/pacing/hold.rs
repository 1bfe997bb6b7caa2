//! Why a submit may not go yet: the rule and until when.

use std::fmt;

use super::clock::clock;

/// Why a submit may not go yet, and when it may.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Held {
    /// The server it is held on (a pool member's name, or the server's host); empty from
    /// [`Pacing::claim`](super::Pacing::claim), which does not know it.
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
    /// What today's tasks on the server cost, at its prices.
    pub spent_today: super::Money,
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
        write!(f, "; {} tasks and {} images today", self.tasks_today, self.images_today)?;
        if self.spent_today > super::Money::default() {
            write!(f, ", {} spent", self.spent_today)?;
        }
        Ok(())
    }
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
    /// The day's budget at the server's prices.
    DailyBudget {
        /// The budget.
        budget: super::Money,
    },
    /// The budget of this run (a client's `Settings::budget`, `mj --budget`), all servers
    /// together.
    RunBudget {
        /// The budget.
        budget: super::Money,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MinInterval => f.write_str("the minimum interval between submits"),
            Self::DailyTasks { cap } => write!(f, "the daily cap of {cap} tasks"),
            Self::DailyImages { cap } => write!(f, "the daily cap of {cap} images"),
            Self::Hours => f.write_str("the working hours"),
            Self::Cooldown => f.write_str("a rest after moderation strikes"),
            Self::DailyBudget { budget } => write!(f, "the daily budget of {budget}"),
            Self::RunBudget { budget } => write!(f, "this run's budget of {budget}"),
        }
    }
}
