"""Hostile model files: alias bombs, imports named in the file, non-finite numbers, huge sizes, bad
encodings, and random mutations of every museum model. Each ends in a named error or a valid model."""

from __future__ import annotations

import random
import resource
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contexts import ModelFileError, SynapticaError
from contexts import registry as reg
from contexts.graph_yaml import MAX_DEPTH, load_model, load_model_string, parse_value

MUSEUM = sorted(Path(__file__).resolve().parents[2].glob("museum/*/model.yaml"))
SMALL = """\
name: small
dt: 1.0
components:
  x: {type: InputCell, n_units: 3}
  W: {type: DenseSynapse, shape: [3, 2]}
wires:
  - W.inputs << x.outputs
commands:
  advance: [x, W]
"""


def bomb(levels: int) -> str:
    """The classic "billion laughs": each anchor repeats the previous one nine times (9**levels)."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@contextmanager
def time_limit(seconds: int):
    """Fail (rather than hang the suite) when the body runs longer than ``seconds``."""
    def stop(*_):
        raise TimeoutError(f"took more than {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_alias_bomb_is_refused_fast_and_small():
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for levels in (6, 9, 12):  # 9**12 = 2.8e11 values once expanded
        start = time.perf_counter()
        with pytest.raises(ModelFileError, match="expands to more than") as info:
            load_model_string(bomb(levels), filename="bomb.yaml")
        assert time.perf_counter() - start < 1.0
        assert info.value.file == "bomb.yaml" and info.value.line == 6  # a5: 9**6 values, the first too big
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 50 * 1024  # kB: under 50 MB more
    with pytest.raises(ModelFileError, match="expands to more than"):
        parse_value(bomb(9))  # --set values have the same limits


def test_aliases_within_limits_still_work():
    text = SMALL.replace("x: {type: InputCell, n_units: 3}", "x: {type: InputCell, n_units: &n 3}")
    text = text.replace("shape: [3, 2]", "shape: [*n, 2]")
    assert load_model_string(text).get("W.weights").shape == (3, 2)


def test_recursive_aliases_and_deep_nesting_are_refused():
    with pytest.raises(ModelFileError, match="recursive alias"):
        load_model_string("name: &a [*a]\n")
    with pytest.raises(ModelFileError, match="nested"):
        load_model_string("name: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    with pytest.raises(ModelFileError, match="nested too deeply"):
        load_model_string("name: " + "[" * 5000 + "]" * 5000 + "\n")


def test_a_model_file_never_imports_code(capsys):
    text = "name: zen\ncomponents:\n  a: {type: 'this:x'}\ncommands: {advance: [a]}\n"
    with pytest.raises(ModelFileError) as info:
        load_model_string(text, filename="zen.yaml")
    assert capsys.readouterr().out == ""  # `import this` would print the Zen of Python
    msg = str(info.value)
    assert msg.startswith("zen.yaml:3: components.a.type:") and "never imports code" in msg
    assert "allow_import=['this']" in msg and "--allow-import this" in msg
    with pytest.raises(ModelFileError, match="not a Component subclass"):  # opted in: imported, still checked
        load_model_string(text.replace("this:x", "json:loads"), allow_import=["json"])
    with pytest.raises(ModelFileError, match="not a class name"):
        load_model_string(text.replace("this:x", "os;rm:x"))
    with pytest.raises(ValueError, match="package names"):
        reg.allow_import("not a package")


@pytest.mark.parametrize("key,value,match", [
    ("dt", ".nan", "dt: expected a number, got nan"),
    ("dt", ".inf", "dt: expected a number, got inf"),
    ("dt", "-.inf", "dt: expected a number"),
    ("batch_size", "true", "batch_size: expected an integer, got True"),
    ("seed", "-1", "seed: must be >= 0"),
    ("seed", "99999999999999999999", "seed: must be <= 4294967295"),
    ("steps", "0", "steps: must be >= 1"),
])
def test_top_level_numbers_must_be_finite_and_in_range(key, value, match):
    with pytest.raises(ModelFileError, match=match):
        load_model_string(SMALL + f"{key}: {value}\n".replace("dt: 1.0\n", "") if key != "dt"
                          else SMALL.replace("dt: 1.0", f"dt: {value}"))


def test_component_parameters_must_be_finite():
    with pytest.raises(ModelFileError, match=r"components\.W\.resist_scale: .*holds NaN, inf"):
        load_model_string(SMALL.replace("shape: [3, 2]", "shape: [3, 2], resist_scale: .nan"))
    with pytest.raises(ModelFileError, match=r"components\.W\.weight_init\.high: .*NaN, inf"):
        load_model_string(SMALL.replace("shape: [3, 2]", "shape: [3, 2], weight_init: {dist: uniform, high: .inf}"))


def test_sizes_that_cannot_fit_are_refused_with_an_estimate(monkeypatch):
    with pytest.raises(ModelFileError, match=r"InputCell 'x': n_units must be an integer of magnitude "
                                           r"<= 2147483647, got 1000000000000"):
        load_model_string(SMALL.replace("n_units: 3", "n_units: 1e12"))
    monkeypatch.setenv("SYNAPTICA_MAX_MEMORY", "4G")
    text = SMALL.replace("n_units: 3", "n_units: 40000").replace("[3, 2]", "[40000, 50000]")
    with pytest.raises(ModelFileError, match=r"needs about .* GiB of state \(W\.weights .*more than the limit"):
        load_model_string(text)
    monkeypatch.setenv("SYNAPTICA_MAX_MEMORY", "1K")  # overridable: here 1 KiB refuses even 3 x 2 floats
    with pytest.raises(ModelFileError, match="limit of 0.000977 MiB"):
        load_model_string(SMALL.replace("n_units: 3", "n_units: 300").replace("[3, 2]", "[300, 2]"))
    monkeypatch.setenv("SYNAPTICA_MAX_MEMORY", "64G")
    assert load_model_string(SMALL).get("W.weights").shape == (3, 2)


def test_files_that_are_not_utf8_text_or_not_regular(tmp_path):
    (tmp_path / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ModelFileError, match=r"latin.yaml:1: the model file is not UTF-8 text \(byte 0xe9"):
        load_model(tmp_path / "latin.yaml")
    with pytest.raises(ModelFileError, match="is a folder"):
        load_model(tmp_path)
    fifo = tmp_path / "fifo.yaml"
    import os

    os.mkfifo(fifo)
    with time_limit(5), pytest.raises(ModelFileError, match="not a regular file"):
        load_model(fifo)
    (tmp_path / "ctl.yaml").write_text("name: a\x07b\n")
    with pytest.raises(ModelFileError, match="YAML error"):
        load_model(tmp_path / "ctl.yaml")


# -- random mutations of every museum model -------------------------------------------------------------
STATS = {"tried": 0, "named": 0, "valid": 0}
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.lists(st.integers(-3, 70), max_size=3),
                    st.sampled_from(["this:x", "os:system", "DenseSynapse", "W.inputs << x.outputs", "*a",
                                     "&a [1]", "1e400", "-0", "\U0001F9E0", "!!python/object:os.system"]))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _mutate(graph, rnd: random.Random, value):
    paths = [p for p in _paths(graph) if p]
    path = rnd.choice(paths)
    parent = graph
    for p in path[:-1]:
        parent = parent[p]
    op = rnd.randrange(4)
    if op == 0:  # delete
        del parent[path[-1]]
    elif op == 1 and isinstance(parent, dict):  # a new or retyped key
        parent[rnd.choice([path[-1], "n_units", "shape", "type", "tau", "\u00e9t\u00e9", 7])] = value
    elif op == 2 and isinstance(parent, list):
        parent.append(value)
    else:
        parent[path[-1]] = value


def _text_mutation(text: str, rnd: random.Random) -> str:
    lines = text.splitlines()
    i = rnd.randrange(len(lines))
    op = rnd.randrange(4)
    if op == 0:
        lines.insert(i, lines[i])  # a duplicated key or list item
    elif op == 1:
        del lines[i]
    elif op == 2:
        cut = rnd.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:cut] + rnd.choice(["\u00e9", "{", "]", ":", "*x", "&y", "\t", "\U0001F9E0"]) \
            + lines[i][cut:]
    else:
        lines[i] = lines[i].replace(":", ": !!python/name:os.system", 1)
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(model=st.sampled_from(MUSEUM), seed=st.integers(0, 2**32 - 1), value=SCALARS, textual=st.booleans())
def test_mutated_museum_models_give_a_named_error_or_a_valid_model(model, seed, value, textual, capsys):
    rnd = random.Random(seed)
    text = model.read_text()
    if textual:
        text = _text_mutation(text, rnd)
    else:
        graph = yaml.safe_load(text)
        for _ in range(rnd.randint(1, 3)):
            _mutate(graph, rnd, value)
        text = yaml.safe_dump(graph, allow_unicode=True)
    STATS["tried"] += 1
    with time_limit(20):
        try:
            load_model_string(text, filename=model.name)
            STATS["valid"] += 1
        except SynapticaError as e:  # anything else (a traceback) fails the test
            assert str(e) and (isinstance(e, ModelFileError) or ":" in str(e))
            STATS["named"] += 1
    assert capsys.readouterr().out == ""


def test_report_mutation_counts():
    """Prints the counts of the property test above (run with -s to see them)."""
    print(f"\nmuseum mutations: {STATS}, tracebacks 0, hangs 0")
    assert STATS["tried"] == 0 or STATS["named"] + STATS["valid"] == STATS["tried"]
