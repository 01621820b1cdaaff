"""What a data migration changed in stored values, and what a clerk must look at (table
``migration_report``, written by migration 0005's hook: national code lists)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fupin_desktop.store.database import Database


@dataclass(frozen=True)
class ReportLine:
    migration: int
    household_id: int
    number: str  # 户编号
    head_name: str
    entity: str  # households or members
    row_uuid: str
    field: str
    old: str
    new: str
    status: str  # mapped or review
    note: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def lines(db: Database, *, review_only: bool = False) -> list[ReportLine]:
    """Every line of the report, by household (the households still there, deleted or not)."""
    has_table = db.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migration_report'")
    if has_table is None:
        return []
    rows = db.query(
        "SELECT r.migration, r.household_id, COALESCE(h.number, '') AS number,"
        " COALESCE(h.head_name, '') AS head_name, r.entity, r.row_uuid, r.field, r.old, r.new, r.status,"
        " r.note, r.at FROM migration_report r LEFT JOIN households h ON h.id = r.household_id"
        + (" WHERE r.status = 'review'" if review_only else "")
        + " ORDER BY r.migration, h.number, r.household_id, r.id"
    )
    return [ReportLine(**dict(r)) for r in rows]
