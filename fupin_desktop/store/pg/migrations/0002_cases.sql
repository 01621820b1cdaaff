-- 0002: identification cases (issue 15) as the townships' batches carry them: the case under the
-- township's UUID and its records, append-only, as in the SQLite county database.

CREATE TABLE cases (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    subject_kind   TEXT NOT NULL DEFAULT 'household' CHECK (subject_kind IN ('household', 'village')),
    subject_id     BIGINT NOT NULL,
    village_id     BIGINT NOT NULL REFERENCES villages (id),
    year           INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('identification', 'exit', 'return')),
    procedure      TEXT NOT NULL,
    stage          TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'refused', 'done')),
    last_date      TEXT NOT NULL,
    linked_case_id BIGINT REFERENCES cases (id),
    details        TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX cases_subject ON cases (subject_kind, subject_id, id);
CREATE INDEX cases_village ON cases (village_id, year, status, stage);
CREATE UNIQUE INDEX cases_one_open ON cases (subject_kind, subject_id) WHERE status = 'open';

CREATE TABLE case_records (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    stage           TEXT NOT NULL,
    to_stage        TEXT NOT NULL,
    date            TEXT NOT NULL,
    decision        TEXT NOT NULL,
    reference       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    operator        TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX case_records_case ON case_records (case_id, id);

-- Records are never updated or deleted (a correction is a new record).
CREATE FUNCTION case_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case records are append-only: never updated or deleted';
END;
$$;
CREATE TRIGGER case_records_no_change BEFORE UPDATE OR DELETE ON case_records
    FOR EACH ROW EXECUTE FUNCTION case_records_append_only();
