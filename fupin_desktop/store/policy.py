"""The county's policy profile, kept as JSON in the settings table (audited when changed)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from fupin_desktop.domain.roles import Action
from fupin_desktop.store import access, audit, settings
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import Database, StoreError, now_iso

if TYPE_CHECKING:  # the rules' module is imported when a profile is first read (not by opening a file)
    from fupin_desktop.rules.policy import Policy

KEY = settings.POLICY.key  # also the audit trail's entity_uuid for policy changes


class PolicyRepository:
    """Read and replace the township's copy of the county's policy profile."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._numbering: str | None = None  # cached relation_numbering (reset by put)

    def relation_numbering(self) -> str:
        """How typed 与户主关系 numbers are read (``national`` when the profile cannot be read)."""
        if self._numbering is None:
            try:
                self._numbering = self.get().relation_numbering
            except StoreError:
                self._numbering = "national"
        return self._numbering

    def get(self) -> Policy:
        """The stored profile, or the defaults (DOMAIN §3) when none was ever set."""
        from fupin_desktop.rules.policy import Policy, PolicyError

        raw = settings.POLICY.raw(self.db)
        if raw is None:
            return Policy()
        try:
            # Lenient: a profile written by a newer version keeps what this version knows.
            return Policy.from_json(json.loads(raw), strict=False)
        except (ValueError, PolicyError) as exc:
            raise StoreError(f"数据库中保存的政策参数有误（{exc}）。请在 设置 → 政策参数 中重新设置或导入。") from exc

    def is_set(self) -> bool:
        return settings.POLICY.is_set(self.db)

    def put(self, policy: Policy, operator: str) -> Change:
        """Replace the profile; every changed item goes to the audit trail.  Every household's
        findings may differ afterwards (the change says so)."""
        access.require(self.db, Action.POLICY)  # 管理员 only, once the database has users
        old = self.get().to_json()
        new = policy.to_json()
        now = now_iso()
        self._numbering = None
        with self.db.transaction():
            settings.POLICY.put(self.db, json.dumps(new, ensure_ascii=False, sort_keys=True))
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    audit.record(self.db, operator=operator, action="update", entity="policy",
                                 entity_uuid=KEY, field=key, old=old.get(key), new=new.get(key), at=now)
        return Change.of(ChangeKind.POLICY, settings=[settings.POLICY.key])

    def reset(self, operator: str) -> Change:
        """Back to the defaults."""
        from fupin_desktop.rules.policy import Policy

        return self.put(Policy(), operator)
