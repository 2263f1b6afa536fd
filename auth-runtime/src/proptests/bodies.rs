//! Request bodies: [`crate::input`] (DRF's JSON and form parsers) and the OAuth2
//! endpoints' form ([`crate::oauth2::OAuthForm`]). Random bodies under random media
//! types never panic, are refused only as 400, 413 or 415 with DRF's messages, and
//! never have their odd parts repeated in the answer.

use poem::{
    error::ResponseError,
    http::{header, StatusCode},
    Request,
};
use poem_openapi::{ApiExtractor, ExtractParamOptions};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::config;
use crate::{
    input::{
        parse, parse_requiring, Input, InputError, MAX_INPUT_BYTES, NOT_NULL, NULL_CHARACTERS,
        REQUIRED,
    },
    oauth2::OAuthForm,
};

/// A body with fields of the usual kinds, none required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, poem_openapi::Object)]
struct Login {
    username: Option<String>,
    remember: Option<bool>,
    count: Option<u32>,
    tags: Option<Vec<String>>,
}

/// A body with required fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, poem_openapi::Object)]
struct Signup {
    username: String,
    password: String,
    remember: Option<bool>,
}

/// An OAuth2 token request's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, poem_openapi::Object)]
struct TokenRequest {
    grant_type: Option<String>,
    scope: Option<String>,
}

/// Marks text that is not a plain field name: no answer may repeat it.
const ODD: char = '¤';

/// Every message a body refusal may carry.
fn known_message(m: &str) -> bool {
    [
        REQUIRED,
        NOT_NULL,
        NULL_CHARACTERS,
        "Not a valid string.",
        "Must be a valid boolean.",
        "A valid integer is required.",
        "A valid number is required.",
        "Expected a list of items.",
        "Expected a dictionary of items.",
        "Invalid value.",
    ]
    .contains(&m)
        || ["list", "str", "number", "bool", "null"]
            .iter()
            .any(|k| m == format!("Invalid data. Expected a dictionary, but got {k}."))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_ ]{0,8}",
        "[^\\x00]{0,6}".prop_map(|s| format!("{ODD}{s}")),
        any::<String>().prop_map(|s| s.replace(ODD, "")),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&["username", "password", "remember", "count", "tags"][..])
            .prop_map(str::to_owned),
        text(),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json()), 0..6).prop_map(|kv| kv.into_iter().collect())
}

/// Media types, right, nearly right and wrong.
fn content_type() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        prop::sample::select(
            &[
                "application/json",
                "application/json; charset=utf-8",
                "APPLICATION/JSON",
                " application/json ;",
                "application/vnd.api+json",
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=UTF-8",
                "Application/X-WWW-Form-Urlencoded",
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/jsonx",
                "application/x-www-form-urlencodedx",
                "",
                ";",
            ][..]
        )
        .prop_map(str::to_owned),
        "[ -~]{0,30}",
    ])
}

/// Bodies: JSON (valid or cut short), forms, and bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json().prop_map(|v| v.to_string().into_bytes()),
        (json(), any::<prop::sample::Index>()).prop_map(|(v, at)| {
            let text = v.to_string().into_bytes();
            text[..at.index(text.len() + 1)].to_vec()
        }),
        "([a-z¤%0-9A-F+]{0,8}=[a-z¤%0-9A-F+]{0,8}&?){0,4}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..64),
        "[ \t\r\n]{0,4}".prop_map(String::into_bytes),
    ]
}

#[derive(Debug, PartialEq, Eq)]
enum Media {
    /// No content type and an empty body: no data.
    Empty,
    Json,
    Form,
    Unsupported,
}

/// The media type as the strict rule reads it.
fn media(content_type: Option<&str>, bytes: &[u8]) -> Media {
    let Some(ct) = content_type else {
        return if bytes.iter().all(u8::is_ascii_whitespace) {
            Media::Empty
        } else {
            Media::Unsupported
        };
    };
    let m = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if m == "application/json" || m.ends_with("+json") {
        Media::Json
    } else if m == "application/x-www-form-urlencoded" {
        Media::Form
    } else {
        Media::Unsupported
    }
}

