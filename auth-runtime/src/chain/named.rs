//! Chains by name: a chain declared once with `chain!` and used as
//! `#[authenticated(Api)]`, and every scheme as the chain of itself alone.

use std::future::Future;

use poem::Request;
use poem_openapi::registry::Registry;

use super::Chain;
use crate::{
    authenticator::Authenticator,
    context::AuthContext,
    error::AuthError,
    operation::{SchemeUse, Schemes},
    principal::Principal,
};

/// A chain that `#[authenticated(...)]` names by one type: a `chain!` declaration, or
/// a single scheme.
///
/// ```
/// use auth_runtime::{operation::Schemes, schemes::Jwt, NamedChain};
///
/// auth_runtime::chain!(pub Api = jwt, oauth2(scope = "read"));
///
/// let Schemes::Named { name, schemes } = Api::SCHEMES else { unreachable!() };
/// assert_eq!((name, schemes.len(), schemes[1].scopes), ("Api", 2, &["read"][..]));
/// assert_eq!(Api::required_scopes("oauth2").map(|s| s.0), Some(&["read"][..]));
/// assert_eq!(Jwt::SCHEMES.declared()[0].name, "jwt");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither an authentication scheme nor a named chain",
    label = "not a scheme or a chain",
    note = "declare it with `auth_runtime::chain!(pub {Self} = jwt, session);`, or implement `auth_runtime::Authenticator` for it"
)]
pub trait NamedChain: Send + Sync + 'static {
    /// The schemes, in order.
    type Chain: Chain;
    /// The chain as the operation table records it.
    const SCHEMES: Schemes;
    /// The scopes a token of `scheme` must grant, with that scheme's challenge.
    fn required_scopes(_scheme: &str) -> Option<(&'static [&'static str], &'static str)> {
        None
    }
}

impl<A: Authenticator> NamedChain for A {
    type Chain = (A,);
    const SCHEMES: Schemes = Schemes::Declared(&[SchemeUse {
        name: A::NAME,
        scopes: &[],
    }]);
}

/// What `#[secured]` reads of the type in `#[authenticated(Path)]` (alone), gathered in
/// one trait so that the generated code requires only `Path: NamedChainItems<_>`, and a
/// type that is neither a scheme nor a named chain is one error, on `Path`. The second
/// impl, which never applies, makes rustc report this trait itself rather than each
/// item's way to `Authenticator`. Not public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither an authentication scheme nor a named chain",
    label = "not a scheme or a chain",
    note = "declare it with `auth_runtime::chain!(pub {Self} = jwt, session);`, or implement `auth_runtime::Authenticator` for it"
)]
pub trait NamedChainItems<M> {
    /// [`Chain::NAMES`] of the chain.
    const NAMES: &'static [&'static str];
    /// [`Chain::CHALLENGES`] of the chain.
    const CHALLENGES: &'static [&'static str];
    /// [`NamedChain::SCHEMES`].
    const SCHEMES: Schemes;
    /// [`Chain::register`] of the chain.
    fn register(registry: &mut Registry);
    /// [`NamedChain::required_scopes`].
    fn required_scopes(scheme: &str) -> Option<(&'static [&'static str], &'static str)>;
    /// [`Chain::authenticate`] of the chain.
    fn authenticate(
        req: &Request,
        ctx: &AuthContext,
    ) -> impl Future<Output = Result<Principal, AuthError>> + Send;
}

/// The marker of the [`NamedChainItems`] impl that applies.
#[doc(hidden)]
pub enum Named {}

/// The marker of the one that never applies.
#[doc(hidden)]
pub enum Unnamed {}

/// Implemented by no type (see [`NamedChainItems`]).
#[doc(hidden)]
pub trait NeverNamed {
    /// The items, were it implemented.
    fn never() -> Unnamed;
}

impl<C: NamedChain> NamedChainItems<Named> for C {
    const NAMES: &'static [&'static str] = <C::Chain as Chain>::NAMES;
    const CHALLENGES: &'static [&'static str] = <C::Chain as Chain>::CHALLENGES;
    const SCHEMES: Schemes = <C as NamedChain>::SCHEMES;

    #[inline]
    fn register(registry: &mut Registry) {
        <C::Chain as Chain>::register(registry);
    }

    #[inline]
    fn required_scopes(scheme: &str) -> Option<(&'static [&'static str], &'static str)> {
        <C as NamedChain>::required_scopes(scheme)
    }

    #[inline]
    fn authenticate(
        req: &Request,
        ctx: &AuthContext,
    ) -> impl Future<Output = Result<Principal, AuthError>> + Send {
        <C::Chain as Chain>::authenticate(req, ctx)
    }
}

impl<C: NeverNamed> NamedChainItems<Unnamed> for C {
    const NAMES: &'static [&'static str] = &[];
    const CHALLENGES: &'static [&'static str] = &[];
    const SCHEMES: Schemes = Schemes::Declared(&[]);

    fn register(_registry: &mut Registry) {}

    fn required_scopes(_scheme: &str) -> Option<(&'static [&'static str], &'static str)> {
        None
    }

    async fn authenticate(_req: &Request, _ctx: &AuthContext) -> Result<Principal, AuthError> {
        match C::never() {}
    }
}
