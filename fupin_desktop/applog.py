"""The program's log: one rotating UTF-8 file a technician can read, with no personal data in it.

The windowed Windows build has no console, so this file is the only place where a refused
operation or a crash leaves a trace.  :func:`configure` is called once at start (``fupin`` and
the GUI); every other module just uses ``logging.getLogger(__name__)`` and logs *events*:
ids, counts, codes, file paths (as :class:`~pathlib.Path` objects) and exceptions.

Nothing personal may reach the file (names, ID numbers, phones, bank accounts, addresses).
Events are written with ids and counts, and every record passes through
:class:`ScrubbingFormatter` on its way to the file anyway:

* string arguments and messages: text inside quotes (“…” ‘…’ 「…」 『…』 "…" '…') is masked,
  runs of six or more digits (ID numbers, phones, accounts, also written ``0839-7201234`` or
  ``139 0839 1234``) become ``[号码]``, dates such as 1970年02月 ``[日期]``, the CJK name after
  户主/成员/帮扶责任人/姓名… or before 户（户编号…）/的身份证号… is masked, and paths and file names keep their ASCII parts only;
* :class:`~pathlib.Path` arguments and the file names in tracebacks keep their ASCII parts only
  (a file the clerk named after a household is not spelled out);
* exceptions keep their class and their scrubbed message (in Python's or a library's message,
  Chinese can only be data and is masked whole), tracebacks their frames (file, line, function)
  and scrubbed source lines; classes whose message quotes what the clerk typed or changed
  (``ConcurrentEdit``, ``FieldValueError``) keep their class only;
* integers (ids, counts, sizes) are written as they are.

The folder is the platform's user log folder (``platformdirs.user_log_dir``), or the folder in
``FUPIN_LOG_DIR`` (tests, or county IT redirecting it); ``FUPIN_LOG_LEVEL=DEBUG`` logs more.
A log that cannot be written never stops the program.
"""

from __future__ import annotations

import faulthandler
import functools
import logging
import logging.handlers
import os
import platform
import re
import sqlite3
import sys
import threading
import traceback
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from fupin_desktop import APP_NAME, __version__

LOG_DIR_ENV = "FUPIN_LOG_DIR"
LOG_LEVEL_ENV = "FUPIN_LOG_LEVEL"
LOG_FILE_NAME = "fupin.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 5
#: Exception classes whose message quotes what the clerk typed or what changed: class only.
OPAQUE_EXCEPTIONS = frozenset({"ConcurrentEdit", "FieldValueError", "RestoreConflict"})

log = logging.getLogger(__name__)


