"""``lianfang`` — a thin click layer over :mod:`pipeline.api`. Imports are lazy: ``--help`` stays fast.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage, input or configuration error.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from pipeline import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Group(click.Group):
    """Maps our errors to exit 2 and loads the commands of pipeline.commands on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from pipeline.commands import LAZY_COMMANDS

        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return cmd
        from pipeline.commands import LAZY_COMMANDS

        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        import importlib

        mod_name, attr = target.split(":")
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError:  # a command whose module is not there yet
            return None
        found: click.Command = getattr(mod, attr)
        return found

    def main(self, *args, **kwargs):  # type: ignore[override]
        # click exits 2 on usage errors already; map our own errors to 2 as well
        from pipeline.errors import LianfangError

        kwargs.pop("standalone_mode", None)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(EXIT_ERROR)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(EXIT_ERROR)
        except LianfangError as e:
            click.echo(f"lianfang: error: {e}", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lianfang")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """lianfang (廉防): find where power → risk point → countermeasure → owner breaks.

    \b
    Main job:      lianfang check samples/ --out lianfang-out
    Extraction:    lianfang extract FILES_OR_DIRS --out DIR
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def parse(files: tuple[str, ...], fmt: str) -> None:
    """Parse FILES and print the document model (blocks, tables, status)."""
    from pipeline.api import parse_file

    bad = False
    for f in files:
        doc = parse_file(f)
        bad |= doc.status == "failed"
        if fmt == "json":
            click.echo(doc.model_dump_json(indent=1, exclude_none=True))
        else:
            click.echo(f"# {doc.source.path} [{doc.source.format}] status={doc.status}")
            for e in doc.errors:
                click.echo(f"! {e.code}: {e.message}")
            click.echo(doc.text())
    sys.exit(EXIT_ERROR if bad else EXIT_OK)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", type=click.Path(file_okay=False), help="Write one JSON per submission here.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="Without --out: print the JSON of a single file to stdout.")
def extract(paths: tuple[str, ...], out: str | None, fmt: str) -> None:
    """Extract powers, risk points, measures, owners and stated counts (one JSON per submission)."""
    from pipeline.api import extract as run_extract

    docs = run_extract(list(paths), out=out)
    if out is None:
        objs = [d.to_contract() for d in docs]
        click.echo(json.dumps(objs[0] if len(objs) == 1 else objs, ensure_ascii=False, indent=1))
    else:
        failed = [d for d in docs if d.status == "failed"]
        click.echo(f"{len(docs)} submissions → {out} ({len(failed)} failed)", err=True)
        for d in failed:
            click.echo(f"  {d.errors[0].message if d.errors else d.source.path}", err=True)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the document model."""
    from pipeline.schema import document_schema

    click.echo(json.dumps(document_schema(), ensure_ascii=False, indent=1))


@cli.group()
def lexicons() -> None:
    """Inspect and validate the lexicons (domain knowledge as data)."""


@lexicons.command("validate")
@click.option("--dir", "root", type=click.Path(file_okay=False), help="Lexicon directory (default: the bundled one).")
def lexicons_validate(root: str | None) -> None:
    """Check every lexicon file; print path:line: message for each bad entry."""
    from pipeline.lexicon import lexicon_dir, validate_dir

    errs = validate_dir(root)
    for e in errs:
        click.echo(str(e))
    click.echo(f"{len(errs)} problem(s) in {lexicon_dir(root)}", err=True)
    sys.exit(EXIT_ERROR if errs else EXIT_OK)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
