"""The parsing floors: the least work any reader of these formats must do, with the libraries alone.

The harness divides the whole pipeline's time by these. Each floor returns the number of text
characters it saw, so a run can check that floor and pipeline read the same amount of text.

- ``.docx``: open the zip, read ``word/document.xml``, ``lxml.etree.fromstring``, visit every
  ``w:t`` text. Nothing cheaper reads all of a Word document's text.
- ``.pdf``: pdfplumber, every page: ``extract_text()`` and ``extract_tables()``. The pipeline
  needs both and pdfplumber shares the layout work between them, so this is its own cost.

The ``reference_*`` functions are not floors: they show what the usual library calls cost
(python-docx's ``row.cells``, pypdfium2's text), to explain where time goes.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

_log = logging.getLogger(__name__)

W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


def docx_floor(path: str | Path) -> int:
    """Raw lxml walk of word/document.xml: characters of all w:t texts."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        data = z.read("word/document.xml")
    root = etree.fromstring(data)
    n = 0
    for el in root.iter(W_T):
        if el.text:
            n += len(el.text)
    return n


def pdf_floor(path: str | Path) -> int:
    """pdfplumber's text and tables of every page: characters of the extracted text."""
    import pdfplumber

    n = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            page.extract_tables()
            n += len(text)
            page.close()  # drop the page's cached objects, as a parser of long PDFs must
    return n


def reference_python_docx_cells(path: str | Path) -> int:
    """python-docx, every table via ``row.cells`` (the usual, slow way): characters seen."""
    import docx

    d = docx.Document(str(path))
    n = sum(len(p.text) for p in d.paragraphs)
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                n += len(c.text)
    return n


def reference_pypdfium2_text(path: str | Path) -> int:
    """pypdfium2's text of every page (no tables): characters seen."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    n = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            n += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        pdf.close()
    return n


FLOORS = {"docx": docx_floor, "pdf": pdf_floor}
REFERENCES = {"docx": ("python-docx row.cells", reference_python_docx_cells),
              "pdf": ("pypdfium2 text", reference_pypdfium2_text)}


def warm_up() -> None:
    """Import what the floors use, so that no floor timing includes an import."""
    import importlib

    for mod in ("lxml.etree", "pdfplumber", "docx", "pypdfium2"):
        try:
            importlib.import_module(mod)
        except ImportError:
            _log.warning("%s is not installed: its floor cannot be measured", mod)
