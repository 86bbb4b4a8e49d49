"""Component registry: built-in classes, entry points (monkeypatched), ``module:Class`` strings."""

from __future__ import annotations

import textwrap
from importlib import metadata

import pytest

from components.synapses import DenseSynapse
from contexts import Component, ModelFileError, lookup, register, registered
from contexts import registry as reg
from contexts.graph_yaml import load_model_string

PLUGIN = '''
from contexts import Component, Input, Output


class PluginCell(Component):
    """A third-party cell: outputs = gain * inputs."""

    def __init__(self, name: str, n_units: int, gain: float = 2.0):
        super().__init__(name)
        self.n_units, self.gain = n_units, gain
        self.inputs = Input((n_units,))
        self.outputs = Output((n_units,))

    def advance_state(self, c, *, t, dt, key):
        return {"outputs": self.gain * c.inputs}


NOT_A_COMPONENT = 3
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A package ``synplug_<n>`` on sys.path, announced through fake ``synaptica.components`` entry points."""
    mod = f"synplug_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{mod}.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [metadata.EntryPoint(name="PluginCell", value=f"{mod}:PluginCell", group=reg.ENTRY_POINT_GROUP),
           metadata.EntryPoint(name="DenseSynapse", value=f"{mod}:PluginCell", group=reg.ENTRY_POINT_GROUP),
           metadata.EntryPoint(name="BrokenCell", value="synplug_missing_module:Cell", group=reg.ENTRY_POINT_GROUP),
           metadata.EntryPoint(name="NotACell", value=f"{mod}:NOT_A_COMPONENT", group=reg.ENTRY_POINT_GROUP)]
    calls = []

    def fake_entry_points(**kw):
        calls.append(kw)
        return eps if kw.get("group") == reg.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(reg.metadata, "entry_points", fake_entry_points)
    reg.unregister("PluginCell")
    reg.refresh()
    yield mod, calls
    monkeypatch.undo()
    reg.unregister("PluginCell")
    reg.refresh()


def test_builtin_components_are_registered():
    assert lookup("DenseSynapse") is DenseSynapse
    assert registered()["DenseSynapse"] is DenseSynapse
    assert "Component" not in registered() or registered()["Component"] is Component


def test_entry_points_are_found_lazily_and_never_shadow_builtins(plugin):
    mod, calls = plugin
    assert calls == [{"group": "synaptica.components"}]
    assert "PluginCell" in reg.known_names()
    cls = lookup("PluginCell")
    assert cls.__module__ == mod and cls.__name__ == "PluginCell"
    assert lookup("DenseSynapse") is DenseSynapse  # a plugin cannot replace a built-in class
    ctx = load_model_string("components: {p: {type: PluginCell, n_units: 2, gain: 3.0}}\n"
                            "commands: {advance: [p]}\n")
    ctx.clamp("p.inputs", [[1.0, -2.0]])
    ctx.run("advance", steps=1)
    assert ctx.get("p.outputs").tolist() == [[3.0, -6.0]]


def test_broken_entry_points_say_which_plugin(plugin):
    with pytest.raises(ModelFileError, match="synplug_missing_module:Cell.*failed to load"):
        lookup("BrokenCell")
    with pytest.raises(ModelFileError, match="not a Component subclass"):
        lookup("NotACell")
    names = registered()  # loads every entry point, skipping the broken ones
    assert "PluginCell" in names and "BrokenCell" not in names and "NotACell" not in names


def test_unknown_names_list_the_closest(plugin):
    with pytest.raises(ModelFileError) as info:
        lookup("plugincel")
    assert "Did you mean PluginCell" in str(info.value)
    with pytest.raises(ModelFileError, match="Did you mean DenseSynapse"):
        lookup("DenseSynaps")
    with pytest.raises(ModelFileError, match="must be a string"):
        lookup(3)


def test_module_class_strings(plugin):
    mod, _ = plugin
    assert lookup("components.synapses.dense:DenseSynapse") is DenseSynapse
    with pytest.raises(ModelFileError, match=f"allow_import=\\['{mod}'\\]"):
        lookup(f"{mod}:PluginCell")  # a model file never imports code on its own
    assert lookup(f"{mod}:PluginCell", allow_import=[mod]).__name__ == "PluginCell"
    assert lookup(f"{mod}:PluginCell").__name__ == "PluginCell"  # imported now: resolves without opt-in
    with pytest.raises(ModelFileError, match="not a Component subclass"):
        lookup("os.path:join")
    with pytest.raises(ModelFileError, match="never imports code"):
        lookup("no_such_module_xyz:Cell")
    with pytest.raises(ModelFileError, match="cannot import"):
        lookup("no_such_module_xyz:Cell", allow_import=["no_such_module_xyz"])
    with pytest.raises(ModelFileError, match="cannot import"):
        lookup("components.synapses.dense:NoSuchClass")
    ctx = load_model_string(f"components: {{p: {{type: '{mod}:PluginCell', n_units: 1}}}}\n"
                            "commands: {advance: [p]}\n")
    assert ctx.to_graph()["components"]["p"]["type"] == "PluginCell"


def test_register_under_another_name_and_private_classes():
    class _Hidden(Component):
        def __init__(self, name: str):
            super().__init__(name)

    assert "_Hidden" not in registered()

    @register
    class _Aliased(Component):
        pass

    register(_Aliased, "AliasCell")
    try:
        assert lookup("AliasCell") is _Aliased and lookup("_Aliased") is _Aliased
    finally:
        reg.unregister("AliasCell")
        reg.unregister("_Aliased")
    with pytest.raises(ModelFileError):
        lookup("AliasCell")
    with pytest.raises(TypeError, match="Component class"):
        register(3)
