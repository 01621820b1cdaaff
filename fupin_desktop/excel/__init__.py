"""Excel import and export (issue 3).

* ``reader``: open a spreadsheet safely (refuses non-Excel, renamed, encrypted files, zip and
  XML bombs, oversized sheets) and read its cells with python-calamine;
* ``headers``: find the header under title rows and merged two-row headers, map columns to
  the form spec's fields (labels + aliases), remember a clerk's corrections per layout;
* ``normalize``: one cell -> one field value, the way the form parses typing, plus what
  only spreadsheets do (IDs stored as numbers, date cells, 是/否 variants);
* ``importer``: stage, check with the form's rules, commit in one transaction, report;
* ``errors``: the error workbook of rejected rows;
* ``exporter``: national roster, full Handbook layout and blank template (openpyxl).

No Qt here: the GUI is ``ui/import_wizard.py`` (and ``ui/export_dialog.py``), the commands ``commands/excel.py``.
"""
