"""Progress bars for long work: one default everywhere.

``progress=None`` (the default of every long-running entry point) shows a bar on stderr only when stderr is a
terminal, so interactive use sees progress and logs, CI and doctests stay clean; ``True`` forces it, ``False``
silences it.
"""

from __future__ import annotations

from typing import Any

from tqdm import tqdm

__all__ = ["progress_bar"]


def progress_bar(progress: bool | None, **kwargs: Any) -> tqdm:
    """A tqdm bar on stderr following the ``progress`` convention above (``kwargs`` go to tqdm)."""
    return tqdm(disable=None if progress is None else not progress, **kwargs)
