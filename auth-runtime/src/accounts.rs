//! Creating accounts as Django does: the username NFKC-normalised and validated, the
//! email checked, the password run through the validators and stored as an argon2id
//! hash. The register view, the command line and applications' own code all create
//! users here.

use crate::{
    context::AuthContext,
    error::AuthError,
    input::FieldErrors,
    password::validate_password,
    principal::User,
    store::{NewUser, StoreError},
    username,
};

/// Django's message for a missing field.
const REQUIRED: &str = "This field is required.";

/// A new account, as submitted.
///
/// ```
/// let a = auth_runtime::accounts::NewAccount::new("ann", "correct horse battery");
/// assert_eq!(a.email, "");
/// ```
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// The login name (normalised before it is checked).
    pub username: String,
    /// The email address (may be empty).
    pub email: String,
    /// The password in clear, checked by the validators.
    pub password: String,
    /// An administrator (`is_staff` and `is_superuser`).
    pub superuser: bool,
}

impl NewAccount {
    /// An ordinary user with no email address.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            ..Self::default()
        }
    }
}

/// Why an account was not created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// DRF's field errors: `{"username": ["A user with that username already exists."]}`.
    #[error("invalid account: {0:?}")]
    Invalid(FieldErrors),
    /// Hashing or the store failed (503 when it reaches a client).
    #[error(transparent)]
    Unavailable(#[from] AuthError),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(_) => Self::Invalid(taken()),
            other => Self::Unavailable(other.into()),
        }
    }
}

/// The field errors of a taken username.
pub(crate) fn taken() -> FieldErrors {
    FieldErrors::from([(
        "username".to_owned(),
        vec!["A user with that username already exists.".to_owned()],
    )])
}

/// Checks a submitted account (every field, every error at once, as DRF reports them)
/// and returns it with its username normalised. `None` marks a missing field.
///
/// ```
/// use auth_runtime::accounts::validate;
/// let ok = validate(Some("ａｎｎ"), None, Some("correct horse battery"), 8).unwrap();
/// assert_eq!(ok.username, "ann");
/// let errors = validate(Some("a b"), Some("x\u{7}"), Some("123"), 8).unwrap_err();
/// assert!(errors.contains_key("username") && errors.contains_key("email") && errors.contains_key("password"));
/// ```
pub fn validate(
    username: Option<&str>,
    email: Option<&str>,
    password: Option<&str>,
    min_length: usize,
) -> Result<NewAccount, FieldErrors> {
    check(username, email, password, Some(min_length))
}

/// [`validate`]; `min_length: None` leaves the password validators out (an
/// operator's explicit choice on the command line).
fn check(
    username: Option<&str>,
    email: Option<&str>,
    password: Option<&str>,
    min_length: Option<usize>,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::new();
    let username = username
        .map(|u| username::normalize(u.trim()).into_owned())
        .filter(|u| !u.is_empty());
    match &username {
        None => {
            errors.insert("username".into(), vec![REQUIRED.into()]);
        }
        Some(u) if !username::is_valid(u) => {
            errors.insert(
                "username".into(),
                vec![format!(
                    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters ({} at most).",
                    username::MAX_LENGTH
                )],
            );
        }
        Some(_) => {}
    }
    let email = email.unwrap_or_default();
    if email.chars().count() > 254 || email.chars().any(char::is_control) {
        errors.insert("email".into(), vec!["Enter a valid email address.".into()]);
    }
    match password {
        None => {
            errors.insert("password".into(), vec![REQUIRED.into()]);
        }
        Some("") => {
            errors.insert(
                "password".into(),
                vec!["This field may not be blank.".into()],
            );
        }
        Some(p) => {
            let name = username.as_deref().unwrap_or_default();
            if let Some(Err(e)) = min_length.map(|min| validate_password(p, name, email, min)) {
                errors.insert("password".into(), e);
            }
        }
    }
    match (username, password) {
        (Some(username), Some(password)) if errors.is_empty() => Ok(NewAccount {
            username,
            email: email.to_owned(),
            password: password.to_owned(),
            superuser: false,
        }),
        _ => Err(errors),
    }
}

impl AuthContext {
    /// Creates a user after checking it as [`validate`] does (Django's
    /// `create_user` with the validators a registration form applies): the library
    /// call behind `createsuperuser` and an application's own sign-up or fixtures.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use auth_runtime::accounts::{AccountError, NewAccount};
    /// let ctx = auth_runtime::testing::memory_context().await;
    /// let ann = ctx.create_user(NewAccount::new("ann", "correct horse battery")).await.unwrap();
    /// assert!(!ann.is_staff);
    /// let again = ctx.create_user(NewAccount::new("ａｎｎ", "correct horse battery")).await;
    /// assert!(matches!(again, Err(AccountError::Invalid(e)) if e.contains_key("username")));
    /// let weak = ctx.create_user(NewAccount::new("bob", "123")).await;
    /// assert!(matches!(weak, Err(AccountError::Invalid(e)) if e.contains_key("password")));
    /// # });
    /// ```
    pub async fn create_user(&self, account: NewAccount) -> Result<User, AccountError> {
        self.create_account(account, true).await
    }

    /// [`create_user`](Self::create_user), with the password validators or without.
    pub(crate) async fn create_account(
        &self,
        account: NewAccount,
        check_password: bool,
    ) -> Result<User, AccountError> {
        let superuser = account.superuser;
        let min_length = check_password.then_some(self.settings().password.min_length);
        let account = check(
            Some(&account.username),
            Some(&account.email),
            Some(&account.password),
            min_length,
        )
        .map_err(AccountError::Invalid)?;
        let hash = self.hasher().hash(&account.password).await.map_err(|e| {
            tracing::error!(error = %e, "hashing failed");
            AccountError::Unavailable(AuthError::Unavailable)
        })?;
        self.insert_user(&account, &hash, superuser).await
    }

    /// [`create_user`](Self::create_user) for an administrator (`is_staff` and
    /// `is_superuser`): Django's `create_superuser`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use auth_runtime::accounts::NewAccount;
    /// let ctx = auth_runtime::testing::memory_context().await;
    /// let root = ctx.create_superuser(NewAccount::new("root", "correct horse battery")).await.unwrap();
    /// assert!(root.is_staff && root.is_superuser);
    /// # });
    /// ```
    pub async fn create_superuser(&self, account: NewAccount) -> Result<User, AccountError> {
        self.create_user(NewAccount {
            superuser: true,
            ..account
        })
        .await
    }

    /// Stores a checked account with its hash; a taken name is a field error.
    pub(crate) async fn insert_user(
        &self,
        account: &NewAccount,
        password_hash: &str,
        superuser: bool,
    ) -> Result<User, AccountError> {
        let user = self
            .store()
            .create_user(NewUser {
                username: &account.username,
                email: &account.email,
                password_hash,
                is_staff: superuser,
                is_superuser: superuser,
            })
            .await?;
        Ok(user)
    }

    /// Whether `username` (normalised) is taken: a registration for a taken name is
    /// refused before it costs a hash (the unique index still decides a race).
    pub(crate) async fn username_taken(&self, username: &str) -> Result<bool, StoreError> {
        Ok(self.store().user_by_username(username).await?.is_some())
    }
}
