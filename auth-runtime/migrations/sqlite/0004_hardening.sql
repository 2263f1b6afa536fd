-- The server secret never lives in the database (a copy of it must sign nothing): it
-- comes from settings or a key file. `privileged_scopes`: the scopes (space-separated)
-- that an administrator allowed an application, such as `introspection`; no user can
-- grant them.
DROP TABLE IF EXISTS auth_secrets;
ALTER TABLE oauth2_applications ADD COLUMN privileged_scopes TEXT NOT NULL DEFAULT '';
