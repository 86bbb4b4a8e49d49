"""Every documented example runs and does what it says.

Collected from README.md, docs/*.md, museum/README.md, museum/*/README.md and benchmarks/README.md:

- every fenced ```python block: the blocks of one page run in order in one fresh interpreter, sharing
  one namespace (a page reads top to bottom);
- every ``synaptica ...`` / ``python -m ...`` line of a fenced shell block (```bash, ```sh, ``` with
  no language), in order, after the page's Python (a command may read what the Python wrote);
- a fenced ```yaml block whose first line is ``# NAME.yaml`` is written to NAME.yaml first, so that
  the page's commands can load it.

Everything runs in a fresh temporary folder that links the repository's ``museum``, ``benchmarks``
and ``docs`` folders, so commands run as written from the repository root while their outputs
(``out/``, ``museum_out/``, ``graph.png``) stay out of the repository.

A block that must not run here is preceded by ``<!-- not run in tests: REASON -->``; a page
whose Python needs several (simulated) devices says ``<!-- run in tests with XLA_FLAGS=... -->``.
Pages run concurrently, two at a time, each in one interpreter: its Python blocks first, then its
commands in order (``synaptica`` through ``contexts.cli.main``, ``python -m`` as a subprocess).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "museum" / "README.md",
         *sorted((ROOT / "museum").glob("*/README.md")), ROOT / "benchmarks" / "README.md"]
LINKED = ("museum", "benchmarks", "docs")
TIMEOUT_S = 300

SKIP = re.compile(r"<!--\s*not run in tests:\s*(.+?)\s*-->")
ENV = re.compile(r"<!--\s*run in tests with\s+(\w+)=(\S+)\s*-->")
FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)\s*$")
COMMAND = re.compile(r"^(synaptica|(?:\S*/)?python3? -m)\s")
SHELL_LANGS = {"", "bash", "sh", "shell", "console"}


@dataclass(frozen=True)
class Block:
    page: str       # path relative to the repository
    line: int       # 1-based line of the opening fence
    lang: str
    code: str
    skip: str       # the reason it is not run, or ""


def blocks(path: Path, root: Path = ROOT) -> list[Block]:
    """The fenced code blocks of a Markdown page, each with the `not run in tests` reason before it."""
    out: list[Block] = []
    lines = path.read_text().splitlines()
    rel = str(path.relative_to(root))
    i = 0
    last = ""  # the last non-blank line before the current one
    while i < len(lines):
        m = FENCE.match(lines[i].strip())
        if m and lines[i].startswith(m.group(1)):
            fence, lang, start = m.group(1), m.group(2).lower(), i
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != fence:
                j += 1
            skip = SKIP.search(last)
            out.append(Block(rel, start + 1, lang, "\n".join(lines[start + 1:j]) + "\n", skip.group(1) if skip else ""))
            i, last = j + 1, lines[j] if j < len(lines) else ""
            continue
        if lines[i].strip():
            last = lines[i]
        i += 1
    return out


def commands(block: Block) -> list[tuple[int, str]]:
    """``(line, command)`` for each synaptica / python -m line of a shell block (``\\`` continues a line)."""
    out, pending, first = [], "", 0
    for k, raw in enumerate(block.code.splitlines()):
        text = raw.strip()
        text = text[2:] if text.startswith("$ ") else text
        if not pending:
            first = block.line + 1 + k
        if text.endswith("\\"):
            pending += text[:-1].rstrip() + " "
            continue
        text, pending = pending + text, ""
        if COMMAND.match(text):
            out.append((first, text))
    return out


def page_env(path: Path) -> dict[str, str]:
    return dict(ENV.findall(path.read_text()))


# -- what runs ---------------------------------------------------------------------------------------------
# One interpreter per page: its Python blocks in one namespace, then its commands in order
# (`synaptica ...` through the CLI's main() in the same interpreter, `python -m ...` as a subprocess).
RUNNER = textwrap.dedent("""
    import json, shlex, subprocess, sys
    job = json.load(open(sys.argv[1]))
    ns = {"__name__": "__doc__"}
    for b in job["python"]:
        print(f"--- {b['where']}", flush=True)
        exec(compile(b["code"], b["where"], "exec"), ns)
    for c in job["shell"]:
        print(f"--- {c['where']}: {c['cmd']}", flush=True)
        argv = shlex.split(c["cmd"], comments=True)
        if argv[0] == "synaptica":
            from contexts.cli import main
            rc = main(argv[1:])
        else:
            rc = subprocess.call([sys.executable, *argv[argv.index("-m"):]], timeout=job["timeout"])
        if rc != 0:
            sys.exit(f"{c['where']}: `{c['cmd']}` exited with status {rc}")
