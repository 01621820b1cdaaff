"""The receiving side on PostgreSQL: one database for a county, a province, or more.

:class:`~fupin_desktop.store.pg.store.PgStore` opens a ``postgresql://`` address; the county import,
the receiving service and feedback use it exactly as they use a county SQLite
:class:`~fupin_desktop.store.Store`.  Import from the submodules: :mod:`~fupin_desktop.store.pg.url`
tells an address from a file without loading the driver (psycopg), which only
:mod:`~fupin_desktop.store.pg.database` and :mod:`~fupin_desktop.store.pg.store` load.
"""
