#!/usr/bin/env python3
"""No import circles between the library's modules.

Reads every `.rs` file under `src/` (comments and `#[cfg(test)] mod tests`
bodies left out), takes each `use crate::…`, `use super::…`, `use self::…`,
a child module's `use child::…`, and each `crate::…`/`super::…` path written
in the code, resolves it to the longest module path that exists, and looks
for cycles in the graph of modules (Tarjan's strongly connected components).

A child module's use of its own parent (or an ancestor) is left out: that is
Rust's module tree (the engine's `scan.rs` implements methods of the
`Engine` that `engine/mod.rs` defines), not a circle between two parts of
the pipeline. Everything else counts: `normalize` may not use `extract` if
`extract` uses `normalize`, even through a third module.

Exit status 1, with each circle printed, when there is one.
"""

import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "src"


def module_of(path):
    parts = os.path.relpath(path, ROOT)[: -len(".rs")].split(os.sep)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def source_files():
    for base, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(".rs"):
                yield os.path.join(base, n)


MODULES = {module_of(f): f for f in source_files()}


def resolve(current, segments):
    """The module a path names, or None for an outside crate or std."""
    head = segments[0]
    if head == "crate":
        base, rest = (), segments[1:]
    elif head in ("super", "self"):
        base, rest = current, segments
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif current + (head,) in MODULES:
        base, rest = current, segments
    else:
        return None
    for i in range(len(rest), -1, -1):
        m = base + tuple(rest[:i])
        if m in MODULES:
            return m
    return None


def use_paths(tree):
    """`a::b::{c, d::e}` → [[a,b,c], [a,b,d,e]] (nested braces one level at a time)."""
    tree = tree.strip()
    m = re.match(r"^([\w:]*?)::\{(.*)\}$", tree, re.S)
    if not m:
        return [tree.split(" as ")[0].strip().split("::")]
    prefix = m.group(1).split("::")
    items, depth, cur = [], 0, ""
    for ch in m.group(2):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    out = []
    for it in items:
        if it.strip():
            out.extend(prefix + p for p in use_paths(it))
    return out


def edges_of(module, text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"#\[cfg\(test\)\]\s*mod tests\s*\{.*", "", text, flags=re.S)
    found = set()
    paths = []
    for tree in re.findall(r"\buse\s+([^;]+);", text):
        paths.extend(use_paths(tree))
    paths.extend(p.split("::") for p in re.findall(r"\b((?:crate|super)(?:::\w+)+)", text))
    for p in paths:
        target = resolve(module, [s for s in p if s])
        if target is None or target == module or target == ():
            continue
        if len(target) < len(module) and module[: len(target)] == target:
            continue  # a child using its parent
        found.add(target)
    return found


GRAPH = {m: edges_of(m, open(f, encoding="utf-8").read()) for m, f in MODULES.items()}


def cycles(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


found = cycles(GRAPH)
for c in found:
    print("import circle: " + " ↔ ".join(sorted("/".join(m) for m in c)))
print(f"{len(MODULES)} modules, {sum(len(e) for e in GRAPH.values())} imports between them, {len(found)} circles")
sys.exit(1 if found else 0)
