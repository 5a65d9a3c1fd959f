#!/usr/bin/env python3
"""The book's nbval suite on this machine's own PyTorch: a GPU node or image without internet.

    python3 tools/gpu_check.py KIT OUT [--notebooks 01 03] [--keep]

KIT is a folder made by `make gpu-kit` (tools/gpu_kit.py) for this Python. The script checks it
(hashes, Python version, none of the image's stack in it), installs it with pip --no-index
--no-deps into a temporary folder (the machine's site-packages are not touched: compared before
and after), checks with pip that the kit's requirements are met by it and the machine's packages,
then runs `pytest chapters --nbval ...` (the Makefile's NBVAL_FLAGS, NNREG_SYNTHETIC_FACES=1) with
that folder on PYTHONPATH: the notebooks' kernels are this Python with it (nbval's current-env
kernel). OUT receives report.txt (one screen: device, torch and CUDA, per notebook
passed/failed/seconds, the sanitizer hits, the first failures), junit.xml and pytest.log.
Exit status 0 when every cell passed and the machine's own torch and NumPy were used.

Standard library only. With `-p gpu_check` it is also the pytest plugin that counts the
sanitizer hits (tests/nbval_sanitize.cfg) on the fresh and the stored outputs nbval compares.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
WIDTH, HEIGHT = 100, 40  # one screen
HITS_ENV = "GPU_CHECK_HITS"
ANSI = re.compile(r"(\x1b|#x1B)\[[0-9;]*[A-Za-z]")  # junit XML writes ESC as #x1B


# --- pieces the report is made of (tested by tests/test_gpu_kit.py) ---------------------------------

def nbval_flags(makefile: Path = ROOT / "Makefile") -> list[str]:
    """The Makefile's NBVAL_FLAGS, so that this run and `make test` use the same options."""
    text = makefile.read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^NBVAL_FLAGS\s*:?=(.*)$", text, flags=re.MULTILINE)
    if match is None:
        raise SystemExit(f"gpu-check: no NBVAL_FLAGS in {makefile}")
    return match[1].split()


def sanitize_rules(cfg: Path = SANITIZE) -> dict[str, str]:
    """Rule name ([section]) -> regex, for every rule of the file, applied by nbval or not."""
    rules, name = {}, None
    for line in cfg.read_text(encoding="utf-8").splitlines():
        section = re.match(r"\[([^\]]+)\]", line)
        if section:
            name = section[1]
        elif line.startswith("regex:"):
            rules[name or f"rule-{len(rules) + 1}"] = line[len("regex:"):].removeprefix(" ")
    return rules


def unapplied_rules(cfg: Path = SANITIZE) -> list[str]:
    """The rules nbval's parser skips: it wants "regex: X" then "replace: Y", each with a space."""
    text = cfg.read_text(encoding="utf-8")
    applied = [regex for regex, _ in re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)]
    return [name for name, regex in sanitize_rules(cfg).items() if regex not in applied]


def count_hits(text: str, rules: dict[str, str]) -> dict[str, int]:
    return {name: sum(1 for _ in re.finditer(regex, text)) for name, regex in rules.items()}


def output_texts(outputs, skip=()) -> list[str]:
    """The strings of a cell's outputs that nbval compares (and sanitizes)."""
    texts = []
    for output in outputs:
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                texts += [v for k, v in value.items() if k not in skip and isinstance(v, str)]
            elif isinstance(value, str):
                texts.append(value)
    return texts


def parse_junit(path: Path) -> dict[str, dict]:
    """Per notebook (in order): cells, passed, failed, skipped, seconds and the failures' messages."""
    notebooks: dict[str, dict] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        where = f"{case.get('classname', '')} {case.get('name', '')}"
        match = re.search(r"([^\s/.]+)\.ipynb", where)
        name = match[1] if match else "(not a notebook)"
        entry = notebooks.setdefault(name, {"cells": 0, "passed": 0, "failed": 0, "skipped": 0,
                                            "seconds": 0.0, "failures": []})
        entry["cells"] += 1
        entry["seconds"] += float(case.get("time") or 0)
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            entry["failed"] += 1
            text = ANSI.sub("", f"{bad.get('message') or ''}\n{bad.text or ''}")
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            entry["failures"].append((case.get("name", ""), " | ".join(lines[:2])))
        elif case.find("skipped") is not None:
            entry["skipped"] += 1
        else:
            entry["passed"] += 1
    return notebooks


