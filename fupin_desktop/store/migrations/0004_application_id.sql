-- Version 4: mark the file as this program's database ("FUPN"), so that another program's SQLite
-- file is told apart from ours through SQLite itself (Database._probe, backup verification).
PRAGMA application_id = 1179996238;
