-- 0006: the statistics (统计, fupin stats) on the receiving database.  The SQLite databases keep
-- ``household_facts`` and ``member_facts`` with triggers; here they are views over the households'
-- and members' ``jsonb`` fields (0007_statistics.py makes the member counts from the words of
-- fupin_desktop/domain/village.py), and two SQLite idioms the shared statistics SQL uses are
-- supplied: ``SUM`` of a condition (SQLite counts true as 1) and ``json_each`` of a JSON text.

-- A JSON value as SQLite's json_extract gives it to an integer column: true/false as 1/0, a number
-- or a string of digits as the integer, anything else NULL.
CREATE FUNCTION fupin_int(v jsonb) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE jsonb_typeof(v)
        WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb THEN 1 ELSE 0 END
        WHEN 'number' THEN trunc((v #>> '{}')::numeric)::integer
        WHEN 'string' THEN CASE WHEN (v #>> '{}') ~ '^-?[0-9]{1,9}$' THEN (v #>> '{}')::integer END
    END
$$;

CREATE FUNCTION fupin_count_true(total bigint, condition boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS
    $$ SELECT total + CASE WHEN condition THEN 1 ELSE 0 END $$;
CREATE AGGREGATE sum(boolean) (SFUNC = fupin_count_true, STYPE = bigint, INITCOND = '0');

-- The key/value pairs of a JSON object, or the elements of a JSON array (key = index), as text.
CREATE FUNCTION json_each(doc text) RETURNS TABLE (key text, value text) LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF doc IS NULL THEN
        RETURN;
    ELSIF jsonb_typeof(doc::jsonb) = 'array' THEN
        RETURN QUERY SELECT (e.n - 1)::text, e.v FROM jsonb_array_elements_text(doc::jsonb) WITH ORDINALITY AS e (v, n);
    ELSIF jsonb_typeof(doc::jsonb) = 'object' THEN
        RETURN QUERY SELECT e.key, e.value FROM jsonb_each_text(doc::jsonb) AS e;
    END IF;
END
$$;

CREATE VIEW member_facts AS
SELECT m.id AS member_id, m.household_id, m.county_code, h.village_id, h.year, h.deleted AS hh_deleted, m.deleted,
       m.fields ->> 'change' AS change, m.fields ->> 'sex' AS sex, m.fields ->> 'ethnicity' AS ethnicity,
       m.fields ->> 'health' AS health, m.fields ->> 'labor_skill' AS labor_skill,
       m.fields ->> 'work_status' AS work_status, fupin_int(m.fields -> 'in_ncms') AS in_ncms,
       fupin_int(m.fields -> 'in_pension') AS in_pension
FROM members m JOIN households h ON h.county_code = m.county_code AND h.id = m.household_id;
