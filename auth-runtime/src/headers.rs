//! Response headers every response of a secured application gets: `nosniff` always,
//! and for HTML (login and error pages, Swagger UI, which acts with the visitor's
//! cookies) no framing and no caching, unless the page set its own.

use poem::{
    http::{header, HeaderValue},
    Response,
};

/// Adds the headers that `resp` lacks.
///
/// ```
/// use poem::{http::header, Response};
/// let mut page = Response::builder().content_type("text/html; charset=utf-8").body("<p>hi</p>");
/// auth_runtime::headers::harden(&mut page);
/// assert_eq!(page.headers()[header::X_FRAME_OPTIONS], "DENY");
/// assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
/// let mut json = Response::builder().content_type("application/json").body("{}");
/// auth_runtime::headers::harden(&mut json);
/// assert_eq!(json.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
/// assert!(json.headers().get(header::X_FRAME_OPTIONS).is_none());
/// ```
pub fn harden(resp: &mut Response) {
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"text/html"));
    let headers = resp.headers_mut();
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    if html {
        headers
            .entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
        headers
            .entry(header::REFERRER_POLICY)
            .or_insert(HeaderValue::from_static("same-origin"));
    }
}
