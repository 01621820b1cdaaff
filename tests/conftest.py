import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The program logs to the user's log folder: tests (and the `fupin` subprocesses they start)
# log into a folder of their own instead.
os.environ.setdefault("FUPIN_LOG_DIR", tempfile.mkdtemp(prefix="fupin-test-log-"))


import pytest  # noqa: E402

from fupin_desktop.store import cipher  # noqa: E402
from tests import helpers  # noqa: E402

#: Modules run twice (issue 18, encryption at rest): on plain database files, then on encrypted
#: ones (``[encrypted]`` in the test id): every database tests/helpers.py ``make_store``, the backup
#: kit and the sync world create is then encrypted by SQLCipher with a key unlocked in the process.
BOTH_CIPHERS = {
    "tests.test_store", "tests.test_search", "tests.sync.test_roundtrip", "tests.sync.test_refusals",
    "tests.sync.test_change_records",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ in BOTH_CIPHERS and "db_cipher" in metafunc.fixturenames:
        metafunc.parametrize("db_cipher", ["plain", "encrypted"], indirect=True)


@pytest.fixture(autouse=True)
def db_cipher(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``encrypted`` in the modules of BOTH_CIPHERS' second run; ``plain`` everywhere else."""
    mode = getattr(request, "param", "plain")
    before = helpers.ENCRYPTED["on"]
    helpers.ENCRYPTED["on"] = before or mode == "encrypted"
    yield mode
    helpers.ENCRYPTED["on"] = before
    cipher.forget_all()
