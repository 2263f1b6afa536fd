//! [`looks_like_jwt`]: the cheap check that decides whether a bearer token is the JWT
//! scheme's or left to OAuth2.

use proptest::prelude::*;

use super::config;
use crate::{jwt::looks_like_jwt, secret};

/// One base64url segment, `=` tolerated (the check's alphabet).
fn segment(min: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[A-Za-z0-9_=-]{{{min},40}}"))
        .unwrap_or_else(|e| panic!("regex: {e}"))
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn accepts_only_three_base64url_segments(token in prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_.=+/ -]{0,24}",
    ]) {
        if looks_like_jwt(&token) {
            let segments: Vec<&str> = token.split('.').collect();
            prop_assert_eq!(segments.len(), 3, "{:?}", token);
            prop_assert!(!segments[0].is_empty() && !segments[1].is_empty(), "{:?}", token);
            for s in segments {
                prop_assert!(
                    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='),
                    "{:?}", token
                );
            }
        }
    }

    /// This server's OAuth2 tokens are one base64url segment: never a JWT, whatever
    /// their length.
    #[test]
    fn never_claims_an_opaque_token(
        token in prop_oneof!["[^.]{0,64}", "[A-Za-z0-9_-]{0,86}"],
        n in 0usize..64,
    ) {
        prop_assert!(!looks_like_jwt(&token));
        prop_assert!(!looks_like_jwt(&secret::random_urlsafe(n)));
        prop_assert!(!looks_like_jwt(&secret::random_hex(n)));
    }

    /// Every compact JWS is claimed, including an unsecured one (`alg: none`, empty
    /// signature), which the JWT scheme must see in order to refuse it.
    #[test]
    fn claims_every_compact_jws(h in segment(1), p in segment(1), s in segment(0)) {
        let token = format!("{h}.{p}.{s}");
        prop_assert!(looks_like_jwt(&token), "{:?}", token);
    }

    #[test]
    fn refuses_the_near_misses(
        h in segment(1),
        p in segment(1),
        s in segment(0),
        extra in segment(0),
        bad in "[^A-Za-z0-9_=.-]",
        at in any::<prop::sample::Index>(),
    ) {
        for token in [
            format!("{h}.{p}"),
            format!("{h}.{p}.{s}.{extra}"),
            format!(".{p}.{s}"),
            format!("{h}..{s}"),
        ] {
            prop_assert!(!looks_like_jwt(&token), "{:?}", token);
        }
        let mut token = format!("{h}.{p}.{s}");
        let boundaries: Vec<usize> = (0..=token.len()).collect();
        token.insert_str(boundaries[at.index(boundaries.len())], &bad);
        prop_assert!(!looks_like_jwt(&token), "{:?}", token);
    }
}
