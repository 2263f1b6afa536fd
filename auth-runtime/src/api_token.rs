//! DRF-style API tokens (`rest_framework.authtoken`), stored the way django-rest-knox
//! stores them: the key is shown once, the database keeps its first characters (to
//! find it) and its SHA-256 digest (to check it, in constant time). A user may hold
//! several named tokens, each with an optional expiry.

use crate::{
    principal::User,
    secret,
    store::{now, Store, StoreError},
};

/// How many leading characters of a key are stored in clear to look it up by.
pub const PREFIX_LEN: usize = 8;

/// A token just issued: the only moment its key is known.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// Row id, to list and revoke it by.
    pub id: i64,
    /// The key the client sends as `Authorization: Token <key>`.
    pub key: String,
    /// Its name.
    pub name: String,
    /// When it stops working (Unix seconds), or never.
    pub expires_at: Option<i64>,
}

/// What a presented key turned out to be.
#[derive(Debug)]
pub enum KeyCheck {
    /// A live token of an active user.
    Valid(User),
    /// No live token has this key.
    Unknown,
    /// The token is live but its user is deactivated.
    Inactive,
}

/// Why a key could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The key is too short or has characters a header cannot carry.
    #[error("a token key must be 20 to 128 characters from A-Z, a-z, 0-9, `-`, `_`")]
    BadKey,
    /// The store failed (or the key is already in use).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a requested lifetime was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifetimeError {
    /// Zero seconds.
    #[error("Ensure this value is greater than or equal to 1.")]
    Zero,
    /// Longer than `token.lifetime`.
    #[error("Ensure this value is less than or equal to {0}.")]
    TooLong(u64),
}

/// The lifetime of a token about to be issued: `requested`, which may not exceed
/// `token.lifetime` (the maximum, when set), or that maximum when none is requested.
/// So no token, however it is created, outlives the configured lifetime.
///
/// ```
/// use auth_runtime::{api_token::{lifetime, LifetimeError}, settings::TokenSettings};
/// let mut s = TokenSettings::default();
/// assert_eq!(lifetime(&s, None), Ok(None)); // no maximum: DRF's tokens never expire
/// s.lifetime = Some(60);
/// assert_eq!(lifetime(&s, None), Ok(Some(60)));
/// assert_eq!(lifetime(&s, Some(30)), Ok(Some(30)));
/// assert_eq!(lifetime(&s, Some(999_999)), Err(LifetimeError::TooLong(60)));
/// assert_eq!(lifetime(&s, Some(0)), Err(LifetimeError::Zero));
/// ```
pub fn lifetime(
    settings: &crate::settings::TokenSettings,
    requested: Option<u64>,
) -> Result<Option<u64>, LifetimeError> {
    match (requested, settings.lifetime) {
        (Some(0), _) => Err(LifetimeError::Zero),
        (Some(n), Some(max)) if n > max => Err(LifetimeError::TooLong(max)),
        (Some(n), _) => Ok(Some(n)),
        (None, max) => Ok(max),
    }
}

fn expiry(lifetime: Option<u64>) -> Option<i64> {
    lifetime.map(|s| now().saturating_add(i64::try_from(s).unwrap_or(i64::MAX)))
}

async fn store_key(
    store: &Store,
    user_id: i64,
    name: &str,
    key: String,
    lifetime: Option<u64>,
) -> Result<IssuedToken, StoreError> {
    let expires_at = expiry(lifetime);
    let id = store
        .create_api_token(
            user_id,
            name,
            &key[..PREFIX_LEN],
            &secret::digest(&key),
            expires_at,
        )
        .await?;
    Ok(IssuedToken {
        id,
        key,
        name: name.to_owned(),
        expires_at,
    })
}

/// Issues a new token: 160 random bits as 40 hex characters, DRF's key format.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// # let store = auth_runtime::Store::connect(&format!("sqlite://{}/t.db", dir.path().display())).await.unwrap();
/// # store.migrate().await.unwrap();
/// # let user = store.create_user(auth_runtime::store::NewUser { username: "ann", email: "",
/// #     password_hash: "x", is_staff: false, is_superuser: false }).await.unwrap();
/// use auth_runtime::api_token::{check, issue, KeyCheck};
/// let token = issue(&store, user.id, "laptop", None).await.unwrap();
/// assert_eq!(token.key.len(), 40);
/// assert!(matches!(check(&store, &token.key).await.unwrap(), KeyCheck::Valid(u) if u.id == user.id));
/// assert!(matches!(check(&store, "0".repeat(40).as_str()).await.unwrap(), KeyCheck::Unknown));
/// # });
/// ```
pub async fn issue(
    store: &Store,
    user_id: i64,
    name: &str,
    lifetime: Option<u64>,
) -> Result<IssuedToken, StoreError> {
    store_key(store, user_id, name, secret::random_hex(20), lifetime).await
}

/// Stores a key made elsewhere, such as a DRF `authtoken_token.key` being migrated,
/// so that clients keep working.
pub async fn import(
    store: &Store,
    user_id: i64,
    name: &str,
    key: &str,
    lifetime: Option<u64>,
) -> Result<IssuedToken, ImportError> {
    let well_formed = (20..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(ImportError::BadKey);
    }
    Ok(store_key(store, user_id, name, key.to_owned(), lifetime).await?)
}

/// Finds the live token a key belongs to. The key's digest is compared with each
/// candidate's in constant time.
pub async fn check(store: &Store, key: &str) -> Result<KeyCheck, StoreError> {
    let Some(prefix) = key.get(..PREFIX_LEN) else {
        return Ok(KeyCheck::Unknown);
    };
    Ok(
        match store.api_token_owner(prefix, &secret::digest(key)).await? {
            Some(user) if user.is_active => KeyCheck::Valid(user),
            Some(_) => KeyCheck::Inactive,
            None => KeyCheck::Unknown,
        },
    )
}
