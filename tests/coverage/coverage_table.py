#!/usr/bin/env python3
"""Per-file and per-area line coverage from an lcov tracefile, checked against goals.

coverage_table.py --source SRC --thresholds FILE [--format text|markdown] [--no-check] INFO

Reads the DA (line, count) records of INFO (lcov's tracefile, already reduced to production
sources by report.sh), prints a row per file, the totals of each area the thresholds file names
and of every top directory, and the overall total. Exits 1 when a goal of the thresholds file is
missed, naming the file or area and by how much; 0 otherwise or with --no-check.
"""
import argparse
import os
import sys

# Production source directories; a .cpp under one of them with no coverage data at all was not
# built into anything the tests run, and counts as a file with every line missed.
PRODUCTION_DIRS = ("monitor", "storage", "alerts", "config")


def read_tracefile(path, source):
    """{path relative to source: {line: count}} for the production files, lines merged over every
    record of the same file."""
    files = {}
    current = None
    prefix = source.rstrip("/") + "/"
    with open(path, encoding="utf-8") as info:
        for raw in info:
            line = raw.strip()
            if line.startswith("SF:"):
                name = os.path.normpath(line[3:])
                rel = name[len(prefix):] if name.startswith(prefix) else None
                current = files.setdefault(rel, {}) if rel else None
            elif line.startswith("DA:") and current is not None:
                number, count = line[3:].split(",")[:2]
                number = int(number)
                current[number] = current.get(number, 0) + max(int(count), 0)
            elif line == "end_of_record":
                current = None
    return {
        name: lines
        for name, lines in files.items()
        if lines and name.split("/", 1)[0] in PRODUCTION_DIRS
    }


def missing_sources(source, covered):
    """Production .cpp files of the source tree that no tracefile record names."""
    missing = []
    for top in PRODUCTION_DIRS:
        for root, _, names in os.walk(os.path.join(source, top)):
            for name in names:
                if name.endswith(".cpp"):
                    rel = os.path.relpath(os.path.join(root, name), source)
                    if rel not in covered:
                        missing.append(rel)
    return sorted(missing)


def read_thresholds(path):
    """([(area, percent)], {file: percent}) with "*" as the default file goal."""
    areas, files = [], {}
    with open(path, encoding="utf-8") as text:
        for number, raw in enumerate(text, 1):
            line = raw.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) != 3 or line[0] not in ("area", "file"):
                sys.exit(f"{path}:{number}: expected 'area DIR/ PERCENT' or 'file PATH|* PERCENT'")
            kind, name, percent = line[0], line[1], float(line[2])
            if kind == "area":
                areas.append((name, percent))
            else:
                files[name] = percent
    return areas, files


def percent(hit, found):
    return 100.0 * hit / found if found else 100.0


def totals(files, names):
    found = sum(len(files[n]) for n in names)
    hit = sum(1 for n in names for count in files[n].values() if count > 0)
    return hit, found


def area_of(name):
    """monitor/probe/x.cpp -> monitor/probe/; storage/x.cpp -> storage/; monitor/main.cpp ->
    monitor/ (top level)."""
    parts = name.split("/")
    if parts[0] == "monitor":
        return "/".join(parts[:2]) + "/" if len(parts) > 2 else "monitor/ (top level)"
    return parts[0] + "/"


def area_rows(files, areas):
    """(area, hit, found, goal): the areas with a goal first, in the thresholds file's order (every
    file under the directory), then the others (each file in its own area), then the total."""
    names = sorted(files)
    rows = []
    for area, goal in areas:
        hit, found = totals(files, [n for n in names if n.startswith(area)])
        rows.append((area, hit, found, goal))
    others = {}
    for name in names:
        if not any(name.startswith(area) for area, _ in areas):
            others.setdefault(area_of(name), []).append(name)
    for area in sorted(others):
        hit, found = totals(files, others[area])
        rows.append((area, hit, found, None))
    hit, found = totals(files, names)
    rows.append(("total", hit, found, None))
    return rows


def print_tables(files, areas, file_goals, fmt):
    names = sorted(files)
    rows = []
    for name in names:
        hit, found = totals(files, [name])
        goal = file_goals.get(name, file_goals.get("*"))
        rows.append((name, hit, found, goal))
    summary = area_rows(files, areas)

    def goal_text(goal):
        return f"{goal:.0f}%" if goal is not None else ""

    if fmt == "markdown":
        print("| Area | Lines | % | Goal |\n|---|---:|---:|---:|")
        for area, hit, found, goal in summary:
            print(f"| `{area}` | {hit}/{found} | {percent(hit, found):.1f} | {goal_text(goal)} |")
        print("\n| File | Lines | % |\n|---|---:|---:|")
        for name, hit, found, _ in rows:
            print(f"| `{name}` | {hit}/{found} | {percent(hit, found):.1f} |")
        return
    width = max(len(n) for n in names + ["total"])
    print(f"{'FILE':<{width}}  {'LINES':>11}  {'%':>6}")
    for name, hit, found, goal in rows:
        mark = "  < goal" if goal is not None and percent(hit, found) < goal else ""
        print(f"{name:<{width}}  {f'{hit}/{found}':>11}  {percent(hit, found):>5.1f}%{mark}")
    print()
    print(f"{'AREA':<{width}}  {'LINES':>11}  {'%':>6}  GOAL")
    for area, hit, found, goal in summary:
        print(f"{area:<{width}}  {f'{hit}/{found}':>11}  {percent(hit, found):>5.1f}%  "
              f"{goal_text(goal)}")


def misses(files, areas, file_goals):
    """Every goal missed, as a line of text."""
    found_misses = []
    for area, goal in areas:
        members = [n for n in files if n.startswith(area)]
        if not members:
            found_misses.append(f"area {area}: no production file with coverage data")
            continue
        hit, found = totals(files, members)
        value = percent(hit, found)
        if value < goal:
            found_misses.append(f"area {area}: {value:.1f}% < {goal:.0f}% "
                                f"({hit}/{found} lines, {goal - value:.1f} points short)")
    for name in sorted(files):
        goal = file_goals.get(name, file_goals.get("*"))
        if goal is None:
            continue
        hit, found = totals(files, [name])
        value = percent(hit, found)
        if value < goal:
            found_misses.append(f"file {name}: {value:.1f}% < {goal:.0f}% "
                                f"({hit}/{found} lines, {goal - value:.1f} points short)")
    return found_misses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--thresholds", required=True)
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("info")
    args = parser.parse_args()

    source = os.path.realpath(args.source)
    files = read_tracefile(args.info, source)
    missing = missing_sources(source, files)
    if not files:
        sys.exit("coverage: no production file in the tracefile")
    areas, file_goals = read_thresholds(args.thresholds)
    print_tables(files, areas, file_goals, args.format)

    problems = [f"file {name}: no coverage data (not built into any test?)" for name in missing]
    if args.no_check:
        for problem in problems:
            print(f"coverage: {problem}")
        print("coverage: goals not checked (--no-check)")
        return 0
    problems += misses(files, areas, file_goals)
    print()
    if problems:
        for problem in problems:
            print(f"coverage: MISSED {problem}")
        print(f"coverage: {len(problems)} goal(s) of {args.thresholds} missed")
        return 1
    print(f"coverage: every goal of {args.thresholds} met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
