"""YAML model graphs: same Context as the Python form, round trips, numbers, includes and overrides."""

from __future__ import annotations

import numpy as np
import pytest

from components.synapses import DenseSynapse
from contexts import Component, Context, Input, ModelFileError, Output, load_model
from contexts.graph_yaml import load_model_string, parse_value, read_graph, to_yaml


class YLeaky(Component):
    """Test-only leaky integrator: tau dr/dt = -r + j (Euler), tau in ms."""

    def __init__(self, name: str, n_units: int, tau: float = 10.0):
        super().__init__(name)
        self.n_units = n_units
        self.tau = tau
        self.j = Input((n_units,))
        self.r = Output((n_units,))

    def advance_state(self, c, *, t, dt, key):
        return {"r": c.r + dt / self.tau * (c.j - c.r)}


MODEL = """\
name: demo
dt: 0.5            # ms
seed: 3
batch_size: 2
components:
  z0: {type: YLeaky, n_units: 3, tau: 5}
  W:  {type: DenseSynapse, shape: [3, 4], weight_init: {dist: uniform, low: 0.0, high: 3e-1}, resist_scale: 2}
  z1: {type: YLeaky, n_units: 4, tau: 2e1}
wires:
  - W.inputs << z0.r
  - z1.j << sum(W.outputs, -0.5 * z1.r.prev)
commands:
  advance: [z0, W, z1]
  reset: [z0, W, z1]
"""


def python_form() -> Context:
    with Context("demo", dt=0.5, seed=3, batch_size=2) as ctx:
        z0 = YLeaky("z0", n_units=3, tau=5)
        W = DenseSynapse("W", shape=(3, 4), weight_init={"dist": "uniform", "low": 0.0, "high": 0.3}, resist_scale=2)
        z1 = YLeaky("z1", n_units=4, tau=20.0)
    W.inputs << z0.r
    z1.j << (W.outputs + -0.5 * z1.r.prev)
    ctx.command("advance", [z0, W, z1])
    ctx.command("reset", [z0, W, z1])
    return ctx


def drive(ctx: Context, steps: int = 30) -> dict:
    xs = np.random.default_rng(0).uniform(0, 2, size=(steps, 2, 3)).astype(np.float32)
    recs = ctx.run(["advance"], steps=steps, record=["z1.r", "W.outputs"], inputs={"z0.j": xs})
    return {k: np.asarray(v) for k, v in recs.items()}


def test_yaml_builds_the_same_context_as_python():
    from_yaml, from_python = load_model_string(MODEL), python_form()
    assert from_yaml.to_graph() == from_python.to_graph()
    a, b = drive(from_yaml), drive(from_python)
    np.testing.assert_array_equal(a["z1.r"], b["z1.r"])
    # independent check of the dynamics: z1 integrates W.outputs minus half its own previous rate
    w = np.asarray(from_python.get("W.weights")) * 2.0
    xs = np.random.default_rng(0).uniform(0, 2, size=(30, 2, 3)).astype(np.float32)
    r0, r1 = np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)
    for t in range(30):
        r0 = r0 + 0.5 / 5.0 * (xs[t] - r0)
        r1 = r1 + 0.5 / 20.0 * (r0 @ w - 0.5 * r1 - r1)
        np.testing.assert_allclose(a["z1.r"][t], r1, rtol=1e-5, atol=1e-6)
    assert a["z1.r"][-1].max() > 0.05  # the inputs reached z1


def test_to_yaml_round_trip_is_a_fixed_point():
    ctx = load_model_string(MODEL)
    text = to_yaml(ctx)
    again = load_model_string(text)
    assert again.to_graph() == ctx.to_graph()
    assert to_yaml(again) == text
    assert "  W: {type: DenseSynapse, shape: [3, 4]" in text  # one readable line per component
    assert "  - z1.j << sum(W.outputs, -0.5 * z1.r.prev)" in text
    assert f"  z1: {{type: '{YLeaky.__module__}:YLeaky', n_units: 4, tau: 20.0}}" in text  # loads anywhere


def test_load_save_load_identical_graph_and_arrays(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL)
    ctx = load_model(path)
    drive(ctx, steps=5)
    ctx.save(str(tmp_path / "saved"))
    back = Context.load(str(tmp_path / "saved"))
    assert back.to_graph() == ctx.to_graph()
    for comp in ("z0", "W", "z1"):
        for name, value in ctx.state["values"][comp].items():
            np.testing.assert_array_equal(np.asarray(back.state["values"][comp][name]), np.asarray(value))
    # the saved graph.yaml is itself a loadable model file
    assert load_model(tmp_path / "saved" / "graph.yaml").to_graph() == ctx.to_graph()


def test_numbers_with_exponents_are_numbers():
    graph, _ = read_graph_text("components: {W: {type: DenseSynapse, shape: [2, 2], resist_scale: 1e-2}}\n"
                               "dt: 5E-1\nseed: 7\n")
    assert graph["components"]["W"]["resist_scale"] == pytest.approx(0.01)
    assert graph["dt"] == 0.5 and isinstance(graph["seed"], int)
    assert parse_value("2e-2") == pytest.approx(0.02)
    assert parse_value("[64, 100]") == [64, 100]
    assert parse_value("500") == 500 and isinstance(parse_value("500"), int)
    assert parse_value("uniform") == "uniform"


