-- 0004: the audit trail's kind (issue 18's 操作记录 filter) and its permanence: rows are never
-- changed or removed, as in the SQLite databases.

ALTER TABLE audit ADD COLUMN kind TEXT NOT NULL DEFAULT 'edit';
CREATE INDEX audit_at ON audit (at);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are permanent: never updated or deleted';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- The users table as in the SQLite databases (store/access.py asks it whether logins exist); the
-- receiving server keeps it empty for now: the PostgreSQL server's own logins guard the database.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('录入员', '审核员', '管理员')),
    password_hash TEXT NOT NULL,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
