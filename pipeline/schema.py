"""The JSON Schema of the document model, committed as ``schema/document.schema.json``."""

from __future__ import annotations

from typing import Any

from pipeline.model import SCHEMA_VERSION, Document


def document_schema() -> dict[str, Any]:
    s = Document.model_json_schema(mode="serialization")
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    s["$id"] = f"https://lianfang.example/schema/document-{SCHEMA_VERSION}.json"
    s["title"] = f"lianfang Document (schema_version {SCHEMA_VERSION})"
    return s
