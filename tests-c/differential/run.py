#!/usr/bin/env python3
"""The differential suite: every scenario runs once on Debian's libmosquitto and once on Culex,
and the two records (what the client put on the wire, what the application was told) must be
identical, except for the differences listed in allowed.toml, each with its reason.

    run.py --driver <scenario binary> --culex-lib <dir with Culex's libmosquitto.so.1>
           [--jobs N] [--only GLOB] [--show] [--out DIR]

See README.md next to this file for the scenario format and how to add one.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import fnmatch
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from broker import ScriptedBroker

HERE = Path(__file__).resolve().parent
REFERENCE = "libmosquitto"
CULEX = "culex"
CLIENT_TIMEOUT_S = 40
SEPARATOR = "---- application ----"
HELPERS = "---- loop helpers, in order ----"
# Lines of the driver's loop helpers: which loop call handles which packet is the libraries'
# granularity, not behaviour, so these lines are compared as a sequence of their own.
HELPER_PREFIXES = ("> loop_until ", "> loop_for ", "> wait ")
LOOP_THREAD = "---- the loop_start thread's lines, in order ----"


@dataclass
class Scenario:
    name: str
    source: str  # file:line
    client: list[str] = field(default_factory=list)
    broker: list[str] = field(default_factory=list)
    tls: str | None = None  # None, "good" (server certificate of the CA the client trusts)
    # Regular expressions whose matches are replaced by "<masked>" in both records (random
    # client identifiers and the like).
    mask: list[str] = field(default_factory=list)


@dataclass
class Case:
    """One allowed difference in some scenarios: a run of reference lines and a run of Culex
    lines (regular expressions, whole line), either of which may be empty."""

    difference: str
    scenarios: list[str]
    reference: list[re.Pattern[str]]
    culex: list[re.Pattern[str]]


@dataclass
class Outcome:
    scenario: Scenario
    records: dict[str, list[str]]
    problems: list[str]
    allowed: list[str]


# -- scenarios ---------------------------------------------------------------------------------


def load_scenarios(directory: Path) -> list[Scenario]:
    scenarios: list[Scenario] = []
    for path in sorted(directory.glob("*.scn")):
        current: Scenario | None = None
        section: list[str] | None = None
        for number, line in enumerate(path.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("=== "):
                current = Scenario(stripped[4:].strip(), f"{path.name}:{number}")
                scenarios.append(current)
                section = None
            elif stripped.startswith("--- "):
                if current is None:
                    raise SystemExit(f"{path.name}:{number}: section outside a scenario")
                words = stripped[4:].split()
                if words[0] == "client":
                    section = current.client
                elif words[0] == "broker":
                    section = current.broker
                    for word in words[1:]:
                        if word.startswith("tls="):
                            current.tls = word[4:]
                elif words[0] == "mask":
                    section = current.mask
                else:
                    raise SystemExit(f"{path.name}:{number}: unknown section {words[0]}")
            elif section is not None and stripped and not stripped.startswith("#"):
                section.append(stripped)
    names = [s.name for s in scenarios]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate scenario names: {sorted(duplicates)}")
    return scenarios


def load_allowed(path: Path) -> tuple[dict[str, str], list[Case]]:
    data = tomllib.loads(path.read_text())
    reasons: dict[str, str] = {}
    cases: list[Case] = []
    for entry in data.get("difference", []):
        ident = entry["id"]
        reasons[ident] = entry["reason"]
        for case in entry.get("case", []):
            reference = [re.compile(p) for p in case.get("libmosquitto", [])]
            culex = [re.compile(p) for p in case.get("culex", [])]
            if not reference and not culex:
                raise SystemExit(f"allowed.toml: {ident}: a case needs libmosquitto or culex lines")
            cases.append(Case(ident, case["scenarios"], reference, culex))
    return reasons, cases


def readme_ids(readme: Path) -> set[str]:
    """The allow-list ids the README's "Where Culex answers differently" section names."""
    text = readme.read_text()
    start = text.find("### Where Culex answers differently")
    if start < 0:
        raise SystemExit(f"{readme}: no 'Where Culex answers differently' section")
    end = text.find("\n## ", start)
    section = text[start : end if end > 0 else len(text)]
    return set(re.findall(r"\(allow-list:\s+`([a-z0-9-]+)`\)", section))


