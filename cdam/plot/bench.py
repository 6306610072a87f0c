"""Scaling: time per step and peak memory against the number of memories."""

from __future__ import annotations

from ._base import _axes, _finish

__all__ = ['plot_scaling']


def plot_scaling(result, ax=None, path=None):
    """Time per step and peak memory against the number of memories (log-log).

    Parameters
    ----------
    result : dict
        What :func:`cdam.experiments.bench.bench_scaling` returns.
    ax : matplotlib.axes.Axes, optional
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> rows = [dict(p=p, step_s=1e-4 * p, peak_rss_mb=100.0, B=4, n=50) for p in (10, 100)]
    >>> plot_scaling({"rows": rows, "time_exponent": 1.0}).axes[0].get_xlabel()
    'number of memories p'
    """
    fig, ax = _axes(ax, (6.5, 4))
    rows = result["rows"]
    p = [r["p"] for r in rows]
    ax.loglog(p, [r["step_s"] for r in rows], "-o", color="#4c72b0", label="time per step")
    ax.set_xlabel("number of memories p")
    ax.set_ylabel("seconds per step", color="#4c72b0")
    ax2 = ax.twinx()
    ax2.loglog(p, [r["peak_rss_mb"] for r in rows], "--s", color="#dd8452", label="peak memory")
    ax2.set_ylabel("peak resident memory (MiB)", color="#dd8452")
    B, n = rows[0]["B"], rows[0]["n"]
    ax.set_title(f"CDAM step cost, B={B}, n={n}, mean degree 10: time ~ p^{result['time_exponent']:.2f}", fontsize=9)
    return _finish(fig, path)
