//! What the code `#[object_permission]` generates calls between its loader and
//! [`check_object`](crate::guarded::check_object), so that each mistake fails to compile
//! once, on the user's own tokens, saying what to write:
//!
//! - the loader's call goes through [`Loading`] and the `*CallLoader` traits: a future is
//!   awaited; anything else picks a method whose bound cannot hold, and whose message
//!   says to make the loader async;
//! - the loader's value goes through [`Loaded`] and the `*Loader` traits: `Result<T, E>`
//!   is the object or the response; an `Option` or a plain value picks a method whose
//!   bound cannot hold, and whose message says what to return instead (autoref
//!   dispatch on the concrete type, as in dtolnay's "autoref specialization");
//! - the loader's error goes through [`LoaderError`] and the `*Error` traits the same
//!   way: one message for an error that is no response, instead of one per missing
//!   trait of `poem::Error`'s `From` impl;
//! - each permission of the expression goes through [`object_leaf`], which fails on the
//!   permission's own span when it does not judge the loaded type, and then leaves its
//!   result unknown, so that the combined expression does not fail again.

use std::{
    future::{IntoFuture, Ready},
    marker::PhantomData,
};

use poem::http::StatusCode;

use crate::permission::ObjectPermission;

/// The type of the loader's call, for the dispatch (it borrows nothing, so that the
/// handler's future stays `Send` across the await):
/// `(&&Loading::of(&call)).__auth_call().into_future(call)`.
pub struct Loading<C>(PhantomData<fn() -> C>);

impl<C> Loading<C> {
    /// The type of `_call`.
    #[inline(always)]
    pub fn of(_call: &C) -> Self {
        Loading(PhantomData)
    }
}

/// A loader that is async.
pub struct FutureCall;

impl FutureCall {
    /// The future to await.
    #[inline(always)]
    pub fn into_future<F: IntoFuture>(self, call: F) -> F::IntoFuture {
        call.into_future()
    }
}

/// A loader that is not: does not compile (see [`NotAFuture`]).
pub struct PlainCall;

impl PlainCall {
    /// Fails to compile: `V: NotAFuture` never holds.
    #[inline(always)]
    pub fn into_future<V: NotAFuture>(self, value: V) -> Ready<V> {
        std::future::ready(value)
    }
}

/// Picked first: a future.
pub trait FutureLoader {
    /// How to await the call.
    #[inline(always)]
    fn __auth_call(&self) -> FutureCall {
        FutureCall
    }
}
impl<F: IntoFuture> FutureLoader for &Loading<F> {}

/// Picked otherwise.
pub trait PlainCallLoader {
    /// How to await the call.
    #[inline(always)]
    fn __auth_call(&self) -> PlainCall {
        PlainCall
    }
}
impl<V> PlainCallLoader for Loading<V> {}

/// Implemented by no type: the bound that explains a loader that is not async.
#[diagnostic::on_unimplemented(
    message = "the loader of `#[object_permission]` must be an async call; found `{Self}`, which is not a future: make the function it calls an `async fn`",
    label = "not a future",
    note = "or wrap the call in an async block: `name = async {{ load(..) }}`"
)]
pub trait NotAFuture {}

/// The type of the loader's value, for the dispatch: `(&&&Loaded::of(&value)).__auth_loaded()`.
pub struct Loaded<V>(PhantomData<fn() -> V>);

impl<V> Loaded<V> {
    /// The type of `_value`.
    #[inline(always)]
    pub fn of(_value: &V) -> Self {
        Loaded(PhantomData)
    }
}

/// A loader that returned `Result<T, E>`.
pub struct ResultValue;

impl ResultValue {
    /// The object, or the error that becomes the response.
    #[inline(always)]
    pub fn into_result<T, E>(self, value: Result<T, E>) -> Result<T, E> {
        value
    }
}

/// A loader that returned `Option<T>`: does not compile (see [`OptionIsNotAResult`]).
pub struct OptionValue;

impl OptionValue {
    /// Fails to compile: `T: OptionIsNotAResult` never holds.
    #[inline(always)]
    pub fn into_result<T: OptionIsNotAResult>(self, value: Option<T>) -> Result<T, poem::Error> {
        value.ok_or_else(|| poem::Error::from_status(StatusCode::NOT_FOUND))
    }
}

/// A loader that returned a plain value: does not compile (see [`PlainIsNotAResult`]).
pub struct PlainValue;

impl PlainValue {
    /// Fails to compile: `T: PlainIsNotAResult` never holds.
    #[inline(always)]
    pub fn into_result<T: PlainIsNotAResult>(self, value: T) -> Result<T, poem::Error> {
        Ok(value)
    }
}

/// Picked first: `Result<T, E>`.
pub trait ResultLoader {
    /// How to read the value.
    #[inline(always)]
    fn __auth_loaded(&self) -> ResultValue {
        ResultValue
    }
}
impl<T, E> ResultLoader for &&Loaded<Result<T, E>> {}

/// Picked second: `Option<T>`.
pub trait OptionLoader {
    /// How to read the value.
    #[inline(always)]
    fn __auth_loaded(&self) -> OptionValue {
        OptionValue
    }
}
impl<T> OptionLoader for &Loaded<Option<T>> {}

