//! The body of OAuth2 endpoint requests: `application/x-www-form-urlencoded` only
//! (RFC 6749 §3.2), each parameter at most once, parsed without ever failing the
//! request so that every problem becomes an RFC 6749 `invalid_request`.

use std::collections::BTreeMap;

use poem::{http::header, Request, RequestBody};
use poem_openapi::{
    registry::{MetaMediaType, MetaRequest, Registry},
    types::Type,
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
};
use serde::de::DeserializeOwned;

use super::OAuthError;

/// Largest form accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A form body, documented as `T`'s schema; the value is the parse result.
pub struct OAuthForm<T>(pub Result<T, OAuthError>);

/// Parses the form; `known` lists the parameters the endpoint reads (others are
/// ignored, RFC 6749 §3.1: "MUST ignore unrecognized request parameters").
fn parse<T: DeserializeOwned>(
    content_type: Option<&str>,
    bytes: &[u8],
    known: Option<&[&str]>,
) -> Result<T, OAuthError> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/x-www-form-urlencoded") => {}
        Some(m) if m.ends_with("json") => {
            return Err(OAuthError::invalid_request(
                "Send the parameters as application/x-www-form-urlencoded form data (RFC 6749 §3.2), not JSON.",
            ))
        }
        _ => {
            return Err(OAuthError::invalid_request(
                "Send the parameters as application/x-www-form-urlencoded form data (RFC 6749 §3.2).",
            ))
        }
    }
    let mut fields = serde_json::Map::new();
    let mut seen = BTreeMap::new();
    let recognised = url::form_urlencoded::parse(bytes)
        .filter(|(k, _)| known.is_none_or(|known| known.contains(&&**k)));
    for (k, v) in recognised {
        if k.contains('\0') || v.contains('\0') {
            return Err(OAuthError::invalid_request(crate::input::NULL_CHARACTERS));
        }
        if seen.insert(k.to_string(), ()).is_some() {
            return Err(OAuthError::invalid_request(
                "A parameter is repeated; send each parameter once.",
            ));
        }
        fields.insert(k.into_owned(), serde_json::Value::String(v.into_owned()));
    }
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|_| OAuthError::invalid_request("Malformed request parameters."))
}

impl<'a, T: DeserializeOwned + Type + Send + 'static> ApiExtractor<'a> for OAuthForm<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some("Form parameters (RFC 6749 §3.2)."),
            content: vec![MetaMediaType {
                content_type: "application/x-www-form-urlencoded",
                schema: T::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        _opts: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let result = match body.take() {
            Ok(b) => match b.into_bytes_limit(MAX_FORM_BYTES).await {
                Ok(bytes) => parse(content_type, &bytes, crate::input::known_fields::<T>()),
                Err(_) => Err(OAuthError::invalid_request(
                    "The request body is too large or unreadable.",
                )),
            },
            Err(_) => Err(OAuthError::invalid_request("Missing request body.")),
        };
        Ok(OAuthForm(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct P {
        a: Option<String>,
    }

    #[test]
    fn parses_forms_and_refuses_the_rest() {
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        let p: P = parse(Some(form), b"a=x+y%21", Some(&["a"])).unwrap();
        assert_eq!(p.a.as_deref(), Some("x y!"));
        let e = parse::<P>(Some("application/json"), b"{}", Some(&["a"])).unwrap_err();
        assert!(e.description().contains("not JSON"), "{e}");
        let e = parse::<P>(Some(form), b"a=1&a=2", Some(&["a"])).unwrap_err();
        assert_eq!(e.error(), "invalid_request");
        assert!(parse::<P>(None, b"a=1", Some(&["a"])).is_err());
        // Unrecognised parameters are ignored, repeated or not, NUL or not.
        let p: P = parse(Some(form), b"a=1&z=1&z=%00", Some(&["a"])).unwrap();
        assert_eq!(p.a.as_deref(), Some("1"));
    }
}
