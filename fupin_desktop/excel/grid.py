"""A sheet's cells, kept compactly: blocks of rows, pickled and zlib-compressed.

A roster of 10,000 households is ~36,000 rows × 31 cells; as Python lists of ``str`` and
``float`` objects that is ~90 MB, compressed in blocks of :data:`BLOCK` rows ~2 MB (rosters
repeat the village, group and code labels on every row).  The import keeps a sheet's cells for
as long as the wizard is open (mapping page, preview, the error workbook), so they are kept as
a :class:`Grid`: a read-only sequence of rows (``grid[i]`` is a list of the row's cells,
``grid[a:b]`` a list of rows, ``len(grid)``, iteration) that decodes one block at a time and
keeps the last one decoded.  Sequential reading (staging, the header scan) decodes every block
once.  A :class:`Grid` is built row by row (:meth:`Grid.build`) in the reading child process, so
neither process holds all the cells as Python objects, and is sent to the parent as it is.

Rows handed out are shared with the cache: callers read them and never change them; the one
change there is, the merged cells' values (:meth:`Grid.fill_merged`), is written into the blocks.

Pure Python, no Qt.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

#: Rows a block holds.
BLOCK = 128
#: Blocks :meth:`Grid.fill_merged` keeps decoded while it writes (the rest are packed again).
_DIRTY = 16


def _pack(rows: list[list[Any]]) -> bytes:
    return zlib.compress(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(block: bytes) -> list[list[Any]]:
    rows: list[list[Any]] = pickle.loads(zlib.decompress(block))  # noqa: S301 - our own bytes
    return rows


class Grid(Sequence[list[Any]]):
    """The rows of one sheet (``grid[i][j]`` is row i+1, column j+1), compressed a block at a time."""

    def __init__(self, blocks: list[bytes], widths: array[int], length: int | None = None) -> None:
        self._blocks = blocks
        self._widths = widths  # every row's number of cells (the widest row without decoding)
        self._length = len(widths) if length is None else length
        self._cached: tuple[int, list[list[Any]]] | None = None

    @classmethod
    def build(cls, rows: Iterable[list[Any]]) -> Grid:
        """A grid of ``rows``, packed as they come (only one block is ever held as lists)."""
        blocks: list[bytes] = []
        widths = array("I")
        pending: list[list[Any]] = []
        for row in rows:
            pending.append(row if isinstance(row, list) else list(row))
            widths.append(len(row))
            if len(pending) == BLOCK:
                blocks.append(_pack(pending))
                pending = []
        if pending:
            blocks.append(_pack(pending))
        return cls(blocks, widths)

    # -- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> list[Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[Any]]: ...

    def __getitem__(self, index: int | slice) -> list[Any] | list[list[Any]]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("grid row out of range")
        return self._row(index)

    def __iter__(self) -> Iterator[list[Any]]:
        for i in range(self._length):
            yield self._row(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Grid, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable (trim, fill_merged): like a list

    def _row(self, index: int) -> list[Any]:
        number = index // BLOCK
        cached = self._cached
        if cached is None or cached[0] != number:
            cached = self._cached = (number, _unpack(self._blocks[number]))
        return cached[1][index % BLOCK]

    @property
    def width(self) -> int:
        """The widest row's number of cells."""
        return max(self._widths[:self._length], default=0)

    # -- the two changes ------------------------------------------------------------------
    def trim(self, blank: Any) -> None:
        """Drop trailing rows whose every cell is ``blank(cell)``."""
        while self._length and all(blank(v) for v in self._row(self._length - 1)):
            self._length -= 1

    def fill_merged(self, merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
        """Give every cell of a merged range the value of its top-left cell (written into the blocks).

        The ranges are applied in order, exactly as on lists; at most :data:`_DIRTY` blocks are
        held decoded while writing."""
        if not merged:
            return
        dirty: OrderedDict[int, list[list[Any]]] = OrderedDict()
        self._cached = None

        def row(index: int) -> list[Any]:
            number = index // BLOCK
            rows = dirty.get(number)
            if rows is None:
                if len(dirty) >= _DIRTY:
                    old, old_rows = dirty.popitem(last=False)
                    self._blocks[old] = _pack(old_rows)
                rows = dirty[number] = _unpack(self._blocks[number])
            dirty.move_to_end(number)
            return rows[index % BLOCK]

        length = self._length
        for (r0, c0), (r1, c1) in merged:
            if r0 >= length or c0 >= len(row(r0)):
                continue
            value = row(r0)[c0]
            for r in range(r0, min(r1, length - 1) + 1):
                cells = row(r)
                for c in range(c0, min(c1, len(cells) - 1) + 1):
                    cells[c] = value
        for number, rows in dirty.items():
            self._blocks[number] = _pack(rows)

    # -- pickling (the reading child sends a grid to the parent) ---------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"blocks": self._blocks, "widths": self._widths, "length": self._length}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._blocks = state["blocks"]
        self._widths = state["widths"]
        self._length = state["length"]
        self._cached = None

    def __repr__(self) -> str:
        return f"Grid({self._length} rows, {len(self._blocks)} blocks)"


def as_grid(rows: Sequence[list[Any]]) -> Grid:
    """``rows`` as a grid (a grid is returned as it is)."""
    return rows if isinstance(rows, Grid) else Grid.build(rows)
