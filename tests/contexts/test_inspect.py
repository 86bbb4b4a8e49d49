"""summary(), to_dot() and draw() describe the model."""

from tests.contexts.toy import build_net


def test_summary_lists_components_compartments_wires_commands():
    ctx, *_ = build_net()
    text = ctx.summary()
    for needle in ["W (ToyHebb)", "param  weights        (6, 4)", "<< noise.outputs", "advance: [noise, W, z]"]:
        assert needle in text, needle


def test_dot_has_an_edge_per_wire_term():
    ctx, *_ = build_net()
    dot = ctx.to_dot()
    assert 'noise -> W [label="outputs -> inputs"]' in dot
    assert 'z -> W [label="s -> post"]' in dot


def test_draw_writes_a_png(tmp_path):
    ctx, *_ = build_net()
    path = ctx.draw(str(tmp_path / "g.png"))
    from pathlib import Path

    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
