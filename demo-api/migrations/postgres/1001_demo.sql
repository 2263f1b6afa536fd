-- The demo's own tables, next to the framework's: service keys (a user-defined scheme)
-- and articles (object permissions, visibility filtering, throttled writes).
CREATE TABLE demo_service_keys (
    digest TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    label TEXT NOT NULL
);

CREATE TABLE demo_articles (
    id BIGSERIAL PRIMARY KEY,
    author_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX demo_articles_author_id ON demo_articles (author_id);
