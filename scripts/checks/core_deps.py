#!/usr/bin/env python3
"""Fail when the core crate (riskmap-layers) depends, at run time, on an HTTP crate,
on `mvt`, or on anything that links or builds a C library.

The run-time closure comes from `cargo tree -e normal` (dev dependencies are not
shipped). A C library is either compiled (`cc`, `cmake`) or found on the system
(`pkg-config`, `bindgen`) by some crate's build script, so those helpers are looked
for in the closure with build dependencies included.

    core_deps.py [package]    (default riskmap-layers)
"""
import subprocess
import sys

RUNTIME_FORBIDDEN = {
    # HTTP and async runtimes: the server's business, not the core's.
    "http", "http-body", "hyper", "axum", "tower", "tower-http", "tokio", "reqwest",
    # The core encodes MVT itself; `mvt` only cross-checks it in an example.
    "mvt",
}
C_HELPERS = {"cc", "cmake", "bindgen", "pkg-config"}


def main() -> int:
    package = sys.argv[1] if len(sys.argv) > 1 else "riskmap-layers"
    def closure(edges: str) -> set:
        out = subprocess.run(
            ["cargo", "tree", "-p", package, "-e", edges, "--prefix", "none", "--format", "{p}"],
            check=True, capture_output=True, text=True,
        ).stdout
        return {line.split()[0] for line in out.splitlines() if line.strip()}

    names = closure("normal")
    bad = sorted(n for n in names if n in RUNTIME_FORBIDDEN)
    bad += sorted(f"{n} (builds or finds a C library)" for n in closure("normal,build") if n in C_HELPERS)
    if bad:
        print(f"{package} depends at run time on: {', '.join(bad)}", file=sys.stderr)
        return 1
    print(f"{package}: {len(names)} run-time crates, no HTTP crate, no mvt, no C library")
    return 0


if __name__ == "__main__":
    sys.exit(main())
