-- The identification year (issue 15): cases, their append-only decision records, applications,
-- publicity rounds, objections, quotas and appraisal meetings.  rules/workflow.py is the process.

-- One case per subject (a household, or later a village) per year and kind; ``stage``/``status``
-- are the case's position, kept in step with its records in the same transaction.
CREATE TABLE IF NOT EXISTS cases (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    subject_kind   TEXT NOT NULL DEFAULT 'household' CHECK (subject_kind IN ('household', 'village')),
    subject_id     INTEGER NOT NULL,
    village_id     INTEGER NOT NULL REFERENCES villages (id),
    year           INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('identification', 'exit', 'return')),
    procedure      TEXT NOT NULL,
    stage          TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'refused', 'done')),
    last_date      TEXT NOT NULL,
    linked_case_id INTEGER REFERENCES cases (id),
    details        TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_subject ON cases (subject_kind, subject_id, id);
CREATE INDEX IF NOT EXISTS cases_village ON cases (village_id, year, status, stage);
CREATE UNIQUE INDEX IF NOT EXISTS cases_one_open ON cases (subject_kind, subject_id) WHERE status = 'open';

-- Every decision: never updated, never deleted (a correction is a new record).
CREATE TABLE IF NOT EXISTS case_records (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
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
CREATE INDEX IF NOT EXISTS case_records_case ON case_records (case_id, id);
CREATE TRIGGER IF NOT EXISTS case_records_no_update BEFORE UPDATE ON case_records
BEGIN SELECT RAISE(ABORT, 'case records are append-only: never updated'); END;
CREATE TRIGGER IF NOT EXISTS case_records_no_delete BEFORE DELETE ON case_records
BEGIN SELECT RAISE(ABORT, 'case records are append-only: never deleted'); END;

CREATE TABLE IF NOT EXISTS applications (
    case_id     INTEGER PRIMARY KEY REFERENCES cases (id),
    date        TEXT NOT NULL,
    applicant   TEXT NOT NULL CHECK (applicant IN ('户主', '代理人')),
    agent_name  TEXT NOT NULL DEFAULT '',
    received_by TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS applications_no_update BEFORE UPDATE ON applications
BEGIN SELECT RAISE(ABORT, 'applications are append-only: never updated'); END;
CREATE TRIGGER IF NOT EXISTS applications_no_delete BEFORE DELETE ON applications
BEGIN SELECT RAISE(ABORT, 'applications are append-only: never deleted'); END;

-- A publicity round: a village's (village_id) or the township's/county's (village_id NULL).
CREATE TABLE IF NOT EXISTS publicity_rounds (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    scope         TEXT NOT NULL CHECK (scope IN ('village', 'township', 'county')),
    village_id    INTEGER REFERENCES villages (id),
    year          INTEGER NOT NULL,
    stage         TEXT NOT NULL,
    start         TEXT NOT NULL,
    days          INTEGER NOT NULL CHECK (days > 0),
    end_date      TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    operator      TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS publicity_rounds_village ON publicity_rounds (village_id, stage);
CREATE TRIGGER IF NOT EXISTS publicity_rounds_no_update BEFORE UPDATE ON publicity_rounds
BEGIN SELECT RAISE(ABORT, 'publicity rounds are append-only: never updated'); END;
CREATE TRIGGER IF NOT EXISTS publicity_rounds_no_delete BEFORE DELETE ON publicity_rounds
BEGIN SELECT RAISE(ABORT, 'publicity rounds are append-only: never deleted'); END;

CREATE TABLE IF NOT EXISTS round_cases (
    round_id INTEGER NOT NULL REFERENCES publicity_rounds (id),
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (round_id, case_id)
);
CREATE INDEX IF NOT EXISTS round_cases_case ON round_cases (case_id);
CREATE TRIGGER IF NOT EXISTS round_cases_no_delete BEFORE DELETE ON round_cases
BEGIN SELECT RAISE(ABORT, 'publicity round lists are never changed'); END;

-- An objection is written once when received and once when its finding is recorded; never again.
CREATE TABLE IF NOT EXISTS objections (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    round_id      INTEGER NOT NULL REFERENCES publicity_rounds (id),
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    received      TEXT NOT NULL,
    by_name       TEXT NOT NULL DEFAULT '',
    claim         TEXT NOT NULL,
    finding       TEXT CHECK (finding IN ('成立', '不成立')),
    finding_date  TEXT,
    finding_note  TEXT NOT NULL DEFAULT '',
    operator      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    resolved_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS objections_case ON objections (case_id) WHERE finding IS NULL;
CREATE INDEX IF NOT EXISTS objections_round ON objections (round_id);
CREATE TRIGGER IF NOT EXISTS objections_resolved_once BEFORE UPDATE ON objections WHEN OLD.finding IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a resolved objection is never changed'); END;
CREATE TRIGGER IF NOT EXISTS objections_no_delete BEFORE DELETE ON objections
BEGIN SELECT RAISE(ABORT, 'objections are never deleted'); END;

-- 规模控制: persons per year for the township (village_id NULL) and each village.
CREATE TABLE IF NOT EXISTS quotas (
    id            INTEGER PRIMARY KEY,
    year          INTEGER NOT NULL,
    village_id    INTEGER REFERENCES villages (id),
    township_code TEXT NOT NULL DEFAULT '',
    persons       INTEGER NOT NULL CHECK (persons >= 0),
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS quotas_place ON quotas (year, COALESCE(village_id, 0), township_code);

-- 民主评议: a meeting per village; per applicant its votes or rank.
CREATE TABLE IF NOT EXISTS appraisal_meetings (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    village_id INTEGER NOT NULL REFERENCES villages (id),
    year       INTEGER NOT NULL,
    date       TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    panel_size INTEGER NOT NULL CHECK (panel_size >= 0),
    attendance INTEGER NOT NULL CHECK (attendance >= 0),
    note       TEXT NOT NULL DEFAULT '',
    operator   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS appraisal_votes (
    meeting_id    INTEGER NOT NULL REFERENCES appraisal_meetings (id),
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    votes_for     INTEGER,
    votes_against INTEGER,
    abstentions   INTEGER,
    rank          INTEGER,
    PRIMARY KEY (meeting_id, case_id)
);
