//! Rates as DRF writes them: `"100/minute"`, `"1000/day"`, and with a multiplier,
//! `"5/15m"` (five per fifteen minutes).

use std::{fmt, str::FromStr, time::Duration};

/// `count` events per `period_secs` seconds.
///
/// ```
/// use auth_runtime::throttle::Rate;
/// let r: Rate = "5/15m".parse().unwrap();
/// assert_eq!((r.count, r.period_secs), (5, 900));
/// assert_eq!("100/day".parse::<Rate>().unwrap().period_secs, 86_400);
/// assert!("5 per minute".parse::<Rate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Rate {
    /// Events allowed per period.
    pub count: u32,
    /// The period, in seconds.
    pub period_secs: u64,
}

impl Rate {
    /// `count` per `period_secs` (both must be positive).
    pub const fn new(count: u32, period_secs: u64) -> Self {
        Self { count, period_secs }
    }

    /// The period.
    pub fn period(&self) -> Duration {
        Duration::from_secs(self.period_secs)
    }
}

/// Why a rate string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed rate `{0}`; write it like `100/minute`, `1000/day` or `5/15m` (units: second, minute, hour, day)")]
pub struct RateError(String);

fn unit_seconds(unit: &str) -> Option<u64> {
    // DRF reads only the first letter; so do we, and refuse anything else.
    match unit {
        "s" | "sec" | "second" | "seconds" => Some(1),
        "m" | "min" | "minute" | "minutes" => Some(60),
        "h" | "hour" | "hours" => Some(3600),
        "d" | "day" | "days" => Some(86_400),
        _ => None,
    }
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(text: &str) -> Result<Self, RateError> {
        let bad = || RateError(text.to_owned());
        let (count, period) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let digits = period.chars().take_while(char::is_ascii_digit).count();
        let multiplier: u64 = if digits == 0 {
            1
        } else {
            period[..digits].parse().map_err(|_| bad())?
        };
        let unit = unit_seconds(&period[digits..]).ok_or_else(bad)?;
        if count == 0 || multiplier == 0 {
            return Err(bad());
        }
        Ok(Rate::new(count, unit.saturating_mul(multiplier)))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match self.period_secs {
            s if s % 86_400 == 0 => (s / 86_400, "day"),
            s if s % 3600 == 0 => (s / 3600, "hour"),
            s if s % 60 == 0 => (s / 60, "minute"),
            s => (s, "second"),
        };
        if n == 1 {
            write!(f, "{}/{unit}", self.count)
        } else {
            write!(f, "{}/{n}{unit}", self.count)
        }
    }
}
