-- Version 5: the code lists carry the national numbers (NATIONAL.md §1, issue 12).
--
-- Values are stored as labels, so most values stay as they are; the Python hook
-- 0005_national_codes.py maps the labels that changed (脱贫 → 已脱贫（享受政策）, 缺劳动力 → 缺劳力,
-- 其他 → 其它, 残疾证 → 残疾人证, 危房 C级/D级 → 是否危房户 是 + 危房等级 ...) in households'
-- `fields` JSON and the member rows, and lists in migration_report what it mapped and what a
-- clerk must look at (values the new lists cannot tell apart, or that are not national).
-- Safe to run again (a restored backup whose version was lowered): IF NOT EXISTS, and the hook
-- leaves national values alone and reports a line once.
CREATE TABLE IF NOT EXISTS migration_report (
    id           INTEGER PRIMARY KEY,
    migration    INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    entity       TEXT NOT NULL,            -- households or members
    row_uuid     TEXT NOT NULL DEFAULT '', -- the member row (households: '')
    field        TEXT NOT NULL,
    old          TEXT NOT NULL,
    new          TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('mapped', 'review')),
    note         TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS migration_report_household ON migration_report (household_id);

-- 人编号 (AAB001, members' `person_number`) is unique in the database when given: rule X007 looks
-- a number up in the other households through this index.
CREATE INDEX IF NOT EXISTS members_person_number ON members (json_extract(fields, '$.person_number')) WHERE deleted = 0;
