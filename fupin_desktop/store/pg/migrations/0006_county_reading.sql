-- 0005: the county program reads the receiving database (issue 19, item 5): the household list's
-- search text, written with each household by the import (number, names, pinyin initials, ID
-- numbers, as the SQLite search index holds them), and the settings the county's window reads
-- (the policy profile, the relation numbering), as in the SQLite databases.

ALTER TABLE households ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- Households imported before this step: number, names and ID numbers (their pinyin initials come
-- with the household's next batch).
UPDATE households h SET search_text = lower(concat_ws(' | ', NULLIF(h.number, ''),
    (SELECT string_agg(concat_ws(' | ', NULLIF(m.name, ''), NULLIF(m.id_number, '')), ' | ' ORDER BY m.seq, m.id)
       FROM members m WHERE m.county_code = h.county_code AND m.household_id = h.id AND m.deleted = 0)));
CREATE INDEX households_village ON households (village_id, number) WHERE deleted = 0;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE drafts (               -- empty: the receiving database is read in the window, never typed into
    key          TEXT PRIMARY KEY,
    household_id BIGINT,
    payload      TEXT NOT NULL,
    saved_at     TEXT NOT NULL
);

-- The SQL the county's reads share with SQLite: each Handbook table other than members by its own
-- name (rows of ``household_rows``), and SQLite's ``json_extract(fields, '$.key')`` of a top-level
-- key (as text: every key those reads extract holds text).
CREATE VIEW helpers AS SELECT county_code, id, household_id, uuid, revision, fields, seq, deleted, updated_at
    FROM household_rows WHERE tbl = 'helpers';
CREATE VIEW plans AS SELECT county_code, id, household_id, uuid, revision, fields, seq, deleted, updated_at
    FROM household_rows WHERE tbl = 'plans';
CREATE VIEW measures AS SELECT county_code, id, household_id, uuid, revision, fields, seq, deleted, updated_at
    FROM household_rows WHERE tbl = 'measures';
CREATE VIEW results AS SELECT county_code, id, household_id, uuid, revision, fields, seq, deleted, updated_at
    FROM household_rows WHERE tbl = 'results';
CREATE FUNCTION json_extract(doc jsonb, path text) RETURNS text LANGUAGE sql IMMUTABLE AS
    $$ SELECT doc ->> substr(path, 3) $$;
