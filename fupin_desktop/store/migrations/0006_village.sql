-- The 贫困村登记表 (forms/village.toml, issue 17): one form per village and year. As for
-- households, the spec's values live in the JSON `fields` column; deletions are tombstones.
CREATE TABLE IF NOT EXISTS village_forms (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    village_id INTEGER NOT NULL REFERENCES villages (id),
    year       INTEGER NOT NULL,
    fields     TEXT NOT NULL DEFAULT '{}',
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS village_forms_year ON village_forms (village_id, year) WHERE deleted = 0;

-- The statistics group a year's households by village (store/stats.py).
CREATE INDEX IF NOT EXISTS households_year_village ON households (year, village_id) WHERE deleted = 0;