def cut(text: str, width: int = WIDTH) -> str:
    text = text.replace("\t", " ")
    return text if len(text) <= width else text[:width - 3] + "..."


def short_path(path: str, width: int) -> str:
    return path if len(path) <= width else "..." + path[-(width - 3):]


def format_report(env: dict, notebooks: dict[str, dict], hits: dict[str, dict[str, list[int]]],
                  rules: list[str], problems: list[str], wall: float, unapplied: list[str] = ()) -> str:
    """One screen: at most HEIGHT lines of at most WIDTH characters."""
    torch = env.get("torch", {})
    numpy = env.get("stack", {}).get("numpy", {})
    cells = {k: sum(nb[k] for nb in notebooks.values()) for k in ("passed", "failed", "skipped")}
    failed_nbs = [name for name, nb in notebooks.items() if nb["failed"]]
    verdict = "PASSED" if notebooks and not failed_nbs and not problems else "FAILED"
    lines = [
        f"nnreg GPU check: {verdict}  ({env.get('date', '')}; kit built from {env.get('source', '?')})",
        f"device  {env.get('device', '?')}",
        f"torch   {torch.get('version', '?')}, CUDA {torch.get('cuda') or 'none'}, cuDNN "
        f"{torch.get('cudnn') or 'none'}; from {short_path(torch.get('dir', '?'), 50)}",
        f"numpy   {numpy.get('version', '?')}; from {short_path(numpy.get('dir', '?'), 80)}",
        f"python  {env.get('python', '?')} {short_path(env.get('executable', '?'), 80)}",
        "stack   " + ", ".join(f"{name} {info['version']}" for name, info in env.get("stack", {}).items()
                               if name not in ("torch", "numpy")),
        f"kit     {env.get('kit', '?')}",
        f"checks  {env.get('checks', '?')}",
        f"cells   {cells['passed']} passed, {cells['failed']} failed, {cells['skipped']} skipped in "
        f"{len(notebooks)} notebook{'' if len(notebooks) == 1 else 's'}; {wall:.0f} s wall",
        "",
        f"{'notebook':<30}{'cells':>7}{'passed':>8}{'failed':>8}{'skipped':>9}{'seconds':>10}",
    ]
    for name, nb in notebooks.items():
        lines.append(f"{cut(name, 29):<30}{nb['cells']:>7}{nb['passed']:>8}{nb['failed']:>8}"
                     f"{nb['skipped']:>9}{nb['seconds']:>10.1f}")
    lines += ["", "sanitizer hits (tests/nbval_sanitize.cfg) in compared outputs: fresh / stored"]
    totals = {rule: [0, 0] for rule in rules}
    for per_rule in hits.values():
        for rule, (fresh, stored) in per_rule.items():
            totals.setdefault(rule, [0, 0])
            totals[rule][0] += fresh
            totals[rule][1] += stored
    if not hits:
        lines.append("  (none recorded: the nbval run did not start)")
    else:
        pairs = [f"{rule + ('*' if rule in unapplied else ''):<19}{fresh:>4}/{stored:<4}"
                 for rule, (fresh, stored) in totals.items()]
        lines += ["  " + "    ".join(pairs[i:i + 3]) for i in range(0, len(pairs), 3)]
    if unapplied:
        lines.append(f"  * not applied by nbval: its parser needs 'replace: ' with a space ({', '.join(unapplied)})")
    lines += [f"problem: {p}" for p in problems]
    failures = [(name, cell, msg) for name, nb in notebooks.items() for cell, msg in nb["failures"]]
    if failures:
        room = max(HEIGHT - len(lines) - 2, 1)
        lines += ["", f"first failures ({len(failures)} in all; the rest in pytest.log):"]
        lines += [f"{name} {cell}: {msg}" for name, cell, msg in failures[:room]]
    lines = [cut(line.rstrip()) for line in lines]
    if len(lines) > HEIGHT:
        lines = lines[:HEIGHT - 1] + [f"... {len(lines) - HEIGHT + 1} more lines: see pytest.log"]
    return "\n".join(lines) + "\n"


# --- the pytest plugin (loaded with -p gpu_check) ----------------------------------------------------

HITS: dict[str, dict[str, list[int]]] = {}


