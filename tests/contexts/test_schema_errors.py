"""Every model-file error points at the file, the line and the key, and says how to fix it."""

from __future__ import annotations

import json

import pytest

from contexts import Component, Input, ModelFileError, Output, ShapeError, ValidationError, WiringError
from contexts.graph_yaml import load_model, load_model_string
from contexts.schema import SCHEMA, parameters


class SLeaky(Component):
    """Test-only leaky integrator: tau dr/dt = -r + j (Euler), tau in ms."""

    def __init__(self, name: str, n_units: int, tau: float = 10.0, mode: str = "euler"):
        super().__init__(name)
        self.n_units, self.tau, self.mode = n_units, tau, mode
        self.j = Input((n_units,))
        self.r = Output((n_units,))

    def advance_state(self, c, *, t, dt, key):
        return {"r": c.r + dt / self.tau * (c.j - c.r)}


GOOD = """\
name: errs
dt: 1.0
components:
  a: {type: SLeaky, n_units: 3}
  W: {type: DenseSynapse, shape: [3, 2]}
  b: {type: SLeaky, n_units: 2, tau: 5.0}
wires:
  - W.inputs << a.r
  - b.j << W.outputs
commands:
  advance: [a, W, b]
"""
# line numbers in GOOD: a=4, W=5, b=6, wires[0]=8, wires[1]=9, advance=11


def error_of(text: str, cls: type = ModelFileError) -> ModelFileError:
    with pytest.raises(cls) as info:
        load_model_string(text, filename="model.yaml")
    err = info.value
    assert isinstance(err, ModelFileError)
    assert str(err).startswith(f"model.yaml:{err.line}: {err.key}: ") or err.key is None
    return err


def test_the_good_model_loads():
    assert list(load_model_string(GOOD).components) == ["a", "W", "b"]


def test_yaml_syntax_error_names_the_line():
    err = error_of(GOOD.replace("b: {type: SLeaky, n_units: 2,", "b: {type: SLeaky n_units: 2,"))
    assert err.line == 6 and "YAML syntax error" in str(err)
    err = error_of(GOOD.replace("  - b.j << W.outputs", "  - b.j << W.outputs: x: y"))
    assert err.line == 9 and "mapping values are not allowed" in str(err)
    err = error_of(GOOD.replace("advance: [a, W, b]", "advance: [a, W, b"))
    assert err.line == 12 and "expected ',' or ']'" in str(err)


def test_unknown_component_type_lists_the_closest_names():
    err = error_of(GOOD.replace("type: DenseSynapse", "type: DenseSynaps"))
    assert (err.line, err.key) == (5, "components.W.type")
    assert "unknown component type 'DenseSynaps'" in str(err) and "Did you mean DenseSynapse" in str(err)
    err = error_of(GOOD.replace("type: DenseSynapse", "type: nosuchmodule.sub:Thing"))
    assert err.line == 5 and "never imports code" in str(err) and "--allow-import nosuchmodule" in str(err)


def test_unknown_parameter_lists_the_valid_ones():
    err = error_of(GOOD.replace("tau: 5.0", "tau_m: 5.0"))
    assert (err.line, err.key) == (6, "components.b.tau_m")
    assert "has no parameter 'tau_m'" in str(err) and "Did you mean 'tau'" in str(err)
    assert "Valid parameters: n_units, tau=10.0, mode='euler'" in str(err)


def test_missing_required_parameter():
    err = error_of(GOOD.replace("  a: {type: SLeaky, n_units: 3}", "  a: {type: SLeaky}"))
    assert (err.line, err.key) == (4, "components.a") and "needs parameter(s) n_units" in str(err)
    err = error_of(GOOD.replace("  a: {type: SLeaky, n_units: 3}", "  a: {n_units: 3}"))
    assert err.line == 4 and "missing required key 'type'" in str(err)


def test_wire_naming_a_missing_component_or_compartment():
    err = error_of(GOOD.replace("b.j << W.outputs", "b.j << Wx.outputs"))
    assert (err.line, err.key) == (9, "wires[1]") and "names component 'Wx'" in str(err)
    assert "Did you mean 'W'" in str(err)
    err = error_of(GOOD.replace("b.j << W.outputs", "b.j << W.output"), WiringError)
    assert (err.line, err.key) == (9, "wires[1]") and "no compartment 'output'" in str(err)
    assert "Did you mean 'outputs'" in str(err)
    err = error_of(GOOD.replace("b.j << W.outputs", "b.j <- W.outputs"))
    assert err.line == 9 and "target.compartment << source" in str(err)
    err = error_of(GOOD.replace("b.j << W.outputs", "b.r << W.outputs"), WiringError)
    assert err.line == 9 and "wire into one of its inputs instead: j" in str(err)


def test_shape_mismatch_points_at_the_wire():
    err = error_of(GOOD.replace("n_units: 2, tau", "n_units: 4, tau"), ShapeError)
    assert isinstance(err, ShapeError)
    assert (err.line, err.key) == (9, "wires[1]")
    assert "b.j expects (batch, 4) but W.outputs is (batch, 2)" in str(err)


def test_constructor_errors_point_at_the_parameter():
    err = error_of(GOOD.replace("shape: [3, 2]", "shape: [3]"), ValidationError)
    assert (err.line, err.key) == (5, "components.W.shape") and "(n_in, n_out)" in str(err)


