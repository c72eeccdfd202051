"""Imports a module and prints its `__version__`, then (if a distribution name is given) the
version the installed distribution's metadata records, one per line.

Run with `python -I`, so that only the installed package can answer: the working directory and
PYTHONPATH stay out of `sys.path`. Used by `cargo xtask version` (the build in .venv) and by the
release's verify stage (each installed artifact).
"""

import importlib
import importlib.metadata
import sys


def main(module: str, dist: str | None) -> None:
    imported = importlib.import_module(module)
    print(getattr(imported, "__version__", "<missing>"))
    if dist is not None:
        print(importlib.metadata.version(dist))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
