"""Click commands that live in their own modules (each imports heavy libraries lazily)."""

# command name → "module:attribute"; registered lazily by pipeline.cli
LAZY_COMMANDS: dict[str, str] = {
    "check": "pipeline.commands.check:check",
    "eval": "pipeline.commands.eval:eval_command",
    "graph": "pipeline.commands.graph:graph",
}
