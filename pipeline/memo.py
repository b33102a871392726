"""Per-process memos of pure functions of a text, and one call that empties them all.

Documents of one campaign repeat one another's wording (a template's risk names, headers and
measures), so the extraction keeps what it derived from a text for the next document that holds
it. Each memo is a :class:`Memo` (a dict the owner empties at its own size bound) or an
``functools.lru_cache`` registered with :func:`track`.

:func:`clear_all` exists for measuring: a benchmark that runs one document again and again
empties the memos before each run, so that the document is measured as a new one, not as a
document whose every text was seen before.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

_LIVE: weakref.WeakSet[Memo] = weakref.WeakSet()
_CACHES: list[Any] = []  # lru_cache-wrapped functions (module level: they live as long as the process)

F = TypeVar("F", bound=Callable[..., Any])
_MISSING = object()


class Memo(dict):  # type: ignore[type-arg]
    """A plain dict, known to :func:`clear_all` for as long as it lives."""

    def __init__(self) -> None:
        super().__init__()
        _LIVE.add(self)

    def __hash__(self) -> int:  # a WeakSet member, by identity (sets compare hashes before contents)
        return id(self)

    def remember(self, key: Any, make: Callable[[Any], Any], limit: int) -> Any:
        """``make(key)``, computed once while kept; the memo starts again once it holds ``limit``
        entries (a run of distinct texts must not grow memory). The value is shared: read only."""
        got = self.get(key, _MISSING)
        if got is _MISSING:
            if len(self) >= limit:
                self.clear()
            got = self[key] = make(key)
        return got


def track(fn: F) -> F:
    """Register an ``lru_cache``-wrapped function (use below ``@lru_cache``)."""
    _CACHES.append(fn)
    return fn


def clear_all() -> None:
    """Empty every memo and tracked cache of this process."""
    for m in list(_LIVE):
        m.clear()
    for fn in _CACHES:
        fn.cache_clear()
