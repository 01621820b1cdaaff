"""Code lists (性别, 民族, 致贫原因 ...) and how a clerk's typing resolves to an item.

A clerk may type the code number ("1", "01"), the label ("汉族"), a known alias
("汉"), or the pinyin initials of the label ("hz").  Values are stored as the
label (stable, readable); province-specific numeric codes are an export concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fupin_desktop.domain.text import normalize_text, pinyin_initials


@dataclass(frozen=True)
class CodeItem:
    code: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def initials(self) -> str:
        return pinyin_initials(self.label)


@dataclass(frozen=True)
class CodeList:
    id: str
    title: str
    items: tuple[CodeItem, ...]
    _by_key: dict[str, CodeItem] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, CodeItem] = {}
        for item in self.items:
            for key in (item.code, item.code.lstrip("0") or "0", item.label, *item.aliases):
                index.setdefault(normalize_text(key).lower(), item)
        object.__setattr__(self, "_by_key", index)

    @property
    def labels(self) -> list[str]:
        return [i.label for i in self.items]

    def by_label(self, label: str) -> CodeItem | None:
        for item in self.items:
            if item.label == label:
                return item
        return None

    def resolve(self, text: str) -> CodeItem | None:
        """The one item the text names exactly (code, label or alias), else None."""
        key = normalize_text(text).lower()
        if not key:
            return None
        hit = self._by_key.get(key) or self._by_key.get(key.lstrip("0") or "0")
        if hit:
            return hit
        matches = self.candidates(key)
        return matches[0] if len(matches) == 1 else None

    def candidates(self, text: str) -> list[CodeItem]:
        """Items whose code, label or pinyin initials start with the text (for completion)."""
        key = normalize_text(text).lower()
        if not key:
            return list(self.items)
        exact = [i for i in self.items if key in (i.code, i.label.lower(), i.initials)]
        if exact:
            return exact
        return [
            i
            for i in self.items
            if i.code.startswith(key)
            or i.label.lower().startswith(key)
            or i.initials.startswith(key)
            or any(a.lower().startswith(key) for a in i.aliases)
        ]
