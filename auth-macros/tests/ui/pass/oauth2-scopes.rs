//! `oauth2(scope = ...)`: the scopes are documented on the OAuth2 alternative only and
//! recorded in the policy table.

use auth_runtime::{authenticated, policy::SecuredApi, secured, Principal};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(session, oauth2(scope = "read write"), jwt)]
    #[oai(path = "/items", method = "post")]
    async fn create(&self, who: Principal) -> PlainText<String> {
        PlainText(format!("{:?}", who.scheme()))
    }
}

fn main() {
    let spec: serde_json::Value =
        serde_json::from_str(&OpenApiService::new(Api, "t", "1").spec()).unwrap();
    assert_eq!(
        spec["paths"]["/items"]["post"]["security"],
        serde_json::json!([{ "session": [] }, { "oauth2": ["read", "write"] }, { "jwt": [] }]),
        "{spec:#}"
    );
    // The documentation parameters are not request parameters.
    assert!(spec["paths"]["/items"]["post"].get("parameters").is_none(), "{spec:#}");
    let ops = Api::operations();
    let auth_runtime::policy::Access::Guarded { schemes, .. } = ops[0].access else {
        panic!("guarded")
    };
    let auth_runtime::policy::Schemes::Declared(list) = schemes else {
        panic!("declared")
    };
    assert_eq!(list[1].scopes, ["read", "write"]);
}
