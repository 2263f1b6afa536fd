-- Users, server-side sessions, JWT outstanding/blacklisted refresh tokens, secrets.
-- Times are Unix seconds. Session keys are stored as SHA-256 digests only.
CREATE TABLE auth_users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    date_joined BIGINT NOT NULL,
    last_login BIGINT,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE auth_sessions (
    key_digest TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);
CREATE INDEX auth_sessions_expires_at ON auth_sessions (expires_at);

CREATE TABLE auth_jwt_outstanding (
    jti TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_jwt_outstanding_expires_at ON auth_jwt_outstanding (expires_at);

CREATE TABLE auth_jwt_blacklist (
    jti TEXT PRIMARY KEY,
    blacklisted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_jwt_blacklist_expires_at ON auth_jwt_blacklist (expires_at);

CREATE TABLE auth_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
