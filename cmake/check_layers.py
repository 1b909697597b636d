#!/usr/bin/env python3
"""The layering check (ARCHITECTURE.md): every project header a production source includes must
belong to its own target or to a target it links, directly or through others; and the targets'
declared dependencies must have no cycle. Run by the build (cmake/Layers.cmake), so an undeclared
dependency fails the build the moment it is written, not when the link happens to break.

Input: the file cmake/Layers.cmake writes, one target a line:
    NAME<TAB>SOURCE_DIR<TAB>source;source;...<TAB>dependency;dependency;...
Headers belong to the target whose sources sit beside them: `x.h` to the target that compiles
`x.cpp`, any other header to the one target of its folder (a folder with several targets must
pair each header with a source, or it is reported as unowned)."""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_targets(path):
    targets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, source_dir, sources, deps = line.rstrip("\n").split("\t")
            srcs = [s if os.path.isabs(s) else os.path.join(source_dir, s)
                    for s in sources.split(";") if s]
            targets[name] = {
                "dir": source_dir,
                "sources": [os.path.normpath(s) for s in srcs],
                "deps": [d for d in deps.split(";") if d],
            }
    return targets


def owners(targets, root):
    """Maps each project header (path relative to root) to its target."""
    by_stem, by_dir = {}, {}
    for name, t in targets.items():
        for s in t["sources"]:
            if s.endswith(".cpp") and s.startswith(root + os.sep):
                by_stem[os.path.relpath(s[:-4], root)] = name
                by_dir.setdefault(os.path.relpath(os.path.dirname(s), root), set()).add(name)
    return by_stem, by_dir


def owner_of(header, by_stem, by_dir):
    stem = header[:-2] if header.endswith(".h") else header
    if stem in by_stem:
        return by_stem[stem]
    folder = os.path.dirname(header)
    names = by_dir.get(folder, set())
    return next(iter(names)) if len(names) == 1 else None


def closure(targets, name, seen=None):
    seen = set() if seen is None else seen
    for d in targets.get(name, {}).get("deps", []):
        if d in targets and d not in seen:
            seen.add(d)
            closure(targets, d, seen)
    return seen


def find_cycle(targets):
    state = {}

    def visit(name, path):
        state[name] = 1
        for d in targets[name]["deps"]:
            if d not in targets:
                continue
            if state.get(d) == 1:
                return path + [name, d]
            if d not in state:
                found = visit(d, path + [name])
                if found:
                    return found
        state[name] = 2
        return None

    for name in sorted(targets):
        if name not in state:
            found = visit(name, [])
            if found:
                return found
    return None


def includes_of(path):
    try:
        with open(path, encoding="utf-8") as f:
            return INCLUDE.findall(f.read())
    except OSError:
        return []


def check(targets, root):
    problems = []
    cycle = find_cycle(targets)
    if cycle:
        problems.append("dependency cycle: " + " -> ".join(cycle))
    by_stem, by_dir = owners(targets, root)
    for name, t in sorted(targets.items()):
        allowed = closure(targets, name) | {name}
        files = list(t["sources"])
        # The target's own headers are checked too: a header's includes are its users' includes.
        files += [os.path.join(root, h + ".h") for h, n in by_stem.items() if n == name]
        for path in files:
            if not path.startswith(root + os.sep) or not os.path.exists(path):
                continue
            for inc in includes_of(path):
                if not os.path.exists(os.path.join(root, inc)):
                    continue  # a generated or system header
                owner = owner_of(inc, by_stem, by_dir)
                rel = os.path.relpath(path, root)
                if owner is None:
                    problems.append(f"{rel}: includes {inc}, which no target owns")
                elif owner not in allowed:
                    problems.append(f"{rel}: includes {inc} of {owner}, but {name} does not "
                                    f"link {owner} (add it to target_link_libraries or drop the "
                                    f"include)")
    return sorted(set(problems))


def main():
    targets_file, root = sys.argv[1], os.path.normpath(sys.argv[2])
    problems = check(read_targets(targets_file), root)
    for p in problems:
        print("layering: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
