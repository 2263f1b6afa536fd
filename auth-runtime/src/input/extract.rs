//! The `Input<T>` extractor: a body parsed as DRF's parsers take it, against the fields
//! `T`'s OpenAPI schema states.

use std::{
    any::TypeId,
    collections::HashMap,
    sync::{OnceLock, PoisonError, RwLock},
};

use poem::{http::header, Request, RequestBody};
use poem_openapi::{
    registry::{MetaMediaType, MetaRequest, Registry},
    types::Type,
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
};
use serde::de::DeserializeOwned;

use super::{parse_fields, Fields, InputError, MAX_INPUT_BYTES};

/// A body sent as `application/json` or `application/x-www-form-urlencoded`, parsed
/// with [`parse`] (documented as `T`'s schema under both content types). A refusal is
/// an [`InputError`]: 400 with DRF's field errors, 413 or 415.
pub struct Input<T>(pub T);

impl<T> Input<T> {
    /// The parsed value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The fields `T`'s schema requires and the fields it has, read once per type from its
/// OpenAPI schema (the document and the check cannot disagree).
fn schema_fields<T: Type + 'static>() -> &'static SchemaFields {
    type Known = HashMap<TypeId, &'static SchemaFields>;
    static KNOWN: OnceLock<RwLock<Known>> = OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    let id = TypeId::of::<T>();
    if let Some(fields) = known
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&id)
    {
        return fields;
    }
    let mut registry = Registry::new();
    T::register(&mut registry);
    let fields = registry
        .schemas
        .get(&*T::name())
        .map(|schema| SchemaFields {
            required: schema.required.clone(),
            // A schema without properties (a map) takes any field.
            known: (!schema.properties.is_empty())
                .then(|| schema.properties.iter().map(|(name, _)| *name).collect()),
        })
        .unwrap_or_default();
    let mut known = known.write().unwrap_or_else(PoisonError::into_inner);
    known
        .entry(id)
        .or_insert_with(|| Box::leak(Box::new(fields)))
}

/// The fields `T`'s schema has (`None` for a schema without properties, which takes
/// any).
#[cfg(feature = "oauth2-server")]
pub(crate) fn known_fields<T: Type + 'static>() -> Option<&'static [&'static str]> {
    schema_fields::<T>().known.as_deref()
}

/// [`schema_fields`]' answer.
#[derive(Default)]
struct SchemaFields {
    required: Vec<&'static str>,
    known: Option<Vec<&'static str>>,
}

impl<'a, T: DeserializeOwned + Type + Send + 'static> ApiExtractor<'a> for Input<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![
                MetaMediaType {
                    content_type: "application/json; charset=utf-8",
                    schema: T::schema_ref(),
                },
                MetaMediaType {
                    content_type: "application/x-www-form-urlencoded",
                    schema: T::schema_ref(),
                },
            ],
            // A body is required when its schema requires a field; a body of optional
            // fields (a partial update) may be left out, and counts as `{}`.
            required: !schema_fields::<T>().required.is_empty(),
        })
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        _opts: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        let bytes = match body.take() {
            Ok(b) => match b.into_bytes_limit(MAX_INPUT_BYTES).await {
                Ok(bytes) => bytes,
                Err(poem::error::ReadBodyError::PayloadTooLarge) => {
                    return Err(InputError::TooLarge.into())
                }
                Err(_) => {
                    return Err(
                        InputError::Malformed("The request body could not be read.".into()).into(),
                    )
                }
            },
            Err(_) => Default::default(),
        };
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let schema = schema_fields::<T>();
        let fields = Fields {
            required: &schema.required,
            known: schema.known.as_deref(),
        };
        Ok(Input(parse_fields(
            content_type.as_deref(),
            &bytes,
            &fields,
        )?))
    }
}
