-- Education subsidies (教育精准扶贫学生资助, issue 16): per school year, where a member of a
-- registered household studies, and the applications put into the county's batches.

-- A member's school in one school year ("2015-2016"): name, type, in the province or outside,
-- the subsidy items already received from the government or the school (JSON list), and the
-- documents of the checklist the clerk has ticked (JSON list of keys).
CREATE TABLE IF NOT EXISTS education_enrolments (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    member_uuid  TEXT NOT NULL,
    school_year  TEXT NOT NULL,
    school       TEXT NOT NULL DEFAULT '',
    school_type  TEXT NOT NULL,
    in_province  INTEGER NOT NULL DEFAULT 1,
    received     TEXT NOT NULL DEFAULT '[]',
    documents    TEXT NOT NULL DEFAULT '[]',
    revision     INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS education_enrolments_member ON education_enrolments (member_uuid, school_year) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS education_enrolments_year ON education_enrolments (school_year) WHERE deleted = 0;

-- One application per person (the first 18 characters of the ID number, so a 残疾人证 number is
-- the same person) and school year: the index makes double funding impossible even if two
-- programs write at once.  Items and total are kept as applied (the table may change later).
CREATE TABLE IF NOT EXISTS education_applications (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    person_key   TEXT NOT NULL,
    member_uuid  TEXT NOT NULL,
    school_year  TEXT NOT NULL,
    batch        INTEGER NOT NULL,
    applied_on   TEXT NOT NULL,
    items        TEXT NOT NULL,
    total        TEXT NOT NULL,
    override     TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS education_applications_person ON education_applications (person_key, school_year) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS education_applications_batch ON education_applications (school_year, batch) WHERE deleted = 0;
-- The students list joins each member to the year's application: without this, every member would
-- scan the whole year's applications (seconds at county scale).
CREATE INDEX IF NOT EXISTS education_applications_member ON education_applications (member_uuid, school_year) WHERE deleted = 0;
