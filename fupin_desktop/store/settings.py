"""Every setting the program keeps, declared once: its key, its Chinese name, its type and default.

Settings live in the database's ``settings`` table as text (``key``, ``value``).  Nothing outside
this module names a key: code reads ``settings.PRINT_FONT.get(db)`` and writes
``settings.PRINT_FONT.put(db, "黑体")``, and the declaration below says what the text means (in the
spirit of Picard's options).  A stored value that does not parse (an old version's, a hand edit)
reads as the default; a value that does not fit is refused in Chinese and nothing is written.

``KEPT_ON_RESTORE`` are the settings that describe this computer rather than the data (where the
backups go, how many are kept): restoring an older backup leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fupin_desktop.domain.publicity import PUBLICITY_DAYS as _DAYS
from fupin_desktop.store.database import Database, StoreError

T = TypeVar("T")

DEFAULT_OPERATOR = "录入员"
#: Backups kept by each rule of the rotation: 0 to this many.
ROTATION_LIMIT = 9999


class SettingRefused(StoreError):
    """A value a setting cannot hold; ``str(exc)`` says which and what is allowed.  Nothing written."""


# -- text <-> value -------------------------------------------------------------------------------
def _text(raw: str) -> str:
    return raw


def _stripped(raw: str) -> str:
    return raw.strip()


def _name(raw: str) -> str:
    """A name that is not blank."""
    if not raw.strip():
        raise ValueError("blank")
    return raw.strip()


def _count(low: int, high: int, *, clip: bool = False) -> Callable[[str], int]:
    """Plain ASCII digits between ``low`` and ``high`` (above ``high`` clipped to it with ``clip``)."""

    def parse(raw: str) -> int:
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"not a whole number: {raw!r}")
        value = int(text)
        if clip:
            value = min(value, high)
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value

    return parse


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One named, typed setting with its default."""

    key: str
    title: str  # the clerk's name for it (messages, a future settings page)
    default: T
    parse: Callable[[str], T]  # stored text -> value; ValueError when it is not one
    dump: Callable[[T], str] = str
    allowed: str = ""  # what a refused value should have been, in the clerk's words

    def get(self, db: Database) -> T:
        raw = _read(db, self.key)
        if raw is None:
            return self.default
        try:
            return self.parse(raw)
        except ValueError:
            return self.default

    def put(self, db: Database, value: T) -> None:
        """Store ``value`` (joins the caller's transaction); a value the setting cannot hold is refused."""
        text = self.dump(value)
        try:
            self.parse(text)
        except ValueError as exc:
            raise SettingRefused(f"“{self.title}”不能设为“{value}”。{self.allowed}") from exc
        _write(db, self.key, text)

    def is_set(self, db: Database) -> bool:
        return _read(db, self.key) is not None

    def raw(self, db: Database) -> str | None:
        """The stored text as it is (None when never set): for copying a setting unchanged."""
        return _read(db, self.key)

    def put_raw(self, db: Database, text: str) -> None:
        _write(db, self.key, text)


@dataclass(frozen=True)
class SettingFamily:
    """Settings of one kind told apart by a name (one remembered column mapping per file layout)."""

    prefix: str
    title: str

    def get(self, db: Database, name: str) -> str | None:
        return _read(db, self.prefix + name)

    def put(self, db: Database, name: str, value: str) -> None:
        _write(db, self.prefix + name, value)


REGISTRY: dict[str, Setting[Any]] = {}
FAMILIES: dict[str, SettingFamily] = {}


def _declare(setting: Setting[T]) -> Setting[T]:
    if setting.key in REGISTRY:
        raise ValueError(f"setting {setting.key!r} declared twice")
    REGISTRY[setting.key] = setting
    return setting


