//! The session cookie ([`read_cookie`]) and the CSRF checks: only the signed
//! `sessionid` cookie yields a session key, and only the session's own token passes.

use cookie::{Cookie, CookieJar, Key};
use poem::{
    http::{header, HeaderValue},
    Request,
};
use proptest::prelude::*;

use super::{config, header_byte, mutate, Fixture};
use crate::{
    csrf::{check_origin, check_token, token_for, CSRF_HEADER},
    session::{read_cookie, SessionCookie, SESSION_COOKIE},
    settings::SessionSettings,
};

/// The characters of a session key (`secret::random_urlsafe`).
const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `value` signed for the cookie `name` with `key`, as a response would set it.
fn signed(key: &Key, name: &'static str, value: &str) -> String {
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(Cookie::new(name, value.to_owned()));
    jar.get(name)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(|| panic!("the jar holds {name}"))
}

/// A request with these `Cookie` header values.
fn with_cookies<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Request {
    let mut req = Request::builder().finish();
    for v in values {
        if let Ok(v) = HeaderValue::from_bytes(v) {
            req.headers_mut().append(header::COOKIE, v);
        }
    }
    req
}

/// Names that are not `sessionid` but close to it.
fn other_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "Sessionid",
                "SESSIONID",
                "sessionid2",
                "xsessionid",
                "session_id",
                "sessionId",
                "csrftoken",
                "__Host-sessionid",
                "sessionid\t",
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-zA-Z0-9_-]{1,12}".prop_filter("another name", |n| n != SESSION_COOKIE),
    ]
}

/// Other cookies, as `name=value` pairs.
fn others() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        (other_name(), "[!#-+\\--:<-\\[\\]-~]{0,16}").prop_map(|(n, v)| format!("{n}={v}")),
        0..4,
    )
}