# -- running -----------------------------------------------------------------------------------


def make_certificates(directory: Path) -> dict[str, str]:
    """A CA with a server certificate for 127.0.0.1, and a second CA the server does not use."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                f"/CN=culex differential {ca}", "-keyout", f"{ca}.key", "-out", f"{ca}.crt")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
            "server.key", "-out", "server.csr")
    (directory / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt")
    return {
        "CAFILE": str(directory / "ca.crt"),
        "OTHER_CAFILE": str(directory / "other-ca.crt"),
        "SERVER_CERT": str(directory / "server.crt"),
        "SERVER_KEY": str(directory / "server.key"),
    }


def substitute(lines: list[str], variables: dict[str, str]) -> list[str]:
    def one(line: str) -> str:
        for key, value in variables.items():
            line = line.replace("${" + key + "}", value)
        return line

    return [one(line) for line in lines]


def run_once(scenario: Scenario, library: str, args: argparse.Namespace,
             variables: dict[str, str]) -> tuple[list[str], list[str]]:
    """Run one scenario on one library: (record, problems)."""
    problems: list[str] = []
    context = None
    if scenario.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(variables["SERVER_CERT"], variables["SERVER_KEY"])
    broker = ScriptedBroker(substitute(scenario.broker, variables), context, tls_delay_ms=300)
    thread = threading.Thread(target=broker.run, daemon=True)
    thread.start()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_", "CULEX_"))}
    if library == CULEX:
        env["LD_LIBRARY_PATH"] = str(args.culex_lib)
    script = "\n".join(substitute(scenario.client, variables)) + "\n"
    try:
        proc = subprocess.run([str(args.driver), str(broker.port)], input=script, env=env,
                              capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S,
                              check=False)
        stdout, stderr, status = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as expired:
        stdout = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        stderr = expired.stderr.decode() if isinstance(expired.stderr, bytes) else (expired.stderr or "")
        status = None
    broker.client_done = True
    thread.join(30)
    if thread.is_alive():
        problems.append(f"{library}: broker script did not finish")

    loaded = re.search(r"^library: (.*)$", stderr, re.MULTILINE)
    path = os.path.realpath(loaded.group(1)) if loaded else "(unknown)"
    culex_dir = os.path.realpath(args.culex_lib)
    if (library == CULEX) != path.startswith(culex_dir + os.sep):
        problems.append(f"{library}: the driver loaded {path}")

    record = list(broker.record)
    record.append(SEPARATOR)
    for pattern in scenario.mask:
        record = [re.sub(pattern, "<masked>", line) for line in record]
        stdout = re.sub(pattern, "<masked>", stdout)
    lines = stdout.splitlines()
    record += [line for line in lines if not line.startswith(HELPER_PREFIXES + ("~ ",))]
    record.append(HELPERS)
    record += [line for line in lines if line.startswith(HELPER_PREFIXES)]
    # Lines of the loop_start thread race with the main thread's: a sequence of their own.
    threaded = [line for line in lines if line.startswith("~ ")]
    if threaded:
        record.append(LOOP_THREAD)
        record += threaded
    if status is None:
        record.append(f"! client killed after {CLIENT_TIMEOUT_S} s")
    elif status != 0:
        record.append(f"! client exit status {status}")
    if args.out:
        out = Path(args.out) / scenario.name
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{library}.record").write_text("\n".join(record) + "\n")
        (out / f"{library}.stderr").write_text(stderr)
    return record, problems


def find_run(lines: list[str], patterns: list[re.Pattern[str]]) -> int | None:
    """Where a run of lines matching `patterns` one by one starts in `lines`."""
    for start in range(len(lines) - len(patterns) + 1):
        if all(p.fullmatch(lines[start + i]) for i, p in enumerate(patterns)):
            return start
    return None


def compare(scenario: Scenario, records: dict[str, list[str]], cases: list[Case]) -> tuple[list[str], list[str]]:
    """(problems, allowed difference ids) once the allowed differences are taken out."""
    reference = list(records[REFERENCE])
    culex = list(records[CULEX])
    problems: list[str] = []
    allowed: list[str] = []
    for case in cases:
        if not any(fnmatch.fnmatchcase(scenario.name, s) for s in case.scenarios):
            continue
        ref_at = find_run(reference, case.reference) if case.reference else -1
        culex_at = find_run(culex, case.culex) if case.culex else -1
        if ref_at is None or culex_at is None:
            problems.append(f"allowed difference '{case.difference}' no longer appears here "
                            f"(libmosquitto side {'found' if ref_at is not None else 'missing'}, "
                            f"Culex side {'found' if culex_at is not None else 'missing'}): "
                            "remove it from allowed.toml or fix the patterns")
            continue
        if case.reference:
            del reference[ref_at : ref_at + len(case.reference)]
        if case.culex:
            del culex[culex_at : culex_at + len(case.culex)]
        allowed.append(case.difference)
    if reference != culex:
        diff = difflib.unified_diff(reference, culex, "libmosquitto", "culex", lineterm="", n=3)
        problems.append("records differ:\n    " + "\n    ".join(diff))
    return problems, allowed


def run_scenario(scenario: Scenario, args: argparse.Namespace, variables: dict[str, str],
                 cases: list[Case]) -> Outcome:
    records: dict[str, list[str]] = {}
    problems: list[str] = []
    for library in (REFERENCE, CULEX):
        record, found = run_once(scenario, library, args, variables)
        records[library] = record
        problems += found
    differences, allowed = compare(scenario, records, cases)
    return Outcome(scenario, records, problems + differences, allowed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", type=Path, required=True, help="the scenario program")
    parser.add_argument("--culex-lib", type=Path, required=True,
                        help="directory holding Culex's libmosquitto.so.1")
    parser.add_argument("--scenarios", type=Path, default=HERE / "scenarios")
    parser.add_argument("--allowed", type=Path, default=HERE / "allowed.toml")
    parser.add_argument("--readme", type=Path, default=HERE.parent.parent / "README.md")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--only", default="*", help="run the scenarios whose name matches this glob")
    parser.add_argument("--show", action="store_true", help="print both records of every scenario")
    parser.add_argument("--out", help="write every record to this directory")
    args = parser.parse_args()

    if not (args.culex_lib / "libmosquitto.so.1").exists():
        print(f"run.py: {args.culex_lib}/libmosquitto.so.1 not found", file=sys.stderr)
        return 2
    scenarios = [s for s in load_scenarios(args.scenarios) if fnmatch.fnmatchcase(s.name, args.only)]
    reasons, cases = load_allowed(args.allowed)
    failures: list[str] = []

    known = {s.name for s in load_scenarios(args.scenarios)}
    for case in cases:
        for pattern in case.scenarios:
            if not any(fnmatch.fnmatchcase(n, pattern) for n in known):
                failures.append(f"allowed.toml: '{case.difference}' names no scenario: {pattern}")
    in_readme = readme_ids(args.readme)
    for ident in sorted(set(reasons) - in_readme):
        failures.append(f"README: allowed difference '{ident}' is not in 'Where Culex answers differently'")
    for ident in sorted(in_readme - set(reasons)):
        failures.append(f"README names allowed difference '{ident}', which allowed.toml does not have")

    tmp = Path(tempfile.mkdtemp(prefix="culex-differential-"))
    try:
        variables = make_certificates(tmp) if any(s.tls for s in scenarios) else {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outcomes = list(pool.map(lambda s: run_scenario(s, args, variables, cases), scenarios))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for outcome in outcomes:
        name = outcome.scenario.name
        allowed = f" (allowed: {', '.join(outcome.allowed)})" if outcome.allowed else ""
        status = "FAIL" if outcome.problems else "ok"
        print(f"{status:4} {name}{allowed}")
        if args.show or outcome.problems:
            for library in (REFERENCE, CULEX):
                print(f"     --- {library}")
                for line in outcome.records[library]:
                    print(f"     {line}")
        for problem in outcome.problems:
            print(f"     {problem}")
            failures.append(f"{name} ({outcome.scenario.source}): {problem.splitlines()[0]}")

    print(f"\n{len(outcomes)} scenarios, {len(reasons)} allowed differences, {len(failures)} problems")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
