//! The layers [`App`](super::App) puts around its routes, as one endpoint: what
//! [`TrimTrailingSlash`](crate::trailing_slash::TrimTrailingSlash),
//! [`AllowHeader`], [`AuthLayer`](crate::AuthLayer) and
//! [`RequestLimits`] do, in that order, each by the same function as the
//! middleware. One layer instead of four: one future around the routes' instead of
//! four nested ones, which every request builds, moves and drops.

use std::future::Future;

use futures_util::FutureExt;
use poem::{Endpoint, Request, Response, Result};

use super::AllowHeader;
use crate::{context::AuthContext, limits::RequestLimits};

/// The routes of an [`App`](super::App) with its layers.
pub(crate) struct Stack<E> {
    pub(crate) inner: E,
    pub(crate) ctx: AuthContext,
    pub(crate) allow: AllowHeader,
    pub(crate) limits: RequestLimits,
}

impl<E: Endpoint> Endpoint for Stack<E> {
    type Output = Response;

    fn call(&self, mut req: Request) -> impl Future<Output = Result<Response>> + Send {
        crate::trailing_slash::normalize(&mut req);
        // A `Uri` clone shares its bytes; the path is needed only for a 405.
        let uri = req.uri().clone();
        crate::layer::around(&self.ctx, req, |req| {
            crate::limits::within(self.limits, req, |req| self.inner.call(req))
        })
        .map(move |result| {
            result.map(|mut resp| {
                self.allow.annotate(&mut resp, uri.path());
                resp
            })
        })
    }
}
