"""A household file as a :class:`Household`: from a sync bundle, or from a closed year's snapshot.

:func:`bundle_household` types a bundle (the sync shape: household columns, ``fields`` JSON, every
Handbook table's rows) by the form; the exchange checks incoming households with it, and the
read-only views and the print centre show and print a closed year's frozen file with
:func:`year_file` (store/years.py keeps the snapshots).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fupin_desktop.domain.household import TABLES, Household, HouseholdId, Row
from fupin_desktop.domain.values import from_store
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store.database import Database
from fupin_desktop.store.household_reads import LOCATION_FIELDS, TOWNSHIP_SOURCED


def bundle_household(bundle: dict[str, Any], spec: FormSpec, village: str, town: dict[str, Any] | None,
                     household_id: int | None = None) -> Household:
    """A :class:`Household` from a bundle, typed by the spec, for the rules."""
    grid = {f.id: f for f in spec.grid_fields() if f.id not in LOCATION_FIELDS and f.id not in TOWNSHIP_SOURCED}
    raw = bundle.get("fields") or {}
    fields = {k: from_store(s, raw.get(k)) for k, s in grid.items()}
    fields["village"] = village
    fields["group"] = bundle.get("group_name") or None
    if town:
        fields.update(province=town.get("province"), city=town.get("city"), county=town.get("county"),
                      township=town.get("name"))
    hh = Household(fields=fields, uuid=bundle["uuid"], revision=bundle.get("revision") or 0,
                   id=HouseholdId(household_id) if household_id is not None else None)
    for table in TABLES:
        specs = {c.id: c for c in spec.table(table).fields}
        for r in bundle.get(table, []):
            if r.get("deleted"):
                continue
            data = r.get("fields") or {}
            hh.table(table).append(Row(fields={k: from_store(s, data.get(k)) for k, s in specs.items()},
                                       uuid=r["uuid"], revision=r.get("revision") or 0))
    hh.refresh_derived(spec.derived_sources())
    return hh


def snapshot_household(payload: dict[str, Any], spec: FormSpec, town: dict[str, Any] | None) -> Household:
    """A closed year's file (store/years.py's snapshot payload) as a :class:`Household`."""
    return bundle_household(payload, spec, str(payload.get("village") or ""), town)


def year_file(db: Database, spec: FormSpec, household_uuid: str, year: int,
              town: dict[str, Any] | None) -> Household | None:
    """The household's frozen file of the closed ``year`` (None: it has none for that year)."""
    from fupin_desktop.store import years

    payload = years.snapshot(db, household_uuid, year)
    return None if payload is None else snapshot_household(payload, spec, town)


def household_uuids(db: Database, household_ids: Iterable[int]) -> dict[int, str]:
    """id -> uuid of the given households (deleted ones too: their closed years stay printable)."""
    ids = list(household_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in db.query(f"SELECT id, uuid FROM households WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)):
            out[int(r[0])] = str(r[1])
    return out


__all__ = ["bundle_household", "household_uuids", "snapshot_household", "year_file"]
