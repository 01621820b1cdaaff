-- 0015: households written in bulk (county import, Excel import) get their member counts
-- (household_facts, see *_village) recounted once each, after all their member rows are in,
-- instead of once per member row.  While a household's id is in facts_deferred (inside the
-- writing transaction only) the insert triggers skip its recount; the hook rewrites them.
CREATE TABLE IF NOT EXISTS facts_deferred (household_id INTEGER PRIMARY KEY);
