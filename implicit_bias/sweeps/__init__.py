"""Parameter sweeps that lose nothing: every finished point is stored at once, a rerun does only the rest.

A local process pool by default; ``client=`` (a ``dask.distributed.Client`` or a scheduler address) runs the
same sweep on a Dask cluster. See :func:`run_sweep`.
"""

from .runner import SweepResult, load_results, run_sweep
from .store import PointRecord, SweepStore

__all__ = ["PointRecord", "SweepResult", "SweepStore", "load_results", "run_sweep"]