/// Picked last: anything else.
pub trait PlainLoader {
    /// How to read the value.
    #[inline(always)]
    fn __auth_loaded(&self) -> PlainValue {
        PlainValue
    }
}
impl<V> PlainLoader for Loaded<V> {}

/// Implemented by no type: the bound that explains a loader returning `Option<T>`.
#[diagnostic::on_unimplemented(
    message = "the loader of `#[object_permission]` must return `Result<T, E>` (an error becomes the response, e.g. 404); found `Option<{Self}>`: map `None` to an error with `.ok_or_else(...)`",
    label = "returns `Option<{Self}>`",
    note = "return `value.ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::NOT_FOUND))` from the loader, or wrap the call: `name = async {{ load(..).await.ok_or_else(..) }}`"
)]
pub trait OptionIsNotAResult {}

/// Implemented by no type: the bound that explains a loader returning a plain value.
#[diagnostic::on_unimplemented(
    message = "the loader of `#[object_permission]` must return `Result<T, E>` (an error becomes the response, e.g. 404); found `{Self}`: return `poem::Result<{Self}>`",
    label = "returns `{Self}`",
    note = "return `Ok(object)`, or an error such as `poem::Error::from_status(poem::http::StatusCode::NOT_FOUND)` when there is none"
)]
pub trait PlainIsNotAResult {}

/// The type of the loader's error, for the dispatch:
/// `(&&LoaderError::of(&error)).__auth_error()`.
pub struct LoaderError<E>(PhantomData<fn() -> E>);

impl<E> LoaderError<E> {
    /// The type of `_error`.
    #[inline(always)]
    pub fn of(_error: &E) -> Self {
        LoaderError(PhantomData)
    }
}

/// An error that becomes a response.
pub struct ResponseErrorValue;

impl ResponseErrorValue {
    /// The response.
    #[inline(always)]
    pub fn into_error<E: Into<poem::Error>>(self, error: E) -> poem::Error {
        error.into()
    }
}

/// An error that does not: does not compile (see [`NotAResponse`]).
pub struct OtherErrorValue;

impl OtherErrorValue {
    /// Fails to compile: `E: NotAResponse` never holds.
    #[inline(always)]
    pub fn into_error<E: NotAResponse>(self, _error: E) -> poem::Error {
        poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Picked first: `E: Into<poem::Error>`.
pub trait ResponseErrorLoader {
    /// How to turn the error into a response.
    #[inline(always)]
    fn __auth_error(&self) -> ResponseErrorValue {
        ResponseErrorValue
    }
}
impl<E: Into<poem::Error>> ResponseErrorLoader for &LoaderError<E> {}

/// Picked otherwise.
pub trait OtherErrorLoader {
    /// How to turn the error into a response.
    #[inline(always)]
    fn __auth_error(&self) -> OtherErrorValue {
        OtherErrorValue
    }
}
impl<E> OtherErrorLoader for LoaderError<E> {}

/// Implemented by no type: the bound that explains a loader error that is no response.
#[diagnostic::on_unimplemented(
    message = "the error of the loader of `#[object_permission]` must become the response; `{Self}` cannot (it is not `Into<poem::Error>`)",
    label = "its error `{Self}` is not a response",
    note = "implement `poem::error::ResponseError` and `std::error::Error` for `{Self}` (the response's status, e.g. 404), or map it with `.map_err(...)` to a `poem::Error`"
)]
pub trait NotAResponse {}

/// One permission of an `#[object_permission(...)]` expression, checked against the
/// loaded object's type: `object_leaf(&note, IsOwner)`.
///
/// `Q` is the permission itself when it judges `T`. The second impl, which never
/// applies, makes rustc weigh two candidates: when neither holds it reports this trait
/// once and leaves `Q` unknown, so the expression built from the leaves is not
/// reported again.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an object permission for `{T}`",
    label = "does not judge a `{T}`",
    note = "implement `auth_runtime::ObjectPermission<{T}>` for `{Self}`, or check it in `#[permission(...)]` if it does not look at the object"
)]
pub trait ObjectLeaf<T: ?Sized, Q> {
    /// The permission, as the expression uses it.
    fn leaf(self) -> Q;
}

impl<T: ?Sized, P: ObjectPermission<T>> ObjectLeaf<T, P> for P {
    #[inline(always)]
    fn leaf(self) -> P {
        self
    }
}

/// The type of a leaf that can never be built (see [`ObjectLeaf`]).
pub enum NoLeaf {}

/// Implemented by no type (see [`ObjectLeaf`]).
pub trait NeverALeaf {
    /// Unreachable: no type implements this trait.
    fn never(self) -> NoLeaf;
}

impl<T: ?Sized, P: NeverALeaf> ObjectLeaf<T, NoLeaf> for P {
    #[inline(always)]
    fn leaf(self) -> NoLeaf {
        self.never()
    }
}

/// `permission`, required to judge objects of the type `object` has.
#[inline(always)]
pub fn object_leaf<T: ?Sized, P: ObjectLeaf<T, Q>, Q>(_object: &T, permission: P) -> Q {
    permission.leaf()
}
