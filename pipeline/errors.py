"""The package's exceptions. Each names the file (or lexicon line) and the reason."""

from __future__ import annotations

from pathlib import Path


class LianfangError(Exception):
    """Base class; the CLI maps it to exit code 2."""


class InputError(LianfangError):
    """A document that cannot be read: ``code`` is stable (encrypted, not_a_zip, empty …)."""

    def __init__(self, path: str | Path, code: str, reason: str):
        self.path = str(path)
        self.code = code
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFormat(InputError):
    def __init__(self, path: str | Path, reason: str):
        super().__init__(path, "unsupported_format", reason)


class ConverterMissing(InputError):
    def __init__(self, path: str | Path, fmt: str):
        super().__init__(
            path,
            "converter_missing",
            f"reading .{fmt} needs LibreOffice: install it (Debian/Ubuntu: "
            "`apt-get install libreoffice-writer-nogui`) so that `soffice` is on PATH",
        )


class LexiconError(LianfangError):
    """A bad lexicon entry: ``lexicons/x.yaml:12: message`` (vale E201 / jieba style)."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class ConfigError(LianfangError):
    """A bad profile, flag or option value: never reported as a finding."""


def invalid_value(what: str, value: object, allowed: object) -> str:
    """The one wording for an out-of-range value."""
    return f"invalid {what} {value!r}: must be one of {allowed}"
