//! `Authorization` as the `basic`, `token`, `jwt` and `oauth2` schemes read it.
//!
//! Each scheme is compared with a model of its strict rule, written here apart from
//! the code: the header's words as DRF splits them, the keyword matched ASCII
//! case-insensitively, exactly one credential word, and that word in the scheme's own
//! form (base64 of `user:password` for Basic, UTF-8 for Token, a JWS compact token
//! for `jwt`, anything else for `oauth2`).

use base64::{
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD},
    Engine,
};
use proptest::prelude::*;

use super::{
    any_case, code, config, detail, gap, header_byte, is_ann, kind, mutate, pad, words, Fixture,
    PASSWORD,
};
use crate::{
    authenticator::Outcome,
    net::authorization_words,
    schemes::{Basic, Jwt, OAuth2, Token},
    username::normalize,
};

const BASE64_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
const URLSAFE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX_ALPHABET: &[u8] = b"0123456789abcdefABCDEF";

/// `user:password` as a client sends it.
fn basic(credentials: &str) -> String {
    STANDARD.encode(credentials)
}

/// Standard base64 as RFC 7617 clients write it: the canonical encoding, with its
/// padding or any part of it left off. Written apart from the scheme's decoder.
fn strict_base64(word: &[u8]) -> Option<Vec<u8>> {
    let data_len = word.iter().rposition(|b| *b != b'=').map_or(0, |i| i + 1);
    let (data, padding) = word.split_at(data_len);
    let needed = (4 - data.len() % 4) % 4;
    if padding.len() > needed || data.contains(&b'=') {
        return None;
    }
    STANDARD_NO_PAD.decode(data).ok()
}

/// What the Basic scheme must answer, from the strict rule: `None` for "not mine",
/// else the refusal's detail, or `"ann"` when the credentials are the fixture user's.
fn basic_model(value: &[u8]) -> Option<&'static str> {
    let w = words(value);
    if w.first().is_none_or(|k| !k.eq_ignore_ascii_case(b"basic")) {
        return None;
    }
    Some(match w.len() {
        1 => "Invalid basic header. No credentials provided.",
        2 => match strict_base64(w[1]) {
            None => "Invalid basic header. Credentials not correctly base64 encoded.",
            Some(bytes) => {
                // UTF-8, or Latin-1 for clients that send it (DRF).
                let text = String::from_utf8(bytes.clone())
                    .unwrap_or_else(|_| bytes.iter().map(|&b| char::from(b)).collect());
                let (user, password) = text.split_once(':').unwrap_or((&text, ""));
                if normalize(user) == "ann" && password == PASSWORD {
                    "ann"
                } else {
                    "Invalid username/password."
                }
            }
        },
        _ => "Invalid basic header. Credentials string should not contain spaces.",
    })
}

/// The same for the Token scheme.
fn token_model(value: &[u8], key: &str) -> Option<&'static str> {
    let w = words(value);
    if w.first().is_none_or(|k| !k.eq_ignore_ascii_case(b"token")) {
        return None;
    }
    Some(match w.len() {
        1 => "Invalid token header. No credentials provided.",
        2 => match std::str::from_utf8(w[1]) {
            Err(_) => "Invalid token header. Token string should not contain invalid characters.",
            Ok(k) if k == key => "ann",
            Ok(_) => "Invalid token.",
        },
        _ => "Invalid token header. Token string should not contain spaces.",
    })
}

/// What the JWT scheme must answer.
#[derive(Debug, PartialEq, Eq)]
enum JwtModel {
    NotMine,
    /// Two words or more than two: `bad_authorization_header`.
    Malformed,
    /// A bearer token that is no JWT: left to later schemes.
    Declined,
    /// A JWT that does not verify: `token_not_valid`.
    Invalid,
    Ann,
}

fn jwt_model(value: &[u8], token: &str) -> JwtModel {
    let w = words(value);
    if w.first().is_none_or(|k| !k.eq_ignore_ascii_case(b"bearer")) {
        return JwtModel::NotMine;
    }
    if w.len() != 2 {
        return JwtModel::Malformed;
    }
    match std::str::from_utf8(w[1]) {
        Ok(t) if t == token => JwtModel::Ann,
        Ok(t) if jws_compact(t) => JwtModel::Invalid,
        _ => JwtModel::Declined,
    }
}

/// RFC 7515 compact serialisation, as the shape check defines it: three base64url
/// segments (`=` tolerated), the first two non-empty.
fn jws_compact(token: &str) -> bool {
    let segments: Vec<&str> = token.split('.').collect();
    segments.len() == 3
        && !segments[0].is_empty()
        && !segments[1].is_empty()
        && segments.iter().all(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b))
        })
}

/// What the OAuth2 scheme must answer: `None` for "not mine", else the detail, or
/// `"ann"`.
fn oauth2_model(value: &[u8], token: &str) -> Option<&'static str> {
    let w = words(value);
    if w.first().is_none_or(|k| !k.eq_ignore_ascii_case(b"bearer")) {
        return None;
    }
    if w.len() != 2 {
        return Some("Malformed bearer token.");
    }
    match std::str::from_utf8(w[1]) {
        Err(_) => Some("Malformed bearer token."),
        Ok(t) if jws_compact(t) => None,
        Ok(t) if t == token => Some("ann"),
        Ok(_) => Some("The access token is invalid, expired or revoked."),
    }
}

