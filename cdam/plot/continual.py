"""Continual learning (Bhandarkar & McClelland 2025): accuracy and d' by age of the memories."""

from __future__ import annotations

import numpy as np

from ..experiments.continual import _finite_mean, compare_by_age, one_winner_difference
from ._base import _finish, new_figure

__all__ = ["plot_continual"]


def plot_continual(
    result,
    path=None,
    cue: float = 1.0,
    alpha: float = 0.05,
    title: str | None = None,
    dprime_max: float | None = 15.0,
):
    """The paper's figure: accuracy by age and d' by age (log age axis).

    Left: mean accuracy by age for each model (the other tested cue fractions dashed),
    pseudo-memory accuracy as dotted lines and, for a 1-winner model, the closed form of
    :func:`~cdam.experiments.continual.one_winner_difference` added to its pseudo accuracy.
    Right: d' by age, mean over samples with a band of one standard error. Ticks along the
    top of each panel mark the ages where the first two models differ significantly (Welch
    test, ``p < alpha``; on the real - pseudo difference left, on d' right), coloured by
    the better model.

    Parameters
    ----------
    result : cdam.experiments.continual.ContinualResult
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).
    cue : float
        The cue fraction drawn solid.
    alpha : float
        Significance level of the ticks.
    title : str, optional
    dprime_max : float or None
        Cut the d' axis here (the 1-winner's d' at the newest ages is huge: its real
        accuracy there barely varies); ``None`` shows everything.

    Returns
    -------
    matplotlib.figure.Figure
        From :func:`~cdam.plot.new_figure`: not registered with pyplot, so it needs no
        closing and selects no backend.

    Examples
    --------
    >>> from cdam.experiments.continual import ModelConfig, continual_experiment
    >>> tiny = ModelConfig("tiny", n_hidden=30, k=3, fan_in=0.2, lr=0.5)
    >>> r = continual_experiment((tiny,), n_runs=2, n_samples=1, workers=1, progress=False, n_visible=60,
    ...                          n_active=6, n_burn_in=10, n_study=20, n_pseudo=10)
    >>> len(plot_continual(r).axes)
    2
    """
    ages = result.ages
    names = list(result.real)
    colors = {n: c for n, c in zip(names, ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"] * 4)}
    fig = new_figure((12, 4.8), layout=None)  # tight_layout below, as before
    ax_acc, ax_d = fig.subplots(1, 2)
    cfg = result.config
    for name in names:
        col = colors[name]
        ax_acc.plot(ages, result.accuracy(name, cue), color=col, lw=1.2, label=f"{name} ({int(cue * 100)}% cue)")
        for c in result.cue_fractions:
            if c != cue:
                ax_acc.plot(ages, result.accuracy(name, c), color=col, lw=0.8, ls="--",
                            label=f"{name} ({int(c * 100)}% cue)")  # fmt: skip
        pa = result.pseudo_accuracy(name, cue)
        ax_acc.axhline(pa, color=col, ls=":", lw=1, label=f"{name} pseudo ({pa:.2f})")
        model = result.models[name]
        if model.is_one_winner:
            closed = one_winner_difference(
                ages, model.n_hidden, cfg.get("n_visible", 1000), cfg.get("n_active", 100), cue
            )
            ax_acc.plot(ages, pa + closed, color="k", lw=0.8, ls="-.", label=f"{name} closed form")
        d = result.dprime(name, cue)
        mean, sem = _finite_mean(d, with_sem=True)
        ax_d.plot(ages, mean, color=col, lw=1.2, label=name)
        ax_d.fill_between(ages, mean - sem, mean + sem, color=col, alpha=0.25, lw=0)
    if dprime_max is not None and ax_d.get_ylim()[1] > dprime_max:
        ax_d.set_ylim(top=dprime_max)
    if len(names) >= 2:
        for ax, measure in ((ax_acc, "difference"), (ax_d, "dprime")):
            if measure == "dprime" and next(iter(result.real.values())).shape[0] < 2:
                continue  # one sample: no spread of d' to test
            comp = compare_by_age(result, names[0], names[1], measure=measure, cue=cue, alpha=alpha)
            top = ax.get_ylim()[1]
            for sign, name in ((1, names[0]), (-1, names[1])):
                sel = comp.winner == sign
                if sel.any():
                    ax.plot(ages[sel], np.full(sel.sum(), top), "|", color=colors[name], ms=8,
                            label=f"{name} better (p < {alpha})")  # fmt: skip
    for ax in (ax_acc, ax_d):
        ax.set_xscale("log")
        ax.set_xlabel("age (patterns learned since; 1 = last)")
        ax.grid(True, which="major", alpha=0.3)
    ax_acc.set_ylabel("recall accuracy (fraction of active bits)")
    ax_d.set_ylabel("d' (real vs pseudo-memory)")
    ax_d.axhline(0, color="grey", lw=0.6)
    ax_acc.set_title("Accuracy by age")
    ax_d.set_title("d' by age")
    ax_acc.legend(fontsize=7, loc="lower left")
    ax_d.legend(fontsize=7, loc="center right")
    runs = f"{cfg.get('n_samples', '?')} x {cfg.get('n_runs', '?')} runs"
    fig.suptitle(title or f"Continual learning, K-winner vs 1-winner MHN ({runs})")
    fig.tight_layout()
    return _finish(fig, path)
