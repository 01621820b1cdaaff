-- Registration years (issue 16): the live tables hold the CURRENT year's files (households.year,
-- 登记年度); a closed year is kept as frozen, read-only snapshots, one per (household, year).
--
-- payload is the whole file as it stood at the carry-over (the sync bundle shape: household
-- columns, `fields` JSON, every Handbook table's current rows); the columns beside it are what
-- the 历年记录 view, the counts per year and the review list read without parsing the payload.
-- township_code: NULL = this database's own township; at the county the township the snapshot
-- came from (batches carry snapshots).  A snapshot is never updated once written.
CREATE TABLE IF NOT EXISTS year_snapshots (
    id                INTEGER PRIMARY KEY,
    household_uuid    TEXT NOT NULL,
    year              INTEGER NOT NULL,
    township_code     TEXT,
    village           TEXT NOT NULL DEFAULT '',
    group_name        TEXT NOT NULL DEFAULT '',
    number            TEXT NOT NULL DEFAULT '',
    head_name         TEXT NOT NULL DEFAULT '',
    exit_flag         TEXT NOT NULL DEFAULT '',
    household_type    TEXT NOT NULL DEFAULT '',
    causes            TEXT NOT NULL DEFAULT '[]',   -- JSON: [main cause, other causes...]
    size              INTEGER NOT NULL DEFAULT 0,
    per_capita_income TEXT NOT NULL DEFAULT '',
    identified_year   INTEGER,                      -- 新识别年度 and 脱贫年度 of the file
    exit_year         INTEGER,
    births            INTEGER NOT NULL DEFAULT 0,
    deaths            INTEGER NOT NULL DEFAULT 0,
    payload           TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (household_uuid, year)
);
CREATE INDEX IF NOT EXISTS year_snapshots_year ON year_snapshots (year, township_code);
-- The carry-over picks the households of an earlier year without reading the wide rows.
CREATE INDEX IF NOT EXISTS households_year ON households (year) WHERE deleted = 0;

-- One row per carry-over run: when, by whom, how many, and the backup made first.
CREATE TABLE IF NOT EXISTS year_log (
    id         INTEGER PRIMARY KEY,
    from_year  INTEGER NOT NULL,
    to_year    INTEGER NOT NULL,
    carried    INTEGER NOT NULL,
    skipped    INTEGER NOT NULL,
    backup     TEXT NOT NULL DEFAULT '',
    operator   TEXT NOT NULL,
    at         TEXT NOT NULL
);

-- Half-year review (半年审核调整): a household marked reviewed for a period (2016-H1) with a note.
CREATE TABLE IF NOT EXISTS review_marks (
    household_uuid TEXT NOT NULL,
    period         TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    operator       TEXT NOT NULL,
    at             TEXT NOT NULL,
    PRIMARY KEY (household_uuid, period)
);
