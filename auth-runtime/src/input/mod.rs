//! Request bodies as DRF's default parsers take them (JSON or an HTML form), with
//! DRF's field errors: a malformed body, a value of the wrong type or text with a NUL
//! character is a 400 that names the field in the API's own words, never the input
//! itself, a Rust type name or a parser's internals. A NUL is refused on every
//! backend alike (PostgreSQL cannot store one; SQLite would).

use std::collections::BTreeMap;

use poem::{error::ResponseError, http::StatusCode, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

mod extract;

#[cfg(feature = "oauth2-server")]
pub(crate) use self::extract::known_fields;
pub use self::extract::Input;

/// DRF's field errors: `{"field": ["message", ...]}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// DRF's message for a missing field.
pub const REQUIRED: &str = "This field is required.";

/// DRF's message for a `null` where a value is required.
pub const NOT_NULL: &str = "This field may not be null.";

/// DRF's message for a NUL character (`ProhibitNullCharactersValidator`).
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";

/// The largest body [`Input`] reads.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// DRF's 400 body for the fields that are missing: `{"field": ["This field is
/// required."]}`.
///
/// ```
/// let e = auth_runtime::input::required(&[("username", true), ("password", false)]);
/// assert_eq!(e["username"], ["This field is required."]);
/// assert!(!e.contains_key("password"));
/// ```
pub fn required(fields: &[(&str, bool)]) -> FieldErrors {
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

/// A body refused before the handler ran.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Per-field problems (400 `{"field": [...]}`).
    #[error("invalid fields: {0:?}")]
    Fields(FieldErrors),
    /// The body as a whole (400 `{"detail": ...}`).
    #[error("{0}")]
    Malformed(String),
    /// Neither JSON nor a form (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Over [`MAX_INPUT_BYTES`] (413).
    #[error("Request body is too large.")]
    TooLarge,
}

impl InputError {
    /// The machine-readable code of a refusal that is not per field (DRF's
    /// `parse_error`, `unsupported_media_type`, ...).
    ///
    /// ```
    /// assert_eq!(auth_runtime::input::InputError::TooLarge.code(), "request_too_large");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::Fields(_) => "invalid",
            Self::Malformed(_) => "parse_error",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooLarge => "request_too_large",
        }
    }
}

impl ResponseError for InputError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Fields(_) | Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn as_response(&self) -> Response {
        let body = match self {
            Self::Fields(errors) => serde_json::json!(errors),
            other => serde_json::json!({ "detail": other.to_string(), "code": other.code() }),
        };
        crate::error::json_response(self.status(), &body)
    }
}

/// A field error under `field`, when it is a plain field name (the type's own fields
/// are), else under `non_field_errors`: an error body never repeats odd input.
fn field_error(field: &str, message: &str) -> InputError {
    let plain = !field.is_empty()
        && field.len() <= 64
        && field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let field = if plain { field } else { "non_field_errors" };
    InputError::Fields(FieldErrors::from([(
        field.to_owned(),
        vec![message.to_owned()],
    )]))
}

/// DRF's wording for a value of the wrong type, from what serde expected.
fn type_message(serde_error: &str) -> &'static str {
    let expected = serde_error.rsplit_once("expected ").map_or("", |(_, e)| e);
    if expected.contains("string") {
        "Not a valid string."
    } else if expected.contains("bool") {
        "Must be a valid boolean."
    } else if [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "integer",
    ]
    .iter()
    .any(|t| expected.starts_with(t) || expected.contains(&format!(" {t}")))
    {
        "A valid integer is required."
    } else if expected.contains("f32") || expected.contains("f64") || expected.contains("float") {
        "A valid number is required."
    } else if expected.contains("sequence") {
        "Expected a list of items."
    } else if expected.contains("map") || expected.contains("struct") {
        "Expected a dictionary of items."
    } else {
        "Invalid value."
    }
}

/// The first string in `v` with a NUL, as the path of its top-level field.
fn nul_field(v: &Value) -> Option<String> {
    fn has_nul(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().any(has_nul),
            Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
            _ => false,
        }
    }
    match v {
        Value::Object(map) => map
            .iter()
            .find(|(k, v)| k.contains('\0') || has_nul(v))
            .map(|(k, _)| k.clone()),
        _ => None,
    }
}