# -- the settings ----------------------------------------------------------------------------------
OPERATOR = _declare(Setting("operator", "录入员", DEFAULT_OPERATOR, _name, allowed="请填写录入员的姓名。"))
PRINT_FONT = _declare(Setting("print_font", "打印字体", "", _stripped))
COMPLAINT_PHONE = _declare(Setting("complaint_phone", "监督电话", "", _stripped))
CARD_ISSUER = _declare(Setting("card_issuer", "发卡单位", "", _stripped))
#: How long a 公示 lasts when no policy profile says so (in the policy's own range of days).
PUBLICITY_DAYS = _declare(Setting("publicity_days", "公示天数", 7, _count(*_DAYS),
                                  allowed=f"请填写 {_DAYS[0]} 到 {_DAYS[1]} 之间的整数。"))
BACKUP_FOLDER = _declare(Setting("backup_folder", "备份文件夹", "", _text))  # "": backups/ beside the database
BACKUP_KEEP_LAST = _declare(Setting("backup_keep_last", "保留最近几份备份", 10, _count(0, ROTATION_LIMIT, clip=True),
                                    allowed=f"请填写 0 到 {ROTATION_LIMIT} 之间的整数。"))
BACKUP_KEEP_DAYS = _declare(Setting("backup_keep_days", "按天保留备份的天数", 30, _count(0, ROTATION_LIMIT, clip=True),
                                    allowed=f"请填写 0 到 {ROTATION_LIMIT} 之间的整数。"))
BACKUP_KEEP_MONTHS = _declare(Setting("backup_keep_months", "按月保留备份的月数", 24,
                                      _count(0, ROTATION_LIMIT, clip=True),
                                      allowed=f"请填写 0 到 {ROTATION_LIMIT} 之间的整数。"))
SYNC_COUNTY_URL = _declare(Setting("sync.county_url", "县里的接收地址", "", _stripped))
#: The county has seen the township's batches up to this number: never reused (after a restore, say).
SYNC_MIN_SEQUENCE = _declare(Setting("sync.min_sequence", "同步批次起始编号", 0, _count(0, 2 ** 62)))
#: The last of this township's closed-year snapshots a sync batch carried (year_snapshots.id).
SYNC_SNAPSHOTS_SENT = _declare(Setting("sync.snapshots_sent", "已报送的往年档案", 0, _count(0, 2 ** 62)))
#: The digest of the education records (store/education_sync.py) the last sync batch carried.
SYNC_EDUCATION_SENT = _declare(Setting("sync.education_sent", "已报送的教育资助记录", "", _text))
#: The county's policy profile as JSON (read and checked by :class:`~fupin_desktop.store.policy.PolicyRepository`).
POLICY = _declare(Setting("policy", "政策参数", "", _text))
#: The registration year the clerk works in (登记年度; store/years.py): 0 = the live files' own year.
CURRENT_YEAR = _declare(Setting("years.current", "当前年度", 0, _count(0, 2100),
                                allowed="请填写 2013 到 2100 之间的年度。"))

#: 教育资助名册: 0 masks the students' ID numbers (510822********1234), 1 shows them in full.
EDUCATION_FULL_ID = _declare(Setting("education.full_id", "资助名册显示完整身份证号", 0, _count(0, 1),
                                     allowed="请填写 0（遮蔽）或 1（完整）。"))

MAPPING_MEMORY = SettingFamily("excel.mapping.", "Excel 列的对应关系")
FAMILIES[MAPPING_MEMORY.prefix] = MAPPING_MEMORY

KEPT_ON_RESTORE: tuple[Setting[Any], ...] = (BACKUP_FOLDER, BACKUP_KEEP_LAST, BACKUP_KEEP_DAYS, BACKUP_KEEP_MONTHS)


def declared(key: str) -> bool:
    """Whether ``key`` belongs to a declared setting or family."""
    return key in REGISTRY or any(key.startswith(prefix) for prefix in FAMILIES)


# -- the table -------------------------------------------------------------------------------------
def _read(db: Database, key: str) -> str | None:
    row = db.query_one("SELECT value FROM settings WHERE key = ?", (key,))
    return None if row is None or row[0] is None else str(row[0])


def _write(db: Database, key: str, value: str) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
