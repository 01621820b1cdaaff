-- Version 3: the household list sorts 户主姓名 in pinyin order (安 < 白 < 陈 < 张), as Excel and
-- WPS sort Chinese names, not by Unicode code point.
--
-- head_sort holds domain.text.pinyin_sort_key(head_name) ("zhang-san 张三"), written by every
-- save.  SQL cannot compute pinyin: the Python hook 0003_head_sort.py fills the existing rows
-- in the same transaction.  The partial index covers sorting the whole list (its rowid is h.id).
ALTER TABLE households ADD COLUMN head_sort TEXT NOT NULL DEFAULT '';
CREATE INDEX households_head_sort ON households (head_sort) WHERE deleted = 0;
