"""POSTs the JSON document on stdin to the URL in the WEBHOOK_URL environment variable (never
argv: a webhook URL carries its secret) and prints the HTTP status on the first line, then the
body. Exit status 3 means no HTTP answer at all (the reason is on stderr).
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    body = sys.stdin.buffer.read()
    request = urllib.request.Request(
        os.environ["WEBHOOK_URL"],
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "xtask"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    except Exception as error:  # any failure to get an answer at all is reported
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        return 3
    sys.stdout.write(f"{status}\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
