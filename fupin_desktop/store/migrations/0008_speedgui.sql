-- Search at county scale (issue 14): the household list's first page of any query without
-- sorting every match.  store/search_index.py writes these tables with household_search in every
-- save, delete, restore and sync; the Python hook 0008_speedgui.py fills them for existing rows.
--
-- search_docs: one row per current household, its lower-cased search text, 户编号, village and
-- group; search_docs_order is the list's order (户编号, id) and covers the text, so a common query
-- walks it and stops at the first page.
CREATE TABLE IF NOT EXISTS search_docs (
    household_id INTEGER PRIMARY KEY,
    number       TEXT NOT NULL DEFAULT '',
    village_id   INTEGER,
    group_name   TEXT,
    text         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS search_docs_order ON search_docs (number, household_id, village_id, group_name, text);

-- search_grams: the one- and two-character pieces without digits of names, pinyin initials and
-- ID numbers (张, 张三, zs, x), each household once, in list order: the posting list of a short query.
CREATE TABLE IF NOT EXISTS search_grams (
    gram         TEXT NOT NULL,
    number       TEXT NOT NULL,
    household_id INTEGER NOT NULL,
    PRIMARY KEY (gram, number, household_id)
) WITHOUT ROWID;

-- Rule X005 (a helper with a current member's name and phone) looks members up by name.
CREATE INDEX IF NOT EXISTS members_name ON members (name) WHERE deleted = 0;
