//! Request bodies as DRF's default parsers take them: JSON or an HTML form.

use std::collections::BTreeMap;

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

/// DRF's field errors: `{"field": ["message", ...]}`.
pub(crate) type FieldErrors = BTreeMap<String, Vec<String>>;

/// DRF's 400 body for the fields that are missing: `{"field": ["This field is required."]}`.
pub(crate) fn required(fields: &[(&str, bool)]) -> FieldErrors {
    fields
        .iter()
        .filter(|(_, missing)| *missing)
        .map(|(field, _)| {
            (
                (*field).to_owned(),
                vec!["This field is required.".to_owned()],
            )
        })
        .collect()
}