def pytest_configure(config):
    if not os.environ.get(HITS_ENV):
        return
    from nbval.plugin import IPyNbCell

    rules = sanitize_rules()
    original = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        per_rule = HITS.setdefault(Path(str(self.fspath)).stem, {rule: [0, 0] for rule in rules})
        skip = skip_compare or self.parent.skip_compare
        for side, outputs in enumerate((test, ref)):  # 0: fresh, 1: stored
            for text in output_texts(outputs, skip):
                for rule, n in count_hits(text, rules).items():
                    per_rule[rule][side] += n
        return original(self, test, ref, skip_compare)

    IPyNbCell.compare_outputs = compare_outputs


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get(HITS_ENV):
        Path(os.environ[HITS_ENV]).write_text(json.dumps(HITS, indent=1), encoding="utf-8")


# --- the run ------------------------------------------------------------------------------------------

PROBE = r"""
import importlib, json, os, sys
out = {"python": sys.version.split()[0], "executable": sys.executable, "stack": {}, "kit": {}}
for name, module in [("torch", "torch"), ("numpy", "numpy"), ("pandas", "pandas"),
                     ("matplotlib", "matplotlib"), ("scikit-learn", "sklearn"), ("tqdm", "tqdm"),
                     ("pytest", "pytest")]:
    m = importlib.import_module(module)
    out["stack"][name] = {"version": m.__version__, "dir": os.path.dirname(m.__file__)}
for module in ["nnreg", "ipykernel", "nbval", "nbformat", "ipywidgets", "numpyarray_to_latex"]:
    out["kit"][module] = os.path.dirname(importlib.import_module(module).__file__)
import torch
out["torch"] = {"version": torch.__version__, "cuda": torch.version.cuda,
                "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
                "dir": os.path.dirname(torch.__file__)}
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    out["device"] = (f"{torch.cuda.get_device_name(0)} (cuda:0 of {torch.cuda.device_count()}, "
                     f"{p.total_memory / 2**30:.0f} GiB, capability {p.major}.{p.minor})")
else:
    out["device"] = f"cpu ({torch.get_num_threads()} threads; torch.cuda.is_available() is False)"
print(json.dumps(out))
"""


def origin_problems(info: dict, target: Path) -> list[str]:
    """The stack must come from the machine, the kit's packages from the kit's folder (target)."""
    problems = []
    for name, where in info.get("stack", {}).items():
        if Path(where["dir"]).is_relative_to(target):
            problems.append(f"{name} came from the kit ({where['dir']}), not from the machine")
    for name, where in info.get("kit", {}).items():
        if not Path(where).is_relative_to(target):
            problems.append(f"{name} came from {where}, not from the kit")
    return problems


def notebooks_for(prefixes: list[str] | None) -> list[Path]:
    every = sorted((ROOT / "chapters").glob("*.ipynb"))
    if not prefixes:
        return every
    chosen = []
    for prefix in prefixes:
        found = [nb for nb in every if nb.name.startswith(prefix)]
        if not found:
            raise SystemExit(f"gpu-check: no chapter notebook starts with {prefix!r}")
        chosen += [nb for nb in found if nb not in chosen]
    return chosen


def site_snapshot() -> dict[str, list[str]]:
    """The entries of this interpreter's site-packages folders (to show the run left them alone)."""
    import site
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    return {f: sorted(os.listdir(f)) for f in folders if os.path.isdir(f)}


def kit_names(kit: Path) -> set[str]:
    manifest = json.loads((kit / "manifest.json").read_text(encoding="utf-8"))
    return {re.sub(r"[-_.]+", "-", f["name"]).lower() for f in manifest["files"]}


