//! A user-defined scheme: service keys in a table of the application's own, sent as
//! `X-Service-Key: <key>`. It takes part in `#[authenticated(...)]` chains like the
//! built-in schemes and documents itself in OpenAPI as an `apiKey` header.

use auth_runtime::{
    authenticated, authenticator::Outcome, permission, secret, secured, store::Store, AuthContext,
    AuthError, Authenticator, Identity, IsAdmin, User,
};
use poem::Request;
use poem_openapi::{
    payload::Json,
    registry::{MetaSecurityScheme, Registry},
    Object, OpenApi,
};
use sqlx::Row;

/// The header the key travels in.
const HEADER: &str = "x-service-key";

/// `X-Service-Key` authentication.
pub struct ServiceKey;

/// Issues a key for a user; only its digest is stored.
pub async fn issue(store: &Store, user_id: i64, label: &str) -> Result<String, sqlx::Error> {
    let key = format!("sk_{}", secret::random_urlsafe(24));
    sqlx::query("INSERT INTO demo_service_keys (digest, user_id, label) VALUES ($1, $2, $3)")
        .bind(secret::digest(&key))
        .bind(user_id)
        .bind(label)
        .execute(store.pool())
        .await?;
    Ok(key)
}

async fn owner(store: &Store, key: &str) -> Result<Option<(User, String)>, sqlx::Error> {
    // Looked up by digest: the index sees the digest, never the key.
    let Some(row) = sqlx::query("SELECT user_id, label FROM demo_service_keys WHERE digest = $1")
        .bind(secret::digest(key))
        .fetch_optional(store.pool())
        .await?
    else {
        return Ok(None);
    };
    let user_id: i64 = row.try_get("user_id")?;
    let label: String = row.try_get("label")?;
    let user = store.user_by_id(user_id).await.map_err(|e| match e {
        auth_runtime::store::StoreError::Database(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    })?;
    Ok(user.filter(|u| u.is_active).map(|u| (u, label)))
}

impl Authenticator for ServiceKey {
    const NAME: &'static str = "service_key";
    const CHALLENGE: &'static str = "ServiceKey realm=\"api\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some("A service key from `demo-api create-service-key`."),
                name: Some("X-Service-Key"),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Outcome {
        let Some(value) = req.headers().get(HEADER) else {
            return Outcome::NotMine;
        };
        let invalid = || Outcome::Invalid(AuthError::authentication_failed("Invalid service key."));
        let Ok(key) = value.to_str() else {
            return invalid();
        };
        match owner(ctx.store(), key).await {
            Ok(Some((user, label))) => {
                let mut id = Identity::new(user, Self::NAME);
                id.claims = Some(std::sync::Arc::new(serde_json::Map::from_iter([(
                    "label".to_owned(),
                    label.into(),
                )])));
                Outcome::Authenticated(id)
            }
            Ok(None) => invalid(),
            Err(e) => {
                tracing::error!(error = %e, "service key lookup failed");
                Outcome::Invalid(AuthError::Unavailable)
            }
        }
    }
}

/// `/api/service/`: operations for machines holding a service key.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceApi;

/// Who is calling.
#[derive(Object)]
struct ServiceCaller {
    /// The key's owner.
    username: String,
    /// The key's label.
    label: Option<String>,
    /// How the request was authenticated.
    scheme: String,
}

#[secured]
#[OpenApi(tag = "crate::DemoTag::Examples")]
impl ServiceApi {
    /// Who is calling, for a service key of an admin (or an admin's JWT).
    #[authenticated(ServiceKey, jwt)]
    #[permission(IsAdmin)]
    #[oai(path = "/api/service/whoami/", method = "get")]
    async fn whoami(&self, who: Identity) -> Json<ServiceCaller> {
        let label = who
            .claims
            .as_ref()
            .filter(|_| who.scheme == ServiceKey::NAME)
            .and_then(|c| c.get("label"))
            .and_then(|l| l.as_str())
            .map(str::to_owned);
        Json(ServiceCaller {
            username: who.user.username,
            label,
            scheme: who.scheme.to_owned(),
        })
    }
}
