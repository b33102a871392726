# The README's two commands: `make run` (install + check samples/) and `make test`.
.PHONY: run test lint samples schema

run:
	bash scripts/setup.sh run
	.venv/bin/lianfang check samples/ --out lianfang-out

test:
	bash scripts/setup.sh test
	.venv/bin/python -m ruff check pipeline tests benchmarks samples/make_samples.py
	.venv/bin/python -m pytest -q -p no:cacheprovider

samples:
	.venv/bin/python samples/make_samples.py

schema:
	.venv/bin/lianfang schema > schema/document.schema.json
