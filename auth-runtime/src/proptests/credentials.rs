//! `Authorization` credentials that must never authenticate, and the ones that must:
//! Basic's plain words and its exact decoding, forged JWTs, OAuth2 scope tokens.

use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use proptest::prelude::*;

use super::{any_case, code, config, detail, gap, is_ann, kind, Fixture, PASSWORD};
use crate::{
    authenticator::Outcome,
    jwt::looks_like_jwt,
    schemes::{Basic, Jwt, OAuth2},
    username::normalize,
};

/// `Basic <username> <password>`, as one tutorial misprints it, is refused (RFC 7617
/// wants base64), and so is `Basic ann:password` unencoded.
#[test]
fn basic_refuses_plain_words() {
    let fx = Fixture::new();
    proptest!(config(256), |(
        keyword in any_case("basic"),
        user in prop_oneof![Just("ann".to_owned()), "[!-~]{1,12}"],
        password in prop_oneof![Just(PASSWORD.to_owned()), "[!-~]{1,12}"],
        sep in gap(),
    )| {
        let outcome = fx.authenticate::<Basic>(format!("{keyword} {user}{sep}{password}").as_bytes());
        prop_assert_eq!(detail(&outcome), Some("Invalid basic header. Credentials string should not contain spaces."));
        let outcome = fx.authenticate::<Basic>(format!("{keyword} {user}:{password}").as_bytes());
        prop_assert!(!is_ann(&outcome, &fx));
    });
}

/// Any `user:password` reaches the password check as exactly that pair, in UTF-8 or
/// (DRF's fallback) Latin-1.
#[test]
fn basic_decodes_exactly_the_encoded_pair() {
    let fx = Fixture::new();
    proptest!(config(256), |(
        user in prop_oneof![Just("ann".to_owned()), Just("ａｎｎ".to_owned()), "[^:]{0,10}"],
        password in prop_oneof![Just(PASSWORD.to_owned()), any::<String>()],
        latin1 in any::<bool>(),
    )| {
        let text = format!("{user}:{password}");
        let bytes: Vec<u8> = match text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect::<Option<Vec<u8>>>() {
            // Latin-1 that is not also UTF-8 is what the fallback is for.
            Some(l) if latin1 && std::str::from_utf8(&l).is_err() => l,
            _ => text.clone().into_bytes(),
        };
        let outcome = fx.authenticate::<Basic>(format!("Basic {}", STANDARD.encode(&bytes)).as_bytes());
        let right = normalize(&user) == "ann" && password == PASSWORD;
        prop_assert_eq!(is_ann(&outcome, &fx), right, "{}", kind(&outcome));
        if !right {
            prop_assert_eq!(detail(&outcome), Some("Invalid username/password."));
        }
    });
}

/// Tokens that are not the issued JWT but claim to be one: `alg: none` in its
/// spellings, another algorithm, the claims changed, the signature dropped or
/// replaced. The JWT scheme claims each (so that no later scheme may take it) and
/// refuses it; the OAuth2 scheme leaves it alone.
#[test]
fn forged_jwts_are_claimed_and_refused() {
    let fx = Fixture::new();
    let mut parts = fx.jwt.split('.');
    let (Some(_), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        panic!("the fixture's JWT has three segments");
    };
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap_or_default())
            .unwrap_or_else(|e| panic!("claims: {e}"));
    let signature = signature.to_owned();
    proptest!(config(256), |(
        alg in prop::sample::select(&["none", "None", "NONE", "nOnE", "", "HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"][..]),
        typ in prop::option::of(prop::sample::select(&["JWT", "jwt"][..])),
        tamper in prop::option::of(prop::sample::select(&["user_id", "exp", "token_type", "ver"][..])),
        sig in prop_oneof![Just(String::new()), Just(signature.clone()), "[A-Za-z0-9_-]{1,86}"],
    )| {
        let mut header = serde_json::json!({ "alg": alg });
        if let Some(t) = typ {
            header["typ"] = t.into();
        }
        let mut claims = claims.clone();
        match tamper {
            Some("user_id") => claims["user_id"] = (fx.user.id + 1).into(),
            Some("exp") => claims["exp"] = i64::MAX.into(),
            Some("token_type") => claims["token_type"] = "refresh".into(),
            Some(other) => claims[other] = 99.into(),
            None => {}
        }
        let same_header = alg == "HS256" && typ == Some("JWT");
        if same_header && tamper.is_none() && sig == signature {
            return Ok(()); // the original token, re-encoded
        }
        let token = format!(
            "{}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
        );
        prop_assert!(looks_like_jwt(&token));
        let value = format!("Bearer {token}");
        let outcome = fx.authenticate::<Jwt>(value.as_bytes());
        prop_assert!(matches!(outcome, Outcome::Invalid(_)), "{}", kind(&outcome));
        prop_assert_eq!(code(&outcome), Some("token_not_valid"));
        prop_assert!(matches!(fx.authenticate::<OAuth2>(value.as_bytes()), Outcome::NotMine));
        prop_assert!(fx.ctx.jwt().decode(&token, &[]).is_err());
    });
}

/// The runtime's scope-token rule is the grammar's.
#[test]
fn oauth2_scope_tokens_follow_the_grammar() {
    proptest!(config(2048), |(text in prop_oneof![any::<String>(), "[\\x00-\\x7f]{0,6}"])| {
        prop_assert_eq!(
            crate::oauth2::scope::is_token(&text),
            auth_grammar::scope::is_token(&text)
        );
    });
}
