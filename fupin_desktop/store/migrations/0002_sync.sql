-- 0002: county-township exchange (sync batches).
-- The county program is the same program on a county database: imported villages remember the
-- township they came from (NULL = this database's own township), so one file can hold every
-- township of the county.  Both sides keep their keys, batch logs and per-record sync state here.

ALTER TABLE villages ADD COLUMN township_code TEXT;

-- Village names are unique per township, no longer per database (two townships may both have
-- a 兴隆村).  Dropping and re-creating an index is allowed; columns are never dropped.
DROP INDEX villages_name;
CREATE UNIQUE INDEX villages_name ON villages (COALESCE(township_code, ''), name) WHERE deleted = 0;
CREATE INDEX villages_township ON villages (township_code);

-- This database's own key pairs.  The private half is stored encrypted: AES-256-GCM under a
-- key derived from the passphrase with scrypt (JSON text: kdf parameters, salt, nonce, ciphertext).
-- role: county-seal (X25519), county-sign (Ed25519), township-sign (Ed25519).
CREATE TABLE sync_keys (
    role        TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    private_key BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The county: on a county database its own identity (own = 1), on a township database the
-- county whose public key file was trusted (own = 0).
CREATE TABLE sync_county (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    seal_key    BLOB NOT NULL,
    sign_key    BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    own         INTEGER NOT NULL DEFAULT 0,
    trusted_at  TEXT NOT NULL
);

-- County side: the townships whose signing keys were registered.
CREATE TABLE sync_townships (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    county        TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    province      TEXT NOT NULL DEFAULT '',
    sign_key      BLOB NOT NULL,
    fingerprint   TEXT NOT NULL UNIQUE,
    last_sequence INTEGER NOT NULL DEFAULT 0,
    registered_at TEXT NOT NULL
);

-- County side: every batch imported (the batch hash makes a re-import a no-op).
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

-- County side: what was last received of each record, and the county's own revision right
-- after that sync point (a different revision now = edited at the county since).
CREATE TABLE sync_received (
    uuid           TEXT PRIMARY KEY,
    entity         TEXT NOT NULL,
    township_code  TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    content_hash   TEXT NOT NULL,
    local_revision INTEGER NOT NULL,
    batch_hash     TEXT NOT NULL
);

-- County side: a record changed on both sides (or the same revision with different content);
-- a person resolves it: keep the county's version or take the township's.
CREATE TABLE sync_conflicts (
    id                INTEGER PRIMARY KEY,
    household_uuid    TEXT NOT NULL,
    township_code     TEXT NOT NULL,
    batch_hash        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    incoming          TEXT NOT NULL,
    incoming_revision INTEGER NOT NULL,
    local_revision    INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    resolved_at       TEXT,
    resolution        TEXT,
    resolved_by       TEXT
);
CREATE UNIQUE INDEX sync_conflicts_open ON sync_conflicts (household_uuid) WHERE resolved_at IS NULL;

-- County side: the same ID number registered in two townships, for review.
CREATE TABLE sync_duplicates (
    id                   INTEGER PRIMARY KEY,
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

-- County side: records of a batch that were not taken, with the reasons (for feedback).
CREATE TABLE sync_rejections (
    id             INTEGER PRIMARY KEY,
    township_code  TEXT NOT NULL,
    batch_hash     TEXT NOT NULL,
    entity         TEXT NOT NULL,
    uuid           TEXT NOT NULL,
    number         TEXT NOT NULL DEFAULT '',
    reasons        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX sync_rejections_township ON sync_rejections (township_code);

-- Township side: the batches this township wrote, and how far each got.
-- state: exported | delivered | acknowledged | problems
CREATE TABLE sync_outbox (
    sequence   INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    file_name  TEXT NOT NULL,
    path       TEXT NOT NULL,
    copy_path  TEXT NOT NULL DEFAULT '',
    full       INTEGER NOT NULL DEFAULT 0,
    size       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    counts     TEXT NOT NULL DEFAULT '{}',
    held_back  INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'exported',
    state_at   TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT ''
);

-- Township side: the revision of each record in the last batch that carried it.
CREATE TABLE sync_exported (
    uuid     TEXT PRIMARY KEY,
    entity   TEXT NOT NULL,
    revision INTEGER NOT NULL
);

-- Township side: feedback files imported from the county.
CREATE TABLE sync_feedback (
    hash        TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    content     TEXT NOT NULL
);
