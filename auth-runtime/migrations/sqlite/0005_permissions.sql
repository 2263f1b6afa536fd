-- Named permissions and groups, as Django's auth has them: a user holds a permission
-- directly, through a group, or as a superuser.
CREATE TABLE auth_permissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE auth_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE auth_group_permissions (
    group_id BIGINT NOT NULL REFERENCES auth_groups (id) ON DELETE CASCADE,
    permission_id BIGINT NOT NULL REFERENCES auth_permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, permission_id)
);

CREATE TABLE auth_user_groups (
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES auth_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE auth_user_permissions (
    user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    permission_id BIGINT NOT NULL REFERENCES auth_permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, permission_id)
);
