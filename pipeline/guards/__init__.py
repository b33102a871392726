"""Guards against hostile inputs, run before (or around) the libraries that read them.

- :mod:`.zipguard` — ZIP structure of .docx/.xlsx checked from the central directory alone;
- :mod:`.xmlguard` — DOCTYPE/ENTITY refusal and a safe lxml parser;
- :mod:`.pdfguard` — encryption, page budget, reference cycles, stream and ruling budgets;
- :mod:`.oleguard` — OLE2 compound files: encrypted Office packages and encrypted .doc.

Each raises :class:`pipeline.errors.InputError` with a stable code (docs/limits.md).
"""
