"""Code lists (性别, 民族, 致贫原因 ...) and how a clerk's typing resolves to an item.

A clerk may type the code number ("1", "01"), the label ("汉族"), a known alias
("汉"), or the pinyin initials of the label ("hz").  The numbers are the national
system's (NATIONAL.md §1): a typed number means what it means there.  Values are
stored as the label (stable, readable); an export to the national system writes
the item's ``code``.  An item without a national number (``code == ""``) is typed
by its label, an alias or its initials only.

A list may carry another numbering (与户主关系: GB/T 4761) that a county can switch
on in its policy profile: :meth:`CodeList.renumbered` gives the list whose typed
numbers are that numbering's (the national numbers are then not accepted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fupin_desktop.domain.text import normalize_text, pinyin_initials

#: Numberings other than the national one that a list may carry (a policy profile choice).
NUMBERINGS = ("national", "gbt4761")


def lookup_key(text: str) -> str:
    """The form of a typed text that is compared: trimmed, lower case, （） as ()."""
    return normalize_text(text).lower().replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class CodeItem:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    #: other numberings of this item: (numbering, (codes...)), e.g. ("gbt4761", ("10", "11", "12"))
    numberings: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def initials(self) -> str:
        return pinyin_initials(self.label)

    def codes_in(self, numbering: str) -> tuple[str, ...]:
        for name, codes in self.numberings:
            if name == numbering:
                return codes
        return ()


@dataclass(frozen=True)
class CodeList:
    id: str
    title: str
    items: tuple[CodeItem, ...]
    numbering: str = "national"  # whose numbers ``code`` holds (see renumbered)
    _by_key: dict[str, CodeItem] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, CodeItem] = {}
        # Numbers first, so a code always wins over another item's alias; then labels, then aliases.
        for item in self.items:
            for number in self._typed_codes(item):
                index.setdefault(number, item)
                index.setdefault(number.lstrip("0") or "0", item)
        for item in self.items:
            index.setdefault(lookup_key(item.label), item)
        for item in self.items:
            for alias in item.aliases:
                key = lookup_key(alias)
                if key.isdigit() and self.numbering != "national":
                    continue  # a number another mirror of the national system uses
                index.setdefault(key, item)
        object.__setattr__(self, "_by_key", index)

    def _typed_codes(self, item: CodeItem) -> tuple[str, ...]:
        if self.numbering == "national":
            return (item.code,) if item.code else ()
        return item.codes_in(self.numbering)

    @property
    def labels(self) -> list[str]:
        return [i.label for i in self.items]

    @property
    def has_numberings(self) -> tuple[str, ...]:
        """The other numberings some item of the list carries."""
        return tuple(dict.fromkeys(name for i in self.items for name, _ in i.numberings))

    def renumbered(self, numbering: str) -> CodeList:
        """This list with typed numbers in ``numbering`` (``national``: the list itself).

        Items keep their national ``code`` (exports still write it); only what a typed
        number means changes.  A list without that numbering is returned unchanged.
        """
        if numbering == self.numbering or (numbering != "national" and numbering not in self.has_numberings):
            return self
        return CodeList(id=self.id, title=self.title, items=self.items, numbering=numbering)

    def typed_code(self, item: CodeItem) -> str:
        """The number a clerk types for ``item`` in this list's numbering ("" if none)."""
        codes = self._typed_codes(item)
        return codes[0] if codes else ""

    def by_label(self, label: str) -> CodeItem | None:
        for item in self.items:
            if item.label == label:
                return item
        return None

    def resolve(self, text: str) -> CodeItem | None:
        """The one item the text names exactly (code, label or alias), else None.

        A pinyin prefix several items share (``hz``: 汉族, 回族) names none of them.
        """
        key = lookup_key(text)
        if not key:
            return None
        hit = self._by_key.get(key)
        if hit is None and key.isdigit():
            hit = self._by_key.get(key.lstrip("0") or "0")
        if hit:
            return hit
        if key.isdigit():
            return None  # a number is a code or nothing: never a prefix of several codes
        matches = self.candidates(key)
        return matches[0] if len(matches) == 1 else None

    def candidates(self, text: str) -> list[CodeItem]:
        """Items whose code, label or pinyin initials start with the text (for completion)."""
        key = lookup_key(text)
        if not key:
            return list(self.items)
        exact = [i for i in self.items if key in (self.typed_code(i), lookup_key(i.label), i.initials)]
        if exact:
            return exact
        return [
            i
            for i in self.items
            if (self.typed_code(i) and self.typed_code(i).startswith(key))
            or lookup_key(i.label).startswith(key)
            or i.initials.startswith(key)
            or any(lookup_key(a).startswith(key) for a in i.aliases)
        ]

    def choices_text(self, limit: int = 12) -> str:
        """The list's choices for a message: "0 未脱贫、1 已脱贫（享受政策）…"."""
        shown = [f"{self.typed_code(i)} {i.label}".strip() for i in self.items[:limit]]
        more = f"等 {len(self.items)} 项（按 F4 查看全部）" if len(self.items) > limit else ""
        return "、".join(shown) + more
