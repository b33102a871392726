"""The hostile-input suite (a package, so its conftest never shadows tests/conftest.py)."""
