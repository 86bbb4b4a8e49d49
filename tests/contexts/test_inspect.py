"""summary(), to_dot() and draw() describe the model; `synaptica inspect --dot` prints only DOT."""

import os
from pathlib import Path

import numpy as np
import pytest

from contexts import inspect as insp
from contexts.cli import main
from contexts.errors import ContextError
from tests.contexts.toy import build_net

STDP_DIGITS = Path(__file__).resolve().parents[2] / "museum" / "stdp_digits" / "model.yaml"


def test_summary_lists_components_compartments_wires_commands():
    ctx, *_ = build_net()
    text = ctx.summary()
    for needle in ["W (ToyHebb)", "param  weights        (6, 4)", "<< noise.outputs", "advance: [noise, W, z]"]:
        assert needle in text, needle


def test_dot_has_an_edge_per_wire_term():
    ctx, *_ = build_net()
    dot = ctx.to_dot()
    assert 'noise -> W [label="outputs -> inputs"]' in dot
    # z runs after W, so z -> W is feedback: drawn, but it does not push W to the right of z
    assert 'z -> W [label="s -> post", constraint=false]' in dot


def test_layers_follow_the_execution_order_and_skip_feedback():
    from contexts import load_model

    ctx = load_model(STDP_DIGITS)
    layer = insp._layers(ctx, insp._edges(ctx))
    # x -> W -> z -> ztr; I is fed only by z.s.prev and placed just before z, which reads it
    assert layer["x"] < layer["W"] < layer["z"] < layer["ztr"]
    assert layer["I"] == layer["z"] - 1 and layer["xtr"] == layer["x"] + 1


def test_draw_writes_a_png_whose_labels_do_not_overlap(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from contexts import load_model

    ctx = load_model(STDP_DIGITS)
    seen = {}
    real_close = plt.close

    def keep(fig):  # look at the figure before it is closed
        r = fig.canvas.get_renderer()
        seen["boxes"] = [t.get_window_extent(r) for t in fig.axes[0].texts]
        real_close(fig)

    monkeypatch.setattr(plt, "close", keep)
    path = insp.draw(ctx, str(tmp_path / "g.png"), engine="matplotlib")
    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    boxes = seen["boxes"]
    assert len(boxes) == 6 + 9  # 6 components, 9 (source, target) pairs of components
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert overlaps == []


def test_draw_rejects_an_unknown_engine_and_a_missing_graphviz(tmp_path, monkeypatch):
    ctx, *_ = build_net()
    with pytest.raises(ContextError, match="engine='neato'"):
        insp.draw(ctx, str(tmp_path / "g.png"), engine="neato")
    monkeypatch.setattr(insp.shutil, "which", lambda name: None)
    with pytest.raises(ContextError, match="needs Graphviz's `dot`"):
        insp.draw(ctx, str(tmp_path / "g.png"), engine="graphviz")


def test_draw_uses_graphviz_when_installed(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "dot"  # a stand-in `dot`: keeps its input, writes a PNG signature
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done\n'
                    'cat > "$out.dot"\nprintf "\\211PNG\\r\\n\\032\\n" > "$out"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    ctx, *_ = build_net()
    out = tmp_path / "g.png"
    assert insp.draw(ctx, str(out)) == str(out)
    assert (tmp_path / "g.png.dot").read_text() == ctx.to_dot()
    assert out.read_bytes() == b"\x89PNG\r\n\x1a\n"


def test_cli_dot_prints_only_the_graph(tmp_path, capsys):
    assert main(["inspect", str(STDP_DIGITS), "--dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "stdp_digits" {') and out.rstrip().endswith("}")
    assert "components:" not in out and "wires:" not in out
    png = tmp_path / "g.png"
    assert main(["inspect", str(STDP_DIGITS), "--dot", "--png", str(png)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("digraph") and f"wrote {png}" in captured.err
    assert np.frombuffer(png.read_bytes()[:8], np.uint8).tolist() == list(b"\x89PNG\r\n\x1a\n")
