"""Benchmarks: a generated corpus and a harness that holds lianfang against the parsing floor.

``python -m benchmarks.generate`` builds the corpus (cached under ``benchmarks/corpus/``);
``python -m benchmarks.run [--quick] [--json FILE] [--md FILE]`` measures and prints the targets.
Nothing here is imported by the pipeline.
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CORPUS_DIR = BENCH_DIR / "corpus"
RESULTS_DIR = BENCH_DIR / "results"
