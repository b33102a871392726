"""风险类别 as written → one of the five classes (lexicons/categories.yaml), or None."""

from __future__ import annotations

import logging
import re

from pipeline.extract.common import PhraseIndex, key
from pipeline.lexicon import Lexicons
from pipeline.model import Category

_log = logging.getLogger(__name__)

LEXICON = "categories.yaml"
_SUFFIX = re.compile(r"(?:风险点|风险|类|方面|领域)$")


class Categories:
    def __init__(self, lex: Lexicons) -> None:
        self.index = PhraseIndex(lex.terms(LEXICON), source=LEXICON)
        self._seen: dict[str, tuple[Category | None, str | None]] = {}

    def classify(self, raw: str | None) -> tuple[Category | None, str | None]:
        """``(category, matched phrase)``; an unknown class gives ``(None, None)``."""
        k = key(raw)
        got = self._seen.get(k)
        if got is None:
            got = self._seen[k] = self._classify(k)
        return got

    def _classify(self, k: str) -> tuple[Category | None, str | None]:
        if not k:
            return None, None
        for cand in (k, _SUFFIX.sub("", k)):
            hit = self.index.match(cand, substring=False)
            if hit is not None:
                return hit[0], hit[1]  # type: ignore[return-value]
        # a longer wording that contains exactly one class name (廉洁从业岗位职责风险)
        hits = {lab for pk, lab, _p in self.index.phrases if len(pk) >= 4 and pk in k}
        if len(hits) == 1:
            return hits.pop(), None  # type: ignore[return-value]
        return None, None
