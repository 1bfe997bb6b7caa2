//! What tasks cost, in the user's own unit (cents, credits, yuan): a price per action and
//! the amounts a budget counts, kept in millionths so that sums are exact.

use std::collections::BTreeMap;
use std::fmt;

/// An amount in the user's own unit, kept as millionths of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Money(pub u64);

impl Money {
    /// `units` of the user's unit (`0.05`); `None` for a negative, infinite or absurd
    /// amount.
    pub fn from_units(units: f64) -> Option<Self> {
        let millionths = (units * 1e6).round();
        (units.is_finite() && (0.0..=1e15).contains(&millionths)).then_some(Self(millionths as u64))
    }

    /// The amount in the user's unit.
    pub fn units(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// The sum, saturating.
    pub fn plus(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }

    /// The difference, never below zero.
    pub fn minus(self, other: Self) -> Self {
        Self(self.0.saturating_sub(other.0))
    }
}

/// `0.05`, `12.5`, `3`: as written, without trailing zeros.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, part) = (self.0 / 1_000_000, self.0 % 1_000_000);
        if part == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{part:06}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// A server's prices: one per action (`imagine`, `upscale`, `variation`, `blend`,
/// `describe`, `shorten`, `video`, …, as [`Submit::price_key`](crate::endpoint::Submit::price_key)
/// names a submit), a price per second of video for servers that bill video so
/// (`video_second`), and a default for the rest. A server without prices costs nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prices {
    by_action: BTreeMap<String, Money>,
    per_second: BTreeMap<String, Money>,
    default: Option<Money>,
}

/// The seconds a video is estimated at before its length is known: one clip's.
pub const CLIP_SECONDS: u64 = 5;

impl Prices {
    /// No prices.
    pub fn new() -> Self {
        Self::default()
    }

    /// `action` costs `amount`; the action `default` sets the price of the others, and
    /// `ACTION_second` (`video_second`) a price per second of what the task makes.
    pub fn price(mut self, action: &str, amount: Money) -> Self {
        let action = action.to_ascii_lowercase();
        if action == "default" {
            self.default = Some(amount);
        } else if let Some(per_second) = action.strip_suffix("_second") {
            self.per_second.insert(per_second.to_owned(), amount);
        } else {
            self.by_action.insert(action, amount);
        }
        self
    }

    /// What a task of `action` is estimated to cost: its price, or for an action priced
    /// per second, one clip's [`CLIP_SECONDS`] (corrected by [`cost`](Self::cost) once the
    /// task says its length), else the default.
    pub fn estimate(&self, action: &str) -> Money {
        match (self.by_action.get(action), self.per_second.get(action)) {
            (Some(price), _) => *price,
            (None, Some(rate)) => Money(rate.0.saturating_mul(CLIP_SECONDS)),
            (None, None) => self.default.unwrap_or_default(),
        }
    }

    /// What a finished task of `action` that made `seconds` seconds of video cost, when
    /// `action` is priced per second.
    pub fn cost(&self, action: &str, seconds: u64) -> Option<Money> {
        self.per_second.get(action).map(|rate| Money(rate.0.saturating_mul(seconds)))
    }

    /// Whether any price is set.
    pub fn is_empty(&self) -> bool {
        self.by_action.is_empty() && self.per_second.is_empty() && self.default.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_add_exactly_and_print_as_written() {
        let nickel = Money::from_units(0.05).expect("an amount");
        let sum = (0..3).fold(Money::default(), |sum, _| sum.plus(nickel));
        assert_eq!(sum.to_string(), "0.15");
        assert_eq!(Money::from_units(12.5).map(|m| m.to_string()).as_deref(), Some("12.5"));
        assert_eq!(Money::from_units(3.0).map(|m| m.to_string()).as_deref(), Some("3"));
        assert!(Money::from_units(-1.0).is_none() && Money::from_units(f64::NAN).is_none());
        let prices = Prices::new().price("imagine", nickel).price("default", Money(40_000));
        assert_eq!((prices.estimate("imagine"), prices.estimate("zoom")), (nickel, Money(40_000)));
        assert_eq!(Prices::new().estimate("imagine"), Money::default());
        let video = Prices::new().price("video_second", Money(20_000));
        assert_eq!(video.estimate("video"), Money(100_000), "one 5 s clip until the length is known");
        assert_eq!(video.cost("video", 20), Some(Money(400_000)));
        assert_eq!(video.cost("imagine", 20), None);
    }
}
