"""The ``segment`` stage: Chinese word segmentation on demand, with a private jieba tokenizer.

- a private ``jieba.Tokenizer`` (never the process-global ``jieba.dt``), its cache file in our
  cache directory (``$XDG_CACHE_HOME/lianfang`` or ``~/.cache/lianfang``), the domain
  dictionary ``lexicons/segmentation/*.dict.txt`` (jieba's ``word [freq] [tag]`` format) loaded
  into it;
- a blank spaCy ``zh`` pipeline whose tokenizer is replaced by a callable over our jieba
  tokenizer, so spaCy never initialises the global jieba or pkuseg; token patterns for the
  Matcher come from ``lexicons/prose/*.jsonl``.

Loading jieba and spaCy costs seconds, so nothing is loaded when the stage runs: the stage only
makes the builder available as ``ctx.cache["segment"]``; :func:`get_nlp` builds it the first time
a document actually needs tokens (a prose sentence that names powers), once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.model import Document

_log = logging.getLogger(__name__)

NAME = "segment"
REQUIRES = ("blocks",)
ASSIGNS = ("ctx.nlp",)

DICT_DIR = "segmentation"
PATTERN_DIR = "prose"


def cache_dir() -> Path:
    """Where jieba keeps its prefix-dictionary cache (created on demand; the temp dir, which jieba
    would use anyway, when the home is read-only)."""
    import tempfile

    from pipeline.fsutil import user_cache_dir

    return user_cache_dir() or Path(tempfile.gettempdir())


class JiebaSpacyTokenizer:
    """A spaCy tokenizer callable: ``Doc(vocab, words, spaces)`` from jieba's ``tokenize()``."""

    def __init__(self, vocab: Any, tk: Any) -> None:
        self.vocab = vocab
        self.tk = tk

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        words: list[str] = []
        spaces: list[bool] = []
        for w, _start, _end in self.tk.tokenize(text, HMM=True):
            if w.isspace():
                if spaces:
                    spaces[-1] = True
                continue
            words.append(w)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)


@dataclass
class Segmenter:
    """The per-process tokenizer, spaCy pipeline and matchers."""

    tokenizer: Any
    nlp: Any
    matchers: dict[str, Any] = field(default_factory=dict)

    def cut(self, text: str) -> list[str]:
        return [w for w in self.tokenizer.cut(text, HMM=True) if not w.isspace()]

    def matcher(self, rel: str, lex: Any) -> Any:
        """A spaCy Matcher over the token patterns of ``lexicons/<rel>`` (JSONL), built once."""
        m = self.matchers.get(rel)
        if m is None:
            import json

            from spacy.matcher import Matcher

            m = Matcher(self.nlp.vocab)
            path = lex.path(rel)
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                obj = json.loads(line)
                pattern = obj["pattern"]
                m.add(obj["label"], [pattern] if isinstance(pattern[0], dict) else pattern)
            self.matchers[rel] = m
        return m


def build(lex: Any) -> Segmenter:
    """Load jieba with our dictionaries and a blank spaCy ``zh`` pipeline over it."""
    import jieba
    import spacy

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = str(cache_dir())
    tk.cache_file = "jieba.lianfang.cache"
    for d in sorted(Path(lex.path(DICT_DIR)).glob("*.dict.txt")):
        tk.load_userdict(str(d))
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.tokenizer = JiebaSpacyTokenizer(nlp.vocab, tk)
    return Segmenter(tokenizer=tk, nlp=nlp)


_BUILT: dict[str, Segmenter] = {}  # lexicon dir → segmenter: a second Context reuses it


def get_nlp(ctx: Any) -> Segmenter:
    """The process's :class:`Segmenter`, built on first use and kept in ``ctx.cache``.

    It depends only on the lexicon directory, so contexts over the same lexicons share one.
    """
    seg = ctx.cache.get("segment")
    if seg is None:
        root = str(ctx.lexicons.root)
        seg = _BUILT.get(root)
        if seg is None:
            import time

            t0 = time.perf_counter()
            seg = _BUILT[root] = build(ctx.lexicons)
            _log.debug("segmenter loaded in %.2f s", time.perf_counter() - t0)
        ctx.cache["segment"] = seg
    return seg


def run(doc: Document, ctx: Any) -> Document:
    """Nothing to do per document: tokens are made lazily by the stages that need them."""
    return doc
