#!/usr/bin/env python3
"""Fail when the modules of a crate import each other in a circle.

Reads every `crate::a::b` and `super::b` path in src/ (use lines and inline paths alike) and builds
the graph of modules, each file or folder module a node (`api/ogc.rs` is `api::ogc`;
a reference to `crate::api::ogc::x` is an edge to `api::ogc`, one to `crate::api` an
edge to `api`). A submodule depending on its parent (`api::ogc` -> `api`) is allowed:
that is how Rust modules share their parent's items. Any other cycle is printed and
fails the check.

    module_cycles.py server/src [more/src ...]
"""
import re
import sys
from pathlib import Path

PATH = re.compile(r"\bcrate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)")
SUPER = re.compile(r"\bsuper::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)")
# `use crate::{a, b::c}` groups.
GROUP = re.compile(r"\buse\s+crate::\{([^;]*)\};", re.S)


def module_of(src: Path, f: Path) -> str:
    rel = f.relative_to(src).with_suffix("")
    parts = [p for p in rel.parts if p not in ("mod", "lib", "main")]
    return "::".join(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def targets(path: str, modules: set) -> str | None:
    """The longest known module that `path` names."""
    parts = path.split("::")
    for n in range(len(parts), 0, -1):
        cand = "::".join(parts[:n])
        if cand in modules:
            return cand
    return None


def graph(src: Path) -> dict:
    files = sorted(src.rglob("*.rs"))
    modules = {module_of(src, f) for f in files}
    edges = {m: set() for m in modules}
    for f in files:
        me = module_of(src, f)
        text = strip_comments(f.read_text(encoding="utf-8"))
        # Test modules may reach anywhere.
        text = text.split("#[cfg(test)]")[0]
        paths = PATH.findall(text)
        for group in GROUP.findall(text):
            for item in re.split(r"[,\s]+", group):
                item = item.strip("{} ")
                if item:
                    paths.append(item.split("::{")[0])
        # `super::x` in module `a::b` names `a::x`.
        parent = "::".join(me.split("::")[:-1])
        paths += [f"{parent}::{p}" if parent else p for p in SUPER.findall(text)]
        for p in paths:
            t = targets(p, modules)
            if t is None or t == "" or t == me:
                continue
            # A child naming its ancestor is the parent-child link, not a cycle.
            if me.startswith(t + "::"):
                continue
            edges[me].add(t)
    return edges


def cycles(edges: dict) -> list:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    failed = False
    for arg in sys.argv[1:]:
        src = Path(arg)
        edges = graph(src)
        found = cycles(edges)
        for comp in found:
            failed = True
            inner = {m: sorted(edges[m] & set(comp)) for m in comp}
            print(f"{src}: modules in a cycle: {', '.join(comp)}")
            for m, deps in inner.items():
                print(f"    {m} -> {', '.join(deps)}")
        if not found:
            print(f"{src}: {len(edges)} modules, no cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
