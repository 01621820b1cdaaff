-- 0001: the receiving side (county, province) on PostgreSQL.
-- The same tables and columns as the SQLite county database where the sync code shares its SQL;
-- household data partitioned by county code (declarative LIST partitioning: one partition per
-- county, created when its first township registers; Citus distributes on the same column).

CREATE TABLE fupin_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO fupin_meta (key, value) VALUES ('application', 'fupin-desktop');

CREATE TABLE township (            -- the receiving database's own row (its code and name)
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

CREATE TABLE audit (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             TEXT NOT NULL,
    operator       TEXT NOT NULL,
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_uuid    TEXT NOT NULL,
    household_uuid TEXT,
    field          TEXT,
    old            TEXT,
    new            TEXT
);
CREATE INDEX audit_household ON audit (household_uuid);

CREATE TABLE sync_keys (
    role        TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    private_key BYTEA NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE sync_county (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    seal_key    BYTEA NOT NULL,
    sign_key    BYTEA NOT NULL,
    fingerprint TEXT NOT NULL,
    own         INTEGER NOT NULL DEFAULT 0,
    trusted_at  TEXT NOT NULL
);

CREATE TABLE sync_townships (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    county        TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    province      TEXT NOT NULL DEFAULT '',
    sign_key      BYTEA NOT NULL,
    fingerprint   TEXT NOT NULL UNIQUE,
    last_sequence INTEGER NOT NULL DEFAULT 0,
    registered_at TEXT NOT NULL
);

CREATE TABLE sync_batch_log (
    hash          TEXT PRIMARY KEY,
    township_code TEXT NOT NULL REFERENCES sync_townships (code),
    sequence      INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    counts        TEXT NOT NULL DEFAULT '{}',
    merge         TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'imported',
    UNIQUE (township_code, sequence)
);

CREATE TABLE sync_received (
    uuid           TEXT PRIMARY KEY,
    entity         TEXT NOT NULL,
    township_code  TEXT NOT NULL,
    revision       BIGINT NOT NULL,
    content_hash   TEXT NOT NULL,
    local_revision BIGINT NOT NULL,
    batch_hash     TEXT NOT NULL
);

CREATE TABLE sync_conflicts (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_uuid    TEXT NOT NULL,
    township_code     TEXT NOT NULL,
    batch_hash        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    incoming          TEXT NOT NULL,
    incoming_revision BIGINT NOT NULL,
    local_revision    BIGINT NOT NULL,
    created_at        TEXT NOT NULL,
    resolved_at       TEXT,
    resolution        TEXT,
    resolved_by       TEXT
);
CREATE UNIQUE INDEX sync_conflicts_open ON sync_conflicts (household_uuid) WHERE resolved_at IS NULL;

CREATE TABLE sync_duplicates (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id_number            TEXT NOT NULL,
    member_uuid          TEXT NOT NULL,
    household_uuid       TEXT NOT NULL,
    township_code        TEXT NOT NULL,
    other_member_uuid    TEXT NOT NULL,
    other_household_uuid TEXT NOT NULL,
    other_township_code  TEXT,
    found_at             TEXT NOT NULL,
    reviewed_at          TEXT,
    UNIQUE (member_uuid, other_member_uuid)
);

CREATE TABLE sync_rejections (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_code  TEXT NOT NULL,
    batch_hash     TEXT NOT NULL,
    entity         TEXT NOT NULL,
    uuid           TEXT NOT NULL,
    number         TEXT NOT NULL DEFAULT '',
    reasons        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX sync_rejections_township ON sync_rejections (township_code);
CREATE INDEX sync_rejections_uuid ON sync_rejections (uuid);

CREATE TABLE villages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    township_code TEXT,
    county_code   TEXT NOT NULL,
    code          TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    quota         INTEGER,
    is_poor       INTEGER NOT NULL DEFAULT 0,
    seq           INTEGER NOT NULL DEFAULT 0,
    revision      BIGINT NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX villages_name ON villages (COALESCE(township_code, ''), name) WHERE deleted = 0;
CREATE INDEX villages_township ON villages (township_code);

CREATE TABLE village_groups (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    village_id BIGINT NOT NULL REFERENCES villages (id),
    name       TEXT NOT NULL,
    seq        INTEGER NOT NULL DEFAULT 0,
    revision   BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);

-- Households and their Handbook rows, partitioned by county code.  Ids come from one sequence so
-- an id is unique across partitions; the uuid is unique per partition (with the partition key).
CREATE SEQUENCE household_ids;
CREATE TABLE households (
    county_code    TEXT NOT NULL,
    id             BIGINT NOT NULL DEFAULT nextval('household_ids'),
    uuid           TEXT NOT NULL,
    township_code  TEXT NOT NULL,
    village_id     BIGINT NOT NULL,
    group_name     TEXT NOT NULL DEFAULT '',
    number         TEXT NOT NULL DEFAULT '',
    year           INTEGER,
    head_name      TEXT NOT NULL DEFAULT '',
    head_id_number TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    fields         JSONB NOT NULL DEFAULT '{}',
    revision       BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0,
    head_sort      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, uuid)
) PARTITION BY LIST (county_code);
CREATE INDEX households_uuid ON households (uuid);
-- The county's list: a township's villages in order, households by number.
CREATE INDEX households_list ON households (county_code, township_code, village_id, number) WHERE deleted = 0;
CREATE INDEX households_head ON households (county_code, head_name) WHERE deleted = 0;

CREATE SEQUENCE row_ids;
CREATE TABLE members (
    county_code TEXT NOT NULL,
    id          BIGINT NOT NULL DEFAULT nextval('row_ids'),
    uuid        TEXT NOT NULL,
    household_id BIGINT NOT NULL,
    seq         INTEGER NOT NULL DEFAULT 0,
    fields      JSONB NOT NULL DEFAULT '{}',
    revision    BIGINT NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    name        TEXT NOT NULL DEFAULT '',
    id_number   TEXT NOT NULL DEFAULT '',
    relation    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, uuid)
) PARTITION BY LIST (county_code);
CREATE INDEX members_household ON members (county_code, household_id);
CREATE INDEX members_uuid ON members (uuid);

-- The other Handbook tables (helpers, plans, measures, results ...): one table, ``tbl`` names which.
CREATE TABLE household_rows (
    county_code  TEXT NOT NULL,
    id           BIGINT NOT NULL DEFAULT nextval('row_ids'),
    tbl          TEXT NOT NULL,
    uuid         TEXT NOT NULL,
    household_id BIGINT NOT NULL,
    seq          INTEGER NOT NULL DEFAULT 0,
    fields       JSONB NOT NULL DEFAULT '{}',
    revision     BIGINT NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, uuid)
) PARTITION BY LIST (county_code);
CREATE INDEX household_rows_household ON household_rows (county_code, household_id);

-- Every live person's ID number across the whole database (not partitioned): one index lookup
-- finds an ID number registered in two households, whatever county holds them.
CREATE TABLE person_ids (
    id_number      TEXT NOT NULL,
    member_uuid    TEXT NOT NULL,
    household_uuid TEXT NOT NULL,
    township_code  TEXT NOT NULL,
    PRIMARY KEY (id_number, member_uuid)
);
CREATE UNIQUE INDEX person_ids_member ON person_ids (member_uuid);
