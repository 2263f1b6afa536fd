-- OAuth2 authorization server (django-oauth-toolkit's models, with every secret stored
-- as a SHA-256 digest). Applications may allow several grant types; refresh tokens
-- belong to a family (one authorization) so that reuse of a rotated one revokes them all.
CREATE TABLE oauth2_applications (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_digest TEXT,
    name TEXT NOT NULL,
    client_type TEXT NOT NULL,
    grant_types TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    owner_id BIGINT REFERENCES auth_users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth2_applications_owner_id ON oauth2_applications (owner_id);

CREATE TABLE oauth2_codes (
    digest TEXT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES oauth2_applications (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    redirect_uri TEXT,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    family TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oauth2_codes_expires_at ON oauth2_codes (expires_at);

CREATE TABLE oauth2_access_tokens (
    id BIGSERIAL PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    application_id BIGINT NOT NULL REFERENCES oauth2_applications (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES auth_users (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    family TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth2_access_tokens_family ON oauth2_access_tokens (family);
CREATE INDEX oauth2_access_tokens_user_id ON oauth2_access_tokens (user_id);
CREATE INDEX oauth2_access_tokens_expires_at ON oauth2_access_tokens (expires_at);

CREATE TABLE oauth2_refresh_tokens (
    id BIGSERIAL PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    application_id BIGINT NOT NULL REFERENCES oauth2_applications (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    family TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX oauth2_refresh_tokens_family ON oauth2_refresh_tokens (family);
CREATE INDEX oauth2_refresh_tokens_expires_at ON oauth2_refresh_tokens (expires_at);