/// `pairs` joined as browsers and hand-written clients do.
fn join(pairs: &[String], sep: &str) -> String {
    pairs.join(sep)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn csrf_origin_check_never_panics_and_refuses_cross_site(
        site in prop::option::of(prop_oneof![
            prop::sample::select(&["same-origin", "none", "same-site", "cross-site", "Same-Origin", ""][..]).prop_map(|s| s.as_bytes().to_vec()),
            prop::collection::vec(header_byte(), 0..12),
        ]),
        origin in prop::option::of(prop::collection::vec(header_byte(), 0..24)),
        host in prop::option::of(prop::collection::vec(header_byte(), 0..24)),
    ) {
        let mut req = Request::builder().finish();
        for (name, value) in [("sec-fetch-site", &site), ("origin", &origin), ("host", &host)] {
            if let Some(v) = value.as_ref().and_then(|v| HeaderValue::from_bytes(v).ok()) {
                req.headers_mut().insert(name, v);
            }
        }
        let result = check_origin(&req, &SessionSettings::default());
        let site = req.headers().get("sec-fetch-site").map(HeaderValue::as_bytes);
        if site.is_some_and(|s| s != b"same-origin" && s != b"none") {
            prop_assert!(result.is_err(), "{:?}", site);
        }
        let origin = req.headers().get("origin");
        if site.is_none() && origin.is_some_and(|o| o.to_str().is_err()) {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn csrf_origin_must_name_the_host(
        scheme in prop::sample::select(&["http", "https"][..]),
        origin_host in "[a-zA-Z0-9.:-]{1,16}",
        host in "[a-zA-Z0-9.:-]{1,16}",
        same in any::<bool>(),
        trusted in any::<bool>(),
        site in prop::sample::select(&[None, Some("cross-site"), Some("same-site")][..]),
    ) {
        let host = if same { origin_host.to_uppercase() } else { host };
        let origin = format!("{scheme}://{origin_host}");
        let mut settings = SessionSettings::default();
        if trusted {
            settings.trusted_origins = vec![origin.to_uppercase()];
        }
        let mut req = Request::builder().header("origin", &origin).header("host", &host);
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        let result = check_origin(&req.finish(), &settings);
        let expected = trusted || (site.is_none() && origin_host.eq_ignore_ascii_case(&host));
        prop_assert_eq!(result.is_ok(), expected, "{} vs {}", origin, host);
    }
}

#[test]
fn random_cookie_headers_never_yield_a_session() {
    let fx = Fixture::new();
    let good = signed(fx.ctx.cookie_key(), SESSION_COOKIE, "k");
    proptest!(config(512), |(
        raw in prop::collection::vec(prop::collection::vec(header_byte(), 0..48), 0..3),
        value in prop_oneof![
            "[!#-+\\--:<-\\[\\]-~]{0,60}",
            Just(good.clone()).prop_map(|g| g[..g.len() - 1].to_owned()),
        ],
        others in others(),
    )| {
        let req = with_cookies(raw.iter().map(Vec::as_slice));
        prop_assert!(!matches!(read_cookie(&req, &fx.ctx), SessionCookie::Key(_)));
        let mut pairs = others;
        pairs.push(format!("{SESSION_COOKIE}={value}"));
        let header = join(&pairs, "; ");
        let got = read_cookie(&with_cookies([header.as_bytes()]), &fx.ctx);
        prop_assert!(!matches!(got, SessionCookie::Key(_)), "{:?}", header);
    });
}

#[test]
fn a_signed_session_cookie_reads_back_among_others() {
    let fx = Fixture::new();
    proptest!(config(512), |(
        value in "[A-Za-z0-9_-]{1,64}",
        before in others(),
        after in others(),
        sep in prop::sample::select(&["; ", ";", " ; ", ";\t"][..]),
        quoted in any::<bool>(),
        split_headers in any::<bool>(),
    )| {
        let cookie = signed(fx.ctx.cookie_key(), SESSION_COOKIE, &value);
        let cookie = if quoted { format!("\"{cookie}\"") } else { cookie };
        let mut pairs = before.clone();
        pairs.push(format!("{SESSION_COOKIE}={cookie}"));
        pairs.extend(after);
        let req = if split_headers {
            with_cookies(pairs.iter().map(|p| p.as_bytes()))
        } else {
            with_cookies([join(&pairs, sep).as_bytes()])
        };
        prop_assert_eq!(read_cookie(&req, &fx.ctx), SessionCookie::Key(value));
    });
}

#[test]
fn a_signed_value_under_another_name_is_no_session() {
    let fx = Fixture::new();
    proptest!(config(512), |(value in "[A-Za-z0-9_-]{1,64}", name in other_name(), others in others())| {
        let cookie = signed(fx.ctx.cookie_key(), SESSION_COOKIE, &value);
        let mut pairs = others;
        pairs.push(format!("{name}={cookie}"));
        let header = join(&pairs, "; ");
        prop_assert_eq!(read_cookie(&with_cookies([header.as_bytes()]), &fx.ctx), SessionCookie::Absent, "{:?}", header);
    });
}

/// (The signature covers the value only, not the cookie's name: `cookie`'s signed jar
/// works so. The key is derived for the session cookie alone and signs nothing else,
/// which is what keeps another signed cookie from being replayed as `sessionid`.)
#[test]
fn a_tampered_or_foreign_session_cookie_is_forged() {
    let fx = Fixture::new();
    let foreign = Key::from(&[7u8; 64]);
    proptest!(config(512), |(
        value in "[A-Za-z0-9_-]{1,64}",
        at in any::<prop::sample::Index>(),
        edit in any::<u8>(),
        pick in any::<prop::sample::Index>(),
    )| {
        let cookie = signed(fx.ctx.cookie_key(), SESSION_COOKIE, &value);
        let read = |c: &str| read_cookie(&with_cookies([format!("{SESSION_COOKIE}={c}").as_bytes()]), &fx.ctx);
        let mut alphabet = KEY_ALPHABET.to_vec();
        alphabet.extend(b"+/=");
        let tampered = mutate(&cookie, at, edit, &alphabet, pick);
        prop_assert_eq!(read(&tampered), SessionCookie::Forged, "{:?}", tampered);
        prop_assert_eq!(read(&signed(&foreign, SESSION_COOKIE, &value)), SessionCookie::Forged);
    });
}

#[test]
fn only_the_sessions_own_csrf_token_passes() {
    let fx = Fixture::new();
    let key = fx.ctx.csrf_key();
    proptest!(config(512), |(
        session in "[A-Za-z0-9_-]{1,43}",
        other_session in "[A-Za-z0-9_-]{1,43}",
        choice in 0u8..5,
        at in any::<prop::sample::Index>(),
        edit in any::<u8>(),
        pick in any::<prop::sample::Index>(),
        random in prop::collection::vec(header_byte(), 0..50),
    )| {
        let expected = token_for(key, &session);
        let sent: Vec<u8> = match choice {
            0 => expected.clone().into_bytes(),
            1 => mutate(&expected, at, edit, KEY_ALPHABET, pick).into_bytes(),
            2 => token_for(key, &other_session).into_bytes(),
            3 => format!(" {expected}").into_bytes(),
            _ => random,
        };
        let req = super::request_with(header::HeaderName::from_static(CSRF_HEADER), &sent);
        let passes = check_token(&req, key, &session).is_ok();
        let present = req.headers().contains_key(CSRF_HEADER);
        prop_assert_eq!(passes, present && sent == expected.as_bytes(), "{:?}", String::from_utf8_lossy(&sent));
        prop_assert!(check_token(&Request::builder().finish(), key, &session).is_err());
    });
}
