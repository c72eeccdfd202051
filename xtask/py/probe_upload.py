"""Asks an upload endpoint whether it accepts our credentials, with a request it must reject
for its content, so that nothing can ever be stored. Prints the HTTP status on the first line,
then the body.

    probe_upload.py pypi URL                 PROBE_USERNAME, PROBE_PASSWORD from the environment
    probe_upload.py crates API NAME VERSION  PROBE_TOKEN from the environment

- pypi: a multipart POST of `:action=file_upload` and `protocol_version=1` only. PyPI
  (warehouse) and pypiserver check the credentials before the form: accepted credentials get
  400 (no name / no content), rejected ones 401 or 403.
- crates: `PUT {API}/api/v1/crates/new` with the metadata and no tarball. crates.io parses the
  metadata, then checks the token, then fails on the missing tarball: a good token gets 400
  "invalid tarball length", a bad one 403.

Credentials come from the environment, never argv, so they do not show in a process listing.
Exit status 3 means no HTTP answer at all (the reason is on stderr).
"""

import base64
import json
import os
import struct
import sys
import urllib.error
import urllib.request
import uuid


def pypi(url: str) -> urllib.request.Request:
    boundary = uuid.uuid4().hex
    fields = {":action": "file_upload", "protocol_version": "1"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += f"--{boundary}--\r\n".encode()
    user, password = os.environ["PROBE_USERNAME"], os.environ["PROBE_PASSWORD"]
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    return urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Basic {credentials}",
            "Accept": "application/json",
            "User-Agent": "xtask",
        },
    )


def crates(api: str, name: str, version: str) -> urllib.request.Request:
    metadata = json.dumps({"name": name, "vers": version}).encode()
    body = struct.pack("<I", len(metadata)) + metadata
    return urllib.request.Request(
        f"{api.rstrip('/')}/api/v1/crates/new",
        data=body,
        method="PUT",
        headers={
            "Authorization": os.environ["PROBE_TOKEN"],
            "Accept": "application/json",
            "User-Agent": "xtask",
        },
    )


def main(argv: list[str]) -> int:
    request = pypi(argv[1]) if argv[0] == "pypi" else crates(argv[1], argv[2], argv[3])
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except Exception as error:  # any failure to get an answer at all is reported
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        return 3
    sys.stdout.write(f"{status}\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
