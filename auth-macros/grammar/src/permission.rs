//! The form of a named permission (`HasPerm("articles.publish")`): an application
//! label and an action, lowercase, as Django's `app_label.codename`.

/// Whether `name` is a permission name: two words of lowercase ASCII letters, digits
/// and `_`, each starting with a letter, joined by one `.`.
///
/// ```
/// use auth_grammar::permission::is_name;
/// assert!(is_name("articles.publish") && is_name("articles.delete_any"));
/// assert!(!is_name("publish") && !is_name("Articles.publish") && !is_name("a.b.c"));
/// assert!(!is_name("articles.") && !is_name(".publish") && !is_name("articles.1st"));
/// ```
pub const fn is_name(name: &str) -> bool {
    // A `const fn`, so that `auth_runtime::permissions!` checks a declared name while
    // the application compiles; hence the byte loop.
    let bytes = name.as_bytes();
    let mut i = 0;
    let mut dots = 0;
    let mut word_start = true;
    let mut word_len = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'.' {
            if word_start || dots == 1 {
                return false;
            }
            dots += 1;
            word_start = true;
            word_len = 0;
        } else {
            let ok = if word_start {
                b.is_ascii_lowercase()
            } else {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
            };
            word_len += 1;
            if !ok || word_len > 100 {
                return false;
            }
            word_start = false;
        }
        i += 1;
    }
    dots == 1 && !word_start
}

/// What to write instead of a malformed permission name.
pub const EXPECTED: &str =
    "a permission is named `app.action` in lowercase letters, digits and `_`, such as `articles.publish`";
