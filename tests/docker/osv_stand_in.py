"""A stand-in for the OSV vulnerability API (api.osv.dev), which test
machines can't reach: the project's audit job asks it about each locked
package (pip-audit's `osv` service, POST /v1/query). It knows one
vulnerability, in the package named by VULNERABLE (none if empty), so that
a test sees the audit fail on it and pass without it.

Environment: VULNERABLE (a package name), PORT.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

VULNERABLE = os.environ.get("VULNERABLE", "").lower()
PORT = int(os.environ.get("PORT", "8080"))
VULNERABILITY_ID = "PYSEC-0000-STAND-IN"


def vulnerabilities(name: str) -> list[dict]:
    if name.lower() != VULNERABLE:
        return []
    return [
        {
            "id": VULNERABILITY_ID,
            "summary": "A vulnerability the tests' stand-in knows of",
            "details": "Upgrade.",
            "affected": [
                {
                    "package": {"name": name, "ecosystem": "PyPI"},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": "999"}],
                        }
                    ],
                }
            ],
        }
    ]


class Query(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the standard library's name
        length = int(self.headers.get("Content-Length", 0))
        query = json.loads(self.rfile.read(length))
        found = vulnerabilities(query["package"]["name"])
        body = json.dumps({"vulns": found} if found else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", PORT), Query).serve_forever()  # noqa: S104
