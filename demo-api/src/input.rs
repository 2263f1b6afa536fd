//! Request bodies as DRF's default parsers take them: JSON or an HTML form.

use poem_openapi::{
    payload::{Form, Json},
    types::{ParseFromJSON, Type},
    ApiRequest,
};
use serde::de::DeserializeOwned;

/// A body sent as `application/json` or `application/x-www-form-urlencoded`.
#[derive(ApiRequest)]
pub(crate) enum Input<T: ParseFromJSON + DeserializeOwned + Type> {
    /// JSON.
    Json(Json<T>),
    /// An HTML form.
    Form(Form<T>),
}

impl<T: ParseFromJSON + DeserializeOwned + Type> Input<T> {
    /// The parsed value, whichever way it came.
    pub(crate) fn into_inner(self) -> T {
        match self {
            Input::Json(Json(v)) | Input::Form(Form(v)) => v,
        }
    }
}
