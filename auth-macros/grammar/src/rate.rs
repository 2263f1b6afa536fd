//! Rates as DRF writes them: `"100/minute"`, `"1000/day"`, and with a multiplier,
//! `"5/15m"` (five per fifteen minutes).

use std::{fmt, str::FromStr, time::Duration};

/// `count` events per `period_secs` seconds.
///
/// ```
/// use auth_grammar::rate::Rate;
/// let r: Rate = "5/15m".parse().unwrap();
/// assert_eq!((r.count, r.period_secs), (5, 900));
/// assert_eq!("100/day".parse::<Rate>().unwrap().period_secs, 86_400);
/// assert!("5 per minute".parse::<Rate>().is_err());
/// ```
///
/// With the `serde` feature it is written as that text, in both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateError(String);

/// How to write a rate, for every message about a malformed one.
pub const HOW: &str =
    "write it like `100/minute`, `1000/day` or `5/15m` (units: second, minute, hour, day)";

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed rate `{}`; {HOW}", self.0)
    }
}

impl std::error::Error for RateError {}

fn unit_seconds(unit: &str) -> Option<u64> {
    // DRF reads only the first letter; we take these spellings and refuse the rest.
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
        let count = count.trim();
        // Digits only: `u32::from_str` would also take a leading `+`.
        if !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let count: u32 = count.parse().map_err(|_| bad())?;
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
        let period_secs = unit.checked_mul(multiplier).ok_or_else(bad)?;
        Ok(Rate::new(count, period_secs))
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

#[cfg(feature = "serde")]
impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Rate;

    #[test]
    fn display_parses_back() {
        for text in [
            "1/second",
            "100/minute",
            "5/15m",
            "7/90s",
            "3/2d",
            "9/3hour",
        ] {
            let rate: Rate = text.parse().unwrap();
            assert_eq!(rate.to_string().parse::<Rate>().unwrap(), rate, "{text}");
        }
    }

    #[test]
    fn refuses_what_drf_would_misread() {
        for text in [
            "",
            "5",
            "0/minute",
            "5/0m",
            "5/fortnight",
            "-1/day",
            "5/m/s",
        ] {
            assert!(text.parse::<Rate>().is_err(), "{text}");
        }
    }
}
