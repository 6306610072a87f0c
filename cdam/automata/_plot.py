"""Figures of memory-automaton runs (the ``plot`` extra).

Each function returns a :class:`matplotlib.figure.Figure` and writes it only when given a
path. The figures come from :func:`cdam.plot.new_figure`, the factory of every cdam plot:
outside pyplot's global state, so a notebook shows each once, and no backend is selected,
so a notebook's or a script's backend stays what its user chose.
"""

from __future__ import annotations

import numpy as np

from ..errors import UndefinedTransition
from ..plot._base import new_figure
from ._compile import MemoryAutomaton
from ._demo import FAMILY_TREE_SEQUENCES
from ._simulate import AutomatonTrace
from ._spec import load_automaton

__all__ = ["draw_trace", "plot_family_tree", "plot_trace"]


def draw_trace(trace: AutomatonTrace, ax, *, title: str | None = None):
    """Draw the overlaps of a trace on a matplotlib ``ax``: one line per state memory, a dashed
    line and a ``symbol->state`` label at each read. Returns ``ax``."""
    ov = np.asarray(trace.overlaps)
    for i, name in enumerate(trace.state_names):
        ax.plot(np.arange(ov.shape[0]), ov[:, i], label=str(name), lw=1.6, marker="o" if len(ov) == 1 else None)
    for t, s, q in zip(trace.read_times, trace.word, trace.states[1:]):
        ax.axvline(t, color="0.6", lw=0.8, ls="--")
        ax.text(t, 1.02, f"{s}\u2192{q}", fontsize=7, ha="left", va="bottom", transform=ax.get_xaxis_transform())
    ax.set_xlabel("update step")
    ax.set_ylabel("Pearson overlap with state memory")
    ax.set_ylim(-0.4, 1.05)
    if title is None:
        chars = all(isinstance(w, str) and len(w) == 1 for w in trace.word)
        word = ("" if chars else " ").join(map(str, trace.word)) if trace.word else "(empty word)"
        title = f"word: {word}  ({'accepted' if trace.accepted else 'rejected'})"
    ax.set_title(title, pad=16, fontsize=10)
    ax.legend(title="state memory", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title_fontsize=8)
    return ax


def _save(fig, path, dpi: int) -> None:
    if path is not None:
        fig.savefig(path, dpi=dpi)


def plot_trace(trace: AutomatonTrace, path=None):
    """The overlaps-over-time figure of a :meth:`MemoryAutomaton.trace`.

    Parameters
    ----------
    trace : AutomatonTrace
    path : str or os.PathLike, optional
        Where to write the figure (the format follows the suffix, e.g. PNG).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cdam.automata import MemoryAutomaton, load_automaton
    >>> m = MemoryAutomaton(load_automaton("parity"), n_neurons=300, seed=0)
    >>> fig = plot_trace(m.trace("01"))
    >>> fig.axes[0].get_xlabel()
    'update step'
    """
    n_updates = np.asarray(trace.overlaps).shape[0]
    fig = new_figure((min(14.0, max(6.0, 0.02 * n_updates + 4)), 4.2), layout=None)  # tight_layout below
    draw_trace(trace, fig.add_subplot())
    fig.tight_layout()
    _save(fig, path, 110)
    return fig


def plot_family_tree(path=None, n_neurons: int = 1000, seed: int = 0):
    """The family-tree figure: overlaps over time for :data:`FAMILY_TREE_SEQUENCES`, one panel each.

    A sequence that meets an undefined pair is drawn up to it, and the panel title says which
    pair was reported. The figure is written to ``path`` when one is given.

    Returns
    -------
    matplotlib.figure.Figure
    """
    dfa = load_automaton("family_tree")
    m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
    fig = new_figure((11, 3.6 * len(FAMILY_TREE_SEQUENCES)), layout=None)
    axes = fig.subplots(len(FAMILY_TREE_SEQUENCES), 1)
    for ax, (start, word) in zip(np.atleast_1d(axes), FAMILY_TREE_SEQUENCES):
        title = f"start {start}: {' '.join(word)}"
        try:
            tr = m.trace(word, start=start)
        except UndefinedTransition as exc:
            tr = m.trace(word[: exc.position], start=start)
            title += f"   ({exc.state} has no {exc.symbol!r}: reported)"
        draw_trace(tr, ax, title=title)
    fig.tight_layout()
    _save(fig, path, 100)
    return fig
