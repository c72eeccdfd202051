"""GETs one URL and prints its HTTP status on the first line, then the body.

Used by the xtask's read-only registry look-ups (`xtask/src/http.rs`), so that the xtask gets
HTTPS with the system's certificates without compiling a TLS stack. Exit status 3 means no
HTTP answer at all (the reason is on stderr); an HTTP error status is an answer, printed.
"""

import sys
import urllib.error
import urllib.request


def main(url: str) -> int:
    request = urllib.request.Request(
        url, headers={"User-Agent": "xtask", "Accept": "text/html, */*"}
    )
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
    sys.exit(main(sys.argv[1]))
