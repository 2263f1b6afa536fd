-- The articles' daily quota counts creations, per user and UTC day, in one row that a
-- conditional upsert increments in the same transaction as the insert: concurrent
-- creates cannot pass it together, and deleting an article gives nothing back.
CREATE TABLE demo_article_quota (
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    day BIGINT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);
