"""Reads YAML files and prints them as one JSON object, keyed by the path given.

The workflow invariants (`xtask/src/workflows/tidy.rs`) check GitHub workflows as JSON, so the
xtask needs no YAML crate. ruamel.yaml comes with check-jsonschema in the dev dependency group.
"""

import json
import sys

from ruamel.yaml import YAML


def main(paths: list[str]) -> None:
    yaml = YAML(typ="safe", pure=True)
    documents = {}
    for path in paths:
        with open(path, encoding="utf-8") as file:
            documents[path] = yaml.load(file)
    print(json.dumps(documents))


if __name__ == "__main__":
    main(sys.argv[1:])
