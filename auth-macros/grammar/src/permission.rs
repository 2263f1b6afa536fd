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
pub fn is_name(name: &str) -> bool {
    let word = |w: &str| {
        w.len() <= 100
            && w.starts_with(|c: char| c.is_ascii_lowercase())
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    matches!(name.split_once('.'), Some((app, action)) if word(app) && word(action))
}

/// What to write instead of a malformed permission name.
pub const EXPECTED: &str =
    "a permission is named `app.action` in lowercase letters, digits and `_`, such as `articles.publish`";
