-- Issue 16, the rest: the county keeps each township's education students (sync), and the
-- household list filters by label (脱贫状态, 贫困户属性) and year at 100,000 households.

-- A township's education records as its batches carried them (store/education_sync.py): one row
-- per township, student and school year; the whole record as JSON, the columns the lists read.
CREATE TABLE IF NOT EXISTS received_education (
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
CREATE INDEX IF NOT EXISTS received_education_year ON received_education (school_year, township_code);

-- The list's label filters read these instead of every household's JSON; in the list's order
-- (户编号), so the first page of a label is the first entries of its range.
CREATE INDEX IF NOT EXISTS households_exit_flag ON households (json_extract(fields, '$.exit_flag'), number)
    WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS households_household_type ON households (json_extract(fields, '$.household_type'), number)
    WHERE deleted = 0;
-- A closed year's list (store/year_list.py): in its order (户编号) and covering every filter, so a
-- filtered list reads this index only, never the wide rows (their payload).
CREATE INDEX IF NOT EXISTS year_snapshots_list ON year_snapshots (year, number, id, village, group_name, exit_flag,
    household_type, head_name, household_uuid, township_code);
