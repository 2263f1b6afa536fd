//! Usernames as Django treats them: NFKC-normalised before they are validated, stored,
//! compared or looked up, so that `ａｄｍｉｎ` (fullwidth) and `admin` are one name;
//! letters, digits and `@.+-_`, at most 150 characters.

use std::borrow::Cow;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The longest username (Django's `max_length`).
pub const MAX_LENGTH: usize = 150;

/// The NFKC form of `name` (Django's `AbstractBaseUser.normalize_username`); borrowed
/// when it already is.
///
/// ```
/// use auth_runtime::username::normalize;
/// assert_eq!(normalize("ａｄｍｉｎ"), "admin");
/// assert_eq!(normalize("ﬁnn"), "finn");
/// assert!(matches!(normalize("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn normalize(name: &str) -> Cow<'_, str> {
    match is_nfkc_quick(name.chars()) {
        IsNormalized::Yes => Cow::Borrowed(name),
        _ => Cow::Owned(name.nfkc().collect()),
    }
}

/// Django's `UnicodeUsernameValidator` and length limit, on the normalised name.
///
/// ```
/// use auth_runtime::username::is_valid;
/// assert!(!is_valid("ann.o'brien"));
/// assert!(is_valid("ann@example.com"));
/// assert!(!is_valid(""));
/// assert!(!is_valid("a\u{0}b"));
/// ```
pub fn is_valid(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_LENGTH
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
}
