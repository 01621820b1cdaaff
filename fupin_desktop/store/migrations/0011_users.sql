-- Users and roles (issue 18): who logs in, with what role.  The audit trail's `kind` column and
-- the triggers that keep audit rows from being changed or removed are added by the Python hook
-- beside this file (SQLite has no ADD COLUMN IF NOT EXISTS, and a restored backup may run the
-- step again).

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('录入员', '审核员', '管理员')),
    password_hash TEXT NOT NULL,          -- Argon2id (argon2-cffi's encoded string); never the password
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,                   -- ISO time (UTC) until which a login is refused
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_operator ON audit (operator, at);
