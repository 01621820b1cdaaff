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
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store.database import Database
from fupin_desktop.store.household_reads import LOCATION_FIELDS, TOWNSHIP_SOURCED, typed_loader


def bundle_household(bundle: dict[str, Any], spec: FormSpec, village: str, town: dict[str, Any] | None,
                     household_id: int | None = None) -> Household:
    """A :class:`Household` from a bundle, typed by the spec, for the rules."""
    typing = _typing(spec)
    fields = typing.grid(bundle.get("fields") or {})
    fields["village"] = village
    fields["group"] = bundle.get("group_name") or None
    if town:
        fields.update(province=town.get("province"), city=town.get("city"), county=town.get("county"),
                      township=town.get("name"))
    hh = Household(fields=fields, uuid=bundle["uuid"], revision=bundle.get("revision") or 0,
                   id=HouseholdId(household_id) if household_id is not None else None)
    for table in TABLES:
        typed = typing.tables[table]
        rows = hh.table(table)
        for r in bundle.get(table, []):
            if r.get("deleted"):
                continue
            rows.append(Row(fields=typed(r.get("fields") or {}), uuid=r["uuid"], revision=r.get("revision") or 0))
    hh.refresh_derived(spec.derived_sources())
    return hh


class _Typing:
    """A form's loaders of stored values (household_reads.typed_loader), built once per form."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec  # (kept: the cache is keyed by its id)
        self.grid = typed_loader({f.id: f for f in spec.grid_fields()
                                  if f.id not in LOCATION_FIELDS and f.id not in TOWNSHIP_SOURCED})
        self.tables = {t: typed_loader({c.id: c for c in spec.table(t).fields}) for t in TABLES}


_TYPINGS: dict[int, _Typing] = {}


def _typing(spec: FormSpec) -> _Typing:
    """The typing of ``spec``'s fields, built once per form (asked for every household checked)."""
    typing = _TYPINGS.get(id(spec))
    if typing is None or typing.spec is not spec:
        typing = _TYPINGS[id(spec)] = _Typing(spec)
    return typing


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
