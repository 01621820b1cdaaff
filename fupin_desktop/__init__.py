"""fupin-desktop: offline 扶贫建档立卡 program for township poverty-alleviation offices."""

import logging

# The program's log goes to its file (fupin_desktop.applog.configure); until then, or when the file
# cannot be written, nothing falls back to printing records on stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
#: The folder name of the program's data and log folders (platformdirs).
APP_NAME = "fupin-desktop"
