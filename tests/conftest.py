import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The program logs to the user's log folder: tests (and the `fupin` subprocesses they start)
# log into a folder of their own instead.
os.environ.setdefault("FUPIN_LOG_DIR", tempfile.mkdtemp(prefix="fupin-test-log-"))
