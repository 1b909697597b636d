#!/usr/bin/env python3
"""The command line's documentation against the binary (issue 15): the manual pages zonewatch(1)
and zonewatch.yaml(5) pass groff's warnings (-ww) and man-db's; every subcommand and option that
`--help` lists appears in zonewatch(1), and every key the configuration loader reads
(config/yaml_loader.cpp) in zonewatch.yaml(5); the bash completion, sourced into bash and called
as bash calls it, offers each subcommand's options exactly as its --help lists them, and files
after the options that take one.

Usage: cli_docs_test.py ZONEWATCH MAN1 MAN5 COMPLETION YAML_LOADER_CPP"""
import os
import re
import subprocess
import sys

FAILURES = []


def check(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        FAILURES.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False, **kw)


def lint(page):
    r = run(["groff", "-man", "-ww", "-z", page])
    check(r.returncode == 0 and not r.stderr.strip(), f"groff -man -ww -z {page}", r.stderr)
    # man-db's own check, as `man --warnings` runs it (groff -ww through man's preprocessors).
    r = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", page],
            env={**os.environ, "MANWIDTH": "100"})
    check(r.returncode == 0 and not r.stderr.strip(), f"man --warnings -l {page}", r.stderr)


def rendered(page):
    """The page as plain text (no overstrike, ASCII hyphens)."""
    r = run(["groff", "-man", "-Tascii", "-P-c", "-P-b", "-P-u", "-rLL=150n", page])
    return re.sub(r".\x08", "", r.stdout)


def help_of(zw, words):
    r = run([zw, *words, "--help"])
    return r.stdout


def subcommands(help_text):
    out, inside = [], False
    for line in help_text.splitlines():
        if line.startswith("Subcommands:"):
            inside = True
            continue
        if inside:
            m = re.match(r"^  (\S+)\s", line)
            if m:
                out.append(m.group(1))
            elif line.strip() == "" or not line.startswith(" "):
                inside = False
    return out


def options(help_text):
    """Every -x and --long that --help lists in its Options section."""
    out, inside = set(), False
    for line in help_text.splitlines():
        if line.startswith("Options:"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            inside = False
        if inside:
            m = re.match(r"^  (-[^ ]+)", line)
            if m:
                out.update(o for o in m.group(1).split(",") if o.startswith("-"))
    return out


def complete(completion, words):
    """COMPREPLY for the last word of `words`, as bash's programmable completion would ask."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              '_zonewatch; printf "%s\\n" "${COMPREPLY[@]}"')
    r = run(["bash", "-c", script, "bash", completion, *words])
    return sorted(w for w in r.stdout.splitlines() if w)


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    zw, man1, man5, completion, loader = argv[1:]
    for page in (man1, man5):
        lint(page)
    text1 = rendered(man1)
    top = help_of(zw, [])
    subs = subcommands(top)
    check(set(subs) >= {"check", "run", "status", "history", "events", "config"},
          "--help lists the subcommands", str(subs))
    commands = [[s] for s in subs] + [["config", "check"]]
    for words in commands:
        name = " ".join(words)
        check(re.search(r"\b" + re.escape(name) + r"\b", text1) is not None,
              f"zonewatch(1) has the subcommand {name}")
        opts = options(help_of(zw, words))
        missing = sorted(o for o in opts
                         if re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", text1) is None)
        check(opts and not missing, f"zonewatch(1) has every option of `{name} --help`",
              f"missing {missing} of {sorted(opts)}")
        if words != ["config"]:
            offered = complete(completion, ["zonewatch", *words, "-"])
            check(offered == sorted(opts), f"completion of `zonewatch {name} -` is its --help",
                  f"offered {offered}, --help {sorted(opts)}")
    for o in options(top):
        check(o in text1, f"zonewatch(1) has the global option {o}")

    with open(loader, encoding="utf-8") as f:
        keys = sorted(set(re.findall(r'^\s*\{"([a-z_0-9]+)"', f.read(), re.M)))
    text5 = rendered(man5)
    missing = [k for k in keys if re.search(r"\b" + k + r"\b", text5) is None]
    check(len(keys) > 30 and not missing,
          f"zonewatch.yaml(5) has every key the loader reads ({len(keys)})", f"missing {missing}")

    check(complete(completion, ["zonewatch", "ev"]) == ["events", "evidence"],
          "completion: zonewatch ev -> events evidence")
    check(complete(completion, ["zonewatch", "config", ""]) == ["check"],
          "completion: zonewatch config -> check")
    check(complete(completion, ["zonewatch", "check", "--sig"]) ==
          ["--signature-critical", "--signature-warning"], "completion: check --sig")
    here = os.path.dirname(os.path.abspath(completion))
    probe = os.path.join(here, os.path.basename(completion))
    check(probe in complete(completion, ["zonewatch", "status", "-c", probe[:-2]]),
          "completion: a file after status -c")
    check(complete(completion, ["zonewatch", "check", "-c", ""]) == [],
          "completion: nothing after check -c (a range, not a file)")
    print(f"{len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
