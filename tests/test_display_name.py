"""display_name: a path made printable and JSON-safe, for messages, JSON and HTML."""

from __future__ import annotations

import pytest

from pipeline.preflight import display_name


@pytest.mark.parametrize(("path", "shown"), [
    ("材料/0001_财政局/风险点台账.docx", "材料/0001_财政局/风险点台账.docx"),  # the usual name, unchanged
    ("a b/c-d_e.docx", "a b/c-d_e.docx"),
    ("bad\nname.docx", "bad\\nname.docx"),  # a newline would forge a log line
    ("esc\x1b[31mred.docx", "esc\\x1b[31mred.docx"),  # a terminal escape
    ("del\x7f.docx", "del\\x7f.docx"),
    ("c1\x85.docx", "c1\\x85.docx"),
    ("rlo\u202egpj.docx", "rlo\\u202egpj.docx"),  # right-to-left override hides the real extension
    ("iso\u2066x\u2069.docx", "iso\\u2066x\\u2069.docx"),
    ("sep\u2028line.docx", "sep\\u2028line.docx"),
    ("nbsp\u00a0ok.docx", "nbsp\u00a0ok.docx"),  # printable: kept
    (b"gbk\xb7\xe7\xcf\xd5.docx", "gbk\\xb7\\xe7\\xcf\\xd5.docx"),  # bytes that are not UTF-8
])
def test_display_name(path: str | bytes, shown: str) -> None:
    assert display_name(path) == shown


def test_every_character_up_to_cjk_agrees_with_the_rule() -> None:
    """The quick check (one pattern) escapes exactly the characters the per-character rule names."""
    def escaped(cp: int) -> bool:
        return (cp < 0x20 or cp == 0x7F or 0x80 <= cp < 0xA0 or 0x2028 <= cp <= 0x2029 or 0x202A <= cp <= 0x202E
                or 0x2066 <= cp <= 0x2069)

    for cp in range(0x3000):
        if 0xD800 <= cp < 0xE000:
            continue
        name = f"a{chr(cp)}.docx"
        assert (display_name(name) != name) == escaped(cp), hex(cp)
