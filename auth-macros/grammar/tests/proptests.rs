//! Property tests of the grammar both crates share: rates, scope tokens, throttle
//! scopes and scheme names. Every property holds for any input; the strategies only
//! make the interesting inputs likely.

use auth_grammar::{
    rate::Rate,
    schemes::{builtin, BUILTIN},
    scope::{is_throttle_scope, is_token, malformed},
};
use proptest::prelude::*;

/// `cases` cases, and no regression files: a failure found here becomes a plain
/// `#[test]` below.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The unit spellings the grammar documents, with their length in seconds.
const UNITS: &[(&str, u64)] = &[
    ("s", 1),
    ("sec", 1),
    ("second", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("minute", 60),
    ("minutes", 60),
    ("h", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
];

/// The strict rule, written independently of the parser: optional whitespace,
/// ASCII digits (a `u32` above zero), `/`, optional whitespace, an optional multiplier
/// of ASCII digits (above zero), a documented unit, optional whitespace, and a period
/// that fits in `u64` seconds.
fn strict_rate(text: &str) -> Option<Rate> {
    let text = text.trim();
    let slash = text.find('/')?;
    let (count, period) = (text[..slash].trim(), text[slash + 1..].trim());
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: u32 = count.parse().ok().filter(|c| *c > 0)?;
    let digits = period.bytes().take_while(u8::is_ascii_digit).count();
    let multiplier: u64 = match &period[..digits] {
        "" => 1,
        m => m.parse().ok().filter(|m| *m > 0)?,
    };
    let unit = UNITS.iter().find(|(u, _)| *u == &period[digits..])?.1;
    Some(Rate::new(count, unit.checked_mul(multiplier)?))
}

/// Rate-shaped text: mostly well-formed, with the near misses a person makes (signs,
/// zero, inner spaces, capitals, unknown units, huge numbers, extra slashes).
fn rate_like() -> impl Strategy<Value = String> {
    "[ \t]{0,1}[+-]{0,1}[0-9]{0,11}[ ]{0,1}/{1,2}[ \t]{0,1}[0-9]{0,21}[ ]{0,1}(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days|M|Day|x|w|fortnight|ms|mins|)[ ]{0,1}"
}

/// A positive rate, any period that fits.
fn valid_rate() -> impl Strategy<Value = Rate> {
    (
        1..=u32::MAX,
        prop_oneof![
            1..=100_000u64,
            1..=u64::MAX,
            (1..=1_000_000u64).prop_map(|d| d * 86_400)
        ],
    )
        .prop_map(|(c, p)| Rate::new(c, p))
}

/// An RFC 6749 scope token.
fn scope_token() -> impl Strategy<Value = String> {
    "[!#-\\[\\]-~]{1,12}"
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn rate_parser_never_panics(text in any::<String>()) {
        let _ = text.parse::<Rate>();
    }

    #[test]
    fn rate_accepts_exactly_the_strict_rule(text in rate_like()) {
        prop_assert_eq!(text.parse::<Rate>().ok(), strict_rate(&text), "{:?}", text);
    }

    #[test]
    fn rate_displays_as_text_that_parses_back(rate in valid_rate()) {
        let shown = rate.to_string();
        prop_assert_eq!(shown.parse::<Rate>(), Ok(rate), "{}", shown);
        prop_assert_eq!(strict_rate(&shown), Some(rate));
    }

    #[test]
    fn rate_built_from_the_grammar_parses_to_its_value(
        count in 1..=u32::MAX,
        multiplier in prop::option::of(1..=1_000_000u64),
        unit in prop::sample::select(UNITS),
        pad in prop::sample::select(&["", " ", "\t", "  "][..]),
    ) {
        let text = match multiplier {
            Some(m) => format!("{pad}{count}{pad}/{pad}{m}{}{pad}", unit.0),
            None => format!("{pad}{count}{pad}/{pad}{}{pad}", unit.0),
        };
        let expected = Rate::new(count, unit.1 * multiplier.unwrap_or(1));
        prop_assert_eq!(text.parse::<Rate>(), Ok(expected), "{:?}", text);
    }

    #[test]
    fn rate_refuses_zero_overflow_signs_and_unknown_units(
        count in 1..=u32::MAX,
        unit in prop::sample::select(UNITS),
        word in "[a-zA-Z]{1,10}",
        big in (u64::from(u32::MAX) + 1)..=u64::MAX,
    ) {
        let bad = [
            format!("0/{}", unit.0),
            format!("{count}/0{}", unit.0),
            format!("{big}/{}", unit.0),
            format!("+{count}/{}", unit.0),
            format!("-{count}/{}", unit.0),
            format!("{count}/{}{}", u128::from(u64::MAX / unit.1) + 1, unit.0),
            format!("{count}/{big}{big}{}", unit.0),
            format!("{count} {}", unit.0),
            format!("{count}/{}/{}", unit.0, unit.0),
            format!("{count}/1 {}", unit.0),
        ];
        for text in bad {
            prop_assert!(text.parse::<Rate>().is_err(), "{:?} was accepted", text);
        }
        if !UNITS.iter().any(|(u, _)| *u == word) {
            let text = format!("{count}/{word}");
            prop_assert!(text.parse::<Rate>().is_err(), "{:?} was accepted", text);
        }
    }

    #[test]
    fn scope_token_is_exactly_rfc_6749(text in any::<String>()) {
        let rfc = !text.is_empty()
            && text
                .chars()
                .all(|c| matches!(c, '\u{21}' | '\u{23}'..='\u{5b}' | '\u{5d}'..='\u{7e}'));
        prop_assert_eq!(is_token(&text), rfc);
    }

    #[test]
    fn scope_token_of_ascii_is_exactly_rfc_6749(text in "[\\x00-\\x7f]{0,8}") {
        let rfc = !text.is_empty()
            && text.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
        prop_assert_eq!(is_token(&text), rfc);
    }

    #[test]
    fn scope_lists_of_tokens_are_well_formed(
        tokens in prop::collection::vec(scope_token(), 0..6),
        sep in prop::sample::select(&[" ", "  ", "\t"][..]),
    ) {
        let list = tokens.join(sep);
        prop_assert_eq!(malformed(&list), None);
    }

    #[test]
    fn scope_list_names_its_first_bad_word(
        before in prop::collection::vec(scope_token(), 0..4),
        good in scope_token(),
        bad_char in prop::sample::select(&['"', '\\', 'é', '\u{7f}', '\u{0}'][..]),
        at in any::<prop::sample::Index>(),
        after in prop::collection::vec("[!-~]{1,6}", 0..3),
    ) {
        let mut bad = good.clone();
        let cut = bad.char_indices().map(|(i, _)| i).chain([bad.len()]).collect::<Vec<_>>();
        bad.insert(cut[at.index(cut.len())], bad_char);
        let list = before.iter().chain([&bad]).chain(&after).cloned().collect::<Vec<_>>().join(" ");
        prop_assert_eq!(malformed(&list), Some(bad.as_str()));
    }

    #[test]
    fn throttle_scope_is_a_plain_name_other_than_anon_or_user(text in any::<String>()) {
        if is_throttle_scope(&text) {
            prop_assert!(!text.is_empty());
            prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
            prop_assert!(text != "anon" && text != "user");
        }
    }

    #[test]
    fn throttle_scope_accepts_plain_names(text in "[A-Za-z0-9_-]{1,16}") {
        prop_assert_eq!(is_throttle_scope(&text), text != "anon" && text != "user");
    }

    #[test]
    fn scheme_names_are_exact(text in "[a-zA-Z0-9_ ]{0,8}") {
        let found = builtin(&text);
        prop_assert_eq!(found.is_some(), BUILTIN.iter().any(|b| b.name == text));
        if let Some(b) = found {
            prop_assert_eq!(b.name, text.as_str());
        }
    }
}

#[test]
fn scheme_names_refuse_other_spellings() {
    for b in BUILTIN {
        assert_eq!(builtin(b.name), Some(b));
        for other in [
            b.name.to_uppercase(),
            format!(" {}", b.name),
            format!("{} ", b.name),
            b.type_name.to_owned(),
        ] {
            assert_eq!(builtin(&other), None, "{other:?}");
        }
    }
}

/// Found by `rate_accepts_exactly_the_strict_rule`: a multiplier whose period
/// overflowed `u64` seconds was saturated to `u64::MAX` and accepted.
#[test]
fn rate_refuses_a_period_that_overflows() {
    assert!("5/18446744073709551615d".parse::<Rate>().is_err());
    assert!("5/307445734561825861m".parse::<Rate>().is_err());
    assert_eq!(
        "5/307445734561825860m"
            .parse::<Rate>()
            .map(|r| r.period_secs),
        Ok(307_445_734_561_825_860 * 60)
    );
    assert_eq!(
        "5/18446744073709551615s"
            .parse::<Rate>()
            .map(|r| r.period_secs),
        Ok(u64::MAX)
    );
}

/// Found by `rate_accepts_exactly_the_strict_rule`: `+5/minute` was read as five
/// (Rust's integer parser takes a leading `+`).
#[test]
fn rate_refuses_a_signed_count() {
    assert!("+5/minute".parse::<Rate>().is_err());
    assert!("+5/+2m".parse::<Rate>().is_err());
}
