-- Findings kept from save time (rules/kept.py): each household's blocking messages of the rules
-- that look at it alone, as of its revision and of the rule context (policy, villages, program,
-- year) digested in "context".  An export takes them instead of re-running every rule; any other
-- revision or context, or a day on or after valid_until, means "check again".
CREATE TABLE IF NOT EXISTS household_checks (
    household_id INTEGER PRIMARY KEY REFERENCES households (id),
    revision     INTEGER NOT NULL,
    context      TEXT NOT NULL,
    valid_until  TEXT,
    errors       TEXT NOT NULL DEFAULT '[]'
);
