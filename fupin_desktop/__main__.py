"""``python -m fupin_desktop`` starts the GUI (or runs a ``fupin`` subcommand)."""

import multiprocessing
import sys

from fupin_desktop.cli import main

multiprocessing.freeze_support()  # the Excel reader's child process in the frozen (PyInstaller) build

raise SystemExit(main(sys.argv[1:]))
