-- DRF-style API tokens, stored as SHA-256 digests and found by a short public prefix,
-- and the counter that revokes a user's JWTs when their password changes or the account
-- is deactivated.
ALTER TABLE auth_users ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE auth_api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX auth_api_tokens_prefix ON auth_api_tokens (prefix);
CREATE INDEX auth_api_tokens_user_id ON auth_api_tokens (user_id);
CREATE INDEX auth_api_tokens_expires_at ON auth_api_tokens (expires_at);