# -- where -------------------------------------------------------------------
def log_dir() -> Path:
    """The log folder: ``FUPIN_LOG_DIR`` if set, else the platform's user log folder
    (Windows ``%LOCALAPPDATA%\\fupin-desktop\\Logs``, Linux ``~/.local/state/fupin-desktop/log``)."""
    override = os.environ.get(LOG_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_dir() / LOG_FILE_NAME


# -- scrubbing ---------------------------------------------------------------
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_QUOTED = re.compile(
    r"“[^”\n]*(?:”|$)|‘[^’\n]*(?:’|$)|「[^」\n]*(?:」|$)|『[^』\n]*(?:』|$)|＂[^＂\n]*(?:＂|$)"
    r"|\"[^\"\n]*(?:\"|$)|(?<![A-Za-z0-9])'[^'\n]{0,300}'",
    re.MULTILINE,
)
_CLOSING = {"“": "”", "‘": "’", "「": "」", "『": "』", "＂": "＂", '"': '"', "'": "'"}
# Six or more digits, also with single spaces or dashes between them (a phone written
# 0839-7201234, an ID typed in groups); an ID's check character X goes with it.
_DIGITS = re.compile(r"\d(?:[ \-－]?\d){5,}[Xx]?")
# A date written in Chinese (a birth date in an ID number's message): ISO dates are digit runs above.
_CHINESE_DATE = re.compile(r"\d{2,4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")
_PLAIN_DIGITS = re.compile(r"\d{6,}[Xx]?")


@functools.cache
def _chinese_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The patterns only Chinese text can match (person words and names, runs of CJK), compiled
    the first time such a text is scrubbed: their large character classes cost the start-up ~3 ms,
    and the start-up's own log lines are ASCII."""
    person = re.compile(rf"(户主|成员|家庭成员|帮扶责任人|责任人|姓名|联系人|开户人|录入员|操作员)([ ：:为是]?)[{_CJK}·•]{{1,4}}")
    # A name just before what the program's messages say of a person or a household:
    # "张三户（户编号 …）", "李四 的身份证号 …", "王五的性别填…", "赵六 家的成员".
    name_before = re.compile(rf"[{_CJK}·•]{{1,5}}(?=\s*(?:户（户编号|户（编号|的身份证号|的证件号码|的性别|的出生日期|家的))")
    cjk_run = re.compile(rf"[{_CJK}·•]+")
    return person, name_before, cjk_run

# A path or a file name inside a message ("无法写入 D:\\张三\\名单.xlsx：…", "李四.xlsx 超过…"): only
# its ASCII parts are kept, as for Path arguments.
_STOPS = "\\s\\/“”\"'，。；：、（）()<>|"
_PATHLIKE = re.compile(rf"(?:[A-Za-z]:)?(?:[\\/][^{_STOPS}]+)+[\\/]?|[^{_STOPS}]+\.[A-Za-z][A-Za-z0-9]{{0,5}}(?![A-Za-z0-9])")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
MASK_NUMBER = "[号码]"
MASK_DATE = "[日期]"
MASK = "…"
MAX_TEXT = 2000  # characters of one message or line kept in the log


def _mask_quoted(m: re.Match[str]) -> str:
    text = m.group(0)
    opening = text[0]
    closed = len(text) > 1 and text.endswith(_CLOSING[opening])
    return f"{opening}{MASK}{_CLOSING[opening] if closed else ''}"


def scrub(text: str) -> str:
    """Free text (a message, an exception's text) with quoted values, long digit runs and the
    names after person words masked (and paths' non-ASCII parts); a very long text is cut first."""
    if len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}…（已截断）"
    text = _QUOTED.sub(_mask_quoted, text)
    text = _PATHLIKE.sub(lambda m: _NON_ASCII.sub(MASK, m.group(0)), text)
    if not text.isascii():  # (the masks above are not ASCII: Chinese text stays non-ASCII)
        person, name_before, _ = _chinese_patterns()
        text = person.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        text = name_before.sub(MASK, text)
        text = _CHINESE_DATE.sub(MASK_DATE, text)
    return _DIGITS.sub(MASK_NUMBER, text)


def pathref(path: str | os.PathLike[str]) -> str:
    """A file path with its ASCII parts only: folders and file names the clerk typed in Chinese
    (perhaps a household head's name) become ``…``, runs of six or more digits ``[号码]`` (a date
    such as 2026-12-06-1430 in a backup's name stays)."""
    text = _NON_ASCII.sub(MASK, os.fspath(path))
    return _PLAIN_DIGITS.sub(MASK_NUMBER, text)


def scrub_error(text: str, *, ours: bool) -> str:
    """An exception's message: the program's own refusals are Chinese sentences (scrubbed as
    usual); in Python's or a library's message any Chinese text can only have come from the data
    (a name in a KeyError, a cell's text in a ValueError), so all of it is masked."""
    return scrub(text if ours or text.isascii() else _chinese_patterns()[2].sub(MASK, text))


def reason(exc: BaseException) -> str:
    """``ClassName: scrubbed message`` of a refusal or an error, for a log line."""
    name = type(exc).__name__
    if name in OPAQUE_EXCEPTIONS:
        return name
    text = scrub_error(str(exc), ours=type(exc).__module__.startswith("fupin_desktop."))
    return f"{name}: {text}" if text else name


