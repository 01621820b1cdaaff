"""Subcommands of ``fupin``, one module per area of work.

A module here defines ``register(add)`` where ``add(name, help)`` returns an argparse
sub-parser that already has ``--db`` and ``--json``; it sets ``func=`` to a function taking
the parsed args and returning the exit code.  Raise ``fupin_desktop.commands._base.CliError`` (or a
``StoreError``) with a Chinese message for user errors.  Helpers for opening the
database: ``_base.open_existing(args.db)``, JSON output: ``_base.print_json``.
"""
