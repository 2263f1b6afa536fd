//! The ordered authentication chain (DRF semantics), the application's default chain
//! and permission, and the per-operation guard the `#[secured]` macro puts in front of
//! every handler.
//!
//! Schemes are tried in the declared order. A scheme that finds none of its
//! credentials passes to the next; one whose credentials are present but invalid ends
//! the chain with 401; the first that authenticates wins. If none matched, the request
//! is anonymous and the permissions decide (an anonymous request that a permission
//! refuses gets 401, not 403, so the client knows to authenticate).

mod default;
mod guard;
mod named;

use std::{borrow::Cow, future::Future};

use poem::Request;
use poem_openapi::registry::Registry;

pub use self::{
    default::{DefaultChain, DefaultPermission},
    guard::{Documented, Guard, Policy, Scope, DECISION_TARGET},
    named::{NamedChain, NamedChainItems},
};
use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    error::{AuthError, Challenges},
    principal::Principal,
    schemes::Basic,
};

/// An ordered list of schemes, written as a tuple: `(Jwt, Session)`.
///
/// ```
/// use auth_runtime::{schemes::{Jwt, Session}, Chain};
/// assert_eq!(<(Jwt, Session) as Chain>::NAMES, &["jwt", "session"]);
/// ```
pub trait Chain: Send + Sync + 'static {
    /// Scheme names in order.
    const NAMES: &'static [&'static str];
    /// Their `WWW-Authenticate` challenges, in the same order.
    const CHALLENGES: &'static [&'static str];
    /// Registers every scheme's component.
    fn register(registry: &mut Registry);
    /// The challenges a 401 of this chain carries: [`Self::CHALLENGES`] as settings
    /// allow them (see [`advertised`]).
    fn challenges(ctx: &AuthContext) -> Challenges {
        advertised(Self::CHALLENGES, ctx)
    }
    /// Whether the guard itself lists the chain's schemes in the OpenAPI `security`
    /// (the default chain); declared chains are listed by one parameter per scheme,
    /// each with its own scopes.
    const DOCUMENTED_BY_GUARD: bool = false;
    /// Runs the chain.
    fn authenticate(
        req: &Request,
        ctx: &AuthContext,
    ) -> impl Future<Output = Result<Principal, AuthError>> + Send;
}

/// The challenges of `all` that a 401 advertises: Basic's only when it is the only one,
/// or `basic.challenge` is on (a browser that sees it prompts for a password and then
/// sends it on its own).
pub fn advertised(all: &'static [&'static str], ctx: &AuthContext) -> Challenges {
    let basic = Basic::CHALLENGE;
    if all.len() <= 1 || ctx.settings().basic.challenge || !all.contains(&basic) {
        return Cow::Borrowed(all);
    }
    Cow::Owned(all.iter().copied().filter(|c| *c != basic).collect())
}

/// DRF's rule for combining the schemes' answers, in order: the first that
/// authenticates or refuses decides; a declined credential is refused at the end unless
/// a later scheme claims it; with no credentials at all the caller is anonymous.
#[derive(Default)]
pub(crate) struct Fold {
    declined: Option<AuthError>,
}

impl Fold {
    /// Takes one scheme's answer; `Some` when the chain is decided.
    pub(crate) fn step(&mut self, outcome: Outcome) -> Option<Result<Principal, AuthError>> {
        match outcome {
            Outcome::NotMine => None,
            Outcome::Authenticated(id) => Some(Ok(id.into())),
            Outcome::Client(c) => Some(Ok(c.into())),
            Outcome::Invalid(e) => Some(Err(e)),
            Outcome::Declined(e) => {
                self.declined.get_or_insert(e);
                None
            }
        }
    }

    /// No scheme decided.
    pub(crate) fn finish(self) -> Result<Principal, AuthError> {
        self.declined.map_or(Ok(Principal::Anonymous), Err)
    }
}

macro_rules! impl_chain {
    ($($s:ident),+) => {
        impl<$($s: Authenticator),+> Chain for ($($s,)+) {
            const NAMES: &'static [&'static str] = &[$($s::NAME),+];
            const CHALLENGES: &'static [&'static str] = &[$($s::CHALLENGE),+];
            fn register(registry: &mut Registry) {
                $($s::register(registry);)+
            }
            async fn authenticate(req: &Request, ctx: &AuthContext) -> Result<Principal, AuthError> {
                let mut fold = Fold::default();
                $(
                    // Boxed: the schemes' futures (database calls) are large, and the
                    // guard's future would otherwise carry the largest of them inline
                    // through every move.
                    if let Some(done) = fold.step(Box::pin($s::authenticate(req, ctx)).await) {
                        return done;
                    }
                )+
                fold.finish()
            }
        }
    };
}

/// No scheme: a `#[public]` operation that is throttled (everyone is anonymous).
impl Chain for () {
    const NAMES: &'static [&'static str] = &[];
    const CHALLENGES: &'static [&'static str] = &[];

    fn register(_registry: &mut Registry) {}

    async fn authenticate(_req: &Request, _ctx: &AuthContext) -> Result<Principal, AuthError> {
        Ok(Principal::Anonymous)
    }
}

impl_chain!(A);
impl_chain!(A, B);
impl_chain!(A, B, C);
impl_chain!(A, B, C, D);
impl_chain!(A, B, C, D, E);
impl_chain!(A, B, C, D, E, F);
impl_chain!(A, B, C, D, E, F, G);
impl_chain!(A, B, C, D, E, F, G, H);