def read_graph_text(text: str):
    from contexts.graph_yaml import read_graph_string

    return read_graph_string(text)


def test_include_merges_then_overrides(tmp_path):
    (tmp_path / "base.yaml").write_text(MODEL)
    (tmp_path / "model.yaml").write_text(
        "include: base.yaml\n"
        "name: child\n"
        "components:\n"
        "  z1: {tau: 8.0}\n"                     # merged into the included z1
        "  z2: {type: YLeaky, n_units: 4}\n"
        "wires:\n"
        "  - z1.j << W.outputs\n"                # same target: replaces the included wire
        "  - z2.j << z1.r\n"
        "commands:\n"
        "  advance: [z0, W, z1, z2]\n"
        "  reset: [z0, W, z1, z2]\n")
    ctx = load_model(tmp_path / "model.yaml", overrides={"W.resist_scale": 3.0, "seed": 11})
    g = ctx.to_graph()
    assert g["name"] == "child" and g["seed"] == 11 and g["dt"] == 0.5
    assert g["components"]["z1"] == {"type": "YLeaky", "n_units": 4, "tau": 8.0}
    assert g["components"]["W"]["resist_scale"] == 3.0
    assert g["wires"] == ["W.inputs << z0.r", "z1.j << W.outputs", "z2.j << z1.r"]
    # a null removes an included component, with its wires and its places in commands
    (tmp_path / "small.yaml").write_text("include: model.yaml\ncomponents: {z2: null}\n")
    small = load_model(tmp_path / "small.yaml").to_graph()
    assert list(small["components"]) == ["z0", "W", "z1"]
    assert small["wires"] == ["W.inputs << z0.r", "z1.j << W.outputs"]
    assert small["commands"] == {"advance": ["z0", "W", "z1"], "reset": ["z0", "W", "z1"]}


def test_errors_in_an_included_file_point_into_it(tmp_path):
    (tmp_path / "base.yaml").write_text(MODEL.replace("tau: 2e1", "tua: 2e1"))
    (tmp_path / "model.yaml").write_text("include: [base.yaml]\nseed: 1\n")
    with pytest.raises(ModelFileError) as info:
        load_model(tmp_path / "model.yaml")
    assert info.value.file.endswith("base.yaml") and info.value.line == 8
    assert info.value.key == "components.z1.tua"


def test_include_cycle_and_missing_include(tmp_path):
    (tmp_path / "a.yaml").write_text("include: b.yaml\n")
    (tmp_path / "b.yaml").write_text("include: a.yaml\n")
    with pytest.raises(ModelFileError, match="include cycle"):
        load_model(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("name: c\ninclude: nope.yaml\n")
    with pytest.raises(ModelFileError, match="does not exist") as info:
        load_model(tmp_path / "c.yaml")
    assert info.value.line == 2


def test_overrides_of_parameters_top_level_and_run_keys():
    graph_text = MODEL + "steps: 100\nrun: {steps: 50, record: [z1.r]}\n"
    ctx = load_model_string(graph_text, overrides={"z1.tau": np.float32(4.0), "dt": np.float32(0.25),
                                                   "batch_size": 1, "W.shape": (3, 4)})
    assert ctx.components["z1"].tau == 4.0 and ctx.dt == 0.25 and ctx.batch_size == 1
    from contexts.graph_yaml import read_graph_string

    graph, locs = read_graph_string(graph_text, overrides={"steps": 500, "run.record": ["W.weights"]})
    assert graph["steps"] == 500 and graph["run"] == {"steps": 50, "record": ["W.weights"]}
    with pytest.raises(ModelFileError, match="no component 'Q'"):
        load_model_string(MODEL, overrides={"Q.tau": 1.0})
    with pytest.raises(ModelFileError, match="override z1.tua") as info:  # errors name the override
        load_model_string(MODEL, overrides={"z1.tua": 1.0})
    assert "Did you mean 'tau'" in str(info.value)


def test_command_with_explicit_method_and_clamped_round_trip():
    text = MODEL.replace("  reset: [z0, W, z1]\n", "  relax: {components: [z0, z1], method: advance_state}\n")
    ctx = load_model_string(text + "clamped: [z0.j]\n")
    g = ctx.to_graph()
    assert g["commands"]["relax"] == {"components": ["z0", "z1"], "method": "advance_state"}
    assert g["clamped"] == ["z0.j"]
    assert load_model_string(to_yaml(ctx)).to_graph() == g


def test_read_graph_from_path_keeps_key_lines(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL)
    graph, locs = read_graph(path)
    assert locs.of(("components", "W", "shape")).line == 7
    assert locs.of(("wires", 1)).line == 11
    assert locs.of(("commands", "reset", 2)).line == 14