/// Checks what every refusal must be: a 400 with field errors under plain names and
/// known messages, a 400 parse error for JSON only, or a 415; never the input's odd
/// text.
fn check_refusal(e: &InputError, media: &Media) -> Result<(), TestCaseError> {
    prop_assert!(matches!(
        e.status(),
        StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE
    ));
    prop_assert_eq!(
        matches!(e, InputError::UnsupportedMediaType(_)),
        *media == Media::Unsupported
    );
    match e {
        InputError::Fields(fields) => {
            prop_assert!(!fields.is_empty());
            for (field, messages) in fields {
                prop_assert!(
                    field.len() <= 64
                        && !field.is_empty()
                        && field
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "field {:?}",
                    field
                );
                prop_assert!(!messages.is_empty());
                for m in messages {
                    prop_assert!(known_message(m), "message {:?}", m);
                }
            }
        }
        InputError::Malformed(m) => {
            prop_assert_eq!(media, &Media::Json);
            prop_assert!(m.starts_with("JSON parse error - "), "{}", m);
        }
        InputError::UnsupportedMediaType(_) => {}
        InputError::TooLarge => prop_assert!(false, "parse never sees the size"),
    }
    let shown = format!("{e} {e:?}");
    prop_assert!(!shown.contains(ODD), "{}", shown);
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_body_is_parsed_or_refused_with_400_or_415(ct in content_type(), bytes in body()) {
        let kind = media(ct.as_deref(), &bytes);
        match parse::<Login>(ct.as_deref(), &bytes) {
            Ok(_) => prop_assert!(kind != Media::Unsupported),
            Err(e) => check_refusal(&e, &kind)?,
        }
        if let Err(e) = parse_requiring::<Signup>(ct.as_deref(), &bytes, &["username", "password"]) {
            check_refusal(&e, &kind)?;
        }
    }

    #[test]
    fn any_json_value_is_parsed_or_refused_per_field(value in json()) {
        let bytes = value.to_string().into_bytes();
        match parse::<Login>(Some("application/json"), &bytes) {
            Ok(login) => {
                prop_assert!(value.is_object());
                let back = serde_json::from_value::<Login>(value.clone());
                prop_assert_eq!(back.ok(), Some(login));
            }
            Err(e) => {
                check_refusal(&e, &Media::Json)?;
                prop_assert!(matches!(e, InputError::Fields(_)), "{:?}", e);
            }
        }
    }

    #[test]
    fn well_typed_bodies_round_trip_as_json_and_as_forms(
        username in prop::option::of("[^\\x00]{0,12}"),
        remember in prop::option::of(any::<bool>()),
        count in prop::option::of(any::<u32>()),
    ) {
        let login = Login { username, remember, count, tags: None };
        let json = serde_json::to_vec(&login).unwrap_or_default();
        prop_assert_eq!(parse::<Login>(Some("application/json"), &json), Ok(login.clone()));
        let form = serde_urlencoded::to_string(&login).unwrap_or_default();
        prop_assert_eq!(
            parse::<Login>(Some("application/x-www-form-urlencoded"), form.as_bytes()),
            Ok(login),
            "{}", form
        );
    }

    #[test]
    fn a_nul_anywhere_is_refused(
        fields in json_object(),
        key in key(),
        before in "[^\\x00]{0,4}",
        after in "[^\\x00]{0,4}",
        depth in 0usize..3,
        in_key in any::<bool>(),
    ) {
        let nul = format!("{before}\u{0}{after}");
        let mut fields = fields;
        if in_key {
            fields.insert(nul.clone(), Value::Null);
        } else {
            let mut value = Value::from(nul.clone());
            for level in 0..depth {
                value = if level % 2 == 0 { Value::Array(vec![value]) } else { serde_json::json!({ "x": value }) };
            }
            fields.insert(key.clone(), value);
        }
        let bytes = Value::Object(fields).to_string().into_bytes();
        let refused = |r: Result<Login, InputError>| match r {
            Err(InputError::Fields(f)) => f.len() == 1 && f.values().all(|m| m == &[NULL_CHARACTERS]),
            _ => false,
        };
        prop_assert!(refused(parse(Some("application/json"), &bytes)));
        let form = if in_key {
            serde_urlencoded::to_string([(nul.as_str(), "v")])
        } else {
            serde_urlencoded::to_string([(key.as_str(), nul.as_str())])
        }
        .unwrap_or_default();
        prop_assert!(refused(parse(Some("application/x-www-form-urlencoded"), form.as_bytes())), "{}", form);
    }

    #[test]
    fn required_fields_are_named_exactly(
        username in prop::option::of(prop::option::of("[a-z]{0,6}")),
        password in prop::option::of(prop::option::of("[a-z]{0,6}")),
        others in json_object(),
    ) {
        // `None`: absent; `Some(None)`: null; `Some(Some(s))`: the string `s`.
        let mut fields: Map<String, Value> = others
            .into_iter()
            .filter(|(k, _)| k != "username" && k != "password" && k != "remember")
            .collect();
        let mut expected = crate::input::FieldErrors::new();
        for (name, value) in [("username", &username), ("password", &password)] {
            match value {
                None => {
                    expected.insert(name.to_owned(), vec![REQUIRED.to_owned()]);
                }
                Some(None) => {
                    fields.insert(name.to_owned(), Value::Null);
                    expected.insert(name.to_owned(), vec![NOT_NULL.to_owned()]);
                }
                Some(Some(s)) => {
                    fields.insert(name.to_owned(), Value::from(s.as_str()));
                }
            }
        }
        if serde_json::to_string(&fields).is_ok_and(|t| t.contains("\\u0000")) {
            return Ok(()); // a NUL is refused first
        }
        let bytes = Value::Object(fields).to_string().into_bytes();
        let got = parse_requiring::<Signup>(Some("application/json"), &bytes, &["username", "password"]);
        if expected.is_empty() {
            prop_assert!(got.is_ok(), "{:?}", got);
        } else {
            prop_assert_eq!(got, Err(InputError::Fields(expected)));
        }
    }
}

