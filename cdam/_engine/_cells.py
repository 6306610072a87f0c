"""Many parameter cells on the same starts: one stacked batch where coefficient space applies."""

from __future__ import annotations

import numpy as np
import torch

from ._params import _Params

CELL_PARAMETERS = ("a", "h", "beta", "eta", "mean_coef")


def run_cells(model, cells: list[dict], x: torch.Tensor, steps: int, *, cues=None, **run_kwargs) -> list:
    """Cell ``k``'s run of the checked starts ``x`` (B, n), for every cell (:meth:`cdam.CDAM.run_cells`).

    ``cells`` are complete (every parameter of :data:`CELL_PARAMETERS`, as floats). Where the
    model runs in coefficient space they run as one batch of ``len(cells) * B`` runs whose rows
    carry their cell's parameters (the Gram matrices and ``M`` are shared); otherwise one after
    the other on the model's compiled graph.
    """
    B, k = x.shape[0], len(cells)
    engine = model.choose_engine(record_states=bool(run_kwargs.get("record_states")))
    if engine != "coefficient" or k == 1:
        return [model.with_params(**c).run(x, steps, cues=cues, **run_kwargs) for c in cells]
    columns = (
        torch.tensor([c[name] for c in cells], dtype=torch.float64).repeat_interleave(B) for name in CELL_PARAMETERS
    )
    params = _Params(*columns, model.dtype, model.device)  # type: ignore[call-arg]  # five columns
    stacked = model.run(
        x.repeat(k, 1), steps, cues=None if cues is None else np.tile(np.asarray(cues), k),
        engine="coefficient", _row_params=params, _checked=True, **run_kwargs,
    )
    out = []
    for i, c in enumerate(cells):
        t = stacked.select(slice(i * B, (i + 1) * B))
        t.params = {**t.params, **c}
        out.append(t)
    return out
