"""Prints, as JSON, the name and version recorded inside each release artifact.

Used by the release's verify stage and by the checks before an upload
(`xtask/src/release/verify.rs`): wheels (METADATA, and the tags in WHEEL), sdists (PKG-INFO)
and crates (Cargo.toml, and the commit in .cargo_vcs_info.json), with `Requires-Python`, the
list of files each one holds, and for wheels the sha256 of each file (verify compares the
Python files across wheels).
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
    return {
        "name": headers["Name"],
        "version": headers["Version"],
        "requires_python": headers["Requires-Python"],
    }


def inspect(path):
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            meta = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            info = metadata(z.read(meta[0]).decode())
            wheel = HeaderParser().parsestr(z.read(meta[0][: -len("METADATA")] + "WHEEL").decode())
            info["tags"] = wheel.get_all("Tag") or []
            info["files"] = names
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
            info = {"name": package["name"], "version": package["version"], "files": names}
            vcs = [n for n in names if n.count("/") == 1 and n.endswith("/.cargo_vcs_info.json")]
            if vcs:
                info["vcs_commit"] = json.load(t.extractfile(vcs[0]))["git"]["sha1"]
            return info
    raise SystemExit(f"not an artifact: {path}")


print(json.dumps({p: inspect(p) for p in sys.argv[1:]}))
