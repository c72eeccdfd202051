"""Prints, as JSON, the name and version recorded inside each release artifact.

Used by the release's verify stage (`xtask/src/release/verify.rs`): wheels (METADATA), sdists
(PKG-INFO) and crates (Cargo.toml), with the list of files each one holds; for wheels also the
`Tag` lines of their WHEEL file and the sha256 of every file inside.
"""

import hashlib
import json
import sys
import tarfile
import zipfile
from email.parser import HeaderParser

import tomllib


def metadata(text):
    headers = HeaderParser().parsestr(text)
    return {"name": headers["Name"], "version": headers["Version"]}


def inspect(path):
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            meta = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            info = metadata(z.read(meta[0]).decode())
            info["files"] = names
            wheel = HeaderParser().parsestr(z.read(meta[0].replace("METADATA", "WHEEL")).decode())
            info["wheel_tags"] = wheel.get_all("Tag") or []
            info["sha256"] = {n: hashlib.sha256(z.read(n)).hexdigest() for n in names}
            return info
    if path.endswith(".tar.gz"):
        with tarfile.open(path) as t:
            names = t.getnames()
            pkg = [n for n in names if n.count("/") == 1 and n.endswith("/PKG-INFO")]
            info = metadata(t.extractfile(pkg[0]).read().decode())
            info["files"] = names
            return info
    if path.endswith(".crate"):
        with tarfile.open(path) as t:
            names = t.getnames()
            manifest = [n for n in names if n.count("/") == 1 and n.endswith("/Cargo.toml")]
            package = tomllib.loads(t.extractfile(manifest[0]).read().decode())["package"]
            return {"name": package["name"], "version": package["version"], "files": names}
    raise SystemExit(f"not an artifact: {path}")


print(json.dumps({p: inspect(p) for p in sys.argv[1:]}))
