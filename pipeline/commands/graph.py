"""``lianfang graph PATH… --format svg --out FILE`` — the responsibility graph of checked submissions.

A thin layer: extract (:func:`pipeline.api.extract`), check (:func:`pipeline.checks.run_checks`),
build (:func:`pipeline.graph.build_graph`), write (:func:`pipeline.graph.write_graph`).
Only click is imported at start-up.
"""

from __future__ import annotations

from pathlib import Path

import click

_FORMATS = ("svg", "graphml", "gexf", "json", "dot")


@click.command("graph")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format (default: from the --out suffix, else svg).")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
              help="File to write (e.g. graph.svg, graph.graphml).")
@click.option("--profile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Profile YAML for the checks; extends the built-in default.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the finding messages carried by the graph.")
@click.option("--units", "by", type=click.Choice(["auto", "folder", "unit", "file"]), default="auto",
              show_default=True, help="How submissions are grouped into units.")
def graph(paths: tuple[str, ...], fmt: str | None, out: str, profile: str | None, lang: str, by: str) -> None:
    """Draw unit → department → post → power → risk → measure (+ people), gaps marked.

    \b
    lianfang graph submissions/某局/ --out 某局.svg
    lianfang graph submissions/ --format graphml --out all.graphml
    """
    from pipeline.api import extract
    from pipeline.checks import load_profile, run_checks
    from pipeline.graph import build_graph, write_graph

    if fmt is None:
        suffix = Path(out).suffix.lower().lstrip(".")
        fmt = {"xml": "graphml"}.get(suffix, suffix) if suffix in (*_FORMATS, "xml") else "svg"
    prof = load_profile(profile) if profile else None  # a bad profile fails before any parsing
    docs = extract(list(paths), check=False)  # checked here, with the same grouping as the graph
    run_checks(docs, prof, lang, by=by)
    G = build_graph(docs, by=by)
    write_graph(G, fmt, out)
    risks = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "risk")
    gaps = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "risk" and d["state"] != "covered")
    click.echo(f"{len(docs)} submissions, {risks} risk points, {gaps} with gaps → {out} ({fmt})", err=True)
