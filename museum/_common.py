"""Shared machinery of the museum exhibits: command line, output folder, figures, progress, results.

Every exhibit's ``__main__.py`` follows the same shape::

    from museum import _common as mc

    def main(argv=None):
        args = mc.parse_args("hebbian_pca", __doc__, argv)      # --out, --seed, --quick, --publish
        ctx = mc.load_exhibit_model(__file__, overrides={...})   # the exhibit's model.yaml
        mc.progress("hebbian_pca", "training ...")
        fig = ...                                               # matplotlib, Agg backend
        mc.save_figure(fig, args.out / "pca.png")
        mc.save_results(args.out, {"cosine_pc1": 0.998})        # results.json + printed
        mc.publish(args, __file__)                              # --publish: PNGs -> museum/<name>/figures/

Output goes to ``--out`` (default ``museum_out/<name>``, relative to the working directory).
``--quick`` asks for a short run (smoke tests, ``make demo``); ``--seed`` seeds data and model;
``--set COMP.PARAM=VALUE`` overrides a parameter of the YAML model (pass ``args=args`` to
:func:`load_exhibit_model`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import matplotlib
import yaml

matplotlib.use("Agg")  # exhibits never open windows; must precede any pyplot import

import matplotlib.pyplot as plt  # noqa: E402

_T0 = time.perf_counter()
MAX_PNG_BYTES = 200_000


def parse_args(name: str, description: str | None = None, argv: Sequence[str] | None = None,
               extra: Any = None) -> argparse.Namespace:
    """The standard exhibit command line; ``extra(parser)`` may add exhibit-specific options.

    Options: ``--out DIR`` (default ``museum_out/<name>``; created), ``--seed N`` (default 0),
    ``--quick`` (a short run), ``--publish`` (copy the PNGs to ``museum/<name>/figures/``).
    ``args.out`` is a :class:`~pathlib.Path`; ``args.name`` the exhibit's name.
    """
    parser = argparse.ArgumentParser(prog=f"python -m museum.{name}", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("museum_out") / name,
                        help="output folder for figures and results.json (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data and model (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test / demo)")
    parser.add_argument("--publish", action="store_true",
                        help=f"copy the figures to museum/{name}/figures/ (for the README gallery)")
    parser.add_argument("--set", action="append", default=[], metavar="COMP.PARAM=VALUE",
                        help="override a parameter of the YAML model, e.g. --set W.eta=0.01 (repeatable)")
    if extra is not None:
        extra(parser)
    args = parser.parse_args(argv)
    args.name = name
    args.overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            parser.error(f"--set expects COMP.PARAM=VALUE, got {item!r}")
        args.overrides[key.strip()] = yaml.safe_load(value)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def exhibit_dir(main_file: str) -> Path:
    """The folder of an exhibit, from its ``__main__.py``'s ``__file__``."""
    return Path(main_file).resolve().parent


def load_exhibit_model(main_file: str, overrides: dict | None = None, filename: str = "model.yaml",
                       args: argparse.Namespace | None = None) -> Any:
    """Build the Context of the exhibit's YAML model (next to ``main_file``) with ``overrides``.

    With ``args``, the command line's ``--set`` overrides are applied on top (they win)."""
    from contexts import load_model

    merged = {**(overrides or {}), **(getattr(args, "overrides", None) or {})}
    # an exhibit's model may name the exhibit's own classes ("museum.NAME.module:Class")
    return load_model(exhibit_dir(main_file) / filename, overrides=merged, allow_import=["museum"])


def progress(name: str, message: str) -> None:
    """One progress line on stderr, stamped with the seconds since the exhibit started."""
    print(f"[{name} {time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 90) -> Path:
    """Save a matplotlib figure as PNG and close it; lowers the dpi until the file is < 200 KB."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        if path.stat().st_size < MAX_PNG_BYTES or dpi <= 40:
            break
        dpi = int(dpi * 0.8)
    plt.close(fig)
    return path


def save_results(out: str | os.PathLike, results: dict, name: str = "results.json") -> Path:
    """Write the measured numbers as JSON (floats rounded to 4 significant digits) and print them."""
    def plain(v: Any) -> Any:
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, float):
            return float(f"{v:.4g}")
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    data = plain(dict(results))
    path = Path(out) / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    for k, v in data.items():
        if not isinstance(v, (list, dict)):
            print(f"  {k}: {v}")
    return path


def publish(args: argparse.Namespace, main_file: str) -> None:
    """With ``--publish``: copy every PNG of ``args.out`` to ``museum/<name>/figures/``."""
    if not getattr(args, "publish", False):
        return
    dest = exhibit_dir(main_file) / "figures"
    dest.mkdir(exist_ok=True)
    for png in sorted(Path(args.out).glob("*.png")):
        shutil.copy2(png, dest / png.name)
        progress(args.name, f"published {dest / png.name}")
