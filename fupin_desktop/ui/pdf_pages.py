"""Render the pages of a PDF to images, for the preview and for printing with QPrinter.

PySide6-Essentials has no QtPdf, so the first renderer found is used: QtPdf (if the Addons are
installed), pypdfium2 (a dependency: works the same on Windows and Linux), then poppler's
``pdftoppm`` (Linux).  Without any, :attr:`PdfPages.backend` is ``None``: the print centre then
shows the page count and opens the file with the system's PDF viewer.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

if TYPE_CHECKING:
    import pypdfium2

    # QtPdf ships with the PySide6 Addons only: where they are missing, so are its type hints.
    from PySide6.QtPdf import QPdfDocument  # type: ignore[import-not-found, unused-ignore]


class PdfPages:
    """A PDF file whose pages can be rendered to :class:`QImage` at a given resolution."""

    def __init__(self, path: str | Path, page_count: int, *, backend: str | None = "auto") -> None:
        self.path = Path(path)
        self.page_count = page_count
        self._pdfium: pypdfium2.PdfDocument | None = None
        self._qtpdf: QPdfDocument | None = None
        self.backend = self._choose() if backend == "auto" else backend

    def _choose(self) -> str | None:
        try:
            from PySide6.QtPdf import QPdfDocument  # type: ignore[import-not-found]

            doc = QPdfDocument()
            doc.load(str(self.path))
            if doc.pageCount() > 0:
                self._qtpdf = doc
                return "qtpdf"
        except ImportError:
            pass
        try:
            import pypdfium2

            self._pdfium = pypdfium2.PdfDocument(str(self.path))
            return "pdfium"
        except ImportError:
            pass
        if shutil.which("pdftoppm"):
            return "pdftoppm"
        return None

    def render(self, index: int, dpi: float = 96.0) -> QImage | None:
        """Page ``index`` (0-based) as an image at ``dpi``; None if nothing can render it."""
        if not 0 <= index < self.page_count or self.backend is None:
            return None
        if self.backend == "qtpdf" and self._qtpdf is not None:
            points = self._qtpdf.pagePointSize(index)
            size = QSize(int(points.width() * dpi / 72), int(points.height() * dpi / 72))
            return self._qtpdf.render(index, size)
        if self.backend == "pdfium":
            return self._render_pdfium(index, dpi)
        if self.backend == "pdftoppm":
            return self._render_pdftoppm(index, dpi)
        return None

    def _render_pdfium(self, index: int, dpi: float) -> QImage | None:
        if self._pdfium is None:
            import pypdfium2

            self._pdfium = pypdfium2.PdfDocument(str(self.path))
        bitmap = self._pdfium[index].render(scale=dpi / 72, rev_byteorder=True)
        fmt = QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBA8888
        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, fmt)
        return image.copy()  # own the pixels: the buffer goes with the bitmap

    def _render_pdftoppm(self, index: int, dpi: float) -> QImage | None:
        with tempfile.TemporaryDirectory() as folder:
            prefix = Path(folder) / "page"
            page = str(index + 1)
            result = subprocess.run(
                ["pdftoppm", "-png", "-r", str(int(dpi)), "-f", page, "-l", page, "-singlefile",
                 str(self.path), str(prefix)],
                capture_output=True, timeout=120,
            )
            png = prefix.with_suffix(".png")
            if result.returncode != 0 or not png.exists():
                return None
            image = QImage(str(png))
            return None if image.isNull() else image

    def close(self) -> None:
        if self._pdfium is not None:
            self._pdfium.close()
            self._pdfium = None
