"""Parameter checks shared by the cells: each raises ValidationError naming the cell and the fix."""

from __future__ import annotations

from typing import Any, Sequence

from contexts.errors import ValidationError


def n_units(owner: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{owner}: n_units must be a positive integer, got {value!r}")
    return value


def positive(owner: str, pname: str, value: Any, unit: str = "") -> None:
    if not value > 0:
        raise ValidationError(f"{owner}: {pname} must be > 0{' ' + unit if unit else ''}, got {value!r}")


def nonnegative(owner: str, pname: str, value: Any, unit: str = "") -> None:
    if not value >= 0:
        raise ValidationError(f"{owner}: {pname} must be >= 0{' ' + unit if unit else ''}, got {value!r}")


def choice(owner: str, pname: str, value: Any, options: Sequence[str]) -> None:
    if value not in options:
        raise ValidationError(f"{owner}: {pname} must be one of {', '.join(map(repr, options))}, got {value!r}")