/// Parses a body sent as `content_type` into `T`. An empty body without a content
/// type is an empty object, so that missing fields get their field errors, as DRF
/// answers a request without data.
///
/// ```
/// use auth_runtime::input::{parse, InputError};
/// #[derive(serde::Deserialize, Debug)]
/// struct Login { username: Option<String>, remember: Option<bool> }
///
/// let ok: Login = parse(Some("application/json"), br#"{"username": "ann"}"#).unwrap();
/// assert_eq!(ok.username.as_deref(), Some("ann"));
/// let form: Login = parse(Some("application/x-www-form-urlencoded"), b"username=ann&remember=true").unwrap();
/// assert_eq!(form.remember, Some(true));
///
/// let err = parse::<Login>(Some("application/json"), br#"{"username": {"$ne": 1}}"#).unwrap_err();
/// assert_eq!(err, InputError::Fields([("username".into(), vec!["Not a valid string.".into()])].into()));
/// let err = parse::<Login>(Some("application/json"), b"{\"username\": \"a\\u0000b\"}").unwrap_err();
/// assert_eq!(err, InputError::Fields([("username".into(), vec!["Null characters are not allowed.".into()])].into()));
/// assert!(matches!(parse::<Login>(Some("text/plain"), b"x"), Err(InputError::UnsupportedMediaType(_))));
/// ```
pub fn parse<T: DeserializeOwned>(
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<T, InputError> {
    parse_requiring(content_type, bytes, &[])
}

/// [`parse`], with every field of `required` present and not `null`: each one missing
/// gets DRF's `This field is required.` (`This field may not be null.`), all at once,
/// before the values are read.
///
/// ```
/// use auth_runtime::input::{parse_requiring, InputError};
/// #[derive(serde::Deserialize, Debug)]
/// struct Login { username: String, password: String }
///
/// let err = parse_requiring::<Login>(Some("application/json"), br#"{"password": null}"#,
///                                    &["username", "password"]).unwrap_err();
/// let InputError::Fields(errors) = err else { panic!() };
/// assert_eq!(errors["username"], ["This field is required."]);
/// assert_eq!(errors["password"], ["This field may not be null."]);
/// assert!(parse_requiring::<Login>(Some("application/x-www-form-urlencoded"), b"username=a",
///                                  &["username", "password"]).is_err());
/// ```
pub fn parse_requiring<T: DeserializeOwned>(
    content_type: Option<&str>,
    bytes: &[u8],
    required: &[&str],
) -> Result<T, InputError> {
    parse_fields(
        content_type,
        bytes,
        &Fields {
            required,
            known: None,
        },
    )
}

/// What a body's schema says of its fields.
pub(crate) struct Fields<'a> {
    /// Must be present and not `null`.
    pub(crate) required: &'a [&'a str],
    /// The fields the schema has; `None` when unknown. Other fields are ignored, as
    /// DRF's serializers ignore them: a NUL in a field nobody reads refuses nothing.
    pub(crate) known: Option<&'a [&'a str]>,
}

impl Fields<'_> {
    fn is_known(&self, field: &str) -> bool {
        self.known.is_none_or(|known| known.contains(&field))
    }
}

pub(crate) fn parse_fields<T: DeserializeOwned>(
    content_type: Option<&str>,
    bytes: &[u8],
    fields: &Fields<'_>,
) -> Result<T, InputError> {
    let required = fields.required;
    let media = content_type.map(|c| {
        c.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let value = match media.as_deref() {
        None if bytes.iter().all(u8::is_ascii_whitespace) => Value::Object(Default::default()),
        Some(m) if m == "application/json" || m.ends_with("+json") => {
            serde_json::from_slice::<Value>(bytes).map_err(|e| {
                // serde_json's message names a position, never the input.
                InputError::Malformed(format!("JSON parse error - {e}"))
            })?
        }
        Some("application/x-www-form-urlencoded") => {
            let pairs: Vec<_> = url::form_urlencoded::parse(bytes)
                .filter(|(k, _)| fields.is_known(k))
                .collect();
            if let Some((k, _)) = pairs
                .iter()
                .find(|(k, v)| k.contains('\0') || v.contains('\0'))
            {
                return Err(field_error(k, NULL_CHARACTERS));
            }
            let present: Vec<_> = pairs.iter().map(|(k, _)| k).collect();
            let missing = required
                .iter()
                .filter(|f| !present.iter().any(|k| k == *f))
                .map(|f| ((*f).to_owned(), vec![REQUIRED.to_owned()]));
            let errors: FieldErrors = missing.collect();
            if !errors.is_empty() {
                return Err(InputError::Fields(errors));
            }
            let known = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            let de =
                serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(known.as_bytes()));
            return serde_path_to_error::deserialize(de).map_err(|e| {
                let field = e.path().to_string();
                field_error(&field, type_message(&e.inner().to_string()))
            });
        }
        _ => return Err(InputError::UnsupportedMediaType(
            "Unsupported media type; send application/json or application/x-www-form-urlencoded."
                .into(),
        )),
    };
    let Value::Object(mut object) = value else {
        let kind = match value {
            Value::Array(_) => "list",
            Value::String(_) => "str",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            _ => "null",
        };
        return Err(field_error(
            "non_field_errors",
            &format!("Invalid data. Expected a dictionary, but got {kind}."),
        ));
    };
    object.retain(|k, _| fields.is_known(k));
    let value = Value::Object(object);
    if let Some(field) = nul_field(&value) {
        return Err(field_error(&field, NULL_CHARACTERS));
    }
    let mut errors: FieldErrors = required
        .iter()
        .filter(|f| value.get(**f).is_none())
        .map(|f| ((*f).to_owned(), vec![REQUIRED.to_owned()]))
        .collect();
    // DRF's fields refuse `null` unless they allow it; ours do not: leave a field out
    // to say "none". Without a schema, only the required fields are known to be ours.
    if let Value::Object(object) = &value {
        for (k, v) in object {
            let ours = match fields.known {
                Some(known) => known.contains(&k.as_str()),
                None => required.contains(&k.as_str()),
            };
            if v.is_null() && ours {
                errors.insert(k.clone(), vec![NOT_NULL.to_owned()]);
            }
        }
    }
    if !errors.is_empty() {
        return Err(InputError::Fields(errors));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = field.split(['.', '[']).next().unwrap_or_default();
        let field = if field.is_empty() || field == "?" {
            "non_field_errors"
        } else {
            field
        };
        field_error(field, type_message(&e.inner().to_string()))
    })
}
