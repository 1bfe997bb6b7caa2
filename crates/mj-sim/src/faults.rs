//! Misbehaving on purpose: which fault strikes which request, decided by a seeded draw.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::rng::Rng;

/// One kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// HTTP 500 before the request is handled.
    Status500,
    /// HTTP 429 with `Retry-After` before the request is handled.
    Status429,
    /// The answer comes late (the request is handled).
    Slow,
    /// The request is handled, then the body is cut short.
    Truncate,
    /// The request is handled, then the connection is dropped without an answer.
    Reset,
    /// An HTML error page from a "proxy" before the request is handled.
    Html,
    /// The connection drops without an answer, and the request is handled only some
    /// seconds later (`late_ms`), as behind a proxy that forwards late: the window in which
    /// a client that trusts "not found" too early would submit twice.
    Late,
}

impl FaultKind {
    /// Every kind, in the order of the `--faults` syntax.
    pub const ALL: [FaultKind; 7] =
        [Self::Status500, Self::Status429, Self::Slow, Self::Truncate, Self::Reset, Self::Html, Self::Late];

    /// The name in `--faults` and `/sim/stats`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Status500 => "500",
            Self::Status429 => "429",
            Self::Slow => "slow",
            Self::Truncate => "truncate",
            Self::Reset => "reset",
            Self::Html => "html",
            Self::Late => "late",
        }
    }

    /// True for faults that strike before the request changes anything (500, 429, html);
    /// slow, truncate and reset strike after it was handled, late before it is handled
    /// (later).
    pub fn strikes_before(self) -> bool {
        matches!(self, Self::Status500 | Self::Status429 | Self::Html)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fault rates: `500=0.1,429=0.05,slow=0.1,truncate=0.02,reset=0.02,html=0.01,late=0.01`,
/// with `slow_ms=` and `late_ms=` for the delays, `lookup_lag_ms=` for a lookup by state
/// that lists new tasks late, `refresh_lag_ms=` for a gateway that shows its copy of a task
/// refreshed only that often, and `hook_drop=`, `hook_dup=` and `hook_delay_ms=` for
/// webhook callbacks that go missing, come twice or come late and out of order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    rates: Vec<(FaultKind, f64)>,
    /// How late a slow answer comes (2 s unless `slow_ms=` says otherwise).
    pub slow_delay: Duration,
    /// How long after its lost answer a late request is handled (3 s unless `late_ms=`).
    pub late_delay: Duration,
    /// How long a new task stays missing from the lookups by state (`GET /mj/task/list`,
    /// `POST /mj/task/query`): `lookup_lag_ms=`, 0 unless given. Servers that list tasks
    /// from a database written after the upstream answers lag like this; a client that
    /// trusts "not found" sooner sends a second task.
    pub lookup_lag: Duration,
    /// How often the tasks a client sees are refreshed (`refresh_lag_ms=`, 0 unless given):
    /// new-api copies its upstream's tasks every 15 s, so a client sees the last copy, and
    /// for up to that long after a submit, the task as submitted (an empty status, 0%).
    pub refresh_lag: Duration,
    /// The chance that a webhook POST is never sent (`hook_drop=`): a client that trusts
    /// callbacks alone never learns of that change.
    pub hook_drop: f64,
    /// The chance that a webhook POST is sent twice (`hook_dup=`).
    pub hook_dup: f64,
    /// The most a webhook POST is held back (`hook_delay_ms=`): each is delayed by a draw
    /// between zero and this, so callbacks arrive out of order.
    pub hook_delay: Duration,
}

impl FaultPlan {
    /// No faults.
    pub fn none() -> Self {
        Self {
            rates: Vec::new(),
            slow_delay: Duration::from_secs(2),
            late_delay: Duration::from_secs(3),
            lookup_lag: Duration::ZERO,
            refresh_lag: Duration::ZERO,
            hook_drop: 0.0,
            hook_dup: 0.0,
            hook_delay: Duration::ZERO,
        }
    }

    /// The rate of `kind`.
    pub fn rate(&self, kind: FaultKind) -> f64 {
        self.rates.iter().find(|(k, _)| *k == kind).map_or(0.0, |(_, r)| *r)
    }

    /// True when no fault can strike.
    pub fn is_empty(&self) -> bool {
        self.rates.iter().all(|(_, r)| *r == 0.0)
    }

    /// One draw: which fault strikes this request, if any. The rates are stacked, so their
    /// sum is the chance that some fault strikes.
    pub fn draw(&self, rng: &mut Rng) -> Option<FaultKind> {
        if self.is_empty() {
            return None;
        }
        let mut x = rng.next_f64();
        for &(kind, rate) in &self.rates {
            if x < rate {
                return Some(kind);
            }
            x -= rate;
        }
        None
    }
}

