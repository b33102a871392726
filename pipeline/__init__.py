"""lianfang (廉防): reads 廉政风险防控 submissions and finds where power → risk → measure → owner breaks.

The library is the product; the ``lianfang`` command is a thin layer over :mod:`pipeline.api`.
Heavy imports (spaCy, jieba, pdfplumber) happen lazily so ``lianfang --help`` stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
