"""``python -m fupin_desktop`` starts the GUI (or runs a ``fupin`` subcommand)."""

import sys

from fupin_desktop.cli import main

raise SystemExit(main(sys.argv[1:]))
