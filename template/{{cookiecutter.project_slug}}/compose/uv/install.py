"""Install uv without pip: its wheel for this machine, checked against the
hashes pinned in requirements.txt (which Dependabot keeps current).

Creating a virtualenv and starting pip, only to fetch one binary, takes
seconds; this is one download. It reads the index's JSON simple API
(PEP 691), from PIP_INDEX_URL if set, else PyPI.

Usage: python install.py requirements.txt /uv
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import sys
import urllib.request
import zipfile

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def pinned(requirements: str) -> tuple[str, set[str]]:
    """The version of uv, and the sha256 digests its files may have."""
    version = re.search(r"^uv==(\S+)", requirements, re.MULTILINE)
    if not version:
        raise SystemExit("no `uv==<version>` line in the requirements")
    return version.group(1), set(re.findall(r"--hash=sha256:(\w+)", requirements))


def wheel_url(version: str) -> str:
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    if not index.startswith(("https://", "http://")):
        raise SystemExit(f"PIP_INDEX_URL={index!r}: an http(s) URL, please")
    headers = {"Accept": SIMPLE_JSON}
    request = urllib.request.Request(f"{index}/uv/", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        files = json.load(response)["files"]
    libc = "manylinux" if platform.libc_ver()[0] == "glibc" else "musllinux"
    ending = f"_{platform.machine()}.whl"
    for file in files:
        name = file["filename"]
        if name.startswith(f"uv-{version}-") and libc in name and name.endswith(ending):
            return file["url"]
    raise SystemExit(f"no uv {version} wheel for {libc} {platform.machine()}")


def main(requirements_path: str, target: str) -> None:
    with open(requirements_path, encoding="utf-8") as file:
        version, digests = pinned(file.read())
    with urllib.request.urlopen(wheel_url(version), timeout=300) as response:  # noqa: S310
        wheel = response.read()
    if hashlib.sha256(wheel).hexdigest() not in digests:
        raise SystemExit(f"the uv {version} wheel matches no pinned hash")
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        binary = archive.read(f"uv-{version}.data/scripts/uv")
    with open(target, "wb") as file:
        file.write(binary)
    os.chmod(target, 0o755)  # noqa: S103 - a program


if __name__ == "__main__":
    main(*sys.argv[1:])
