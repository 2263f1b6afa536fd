//! The HTML of the authorization flow: the consent page, the login page, and the page
//! that explains a request that cannot be sent back to its client. Every value is
//! HTML-escaped; the pages refuse to be framed.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

/// Headers every page carries: no framing (clickjacking), no caching, nothing loaded
/// from elsewhere.
pub(crate) const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #222; }}
h1 {{ font-size: 1.4rem; }}
ul {{ padding-left: 1.2rem; }}
label {{ display: block; margin: .8rem 0 .2rem; }}
input[type=text], input[type=password] {{ width: 100%; padding: .4rem; box-sizing: border-box; }}
button {{ margin: 1rem .5rem 0 0; padding: .5rem 1.2rem; }}
.error {{ color: #a00; }}
</style>
</head>
<body>
{body}
</body>
</html>
"#,
        title = text(title),
    )
}

/// Asks the logged-in user whether `client` may act for them with `scopes` (name and
/// description). `hidden` are the request's parameters, posted back with the answer.
pub(crate) fn consent(
    username: &str,
    client: &str,
    scopes: &[(String, String)],
    hidden: &[(&str, &str)],
    csrf_token: &str,
) -> String {
    let scopes: String = scopes
        .iter()
        .map(|(name, description)| {
            format!(
                "<li><strong>{}</strong>: {}</li>\n",
                text(name),
                text(description)
            )
        })
        .collect();
    let fields: String = hidden
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                attr(name),
                attr(value)
            )
        })
        .collect();
    page(
        "Authorize access",
        &format!(
            r#"<h1>Authorize {client}?</h1>
<p>Signed in as <strong>{username}</strong>. <strong>{client}</strong> asks to:</p>
<ul>
{scopes}</ul>
<form method="post" action="/o/authorize/">
{fields}<input type="hidden" name="csrf_token" value="{csrf}">
<button type="submit" name="allow" value="true">Authorize</button>
<button type="submit" name="allow" value="false">Deny</button>
</form>
"#,
            client = text(client),
            username = text(username),
            csrf = attr(csrf_token),
        ),
    )
}

/// A request that cannot be answered by redirect (bad client or redirect URI).
pub(crate) fn error(message: &str) -> String {
    page(
        "Authorization error",
        &format!(
            "<h1>This authorization request is invalid</h1>\n<p class=\"error\">{}</p>\n<p>Nothing was sent to the application.</p>\n",
            text(message)
        ),
    )
}

/// An invalid request from a known client: the problem, and for a logged-in user a
/// link that takes the error back to the client (the user chooses to go there).
pub(crate) fn error_for_client(message: &str, back: Option<&str>) -> String {
    let link = back
        .map(|to| {
            format!(
                "<p><a href=\"{}\" rel=\"noreferrer\">Return to the application</a>, which will be told of the error.</p>\n",
                attr(to)
            )
        })
        .unwrap_or_default();
    page(
        "Authorization error",
        &format!(
            "<h1>This authorization request is invalid</h1>\n<p class=\"error\">{}</p>\n{link}",
            text(message)
        ),
    )
}

/// The login form of the authorization flow; posts back to `/o/login/`.
pub(crate) fn login(next: &str, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"error\">{}</p>\n", text(p)))
        .unwrap_or_default();
    page(
        "Sign in",
        &format!(
            r#"<h1>Sign in to continue</h1>
{problem}<form method="post" action="/o/login/">
<input type="hidden" name="next" value="{next}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
"#,
            next = attr(next),
        ),
    )
}

/// Whether `next` is safe to redirect to after login: a path on this server.
pub(crate) fn safe_next(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let html = consent(
            "<b>ann</b>",
            "Evil\"><script>",
            &[("read".into(), "<i>x</i>".into())],
            &[("state", "\"><script>alert(1)</script>")],
            "tok",
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>ann"), "{html}");
        assert!(html.contains("&lt;b&gt;ann&lt;/b&gt;"));
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert!(safe_next("/o/authorize/?client_id=x"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/\u{0}",
        ] {
            assert!(!safe_next(bad), "{bad}");
        }
    }
}
