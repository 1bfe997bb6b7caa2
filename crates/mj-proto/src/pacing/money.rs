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
/// names a submit), and a default for the rest. A server without prices costs nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prices {
    by_action: BTreeMap<String, Money>,
    default: Option<Money>,
}

impl Prices {
    /// No prices.
    pub fn new() -> Self {
        Self::default()
    }

    /// `action` costs `amount`; the action `default` sets the price of the others.
    pub fn price(mut self, action: &str, amount: Money) -> Self {
        if action == "default" {
            self.default = Some(amount);
        } else {
            self.by_action.insert(action.to_ascii_lowercase(), amount);
        }
        self
    }

    /// What a task of `action` is estimated to cost.
    pub fn estimate(&self, action: &str) -> Money {
        self.by_action.get(action).copied().or(self.default).unwrap_or_default()
    }

    /// Whether any price is set.
    pub fn is_empty(&self) -> bool {
        self.by_action.is_empty() && self.default.is_none()
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
    }
}