def test_cycle_and_ambiguous_order_point_at_the_wire_or_command():
    # b feeds back into a through V in the same command without `.prev`: a loop a -> W -> b -> V -> a
    cyclic = (GOOD.replace("  b: {", "  V: {type: DenseSynapse, shape: [2, 3]}\n  b: {")
              .replace("  - b.j << W.outputs\n", "  - b.j << W.outputs\n  - V.inputs << b.r\n  - a.j << V.outputs\n")
              .replace("[a, W, b]", "[a, W, b, V]"))
    err = error_of(cyclic, ValidationError)
    assert (err.line, err.key) == (12, "wires[3]") and "ambiguous order in command 'advance'" in str(err)
    assert "a.j << V.outputs.prev" in str(err)
    assert load_model_string(cyclic.replace("a.j << V.outputs", "a.j << V.outputs.prev"))  # the fix works
    # wrong order in the command list: b runs before W, whose outputs it reads
    err = error_of(GOOD.replace("advance: [a, W, b]", "advance: [a, b, W]"), ValidationError)
    assert (err.line, err.key) == (9, "wires[1]") and "Put W before b" in str(err)


def test_command_errors_point_at_the_entry():
    err = error_of(GOOD.replace("advance: [a, W, b]", "advance: [a, W, b]\n  evolve: [W, c]"))
    assert (err.line, err.key) == (12, "commands.evolve[1]") and "lists 'c'" in str(err)
    err = error_of(GOOD.replace("advance: [a, W, b]", "advance: [a, W, b]\n  evolve: [a, W]"), ValidationError)
    assert (err.line, err.key) == (12, "commands.evolve[0]") and "has no such step" in str(err)
    err = error_of(GOOD.replace("advance: [a, W, b]", "advance: [a, W, b, a]"), ValidationError)
    assert (err.line, err.key) == (11, "commands.advance") and "twice" in str(err)
    err = error_of(GOOD.replace("advance: [a, W, b]", "advance: [a, W]"), ValidationError)
    assert (err.line, err.key) == (6, "components.b") and "appear in no command" in str(err)


@pytest.mark.parametrize("old, new, line, key, words", [
    ("dt: 1.0", "dt: fast", 2, "dt", "expected a number, got 'fast'"),
    ("dt: 1.0", "dt: -1", 2, "dt", "must be > 0"),
    ("dt: 1.0", "dt: 1.0\nbatch_size: 0", 3, "batch_size", "must be >= 1"),
    ("dt: 1.0", "dt: 1.0\nseed: 1.5", 3, "seed", "expected an integer"),
    ("dt: 1.0", "dt: 1.0\ndtype: float8", 3, "dtype", "must be one of float32"),
    ("wires:", "wire:", 7, "wire", "Did you mean 'wires'"),
    ("  - W.inputs << a.r", "  - {W.inputs: a.r}", 8, "wires[0]", "expected a string"),
    ("n_units: 3}", "n_units: 3.5}", 4, "components.a.n_units", "must be an integer, got 3.5"),
    ("n_units: 3}", "n_units: '3'}", 4, "components.a.n_units", "got '3' (a string); write the number alone, e.g. n_units=10"),  # noqa: E501
    ("tau: 5.0", "tau: true", 6, "components.b.tau", "must be a number, got True"),
    ("shape: [3, 2]", "shape: 3", 5, "components.W.shape", "got 3"),
    ("  a: {type", "  2a: {type", 4, "components.2a", "must be an identifier"),
    ("advance: [a, W, b]", "advance: a", 11, "commands.advance", "expected a list or a mapping"),
    ("advance: [a, W, b]", "advance: {components: [a, W, b], methd: x}", 11, "commands.advance.methd", "unknown"),
    ("name: errs", "name: errs\nrun: {stepz: 3}", 2, "run.stepz", "Did you mean 'steps'"),
    ("name: errs", "name: errs\nname: again", 2, "name", "duplicate key (first on line 1)"),
])
def test_wrong_values_and_keys(old, new, line, key, words):
    err = error_of(GOOD.replace(old, new))
    assert (err.line, err.key) == (line, key)
    assert words in str(err)


def test_python_tags_are_refused():
    for tag in ("!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!custom 3"):
        err = error_of(GOOD.replace("dt: 1.0", f"dt: {tag}"))
        assert err.line == 2 and "YAML syntax error" in str(err)


def test_not_a_mapping_and_missing_file(tmp_path):
    err = error_of("- just\n- a list\n")
    assert err.line == 1 and "a model file is a mapping" in str(err)
    with pytest.raises(ModelFileError, match="cannot read model file"):
        load_model(tmp_path / "absent.yaml")


def test_errors_carry_the_real_file_name(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(GOOD.replace("tau: 5.0", "tua: 5.0"))
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(info.value).startswith(f"{path}:6: components.b.tua: ")


def test_schema_is_json_and_parameters_follow_kwargs_up_the_mro():
    json.dumps(SCHEMA)
    assert set(SCHEMA["properties"]) >= {"name", "dt", "seed", "batch_size", "components", "wires", "commands",
                                         "steps", "run", "include"}

    class Plastic(SLeaky):
        def __init__(self, name: str, eta: float = 0.1, **kwargs):
            super().__init__(name, **kwargs)
            self.eta = eta

    params, open_kw = parameters(Plastic)
    assert list(params) == ["eta", "n_units", "tau", "mode"] and not open_kw
    assert params["n_units"].required and not params["eta"].required
