-- 0014: the county import looks up the holders of a thousand households' ID numbers at once, each
-- person under the ID number and the 28 残疾人证 numbers that begin with it.  Exact ID numbers are
-- found in members_id_number; this small partial index finds the 20-character 残疾人证 numbers by
-- the ID number they begin with, so the query sends one number per person instead of twenty-nine.
CREATE INDEX IF NOT EXISTS members_card_holder ON members (substr(id_number, 1, 18))
    WHERE deleted = 0 AND length(id_number) = 20;
