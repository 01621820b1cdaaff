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

-- The statistics (store/stats.py) read the few household and member values they count from two
-- narrow tables that triggers keep equal to the JSON `fields` on every insert, update and delete,
-- whoever writes (a save, an import, a sync merge, a restore): a county's 100,000 households are
-- counted without parsing their JSON again. Tests compare every figure with the JSON itself.
-- The triggers delete and insert (never INSERT OR REPLACE / upsert): a statement's own conflict
-- clause (a sync merge's ON CONFLICT) would override the trigger's.
CREATE TABLE IF NOT EXISTS household_facts (
    household_id       INTEGER PRIMARY KEY,
    village_id         INTEGER NOT NULL,
    year               INTEGER,
    deleted            INTEGER NOT NULL,
    size               INTEGER NOT NULL,
    main_cause         TEXT,
    other_causes       TEXT,    -- the JSON array, as stored (NULL unless an array)
    household_type     TEXT,
    exit_flag          TEXT,
    exit_year          INTEGER,
    dilapidated        INTEGER,
    drinking_difficult INTEGER,
    drinking_safe      INTEGER,
    living_power       INTEGER,
    -- the household's current members (人员变更 not 死亡, 嫁出 …) and how many of them are 女,
    -- 少数民族, 残疾, 劳动力, 外出务工, 乡内务工, 新农合, 养老保险 (kept by the members' triggers)
    members            INTEGER NOT NULL DEFAULT 0,
    women              INTEGER NOT NULL DEFAULT 0,
    minority           INTEGER NOT NULL DEFAULT 0,
    disabled           INTEGER NOT NULL DEFAULT 0,
    labour             INTEGER NOT NULL DEFAULT 0,
    migrant            INTEGER NOT NULL DEFAULT 0,
    local_work         INTEGER NOT NULL DEFAULT 0,
    ncms               INTEGER NOT NULL DEFAULT 0,
    pension            INTEGER NOT NULL DEFAULT 0,
    work               TEXT    -- current members by 务工状况, as a JSON object {"省外务工": 2, …}
);
CREATE INDEX IF NOT EXISTS household_facts_year ON household_facts (year, village_id) WHERE deleted = 0;

CREATE TABLE IF NOT EXISTS member_facts (
    member_id    INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL,
    village_id   INTEGER,       -- the household's village, year and tombstone, copied so that the
    year         INTEGER,       -- member figures need no join (kept by the households' triggers)
    hh_deleted   INTEGER,
    deleted      INTEGER NOT NULL,
    change       TEXT,          -- 人员变更: who left the household is not counted
    sex          TEXT,
    ethnicity    TEXT,
    health       TEXT,
    labor_skill  TEXT,
    work_status  TEXT,
    in_ncms      INTEGER,
    in_pension   INTEGER
);
CREATE INDEX IF NOT EXISTS member_facts_household ON member_facts (household_id);

INSERT OR REPLACE INTO household_facts (household_id, village_id, year, deleted, size, main_cause, other_causes,
    household_type, exit_flag, exit_year, dilapidated, drinking_difficult, drinking_safe, living_power)
SELECT id, village_id, year, deleted, size,
       json_extract(fields, '$.main_cause'), CASE WHEN json_type(fields, '$.other_causes') = 'array' THEN json_extract(fields, '$.other_causes') END,
       json_extract(fields, '$.household_type'), json_extract(fields, '$.exit_flag'),
       json_extract(fields, '$.exit_year'), json_extract(fields, '$.dilapidated'),
       json_extract(fields, '$.drinking_difficult'), json_extract(fields, '$.drinking_safe'),
       json_extract(fields, '$.living_power')
FROM households WHERE json_valid(fields);

INSERT OR REPLACE INTO member_facts
SELECT m.id, m.household_id, h.village_id, h.year, h.deleted, m.deleted,
       json_extract(m.fields, '$.change'), json_extract(m.fields, '$.sex'), json_extract(m.fields, '$.ethnicity'),
       json_extract(m.fields, '$.health'), json_extract(m.fields, '$.labor_skill'),
       json_extract(m.fields, '$.work_status'), json_extract(m.fields, '$.in_ncms'), json_extract(m.fields, '$.in_pension')
FROM members m LEFT JOIN households h ON h.id = m.household_id WHERE json_valid(m.fields);

CREATE TRIGGER IF NOT EXISTS household_facts_insert AFTER INSERT ON households BEGIN
  UPDATE member_facts SET village_id = NEW.village_id, year = NEW.year, hh_deleted = NEW.deleted
   WHERE household_id = NEW.id
     AND (village_id IS NOT NEW.village_id OR year IS NOT NEW.year OR hh_deleted IS NOT NEW.deleted);
  DELETE FROM household_facts WHERE household_id = NEW.id;
  INSERT INTO household_facts (household_id, village_id, year, deleted, size, main_cause, other_causes,
                               household_type, exit_flag, exit_year, dilapidated, drinking_difficult,
                               drinking_safe, living_power)
  SELECT NEW.id, NEW.village_id, NEW.year, NEW.deleted, NEW.size,
         json_extract(f, '$.main_cause'), CASE WHEN json_type(f, '$.other_causes') = 'array' THEN json_extract(f, '$.other_causes') END, json_extract(f, '$.household_type'),
         json_extract(f, '$.exit_flag'), json_extract(f, '$.exit_year'), json_extract(f, '$.dilapidated'),
         json_extract(f, '$.drinking_difficult'), json_extract(f, '$.drinking_safe'), json_extract(f, '$.living_power')
  FROM (SELECT CASE WHEN json_valid(NEW.fields) THEN NEW.fields ELSE '{}' END AS f);
END;

CREATE TRIGGER IF NOT EXISTS household_facts_update AFTER UPDATE ON households BEGIN
  UPDATE member_facts SET village_id = NEW.village_id, year = NEW.year, hh_deleted = NEW.deleted
   WHERE household_id = NEW.id
     AND (village_id IS NOT NEW.village_id OR year IS NOT NEW.year OR hh_deleted IS NOT NEW.deleted);
  DELETE FROM household_facts WHERE household_id IN (OLD.id, NEW.id);
  INSERT INTO household_facts (household_id, village_id, year, deleted, size, main_cause, other_causes,
                               household_type, exit_flag, exit_year, dilapidated, drinking_difficult,
                               drinking_safe, living_power)
  SELECT NEW.id, NEW.village_id, NEW.year, NEW.deleted, NEW.size,
         json_extract(f, '$.main_cause'), CASE WHEN json_type(f, '$.other_causes') = 'array' THEN json_extract(f, '$.other_causes') END, json_extract(f, '$.household_type'),
         json_extract(f, '$.exit_flag'), json_extract(f, '$.exit_year'), json_extract(f, '$.dilapidated'),
         json_extract(f, '$.drinking_difficult'), json_extract(f, '$.drinking_safe'), json_extract(f, '$.living_power')
  FROM (SELECT CASE WHEN json_valid(NEW.fields) THEN NEW.fields ELSE '{}' END AS f);
END;

CREATE TRIGGER IF NOT EXISTS household_facts_delete AFTER DELETE ON households BEGIN
  DELETE FROM household_facts WHERE household_id = OLD.id;
END;

-- The member_facts triggers and each household's member counts are made by the Python hook
-- 0009_village.py: they compare with the words of fupin_desktop/domain/village.py.
