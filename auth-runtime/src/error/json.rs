//! Error responses as JSON: any error poem or poem-openapi produces, in the API's own
//! words, with the status kept and a machine-readable code.

use std::borrow::Cow;

use poem::{
    http::{header, StatusCode},
    Response,
};
use serde_json::{json, Value};

/// A JSON response with this status and body.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// poem-openapi's extraction errors in the API's own words: its messages name internal
/// parameter names (`param0`), Rust types and the parser, and echo the input.
fn reworded(err: &poem::Error) -> Option<Response> {
    use poem_openapi::error::{
        ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
    };
    let (status, detail) = if err.is::<poem::error::MethodNotAllowedError>() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Cow::Borrowed("Method not allowed."),
        )
    } else if err.is::<ParsePathError>() {
        // A path that does not parse names no resource (DRF: 404 for `/items/abc/`).
        (StatusCode::NOT_FOUND, Cow::Borrowed("Not found."))
    } else if let Some(e) = err.downcast_ref::<ParseParamError>() {
        (
            StatusCode::BAD_REQUEST,
            Cow::Owned(format!("Invalid value for the `{}` parameter.", e.name)),
        )
    } else if err.is::<poem::error::ParseQueryError>() {
        (
            StatusCode::BAD_REQUEST,
            Cow::Borrowed("Invalid query string."),
        )
    } else if err.is::<ParseRequestPayloadError>() {
        (
            StatusCode::BAD_REQUEST,
            Cow::Borrowed("Malformed request body."),
        )
    } else if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        let detail = match e {
            ContentTypeError::NotSupported { .. } => {
                Cow::Borrowed("Unsupported media type; send application/json.")
            }
            ContentTypeError::ExpectContentType => {
                Cow::Borrowed("The request has no Content-Type; send application/json.")
            }
        };
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)
    } else {
        return None;
    };
    Some(json_response(
        status,
        &json!({ "detail": detail, "code": code_for(status) }),
    ))
}

/// The machine-readable code of an error response that only has a status.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "request_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        s if s.is_server_error() => "server_error",
        _ => "parse_error",
    }
}

/// Turns any error response into a JSON one, `{"detail": "...", "code": "..."}`,
/// keeping its status
/// and headers: use with poem's `catch_all_error` so that a malformed body, an unknown
/// path or a wrong method never answers with plain text. 5xx details are logged, not
/// sent.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use poem::{http::StatusCode, EndpointExt, Route, test::TestClient};
/// let app = Route::new().catch_all_error(auth_runtime::error::json_error);
/// let resp = TestClient::new(app).get("/nope").send().await;
/// resp.assert_status(StatusCode::NOT_FOUND);
/// resp.assert_json(serde_json::json!({"detail": "Not found.", "code": "not_found"})).await;
/// # });
/// ```
pub async fn json_error(err: poem::Error) -> Response {
    if let Some(resp) = reworded(&err) {
        return resp;
    }
    let resp = err.into_response();
    let is_json = resp
        .content_type()
        .is_some_and(|c| c.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let status = parts.status;
    let detail = if status.is_server_error() {
        let text = body.into_string().await.unwrap_or_default();
        tracing::error!(%status, error = %text, "request failed");
        "A server error occurred.".to_owned()
    } else if status == StatusCode::NOT_FOUND {
        "Not found.".to_owned()
    } else {
        let text = body.into_string().await.unwrap_or_default();
        if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("Bad request.")
                .to_owned()
        } else {
            text
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut out = json_response(
        status,
        &json!({ "detail": detail, "code": code_for(status) }),
    );
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}
