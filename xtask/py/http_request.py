"""The xtask's HTTP requests, one verb each; prints the HTTP status on the first line, then the
body. Exit status 3 means no HTTP answer at all (the reason is on stderr); an HTTP error status
is an answer, printed.

    http_request.py get URL                  a read-only GET (registry indexes)
    http_request.py download URL DEST        a GET whose body goes to the file DEST
    http_request.py probe-pypi URL           PROBE_USERNAME, PROBE_PASSWORD from the environment
    http_request.py probe-crates API NAME VERSION     PROBE_TOKEN from the environment
    http_request.py post-json                stdin to the URL in WEBHOOK_URL

Through Python's urllib the xtask gets HTTPS with the system's certificates without compiling a
TLS stack. Credentials and webhook URLs come from the environment, never argv, so they do not
show in a process listing.

The probes ask an upload endpoint whether it accepts our credentials, with a request it must
reject for its content, so that nothing can ever be stored:
- probe-pypi: a multipart POST of `:action=file_upload` and `protocol_version=1` only. PyPI
  (warehouse) and pypiserver check the credentials before the form: accepted credentials get
  400 (no name / no content), rejected ones 401 or 403.
- probe-crates: `PUT {API}/api/v1/crates/new` with the metadata and no tarball. crates.io parses
  the metadata, then checks the token, then fails on the missing tarball: a good token gets 400
  "invalid tarball length", a bad one 403.
"""

import base64
import json
import os
import struct
import sys
import urllib.error
import urllib.request
import uuid

HEADERS = {"User-Agent": "xtask"}


def get(url: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers={**HEADERS, "Accept": "text/html, */*"})


def probe_pypi(url: str) -> urllib.request.Request:
    boundary = uuid.uuid4().hex
    fields = {":action": "file_upload", "protocol_version": "1"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += f"--{boundary}--\r\n".encode()
    user, password = os.environ["PROBE_USERNAME"], os.environ["PROBE_PASSWORD"]
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers = {
        **HEADERS,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Authorization": f"Basic {credentials}",
        "Accept": "application/json",
    }
    return urllib.request.Request(url, data=body, method="POST", headers=headers)


def probe_crates(api: str, name: str, version: str) -> urllib.request.Request:
    metadata = json.dumps({"name": name, "vers": version}).encode()
    body = struct.pack("<I", len(metadata)) + metadata
    headers = {**HEADERS, "Authorization": os.environ["PROBE_TOKEN"], "Accept": "application/json"}
    url = f"{api.rstrip('/')}/api/v1/crates/new"
    return urllib.request.Request(url, data=body, method="PUT", headers=headers)


def post_json() -> urllib.request.Request:
    body = sys.stdin.buffer.read()
    headers = {**HEADERS, "Content-Type": "application/json"}
    url = os.environ["WEBHOOK_URL"]
    return urllib.request.Request(url, data=body, method="POST", headers=headers)


VERBS = {"get": get, "probe-pypi": probe_pypi, "probe-crates": probe_crates, "post-json": post_json}


def main(argv: list[str]) -> int:
    verb, args = argv[0], argv[1:]
    dest = None
    if verb == "download":
        verb, args, dest = "get", args[:1], args[1]
    request = VERBS[verb](*args)
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
    if dest is not None and status == 200:
        with open(dest, "wb") as out:
            out.write(body)
    else:
        sys.stdout.buffer.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