def run(kit: Path, out: Path, prefixes: list[str] | None, keep: bool) -> int:
    sys.path.insert(0, str(TOOLS))
    import gpu_kit

    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    notebooks = notebooks_for(prefixes)
    problems: list[str] = []
    gpu_kit.check(kit)
    built_from = json.loads((kit / "manifest.json").read_text(encoding="utf-8")).get("nnreg_sources_sha256")
    if built_from != gpu_kit.nnreg_digest():
        problems.append("the kit's nnreg was built from other sources than this clone's nnreg/: "
                        "make gpu-kit again")
    before = site_snapshot()
    tmp = Path(tempfile.mkdtemp(prefix="nnreg-gpu-kit-"))
    target = tmp / "site"
    log = out / "pytest.log"
    wheels = sorted(str(p) for p in kit.glob("*.whl"))
    with log.open("w", encoding="utf-8") as fh:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-index", "--no-deps", "--target", str(target), *wheels],
                       check=True, stdout=fh, stderr=subprocess.STDOUT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), str(TOOLS)]),
               NNREG_SYNTHETIC_FACES="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
               JUPYTER_PLATFORM_DIRS="1", JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
               JUPYTER_DATA_DIR=str(tmp / "jupyter-data"), JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-run"),
               IPYTHONDIR=str(tmp / "ipython"), MPLCONFIGDIR=str(tmp / "matplotlib"),
               PIP_NO_INDEX="1", **{HITS_ENV: str(tmp / "hits.json")})
    # the kit's requirements met by the kit and the machine's packages (other complaints are the image's)
    ours = kit_names(kit)
    pip_check = subprocess.run([sys.executable, "-m", "pip", "check"], env=env, capture_output=True, text=True)
    for line in pip_check.stdout.splitlines():
        words = line.split()
        if words and re.sub(r"[-_.]+", "-", words[0]).lower() in ours:
            problems.append(f"pip check: {line.strip()}")
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, cwd=tmp)
    if probe.returncode:
        problems.append("the probe failed: " + (probe.stderr.strip().splitlines() or ["?"])[-1])
        info = {"python": sys.version.split()[0], "executable": sys.executable}
    else:
        info = json.loads(probe.stdout)
    problems += origin_problems(info, target)
    cmd = [sys.executable, "-m", "pytest", *map(str, notebooks), *nbval_flags(),
           f"--junitxml={out / 'junit.xml'}", "-p", "gpu_check", "-p", "no:cacheprovider", "--color=no"]
    t0 = time.monotonic()
    with log.open("a", encoding="utf-8") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        tested = subprocess.run(cmd, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    if site_snapshot() != before:
        problems.append("the machine's site-packages changed during the run")
    results = parse_junit(out / "junit.xml") if (out / "junit.xml").is_file() else {}
    if not results:
        problems.append(f"pytest ran no notebook (exit {tested.returncode}); see pytest.log")
    elif tested.returncode and not any(nb["failed"] for nb in results.values()):
        problems.append(f"pytest exited {tested.returncode} with no failed cell; see pytest.log")
    hits_file = tmp / "hits.json"
    hits = json.loads(hits_file.read_text(encoding="utf-8")) if hits_file.is_file() else {}
    manifest = json.loads((kit / "manifest.json").read_text(encoding="utf-8"))
    info.update(
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), source=manifest.get("source", "?"),
        kit=f"{len(manifest['files'])} wheels, hashes ok; pip --no-index --target a "
            + (f"kept folder {target}" if keep else "temporary folder (removed after)"),
        checks="origins (stack: the machine, kit: its folder): "
               + ("NO" if any("came from" in p for p in problems) else "yes")
               + f"; pip check: {'NO' if any(p.startswith('pip check') for p in problems) else 'ok'}"
               + f"; site-packages same: {'yes' if site_snapshot() == before else 'NO'}",
    )
    report = format_report(info, results, hits, list(sanitize_rules()), problems, wall, unapplied_rules())
    (out / "report.txt").write_text(report, encoding="utf-8")
    (out / "environment.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(report, end="")
    print(f"gpu-check: {time.monotonic() - started:.0f} s in all; {out}/report.txt, junit.xml, pytest.log")
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    ok = results and not problems and not any(nb["failed"] for nb in results.values())
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kit", type=Path, help="a folder made by make gpu-kit for this Python")
    ap.add_argument("out", type=Path, help="where report.txt, junit.xml and pytest.log go")
    ap.add_argument("--notebooks", nargs="*", help="chapter prefixes, e.g. 01 03 (default: every chapter)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary install (its path is reported)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(TOOLS))
    from wheelhouse import WheelhouseError
    try:
        return run(args.kit.resolve(), args.out.resolve(), args.notebooks, args.keep)
    except WheelhouseError as exc:
        print(f"gpu-check: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"gpu-check: {' '.join(map(str, exc.cmd[:6]))} ... failed (exit {exc.returncode}); "
              "see pytest.log", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
