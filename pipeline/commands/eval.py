"""``lianfang eval`` — score extraction against gold files (figures as in pipeline.evaluate)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("eval")
@click.option("--gold", "gold", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of NAME.gold.json files (corpus/README.md format).")
@click.option("--pred", "pred", type=click.Path(exists=True),
              help="Extraction output to score: a folder of JSON files or a .jsonl file.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Also write the summary and per-file figures here as JSON.")
@click.option("--worst", default=5, show_default=True, help="How many of the worst files to list.")
@click.argument("paths", nargs=-1, type=click.Path())
def eval_command(gold: str, pred: str | None, json_out: str | None, worst: int, paths: tuple[str, ...]) -> None:
    """Print precision/recall/F1 per field and the worst files.

    \b
    Score an earlier run:   lianfang eval --gold corpus/dev/gold --pred out/
    Extract, then score:    lianfang eval --gold corpus/dev/gold corpus/dev/files
    """
    from pipeline.evaluate import evaluate, format_report, load_predictions, predictions_from_documents

    if bool(pred) == bool(paths):
        raise click.UsageError("give either --pred DIR (an earlier extraction) or the PATHS to extract, not both")
    if pred:
        preds = load_predictions(pred)
    else:
        from pipeline.api import extract

        preds = predictions_from_documents(extract(list(paths)))
    report = evaluate(gold, preds)
    click.echo(format_report(report, worst=worst))
    if json_out:
        data = {
            "summary": report.summary(),
            "files": [{"file": f.file, "risks": f.risks, "score": f.f1, **({"missing": True} if f.missing else {})}
                      for f in report.files],
        }
        Path(json_out).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    sys.exit(0)
