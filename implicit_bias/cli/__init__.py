"""The ``implicit-bias`` command: derive a regularizer from the shell, in text, LaTeX or JSON.

The entry point is :func:`implicit_bias.cli.main.main` (``implicit-bias`` once installed, or
``python -m implicit_bias.cli.main``). Subcommands:

``derive``
    Derive ``Q`` for ``beta = phi(w)`` typed as an expression, or for a catalogue entry, check it
    independently and optionally evaluate it at given ``beta`` to any number of digits.
``catalogue``
    List the named parametrizations of :mod:`implicit_bias.parametrizations.catalogue`.

Bad input exits with status 2 and one line on stderr that names the argument, echoes the value
and says how to fix it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["main"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``python -m implicit_bias.cli.main`` does not find the module
    # already imported by its package (runpy warns about that).
    if name == "main":
        from .main import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
