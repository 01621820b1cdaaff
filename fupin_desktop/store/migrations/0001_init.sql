-- 0001: the township store.
-- Every record has a UUID, a revision counter and updated_at; deletions are tombstones
-- (deleted = 1). Spec-defined field values live in a JSON `fields` column so the form spec
-- stays their only declaration; the columns beside it are what lists, search and sync need.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE township (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    uuid       TEXT NOT NULL UNIQUE,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    county     TEXT NOT NULL DEFAULT '',
    city       TEXT NOT NULL DEFAULT '',
    province   TEXT NOT NULL DEFAULT '',
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE villages (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    code       TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL,
    quota      INTEGER,
    is_poor    INTEGER NOT NULL DEFAULT 0,
    seq        INTEGER NOT NULL DEFAULT 0,
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX villages_name ON villages (name) WHERE deleted = 0;

CREATE TABLE village_groups (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    village_id INTEGER NOT NULL REFERENCES villages (id),
    name       TEXT NOT NULL,
    seq        INTEGER NOT NULL DEFAULT 0,
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX village_groups_name ON village_groups (village_id, name) WHERE deleted = 0;

CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    village_id     INTEGER NOT NULL REFERENCES villages (id),
    group_name     TEXT NOT NULL DEFAULT '',
    number         TEXT NOT NULL DEFAULT '',
    year           INTEGER,
    head_name      TEXT NOT NULL DEFAULT '',
    head_id_number TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    fields         TEXT NOT NULL DEFAULT '{}',
    revision       INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX households_village ON households (village_id, group_name, number, size) WHERE deleted = 0;
CREATE INDEX households_number ON households (number) WHERE deleted = 0;
CREATE INDEX households_head ON households (head_name) WHERE deleted = 0;
CREATE INDEX households_size ON households (size) WHERE deleted = 0;
CREATE INDEX households_updated ON households (updated_at) WHERE deleted = 0;

-- Repeating blocks of the Handbook share one shape.
CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    household_id INTEGER NOT NULL REFERENCES households (id),
    seq          INTEGER NOT NULL DEFAULT 0,
    name         TEXT NOT NULL DEFAULT '',
    id_number    TEXT NOT NULL DEFAULT '',
    relation     TEXT NOT NULL DEFAULT '',
    fields       TEXT NOT NULL DEFAULT '{}',
    revision     INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX members_household ON members (household_id, seq);
CREATE INDEX members_id_number ON members (id_number) WHERE deleted = 0;

CREATE TABLE helpers (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    household_id INTEGER NOT NULL REFERENCES households (id), seq INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '{}', revision INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX helpers_household ON helpers (household_id, seq);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    household_id INTEGER NOT NULL REFERENCES households (id), seq INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '{}', revision INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX plans_household ON plans (household_id, seq);

CREATE TABLE measures (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    household_id INTEGER NOT NULL REFERENCES households (id), seq INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '{}', revision INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX measures_household ON measures (household_id, seq);

CREATE TABLE results (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    household_id INTEGER NOT NULL REFERENCES households (id), seq INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '{}', revision INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX results_household ON results (household_id, seq);

-- Unsaved editor state (typing that could not be saved yet, or autosaved work in progress).
-- `key` is the household UUID (an existing or a not-yet-saved household).
CREATE TABLE drafts (
    key        TEXT PRIMARY KEY,
    household_id INTEGER REFERENCES households (id),
    payload    TEXT NOT NULL,
    saved_at   TEXT NOT NULL
);

-- One row per changed value: who, when, which record, which field, old and new.
CREATE TABLE audit (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    operator       TEXT NOT NULL,
    action         TEXT NOT NULL,          -- create | update | delete
    entity         TEXT NOT NULL,          -- township | village | household | members | helpers ...
    entity_uuid    TEXT NOT NULL,
    household_uuid TEXT,
    field          TEXT,
    old            TEXT,
    new            TEXT
);
CREATE INDEX audit_entity ON audit (entity_uuid);
CREATE INDEX audit_household ON audit (household_uuid);

-- Search over names, ID numbers, household numbers and pinyin initials.
CREATE VIRTUAL TABLE household_search USING fts5 (text, tokenize = 'trigram');
