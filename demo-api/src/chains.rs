//! The demo's authentication chains, declared once and named by its operations.

auth_runtime::chain! {
    /// Every scheme the API accepts: JWT, session, an OAuth2 token (any scope), a DRF
    /// token, Basic.
    pub Api = jwt, session, oauth2, token, basic;
    /// The same, with an OAuth2 token that grants `read`.
    pub Reader = jwt, session, oauth2(scope = "read"), token, basic;
    /// The same, with an OAuth2 token that grants `write`.
    pub Writer = jwt, session, oauth2(scope = "write"), token, basic;
}