impl FromStr for FaultPlan {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut plan = Self::none();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) =
                part.split_once('=').ok_or_else(|| format!("`{part}`: expected NAME=RATE, e.g. 500=0.1"))?;
            let name = name.trim();
            if let Some(delay) = match name {
                "slow_ms" => Some(&mut plan.slow_delay),
                "late_ms" => Some(&mut plan.late_delay),
                "lookup_lag_ms" => Some(&mut plan.lookup_lag),
                "refresh_lag_ms" => Some(&mut plan.refresh_lag),
                "hook_delay_ms" => Some(&mut plan.hook_delay),
                _ => None,
            } {
                let ms: u64 = value.trim().parse().map_err(|_| format!("`{part}`: {name} takes milliseconds"))?;
                *delay = Duration::from_millis(ms);
                continue;
            }
            let rate: f64 = value.trim().parse().map_err(|_| format!("`{part}`: the rate must be a number"))?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("`{part}`: the rate must be between 0 and 1"));
            }
            // Webhook faults strike callbacks, not requests: they have rates of their own.
            match name {
                "hook_drop" => plan.hook_drop = rate,
                "hook_dup" => plan.hook_dup = rate,
                _ => {}
            }
            if matches!(name, "hook_drop" | "hook_dup") {
                continue;
            }
            let kind = FaultKind::ALL.into_iter().find(|k| k.name() == name).ok_or_else(|| {
                let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown fault `{name}`: use {} (or slow_ms, late_ms, lookup_lag_ms, refresh_lag_ms, hook_drop, hook_dup, hook_delay_ms)",
                    names.join(", ")
                )
            })?;
            plan.rates.retain(|(k, _)| *k != kind);
            plan.rates.push((kind, rate));
        }
        let total: f64 = plan.rates.iter().map(|(_, r)| r).sum();
        if total > 1.0 + 1e-9 {
            return Err(format!("the fault rates add up to {total}, more than 1"));
        }
        plan.rates.sort_by_key(|(k, _)| *k);
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_syntax() {
        let plan: FaultPlan = "500=0.1,429=0.05,slow=0.1,truncate=0.02,reset=0.02,html=0.01".parse().expect("plan");
        assert_eq!(plan.rate(FaultKind::Status500), 0.1);
        assert_eq!(plan.rate(FaultKind::Html), 0.01);
        assert_eq!(plan.slow_delay, Duration::from_secs(2));
        let plan: FaultPlan = "slow=1,slow_ms=50,lookup_lag_ms=15000".parse().expect("plan");
        assert_eq!(plan.slow_delay, Duration::from_millis(50));
        assert_eq!(plan.lookup_lag, Duration::from_secs(15));
        let plan: FaultPlan = "refresh_lag_ms=15000".parse().expect("plan");
        assert_eq!((plan.refresh_lag, plan.is_empty()), (Duration::from_secs(15), true));
        assert!(FaultKind::Html.strikes_before() && !FaultKind::Slow.strikes_before());
        for bad in ["500", "teapot=0.1", "500=x", "500=2", "500=0.6,429=0.6"] {
            assert!(bad.parse::<FaultPlan>().is_err(), "{bad}");
        }
        assert!("".parse::<FaultPlan>().expect("empty").is_empty());
        let plan: FaultPlan = "hook_drop=0.3,hook_dup=0.2,hook_delay_ms=500,500=0.9".parse().expect("plan");
        assert_eq!((plan.hook_drop, plan.hook_dup, plan.hook_delay), (0.3, 0.2, Duration::from_millis(500)));
        assert_eq!(plan.rate(FaultKind::Status500), 0.9, "webhook rates do not count against request rates");
        for bad in ["hook_drop=2", "hook_dup=x", "hook_delay_ms=-1"] {
            assert!(bad.parse::<FaultPlan>().is_err(), "{bad}");
        }
    }

    #[test]
    fn draws_match_the_rates() {
        let plan: FaultPlan = "500=0.2,reset=0.05".parse().expect("plan");
        let mut rng = Rng::new(7);
        let n = 100_000;
        let mut counts = [0u32; 2];
        for _ in 0..n {
            match plan.draw(&mut rng) {
                Some(FaultKind::Status500) => counts[0] += 1,
                Some(FaultKind::Reset) => counts[1] += 1,
                Some(other) => panic!("{other} was not asked for"),
                None => {}
            }
        }
        let r500 = f64::from(counts[0]) / f64::from(n);
        let reset = f64::from(counts[1]) / f64::from(n);
        assert!((r500 - 0.2).abs() < 0.01, "{r500}");
        assert!((reset - 0.05).abs() < 0.005, "{reset}");
    }
}