/// The fixture's credentials in their wire forms, for the generators to mix.
fn credentials(fx: &Fixture) -> Vec<String> {
    let plain = format!("ann:{PASSWORD}");
    vec![
        basic(&plain),
        STANDARD_NO_PAD.encode(&plain),
        plain,
        fx.api_key.clone(),
        fx.jwt.clone(),
        fx.oauth2.clone(),
    ]
}

/// One credential word: the fixture's, an edit of one, base64 of random bytes, a
/// JWT-shaped or a random word.
fn credential_word(fx: &Fixture) -> impl Strategy<Value = Vec<u8>> {
    let creds = credentials(fx);
    let edited = (
        prop::sample::select(creds.clone()),
        any::<prop::sample::Index>(),
        any::<u8>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(c, at, edit, pick)| mutate(&c, at, edit, BASE64_ALPHABET, pick).into_bytes());
    prop_oneof![
        prop::sample::select(creds).prop_map(String::into_bytes),
        edited,
        prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| STANDARD.encode(b).into_bytes()),
        "[A-Za-z0-9_=-]{1,12}\\.[A-Za-z0-9_=-]{0,12}\\.[A-Za-z0-9_=-]{0,12}(\\.[a-z]{0,3})?"
            .prop_map(String::into_bytes),
        prop::collection::vec(
            header_byte().prop_filter("one word", |b| *b != b' ' && *b != b'\t'),
            1..16
        ),
    ]
}

