//! Property tests of what a request meets before any handler: the `Authorization`
//! forms (`Basic`, `Token`, `Bearer` for JWT and OAuth2), the JWT shape check, the
//! session and CSRF cookies, and the bodies [`crate::input`] and the OAuth2 endpoints
//! read. Each parser must never panic, and must accept only what its strict rule
//! allows; what that rule allows, it must accept.
//!
//! The schemes are run whole, against an in-memory store holding one user with one
//! credential of each kind, so that "accepted" means what a request would see.

mod bodies;
mod cookies;
mod credentials;
mod headers;
mod jwt_shape;

use poem::{
    http::{header, HeaderValue},
    Request,
};
use proptest::prelude::*;

use crate::{
    api_token,
    authenticator::Outcome,
    error::AuthError,
    principal::User,
    secret,
    settings::Settings,
    store::{NewApplication, NewTokens},
    testing, AuthContext,
};

/// `cases` cases, and no regression files: a failure found here becomes a plain
/// `#[test]` beside the property.
pub(super) fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The password of the fixture's user: no whitespace, so that `Basic ann <password>`
/// is a plausible mistake.
pub(super) const PASSWORD: &str = "s3cret-Passw0rd!";

/// A context with one user, `ann`, and a credential of each scheme for her.
pub(super) struct Fixture {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) ctx: AuthContext,
    pub(super) user: User,
    /// `Authorization: Token <api_key>`.
    pub(super) api_key: String,
    /// A JWT access token.
    pub(super) jwt: String,
    /// An opaque OAuth2 access token.
    pub(super) oauth2: String,
}

impl Fixture {
    /// Cheap hashing and no login throttles: a property runs hundreds of password
    /// checks, and must not measure argon2 or be refused with 429.
    pub(super) fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let mut settings = Settings::default();
        settings.password.argon2_memory_kib = 8;
        settings.password.argon2_iterations = 1;
        settings.throttle.login.failures_per_user_and_address = None;
        settings.throttle.login.failures_per_address = None;
        settings.throttle.login.failures_per_user = None;
        let (ctx, user, api_key, jwt, oauth2) = rt.block_on(async {
            let ctx = testing::memory_context_with(settings).await;
            let user = testing::user("ann").password(PASSWORD).create(&ctx).await;
            let store = ctx.store();
            let api_key = api_token::issue(store, user.id, "laptop", None)
                .await
                .unwrap_or_else(|e| panic!("api token: {e}"))
                .key;
            let jwt = ctx
                .jwt()
                .obtain_pair(store, &user)
                .await
                .unwrap_or_else(|e| panic!("jwt: {e}"))
                .access;
            let app = store
                .create_application(NewApplication {
                    client_id: "client",
                    client_secret_digest: None,
                    name: "app",
                    client_type: "public",
                    grant_types: &["password".to_owned()],
                    redirect_uris: &[],
                    privileged_scopes: &[],
                    owner_id: None,
                })
                .await
                .unwrap_or_else(|e| panic!("application: {e}"));
            let oauth2 = secret::random_urlsafe(32);
            let tokens = NewTokens {
                access_digest: secret::digest(&oauth2),
                access_expires_at: crate::store::now() + 3600,
                access_scope: None,
                refresh: None,
            };
            store
                .issue_tokens(app.id, Some(user.id), "read write", "family", &tokens)
                .await
                .unwrap_or_else(|e| panic!("oauth2 token: {e}"));
            (ctx, user, api_key, jwt, oauth2)
        });
        Self {
            rt,
            ctx,
            user,
            api_key,
            jwt,
            oauth2,
        }
    }

    /// What scheme `A` makes of a request with this `Authorization` value.
    pub(super) fn authenticate<A: crate::Authenticator>(&self, value: &[u8]) -> Outcome {
        let req = request_with(header::AUTHORIZATION, value);
        self.rt.block_on(A::authenticate(&req, &self.ctx))
    }
}

/// A request carrying `value` as `name`, or none when `value` is no header value.
pub(super) fn request_with(name: header::HeaderName, value: &[u8]) -> Request {
    let mut req = Request::builder().finish();
    if let Ok(v) = HeaderValue::from_bytes(value) {
        req.headers_mut().insert(name, v);
    }
    req
}

