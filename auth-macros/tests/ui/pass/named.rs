//! Named chains and permissions, and impl-wide defaults that operations inherit part
//! by part: what each operation resolves to, in the table and in the document.

use auth_runtime::{
    authenticated,
    docs::ApiDocs,
    operation::{Access, SecuredApi},
    permission, public, secured, throttle, Authenticator, IsAdmin, IsAuthenticated, Settings,
};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};

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

auth_runtime::chain! {
    /// Readers: a JWT, or an OAuth2 token granting `read`.
    pub Readers = jwt, oauth2(scope = "read");
    /// Machines, by key.
    pub(crate) Machines = auth::ApiKey, token
}

auth_runtime::permissions! {
    /// Staff, or any authenticated caller reading.
    pub StaffOrReader = IsAdmin | (IsAuthenticated & auth_runtime::IsAuthenticatedOrReadOnly);
}

#[derive(Default)]
struct Api;

#[secured(authenticated(Readers), permission(StaffOrReader), throttle(user = "100/minute"))]
#[OpenApi]
impl Api {
    /// Inherits everything.
    #[oai(path = "/all", method = "get")]
    async fn all(&self) -> PlainText<&'static str> {
        PlainText("all")
    }

    /// Its own permission, the impl's chain.
    #[permission(IsAdmin & StaffOrReader)]
    #[oai(path = "/admin", method = "get")]
    async fn admin(&self) -> PlainText<&'static str> {
        PlainText("admin")
    }

    /// Its own chain (a custom scheme alone), the impl's permission.
    #[authenticated(auth::ApiKey)]
    #[oai(path = "/key", method = "get")]
    async fn key(&self) -> PlainText<&'static str> {
        PlainText("key")
    }

    /// Another named chain, and its own throttle.
    #[authenticated(Machines)]
    #[throttle(anon = "5/minute")]
    #[oai(path = "/machines", method = "get")]
    async fn machines(&self) -> PlainText<&'static str> {
        PlainText("machines")
    }

    /// Open, still throttled by the impl's rate.
    #[public]
    #[oai(path = "/open", method = "get")]
    async fn open(&self) -> PlainText<&'static str> {
        PlainText("open")
    }
}

fn main() {
    let ops = Api::operations();
    let access = |name: &str| ops.iter().find(|o| o.name == name).unwrap().access;
    let guarded = |name: &str| match access(name) {
        Access::Guarded { schemes, permission } => (schemes, permission),
        Access::Public => panic!("{name} is public"),
    };

    let (schemes, permission) = guarded("all");
    let names: Vec<_> = schemes.declared().iter().map(|s| s.name).collect();
    assert_eq!(names, ["jwt", "oauth2"]);
    assert_eq!(schemes.declared()[1].scopes, ["read"]);
    assert_eq!(permission, Some("StaffOrReader"));
    assert_eq!(ops[0].throttles.len(), 1);

    let (schemes, permission) = guarded("admin");
    assert_eq!(schemes.declared().len(), 2);
    assert_eq!(permission, Some("IsAdmin & StaffOrReader"));

    let (schemes, permission) = guarded("key");
    assert_eq!(schemes.declared()[0].name, auth::ApiKey::NAME);
    assert_eq!(permission, Some("StaffOrReader"));

    let (schemes, _) = guarded("machines");
    let names: Vec<_> = schemes.declared().iter().map(|s| s.name).collect();
    assert_eq!(names, ["api_key", "token"]);
    let machines = ops.iter().find(|o| o.name == "machines").unwrap();
    assert_eq!(machines.throttles[0].to_string(), "anon 5/minute");

    assert!(access("open").is_public());
    assert_eq!(StaffOrReader::EXPRESSION, "IsAdmin | IsAuthenticated & auth_runtime::IsAuthenticatedOrReadOnly");

    // The document lists a named chain's schemes with their scopes.
    let service = OpenApiService::new(Api, "named", "1");
    let doc: serde_json::Value =
        serde_json::from_str(ApiDocs::new(&service, &Settings::default()).spec()).unwrap();
    assert_eq!(
        doc["paths"]["/all"]["get"]["security"],
        serde_json::json!([{ "jwt": [] }, { "oauth2": ["read"] }])
    );
    assert!(doc["paths"]["/open"]["get"].get("security").is_none());
}