def safe_traceback(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """The traceback of ``exc`` with its messages and source lines scrubbed and its file paths
    ASCII only: the frames (file, line, function) still show the technician where it happened."""
    try:
        return _safe_traceback(kind, exc, tb)
    except Exception:  # pragma: no cover - a Python whose traceback objects differ: mask more
        text = "".join(traceback.format_exception(kind, exc, tb)).rstrip("\n")
        return "\n".join(scrub_error(line, ours=False) for line in text.splitlines())


def _safe_traceback(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    te = traceback.TracebackException(kind, exc, tb, compact=True)
    pending, seen, fallback = [te], set(), False
    while pending:
        t = pending.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if hasattr(t, "_str"):
            qualified = _type_name(t)
            t._str = "" if qualified.rsplit(".", 1)[-1] in OPAQUE_EXCEPTIONS \
                else scrub_error(str(t._str), ours=qualified.startswith("fupin_desktop."))
        else:  # pragma: no cover - a future Python: scrub the whole text below instead
            fallback = True
        notes = getattr(t, "__notes__", None)
        if notes:
            t.__notes__ = [scrub(str(n)) for n in notes]
        for frame in t.stack:
            # Source lines are code (English; Chinese only inside string literals), but a literal may
            # be data all the same (a test's, a script's): scrubbed with every Chinese character
            # masked, and without the ^^^ marks that would no longer line up.
            _ = frame.line  # read before the file name is masked
            for cached in ("_line", "_lines"):  # Python 3.11-3.12, 3.13
                value = getattr(frame, cached, None)
                if isinstance(value, str):
                    setattr(frame, cached, scrub_error(value, ours=False))
            if hasattr(frame, "_lines_dedented"):
                frame._lines_dedented = None
            frame.colno = frame.end_colno = None
            frame.filename = pathref(frame.filename)
        pending.extend(x for x in (t.__cause__, t.__context__) if x is not None)
        pending.extend(getattr(t, "exceptions", None) or [])
    text = "".join(te.format()).rstrip("\n")
    return scrub(text) if fallback else text


def _type_name(t: traceback.TracebackException) -> str:
    """``module.Class`` of the exception behind ``t``."""
    qualified = getattr(t, "exc_type_str", None)  # Python 3.13 deprecates exc_type
    if qualified is None:
        kind = t.exc_type
        qualified = f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', '')}"
    return str(qualified)


def _safe_arg(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, os.PathLike):
        return pathref(value)
    if isinstance(value, BaseException):
        return reason(value)
    return scrub(str(value))


class ScrubbingFormatter(logging.Formatter):
    """Formats a record with personal data masked (see the module docstring); local time with
    its offset, so a technician reads the clerk's clock."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s [%(process)d %(threadName)s] %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created).astimezone().isoformat(sep=" ", timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg, safe.args = self._message(record), None
        if record.exc_info and record.exc_info[1] is not None:
            kind, exc, tb = record.exc_info
            safe.exc_text = safe_traceback(kind or type(exc), exc, tb)
        elif record.exc_text:
            safe.exc_text = scrub(record.exc_text)
        safe.exc_info = None
        if record.stack_info:
            safe.stack_info = scrub(record.stack_info)
        return super().format(safe)

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        if not record.args:
            return scrub(str(record.msg))
        args: Any = record.args
        if isinstance(args, Mapping):
            args = {k: _safe_arg(v) for k, v in args.items()}
        else:
            args = tuple(_safe_arg(a) for a in args)
        try:
            text: str = str(record.msg) % args  # the template is the program's own literal
            return text
        except (TypeError, ValueError, KeyError):
            return f"{scrub(str(record.msg))} {args!r}"


class _LogFile(logging.handlers.RotatingFileHandler):
    """Several programs (the GUI, ``fupin`` commands) may write one log: a rotation that another
    process prevents (Windows keeps open files from being renamed) goes on in the same file, and
    a log that cannot be written (full disk) is given up quietly, never stopping the program."""

    def doRollover(self) -> None:  # noqa: N802
        try:
            super().doRollover()
        except OSError:
            if self.stream is None:
                self.stream = self._open()

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802
        try:
            return bool(super().shouldRollover(record))
        except OSError:
            return False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        pass


_handler: _LogFile | None = None
_lock = threading.Lock()


def configure() -> Path | None:
    """Send the program's log to :func:`log_file` (rotating, 1 MB × 5, UTF-8); idempotent, and
    follows a changed ``FUPIN_LOG_DIR``.  Returns the file, or ``None`` if it cannot be written."""
    global _handler
    target = log_file()
    with _lock:
        if _handler is not None and Path(_handler.baseFilename) == target.absolute():
            return target
        root = logging.getLogger()
        if _handler is not None:
            root.removeHandler(_handler)
            _handler.close()
            _handler = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handler = _LogFile(target, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8",
                               delay=True)
        except OSError:
            return None
        handler.setFormatter(ScrubbingFormatter())
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.WARNING:
            root.setLevel(logging.WARNING)  # other libraries: warnings and worse
        level = os.environ.get(LOG_LEVEL_ENV, "").strip().upper()
        logging.getLogger("fupin_desktop").setLevel(getattr(logging, level, logging.INFO)
                                                    if level in logging._nameToLevel else logging.INFO)
        logging.captureWarnings(True)
        _handler = handler
    _install_hooks()
    return target


CRASH_FILE_NAME = "crash.log"
_crash_file: Any = None


def keep_crash_traces() -> Path | None:
    """A hard crash (inside Qt or another C library) raises no Python exception: :mod:`faulthandler`
    writes where every thread was (files, lines, functions: no data) to ``crash.log`` beside the
    log.  Not when something (a console, pytest) already receives them."""
    global _crash_file
    if faulthandler.is_enabled():
        return None
    target = log_dir() / CRASH_FILE_NAME
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _crash_file = open(target, "a", encoding="utf-8")  # noqa: SIM115 - open while the program runs
    except OSError:
        return None
    faulthandler.enable(_crash_file, all_threads=True)
    return target


def started(what: str, **extra: str) -> None:
    """The start-up line: program version, platform, Python and SQLite (and Qt, from the GUI)."""
    more = "".join(f" {k}={v}" for k, v in extra.items())
    log.info("start %s fupin=%s platform=%s python=%s sqlite=%s%s", what, __version__,
             platform.platform(terse=True), platform.python_version(), sqlite3.sqlite_version, more)


def refused(logger: logging.Logger, operation: str, exc: BaseException, **ids: Any) -> None:
    """A refused operation with its reason (a Chinese message, scrubbed) and the ids it concerned."""
    template = "refused %s" + "".join(f" {k}=%s" for k in ids) + ": %s"
    logger.warning(template, operation, *ids.values(), exc)


def uncaught(logger: logging.Logger, exc: BaseException, where: str = "") -> None:
    """An exception nobody handled, with its (scrubbed) traceback."""
    logger.error("uncaught exception%s", f" in {where}" if where else "",
                 exc_info=(type(exc), exc, exc.__traceback__))


def failed(logger: logging.Logger, operation: str, exc: BaseException, **ids: Any) -> None:
    """An operation ended by ``exc``: cancelled (info), refused by the program with a message of
    its own (warning, no traceback) or an unexpected error (error, with the traceback)."""
    name = type(exc).__name__
    if name.endswith("Cancelled") or isinstance(exc, KeyboardInterrupt):
        logger.info("%s cancelled", operation)
    elif type(exc).__module__.startswith("fupin_desktop.") or isinstance(exc, OSError):
        refused(logger, operation, exc, **ids)
    else:
        uncaught(logger, exc, operation)


def _install_hooks() -> None:
    """Exceptions no code sees: in a thread, and in a ``__del__`` (an unraisable one, such as a
    ZipFile closing on a full disk).  Logged, then handed to the previous hook."""
    previous_thread = threading.excepthook
    if not getattr(previous_thread, "_fupin", False):
        def thread_hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
                name = args.thread.name if args.thread is not None else "?"
                log.error("uncaught exception in thread %s", name,
                          exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
            previous_thread(args)

        thread_hook._fupin = True  # type: ignore[attr-defined]
        threading.excepthook = thread_hook
    previous_unraisable = sys.unraisablehook
    if not getattr(previous_unraisable, "_fupin", False):
        def unraisable_hook(args: Any) -> None:
            if args.exc_value is not None:
                where = getattr(args.object, "__qualname__", None) or type(args.object).__name__
                log.warning("exception ignored in %s", where,
                            exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
            previous_unraisable(args)

        unraisable_hook._fupin = True  # type: ignore[attr-defined]
        sys.unraisablehook = unraisable_hook
