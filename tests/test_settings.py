"""Issue 13 item 6: one registry of typed settings; ``Store.sync`` and ``Store.role``.

Real database files: a value goes in through its declaration and comes back typed; text that is no
value of the setting reads as the default; a value it cannot hold is refused in Chinese with nothing
written; and no module outside the registry names a settings key or writes the table itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import fupin_desktop
from fupin_desktop.store import Role, Store, settings
from fupin_desktop.store.settings import REGISTRY, Setting, SettingRefused
from fupin_desktop.store.sync import SyncRepository
from tests.helpers import make_store
from tests.sync.world import make_county

PACKAGE = Path(fupin_desktop.__file__).parent
#: A value of the right type that each setting can hold, different from its default.
SAMPLES: dict[str, Any] = {
    "operator": "王会计", "print_font": "思源宋体", "complaint_phone": "0839-1234567", "card_issuer": "县扶贫办",
    "publicity_days": 5, "backup_folder": "/media/U盘/备份", "backup_keep_last": 3, "backup_keep_days": 0,
    "backup_keep_months": 9999, "sync.county_url": "http://10.0.0.2:8765", "sync.min_sequence": 42,
    "policy": '{"publicity_days": 5}', "years.current": 2016, "sync.snapshots_sent": 7,
    "education.full_id": 1, "sync.education_sent": "3f2a9c",
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    yield s
    s.close()


def stored(store: Store, key: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in store.db.query("SELECT key, value FROM settings WHERE key = ?", (key,))]


def test_every_declared_setting_has_a_sample_and_a_default_of_its_type() -> None:
    assert set(REGISTRY) == set(SAMPLES)
    for key, setting in REGISTRY.items():
        assert setting.key == key and setting.title and re.search(r"[\u4e00-\u9fff]", setting.title)
        assert type(SAMPLES[key]) is type(setting.default), key


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_setting_reads_its_default_then_what_was_put_and_survives_reopening(store: Store, key: str) -> None:
    setting: Setting[Any] = REGISTRY[key]
    assert setting.get(store.db) == setting.default and not setting.is_set(store.db)
    setting.put(store.db, SAMPLES[key])
    assert setting.get(store.db) == SAMPLES[key] and setting.is_set(store.db)
    path = store.path
    store.close()
    with Store(path) as again:
        assert setting.get(again.db) == SAMPLES[key]


@pytest.mark.parametrize("setting, text", [
    (settings.PUBLICITY_DAYS, "七天"), (settings.PUBLICITY_DAYS, "100000"), (settings.PUBLICITY_DAYS, "0"),
    (settings.PUBLICITY_DAYS, "５"), (settings.BACKUP_KEEP_LAST, "-1"), (settings.BACKUP_KEEP_DAYS, "1e3"),
    (settings.SYNC_MIN_SEQUENCE, "abc"), (settings.OPERATOR, "   "),
])
def test_text_that_is_no_value_of_the_setting_reads_as_its_default(store: Store, setting: Setting[Any],
                                                                   text: str) -> None:
    setting.put_raw(store.db, text)  # an old version's value, or a hand edit
    assert setting.get(store.db) == setting.default


def test_a_rotation_count_above_the_limit_is_clipped_as_before(store: Store) -> None:
    settings.BACKUP_KEEP_LAST.put_raw(store.db, "123456")
    assert settings.BACKUP_KEEP_LAST.get(store.db) == settings.ROTATION_LIMIT


@pytest.mark.parametrize("setting, value, message", [
    (settings.PUBLICITY_DAYS, 61, "“公示天数”不能设为“61”。请填写 1 到 60 之间的整数。"),
    (settings.PUBLICITY_DAYS, 0, "“公示天数”不能设为“0”"),
    (settings.SYNC_MIN_SEQUENCE, -5, "“同步批次起始编号”不能设为“-5”"),
    (settings.OPERATOR, "  ", "“录入员”不能设为“  ”。请填写录入员的姓名。"),
])
def test_a_value_the_setting_cannot_hold_is_refused_in_chinese_and_nothing_is_written(
        store: Store, setting: Setting[Any], value: Any, message: str) -> None:
    before = stored(store, setting.key)
    with pytest.raises(SettingRefused, match=re.escape(message)):
        setting.put(store.db, value)
    assert stored(store, setting.key) == before


def test_the_operator_keeps_its_old_behaviour(store: Store) -> None:
    assert store.operator == settings.DEFAULT_OPERATOR
    store.set_operator("  李四 ")
    assert store.operator == "李四"
    store.set_operator("")
    assert store.operator == settings.DEFAULT_OPERATOR


def test_mapping_memory_is_a_family_of_named_settings(store: Store) -> None:
    settings.MAPPING_MEMORY.put(store.db, "abc", '{"kind": "households"}')
    assert settings.MAPPING_MEMORY.get(store.db, "abc") == '{"kind": "households"}'
    assert settings.MAPPING_MEMORY.get(store.db, "other") is None
    assert settings.declared("excel.mapping.abc") and not settings.declared("excel.mappingabc")


def test_every_key_in_a_real_database_is_declared(store: Store, tmp_path: Path) -> None:
    from fupin_desktop.store import backups

    backups.set_folder(store.db, tmp_path / "备份")
    backups.set_rotation(store.db, backups.Rotation(last=2, days=3, months=4))
    store.set_operator("王会计")
    store.sync.raise_sequence_floor(7)
    keys = [r[0] for r in store.db.query("SELECT key FROM settings")]
    assert keys and all(settings.declared(k) for k in keys), keys


def test_no_module_outside_the_registry_names_a_settings_key_or_writes_the_table() -> None:
    # Left out: keys that are also ordinary words of the program (a policy's JSON field, a widget's name).
    keys = {s.key for s in REGISTRY.values()} - {"operator", "policy", "print_font", "publicity_days", "backup_folder"}
    quoted = re.compile("|".join(rf"""["']{re.escape(k)}["']""" for k in sorted(keys)))
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "store" / "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), start=1):
            if (quoted.search(line) or re.search(r"settings\.(get|put)\(", line)
                    or re.search(r"(INSERT|UPDATE|DELETE FROM)\s+(INTO\s+)?settings\b", line)):
                offenders.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert offenders == []


def test_store_sync_is_one_repository_on_the_store_s_connection(store: Store) -> None:
    assert isinstance(store.sync, SyncRepository) and store.sync is store.sync and store.sync.db is store.db


def test_the_role_is_township_until_the_county_keys_are_made(store: Store, tmp_path: Path) -> None:
    assert store.role is Role.TOWNSHIP and store.role == "township"
    county = make_county(tmp_path / "county.db")
    try:
        assert county.role is Role.COUNTY and county.role == "county"
        with Store(county.path) as again:  # it is the file's role, not the object's
            assert again.role is Role.COUNTY
    finally:
        county.close()
