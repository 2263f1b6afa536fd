-- Users, server-side sessions, JWT outstanding/blacklisted refresh tokens, secrets.
-- Booleans are INTEGER 0/1: SQLite has no boolean type (sqlx's Any driver refuses its BOOLEAN alias).
-- Times are Unix seconds. Session keys are stored as SHA-256 digests only.
CREATE TABLE auth_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_staff INTEGER NOT NULL DEFAULT 0,
    is_superuser INTEGER NOT NULL DEFAULT 0,
    is_active INTEGER NOT NULL DEFAULT 1,
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
