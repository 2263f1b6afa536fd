//! The OAuth2 endpoints under `/o/`, documented in OpenAPI, in three APIs that
//! [`OAuth2Api`] serves together: what clients call ([`TokenEndpoints`]), what a
//! browser sees in the authorization code flow ([`AuthorizePages`]), and a user's own
//! applications and grants ([`ApplicationsApi`]).

mod applications;
mod browser;
mod endpoints;

use std::collections::HashMap;

use poem::{endpoint::BoxEndpoint, http::Method};
use poem_openapi::{
    registry::{MetaApi, Registry},
    OpenApi,
};

pub use self::{applications::ApplicationsApi, browser::AuthorizePages, endpoints::TokenEndpoints};
use crate::operation::{Operation, SecuredApi};

/// The OAuth2 authorization server's endpoints. Add it to the application's
/// `OpenApiService` next to its own APIs (tuples of APIs are APIs), or add only the
/// parts it needs.
///
/// ```
/// use auth_runtime::{docs::ApiDocs, oauth2::OAuth2Api, Settings};
/// let api = poem_openapi::OpenApiService::new(OAuth2Api, "auth", "1");
/// let spec = ApiDocs::new(&api, &Settings::default());
/// let spec: serde_json::Value = serde_json::from_str(spec.spec()).unwrap();
/// assert!(spec["paths"]["/o/token/"]["post"].is_object());
/// assert!(spec["paths"]["/o/applications/"]["get"]["security"].is_array());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OAuth2Api;

/// The parts, in the order they are documented.
type Parts = (TokenEndpoints, AuthorizePages, ApplicationsApi);

impl OpenApi for OAuth2Api {
    fn meta() -> Vec<MetaApi> {
        Parts::meta()
    }

    fn register(registry: &mut Registry) {
        Parts::register(registry);
    }

    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {
        Parts::default().add_routes(route_table);
    }
}

impl SecuredApi for OAuth2Api {
    fn operations() -> Vec<&'static Operation> {
        Parts::operations()
    }
}
