-- 0005: each township's education students (issue 16) as its batches carry them: the same table
-- and statements as the county SQLite file (store/education_sync.py).

CREATE TABLE received_education (
    township_code  TEXT NOT NULL,
    member_uuid    TEXT NOT NULL,
    school_year    TEXT NOT NULL,
    household_uuid TEXT NOT NULL DEFAULT '',
    household      TEXT NOT NULL DEFAULT '',
    village        TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    id_number      TEXT NOT NULL DEFAULT '',
    school_type    TEXT NOT NULL DEFAULT '',
    batch          INTEGER,
    total          TEXT NOT NULL DEFAULT '',
    payload        TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    PRIMARY KEY (township_code, member_uuid, school_year)
);
CREATE INDEX received_education_year ON received_education (school_year, township_code);