/// The extractor as a handler meets it: a refusal is 400, 413 or 415, and 413 exactly
/// when the body is over the limit.
#[test]
fn the_input_extractor_refuses_with_400_413_or_415() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    proptest!(config(128), |(ct in content_type(), bytes in body(), oversize in prop::option::weighted(0.05, 0usize..3))| {
        let bytes = match oversize {
            Some(extra) => vec![b' '; MAX_INPUT_BYTES + extra],
            None => bytes,
        };
        let len = bytes.len();
        let mut builder = Request::builder();
        if let Some(ct) = &ct {
            builder = builder.header(header::CONTENT_TYPE, ct.as_str());
        }
        let (req, mut body) = builder.body(bytes).split();
        let got = rt.block_on(Input::<Signup>::from_request(&req, &mut body, ExtractParamOptions::default()));
        if let Err(e) = got {
            let status = e.status();
            prop_assert!(
                matches!(status, StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE),
                "{}", status
            );
            prop_assert_eq!(status == StatusCode::PAYLOAD_TOO_LARGE, len > MAX_INPUT_BYTES);
        } else {
            prop_assert!(len <= MAX_INPUT_BYTES);
        }
    });
}

/// The OAuth2 endpoints' form never fails the request: every problem is an
/// `invalid_request` for the endpoint to answer. Only a form is read, each parameter
/// once, and what it reads is what was sent.
#[test]
fn the_oauth2_form_reads_only_forms_of_distinct_parameters() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let read = |ct: Option<&str>, bytes: Vec<u8>| {
        let mut builder = Request::builder();
        if let Some(ct) = ct {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        let (req, mut body) = builder.body(bytes).split();
        rt.block_on(OAuthForm::<TokenRequest>::from_request(
            &req,
            &mut body,
            ExtractParamOptions::default(),
        ))
    };
    proptest!(config(512), |(
        ct in content_type(),
        bytes in body(),
        grant_type in prop::option::of("[^\\x00]{0,10}"),
        scope in prop::option::of("[^\\x00]{0,10}"),
        repeat in any::<bool>(),
    )| {
        let Ok(OAuthForm(got)) = read(ct.as_deref(), bytes.clone()) else {
            return Err(TestCaseError::fail("the request failed"));
        };
        let is_form = media(ct.as_deref(), &bytes) == Media::Form;
        match got {
            Ok(_) => prop_assert!(is_form),
            Err(e) => {
                prop_assert_eq!(e.error(), "invalid_request");
                prop_assert!(!e.description().contains(ODD));
            }
        }
        let form = "application/x-www-form-urlencoded";
        let sent = TokenRequest { grant_type, scope };
        let mut text = serde_urlencoded::to_string(&sent).unwrap_or_default();
        if repeat {
            text = format!("{text}&scope=again");
        }
        let Ok(OAuthForm(got)) = read(Some(form), text.clone().into_bytes()) else {
            return Err(TestCaseError::fail("the request failed"));
        };
        if repeat && sent.scope.is_some() {
            prop_assert_eq!(got.map_err(|e| e.error()).err(), Some("invalid_request"));
        } else if repeat {
            prop_assert_eq!(got.ok(), Some(TokenRequest { scope: Some("again".into()), ..sent }));
        } else {
            prop_assert_eq!(got.ok(), Some(sent), "{}", text);
        }
        let Ok(OAuthForm(got)) = read(Some("application/json"), text.into_bytes()) else {
            return Err(TestCaseError::fail("the request failed"));
        };
        prop_assert!(got.is_err());
    });
}