""")

# What each page's example promises, checked after it ran (in its namespace / working folder).
PYTHON_CHECKS = {
    "README.md": """
        import numpy as np
        _s = np.asarray(records[z1.s])
        _w = np.asarray(records[W.weights])
        assert _s.shape == (250, 1, 100) and _s.sum() > 0, "the LIF cells must spike"
        assert np.abs(_w[-1] - np.asarray(w0)).mean() > 1e-3, "STDP must change the weights"
        assert np.isfinite(_w).all()
    """,
}


def _shell_check_readme(cwd: Path) -> None:
    with np.load(cwd / "out" / "records.npz") as rec:
        assert rec["z.s"].shape == (500, 1, 100) and rec["z.s"].sum() > 0  # the digit drives spikes
    assert (cwd / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((cwd / "out" / "summary.json").read_text())["steps"] == 500


SHELL_CHECKS = {"README.md": _shell_check_readme}


@dataclass
class Job:
    page: str
    python: list              # the page's Python blocks that run
    shell: list               # (line, command) pairs that run, after the Python
    env: dict
    skipped: list             # "page:line: reason"


def _workdir(tmp: Path, page: Path) -> Path:
    cwd = tmp / (str(page.relative_to(ROOT)).replace("/", "_"))
    cwd.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        (cwd / name).symlink_to(ROOT / name, target_is_directory=True)
    for b in blocks(page):  # model files the page's commands load
        first = b.code.splitlines()[0] if b.code.strip() else ""
        m = re.match(r"#\s*([\w.-]+\.ya?ml)\s*$", first)
        if b.lang == "yaml" and m and not b.skip:
            (cwd / m.group(1)).write_text(b.code)
    return cwd


def _env(extra: dict) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["MPLBACKEND"] = "Agg"
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, env: dict, where: str) -> str:
    try:
        proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{where}: still running after {TIMEOUT_S} s; shorten it or mark it "
                             f"<!-- not run in tests: REASON -->") from None
    if proc.returncode != 0:
        raise AssertionError(f"{where}: exit status {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}\n"
                             f"--- stderr\n{proc.stderr[-3000:]}")
    return proc.stdout


def run_job(job: Job, tmp: Path) -> tuple[Path, str]:
    """Run a page's Python blocks, then its commands, in a fresh folder; returns the folder and the
    standard output."""
    page = ROOT / job.page
    cwd = _workdir(tmp, page)
    python = [{"where": f"{b.page}:{b.line}", "code": b.code} for b in job.python]
    if job.python and job.page in PYTHON_CHECKS:
        python.append({"where": f"{job.page} (what the example promises)",
                       "code": textwrap.dedent(PYTHON_CHECKS[job.page])})
    shell = [{"where": f"{job.page}:{line}", "cmd": cmd} for line, cmd in job.shell]
    (cwd / "_job.json").write_text(json.dumps({"python": python, "shell": shell, "timeout": TIMEOUT_S}))
    out = _run([sys.executable, "-c", RUNNER, "_job.json"], cwd, _env(job.env), job.page)
    if job.page in SHELL_CHECKS:
        SHELL_CHECKS[job.page](cwd)
    return cwd, out


def jobs() -> list[Job]:
    out = []
    for page in PAGES:
        rel = str(page.relative_to(ROOT))
        bs = blocks(page)
        py = [b for b in bs if b.lang == "python"]
        sh = [(b, c) for b in bs if b.lang in SHELL_LANGS for c in commands(b)]
        if py or sh:
            out.append(Job(rel, [b for b in py if not b.skip], [c for b, c in sh if not b.skip], page_env(page),
                           [f"{rel}:{b.line}: {b.skip}" for b in py if b.skip]
                           + [f"{rel}:{c[0]}: {b.skip}" for b, c in sh if b.skip]))
    return out


JOBS = jobs()


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> dict[str, Future]:
    """Start every page at once (two at a time); each test waits for its own page."""
    tmp = tmp_path_factory.mktemp("docs")
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {j.page: pool.submit(run_job, j, tmp) for j in JOBS if j.python or j.shell}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("job", JOBS, ids=[j.page for j in JOBS])
def test_documented_examples_run(job: Job, started) -> None:
    if not (job.python or job.shell):
        pytest.skip("; ".join(job.skipped))
    _, out = started[job.page].result()
    if job.page == "README.md":
        _check_readme_output(out)


def _check_readme_output(out: str) -> None:
    """The output the README shows is what its example prints (up to the randomness of a JAX version)."""
    text = (ROOT / "README.md").read_text()
    shown = re.search(r"prints[^\n]*\n\n```text\n(.*?)```", text, re.S).group(1)
    pattern = r"(\d+) postsynaptic spikes .*\n.*mean \|dW\| = ([\d.]+)"
    (n_shown, dw_shown), (n_run, dw_run) = re.search(pattern, shown).groups(), re.search(pattern, out).groups()
    assert abs(int(n_run) / int(n_shown) - 1) < 0.2 and abs(float(dw_run) / float(dw_shown) - 1) < 0.2, (shown, out)


# -- the collection itself -----------------------------------------------------------------------------
def test_collection_finds_the_examples() -> None:
    by_page = {j.page: j for j in JOBS}
    for page, kind in [("README.md", "python"), ("README.md", "shell"), ("docs/yaml_models.md", "python"),
                       ("docs/yaml_models.md", "shell"), ("docs/multi_device.md", "python"),
                       ("museum/stdp_digits/README.md", "shell")]:
        assert getattr(by_page[page], kind), (page, kind)
    # an exhibit whose README shows its commands in a fenced block shows a short run that is executed
    for readme in sorted((ROOT / "museum").glob("*/README.md")):
        rel = str(readme.relative_to(ROOT))
        shown = [c for b in blocks(readme) if b.lang in SHELL_LANGS for _, c in commands(b)]
        run = [c for j in JOBS if j.page == rel for _, c in j.shell]
        assert not shown or any("--quick" in c or "--demo" in c for c in run), f"{rel}: no short run is executed"


def test_few_blocks_are_skipped_and_each_says_why() -> None:
    skipped = [s for j in JOBS for s in j.skipped]
    assert all(s.split(": ", 2)[-1].strip() for s in skipped)
    run = sum(len(j.python) + len(j.shell) for j in JOBS)
    assert len(skipped) < run, skipped


def test_parser_reads_fences_markers_and_continuations(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(textwrap.dedent("""\
        text
        ```python
        x = 1
        ```
        <!-- not run in tests: takes an hour -->

        ```bash
        synaptica run m.yaml \\
            --steps 5   # five
        echo ignored
        $ python -m museum.x --quick
        ```
        """))
    bs = blocks(page, root=tmp_path)
    assert [(b.lang, b.line, b.skip) for b in bs] == [("python", 2, ""), ("bash", 7, "takes an hour")]
    assert commands(bs[1]) == [(8, "synaptica run m.yaml --steps 5   # five"), (11, "python -m museum.x --quick")]



def test_component_index_lists_every_builtin_component_once() -> None:
    """docs/components.md has one row per built-in registered class, and each row's page exists and names it."""
    from contexts.registry import registered

    index = ROOT / "docs" / "components.md"
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| \[([\w.]+)\]\(([\w.]+)\) \|$", index.read_text(), re.MULTILINE)
    names = [name for name, _, _ in rows]
    builtin = sorted(n for n, c in registered().items() if c.__module__.startswith("components."))
    assert sorted(names) == builtin, f"add or remove rows in docs/components.md: {set(builtin) ^ set(names)}"
    for name, _, page in rows:
        assert name in (ROOT / "docs" / page).read_text(), f"docs/{page} does not mention {name}"
