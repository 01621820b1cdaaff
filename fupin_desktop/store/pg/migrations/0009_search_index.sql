-- 0009: the county's search box on a province-sized database (issue 19, item 2).  The search
-- matches ``households.search_text LIKE '%text%'``; a trigram index (pg_trgm, shipped with
-- PostgreSQL and a trusted extension: the database's owner may create it) answers that from the
-- index for any text of three or more characters — ID numbers, 户编号, pinyin initials, and names
-- where the server's character classification counts Chinese characters as letters (a zh_CN.UTF-8
-- or C.UTF-8 server; under the C locale names are read by scanning).  A server without the
-- extension keeps working: the search scans, as before.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): the household search scans', SQLERRM;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX households_search ON households USING gin (search_text gin_trgm_ops)';
    END IF;
END
$$;