/// The bytes a header value may hold: tab, visible ASCII and space, obs-text.
pub(super) fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![Just(b'\t'), Just(b' '), 0x21u8..=0x7e, 0x80u8..=0xff,]
}

/// The words of a header value as DRF reads them (`bytes.split()`: a header value's
/// only whitespace is space and tab).
pub(super) fn words(value: &[u8]) -> Vec<&[u8]> {
    value
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|w| !w.is_empty())
        .collect()
}

/// `word` with each ASCII letter's case chosen at random.
pub(super) fn any_case(word: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
        word.chars()
            .zip(upper)
            .map(|(c, u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

/// Space and tab, at least one.
pub(super) fn gap() -> impl Strategy<Value = String> {
    "[ \t]{1,3}"
}

/// Space and tab, possibly none.
pub(super) fn pad() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

/// The detail of a refusal, or `None` for any other outcome.
pub(super) fn detail(outcome: &Outcome) -> Option<&str> {
    match outcome {
        Outcome::Invalid(AuthError::AuthenticationFailed { detail, .. })
        | Outcome::Declined(AuthError::AuthenticationFailed { detail, .. }) => Some(detail),
        _ => None,
    }
}

/// The `code` of a refusal, or `None` for any other outcome.
pub(super) fn code(outcome: &Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Invalid(AuthError::AuthenticationFailed { code, .. })
        | Outcome::Declined(AuthError::AuthenticationFailed { code, .. }) => Some(code),
        _ => None,
    }
}

/// Whether the outcome authenticated the fixture's user.
pub(super) fn is_ann(outcome: &Outcome, fx: &Fixture) -> bool {
    matches!(outcome, Outcome::Authenticated(id) if id.user.id == fx.user.id)
}

/// A short name of the outcome, for failure messages.
pub(super) fn kind(outcome: &Outcome) -> String {
    match outcome {
        Outcome::NotMine => "NotMine".into(),
        Outcome::Authenticated(id) => format!("Authenticated({})", id.user.username),
        Outcome::Client(c) => format!("Client({})", c.client_id),
        Outcome::Invalid(e) => format!("Invalid({e})"),
        Outcome::Declined(e) => format!("Declined({e})"),
    }
}

/// One edit of `text` at `at`: a character replaced by another from `alphabet`, one
/// deleted, or one inserted. Never the identity.
pub(super) fn mutate(
    text: &str,
    at: prop::sample::Index,
    edit: u8,
    alphabet: &[u8],
    pick: prop::sample::Index,
) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let i = at.index(bytes.len().max(1)).min(bytes.len());
    let c = alphabet[pick.index(alphabet.len())];
    match edit % 3 {
        0 if i < bytes.len() => {
            if bytes[i] == c {
                let other = alphabet.iter().copied().find(|x| *x != c).unwrap_or(b'!');
                bytes[i] = other;
            } else {
                bytes[i] = c;
            }
        }
        1 if i < bytes.len() => {
            bytes.remove(i);
        }
        _ => bytes.insert(i, c),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Found while checking what the rate grammar accepts: the longest period it allows
/// (`u64::MAX` seconds) as a login failure window overflowed `i64` milliseconds when
/// the limit was reached, a panic in debug builds and no limit in release builds.
#[test]
fn the_longest_login_window_still_refuses() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let mut settings = Settings::default();
    settings.password.argon2_memory_kib = 8;
    settings.password.argon2_iterations = 1;
    settings.throttle.login.failures_per_user_and_address = "1/18446744073709551615s".parse().ok();
    rt.block_on(async {
        let ctx = testing::memory_context_with(settings).await;
        let req = Request::builder().finish();
        let first = ctx.check_credentials(&req, "bob", "wrong-password").await;
        assert!(matches!(first, Ok(None)), "{first:?}");
        let second = ctx.check_credentials(&req, "bob", "wrong-password").await;
        assert!(
            matches!(second, Err(AuthError::Throttled { .. })),
            "{second:?}"
        );
    });
}