/// `Authorization` values: random bytes, or a keyword (any case) and 0 to 3 words
/// with any spacing.
fn authorization(fx: &Fixture) -> impl Strategy<Value = Vec<u8>> {
    let keyword = prop_oneof![
        any_case("basic"),
        any_case("token"),
        any_case("bearer"),
        Just("Basic:".to_owned()),
        Just("Tokens".to_owned()),
        Just("Bearerx".to_owned()),
        "[A-Za-z-]{1,8}",
    ];
    let structured = (
        pad(),
        keyword,
        prop::collection::vec((gap(), credential_word(fx)), 0..4),
        pad(),
    )
        .prop_map(|(lead, keyword, rest, trail)| {
            let mut v = lead.into_bytes();
            v.extend(keyword.bytes());
            for (gap, word) in rest {
                v.extend(gap.bytes());
                v.extend(word);
            }
            v.extend(trail.bytes());
            v
        });
    prop_oneof![
        1 => prop::collection::vec(header_byte(), 0..48),
        4 => structured,
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn authorization_words_are_drf_split(
        value in prop::collection::vec(header_byte(), 0..40),
        keyword in prop::sample::select(&["Basic", "Token", "Bearer", "JWT"][..]),
    ) {
        let Ok(header) = poem::http::HeaderValue::from_bytes(&value) else {
            return Ok(());
        };
        let got = authorization_words(Some(&header), keyword.as_bytes()).map(Iterator::collect::<Vec<_>>);
        let w = words(&value);
        let expected = match w.split_first() {
            Some((k, rest)) if k.eq_ignore_ascii_case(keyword.as_bytes()) => Some(rest.to_vec()),
            _ => None,
        };
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn a_keyword_must_be_a_whole_word(
        keyword in prop::sample::select(&["Basic", "Token", "Bearer"][..]),
        glue in "[:=,;A-Za-z0-9]{1,3}",
        rest in "[ \t]{0,2}[A-Za-z0-9]{0,8}",
    ) {
        let header = poem::http::HeaderValue::from_str(&format!("{keyword}{glue}{rest}"));
        if let Ok(h) = header {
            prop_assert!(authorization_words(Some(&h), keyword.as_bytes()).is_none());
        }
    }
}

#[test]
fn basic_answers_as_its_strict_rule() {
    let fx = Fixture::new();
    proptest!(config(512), |(value in authorization(&fx))| {
        let outcome = fx.authenticate::<Basic>(&value);
        let got = match &outcome {
            Outcome::NotMine => None,
            o if is_ann(o, &fx) => Some("ann"),
            o => detail(o),
        };
        prop_assert_eq!(got, basic_model(&value), "{:?}: {}", String::from_utf8_lossy(&value), kind(&outcome));
        prop_assert!(!matches!(outcome, Outcome::Declined(_) | Outcome::Client(_)));
    });
}

#[test]
fn token_answers_as_its_strict_rule() {
    let fx = Fixture::new();
    proptest!(config(512), |(value in authorization(&fx))| {
        let outcome = fx.authenticate::<Token>(&value);
        let got = match &outcome {
            Outcome::NotMine => None,
            o if is_ann(o, &fx) => Some("ann"),
            o => detail(o),
        };
        prop_assert_eq!(got, token_model(&value, &fx.api_key), "{:?}: {}", String::from_utf8_lossy(&value), kind(&outcome));
    });
}

#[test]
fn jwt_answers_as_its_strict_rule() {
    let fx = Fixture::new();
    proptest!(config(512), |(value in authorization(&fx))| {
        let outcome = fx.authenticate::<Jwt>(&value);
        let got = match &outcome {
            Outcome::NotMine => JwtModel::NotMine,
            o if is_ann(o, &fx) => JwtModel::Ann,
            o @ Outcome::Invalid(_) if code(o) == Some("bad_authorization_header") => JwtModel::Malformed,
            o @ Outcome::Invalid(_) if code(o) == Some("token_not_valid") => JwtModel::Invalid,
            o @ Outcome::Declined(_) if code(o) == Some("token_not_valid") => JwtModel::Declined,
            o => return Err(TestCaseError::fail(format!("unexpected {}", kind(o)))),
        };
        prop_assert_eq!(got, jwt_model(&value, &fx.jwt), "{:?}", String::from_utf8_lossy(&value));
    });
}

#[test]
fn oauth2_answers_as_its_strict_rule() {
    let fx = Fixture::new();
    proptest!(config(512), |(value in authorization(&fx))| {
        let outcome = fx.authenticate::<OAuth2>(&value);
        let got = match &outcome {
            Outcome::NotMine => None,
            o if is_ann(o, &fx) => Some("ann"),
            o @ Outcome::Invalid(_) if code(o) == Some("invalid_token") => detail(o),
            o => return Err(TestCaseError::fail(format!("unexpected {}", kind(o)))),
        };
        prop_assert_eq!(got, oauth2_model(&value, &fx.oauth2), "{:?}", String::from_utf8_lossy(&value));
    });
}

/// Every valid credential is accepted whatever the keyword's case and the spacing
/// (DRF splits on any whitespace; RFC 7235 makes the scheme name case-insensitive),
/// and Basic with or without its padding.
#[test]
fn valid_credentials_are_accepted_in_any_case_and_spacing() {
    let fx = Fixture::new();
    let plain = format!("ann:{PASSWORD}");
    let padded = basic(&plain);
    let unpadded = STANDARD_NO_PAD.encode(&plain);
    proptest!(config(256), |(
        lead in pad(),
        mid in gap(),
        trail in pad(),
        basic_kw in any_case("basic"),
        token_kw in any_case("token"),
        bearer_kw in any_case("bearer"),
        padding in any::<bool>(),
    )| {
        let b64 = if padding { &padded } else { &unpadded };
        let value = format!("{lead}{basic_kw}{mid}{b64}{trail}");
        prop_assert!(is_ann(&fx.authenticate::<Basic>(value.as_bytes()), &fx), "{:?}", value);
        let value = format!("{lead}{token_kw}{mid}{}{trail}", fx.api_key);
        prop_assert!(is_ann(&fx.authenticate::<Token>(value.as_bytes()), &fx), "{:?}", value);
        let value = format!("{lead}{bearer_kw}{mid}{}{trail}", fx.jwt);
        prop_assert!(is_ann(&fx.authenticate::<Jwt>(value.as_bytes()), &fx), "{:?}", value);
        prop_assert!(matches!(fx.authenticate::<OAuth2>(value.as_bytes()), Outcome::NotMine));
        let value = format!("{lead}{bearer_kw}{mid}{}{trail}", fx.oauth2);
        prop_assert!(is_ann(&fx.authenticate::<OAuth2>(value.as_bytes()), &fx), "{:?}", value);
        prop_assert!(matches!(fx.authenticate::<Jwt>(value.as_bytes()), Outcome::Declined(_)));
    });
}

/// Any one-character edit of a valid credential is refused, by every scheme.
#[test]
fn edited_credentials_never_authenticate() {
    let fx = Fixture::new();
    let padded = basic(&format!("ann:{PASSWORD}"));
    proptest!(config(512), |(
        at in any::<prop::sample::Index>(),
        edit in any::<u8>(),
        pick in any::<prop::sample::Index>(),
    )| {
        // Basic: a data character (padding may be left off, so it is no edit).
        let data = padded.trim_end_matches('=');
        let edited = mutate(data, at, edit, &BASE64_ALPHABET[..64], pick);
        let value = format!("Basic {edited}");
        prop_assert!(!is_ann(&fx.authenticate::<Basic>(value.as_bytes()), &fx), "{:?}", value);
        let edited = mutate(&fx.api_key, at, edit, HEX_ALPHABET, pick);
        let value = format!("Token {edited}");
        prop_assert!(!is_ann(&fx.authenticate::<Token>(value.as_bytes()), &fx), "{:?}", value);
        let edited = mutate(&fx.jwt, at, edit, URLSAFE_ALPHABET, pick);
        let value = format!("Bearer {edited}");
        let outcome = fx.authenticate::<Jwt>(value.as_bytes());
        prop_assert!(!is_ann(&outcome, &fx), "{:?}", value);
        let edited = mutate(&fx.oauth2, at, edit, URLSAFE_ALPHABET, pick);
        let value = format!("Bearer {edited}");
        prop_assert!(!is_ann(&fx.authenticate::<OAuth2>(value.as_bytes()), &fx), "{:?}", value);
    });
}
