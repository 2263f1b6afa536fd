//! Every accepted form: default chain, permission alone, a custom scheme type, a
//! permission with arguments, paths, helpers without `#[oai]`, and two `#[secured]`
//! impls with the same method names in one module.

use auth_runtime::{
    authenticated, permission, public, secured, AllowAny, Authenticator, Denial, IsAdmin,
    IsAuthenticated, Permission, PermissionContext,
};
use poem_openapi::{param::Path, payload::PlainText, OpenApi, OpenApiService};

mod auth {
    use auth_runtime::{authenticator::Outcome, AuthContext, Authenticator};
    use poem::Request;
    use poem_openapi::registry::Registry;

    pub struct ApiKey;

    impl Authenticator for ApiKey {
        const NAME: &'static str = "api_key";
        const CHALLENGE: &'static str = "ApiKey";
        fn register(_registry: &mut Registry) {}
        async fn authenticate(_req: &Request, _ctx: &AuthContext) -> Outcome {
            Outcome::NotMine
        }
    }
}

struct HasScope(&'static str);

impl Permission for HasScope {
    async fn has_permission(&self, _ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        if self.0.is_empty() {
            Err(Denial::default())
        } else {
            Ok(())
        }
    }
}

fn is_staff() -> IsAdmin {
    IsAdmin
}

struct Api;

#[secured]
#[OpenApi(prefix_path = "/v1")]
impl Api {
    /// Default chain, `IsAuthenticated`.
    #[authenticated]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText(self.helper())
    }

    /// Default chain, given permission.
    #[permission(HasScope("write") & (is_staff() | !auth_runtime::IsAdmin))]
    #[oai(path = "/b/:id", method = "post")]
    async fn b(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(id.0.to_string())
    }

    /// A custom scheme after a built-in one.
    #[auth_runtime::authenticated(session, crate::auth::ApiKey)]
    #[auth_runtime::permission(::auth_runtime::IsAuthenticatedOrReadOnly | AllowAny)]
    #[oai(path = "/c", method = "get")]
    pub(crate) async fn c(&self) -> PlainText<&'static str> {
        PlainText("c")
    }

    #[public]
    #[oai(path = "/d", method = "get")]
    async fn r#d(&self) -> PlainText<&'static str> {
        PlainText("d")
    }

    fn helper(&self) -> &'static str {
        "helper"
    }
}

struct Other;

#[secured]
#[poem_openapi::OpenApi]
impl Other {
    #[authenticated(jwt)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("other")
    }
}

fn main() {
    let _ = auth::ApiKey::NAME;
    let spec: serde_json::Value =
        serde_json::from_str(&OpenApiService::new((Api, Other), "t", "1").spec()).unwrap();
    let paths = &spec["paths"];
    assert_eq!(
        // `IsAuthenticatedOrReadOnly | AllowAny` admits a caller without credentials:
        // the empty requirement says so.
        paths["/v1/c"]["get"]["security"],
        serde_json::json!([{}, { "session": [] }, { "api_key": [] }]),
        "{spec:#}"
    );
    assert_eq!(
        paths["/a"]["get"]["security"],
        serde_json::json!([{ "jwt": [] }]),
        "{spec:#}"
    );
    assert!(paths["/v1/d"]["get"].get("security").is_none(), "{spec:#}");
    // `b`'s only parameter is the user's own path parameter
    assert_eq!(
        paths["/v1/b/{id}"]["post"]["parameters"].as_array().map(Vec::len),
        Some(1),
        "{spec:#}"
    );
}
