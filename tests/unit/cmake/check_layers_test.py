#!/usr/bin/env python3
"""Tests of cmake/check_layers.py on small synthetic trees: an include of a linked module passes,
one of a module the target does not link fails naming both, a transitive link counts, a header no
target owns fails, and a cycle between targets fails. Then the real tree as the build configured it
must pass (the layers.txt of the build directory given as argument)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "..", "cmake", "check_layers.py")


def tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)


def run(root, targets):
    listing = os.path.join(root, "layers.txt")
    with open(listing, "w", encoding="utf-8") as f:
        for name, (folder, sources, deps) in targets.items():
            f.write(f"{name}\t{os.path.join(root, folder)}\t{';'.join(sources)}\t{';'.join(deps)}\n")
    p = subprocess.run([sys.executable, SCRIPT, listing, root], capture_output=True, text=True)
    return p.returncode, p.stderr


FILES = {
    "low/low.h": "#pragma once\n",
    "low/low.cpp": '#include "low/low.h"\n',
    "mid/mid.h": '#pragma once\n#include "low/low.h"\n',
    "mid/mid.cpp": '#include "mid/mid.h"\n',
    "top/top.cpp": '#include "mid/mid.h"\n#include "low/low.h"\n#include <vector>\n',
}
TARGETS = {
    "z_low": ("low", ["low.cpp"], []),
    "z_mid": ("mid", ["mid.cpp"], ["z_low", "zonewatch_warnings"]),
    "z_top": ("top", ["top.cpp"], ["z_mid"]),  # low only through mid: allowed
}

failures = 0


def expect(what, ok):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += 0 if ok else 1


with tempfile.TemporaryDirectory() as root:
    tree(root, FILES)
    code, err = run(root, TARGETS)
    expect("declared and transitive dependencies pass", code == 0 and err == "")

    bad = dict(TARGETS, z_mid=("mid", ["mid.cpp"], []))
    code, err = run(root, bad)
    expect("an include of an unlinked module fails", code == 1)
    expect("the message names file, header and both targets",
           "mid/mid.h: includes low/low.h of z_low, but z_mid does not link z_low" in err)

    tree(root, {"top/extra.cpp": '#include "orphan/thing.h"\n', "orphan/thing.h": ""})
    orphan = dict(TARGETS, z_top=("top", ["top.cpp", "extra.cpp"], ["z_mid"]))
    code, err = run(root, orphan)
    expect("a header no target owns fails", code == 1 and "which no target owns" in err)

with tempfile.TemporaryDirectory() as root:
    tree(root, FILES)
    cyclic = dict(TARGETS, z_low=("low", ["low.cpp"], ["z_top"]))
    code, err = run(root, cyclic)
    expect("a dependency cycle fails", code == 1 and "dependency cycle:" in err)

if len(sys.argv) > 1:
    real = subprocess.run([sys.executable, SCRIPT, sys.argv[1], os.path.join(HERE, "..", "..", "..")],
                          capture_output=True, text=True)
    expect("the real tree passes", real.returncode == 0)
    sys.stderr.write(real.stderr)

sys.exit(1 if failures else 0)
