-- 0003: closed registration years (issue 16) as the townships' batches carry them: one frozen file
-- per household and year, kept under the township's code, never replaced.

CREATE TABLE year_snapshots (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_uuid    TEXT NOT NULL,
    year              INTEGER NOT NULL,
    township_code     TEXT,
    village           TEXT NOT NULL DEFAULT '',
    group_name        TEXT NOT NULL DEFAULT '',
    number            TEXT NOT NULL DEFAULT '',
    head_name         TEXT NOT NULL DEFAULT '',
    exit_flag         TEXT NOT NULL DEFAULT '',
    household_type    TEXT NOT NULL DEFAULT '',
    causes            TEXT NOT NULL DEFAULT '[]',
    size              INTEGER NOT NULL DEFAULT 0,
    per_capita_income TEXT NOT NULL DEFAULT '',
    identified_year   INTEGER,
    exit_year         INTEGER,
    births            INTEGER NOT NULL DEFAULT 0,
    deaths            INTEGER NOT NULL DEFAULT 0,
    payload           TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (household_uuid, year)
);
CREATE INDEX year_snapshots_year ON year_snapshots (year, township_code);
