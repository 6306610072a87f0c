"""What ``cdam automaton run AUTOMATON WORD`` prints, and the overlap figure it draws when asked.

It sits above both :mod:`cdam.automata._demo` (the printable run) and
:mod:`cdam.automata._plot` (the figure), so that the text helpers import no plot code;
matplotlib is still imported only when a figure is asked for (by :func:`cdam.plot.new_figure`).
"""

from __future__ import annotations

from ..errors import UndefinedTransition
from ._compile import MemoryAutomaton
from ._demo import format_run
from ._plot import plot_trace
from ._spec import load_automaton

__all__ = ["run_spec"]


def run_spec(spec, word: str, *, n_neurons: int = 1000, seed: int = 0, plot: str | None = None, start=None) -> str:
    """What ``cdam automaton run AUTOMATON WORD`` prints; writes the overlap figure to ``plot`` if given.

    ``spec`` is a gallery name or a JSON path, ``word`` command-line text (see
    :meth:`DFA.parse_word`). An undefined step is reported in the text (the word is
    rejected), not raised; other errors propagate.
    """
    dfa = load_automaton(spec)
    m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
    symbols = dfa.parse_word(word)
    try:
        tr = m.trace(symbols, start=start)
    except UndefinedTransition as exc:
        done = m.run(symbols[: exc.position], start=start)
        return (
            format_run(dfa, symbols[: exc.position], done, verdict=False)
            + f" --{exc.symbol}--> (undefined)  [rejected]\n{exc}"
        )
    lines = [format_run(dfa, symbols, tr.states)]
    lines.append(f"states: {' '.join(map(str, tr.states))}")
    lines.append(f"accepted: {'yes' if tr.accepted else 'no'}")
    if plot is not None:
        plot_trace(tr, plot)
        lines.append(f"figure: {plot}")
    return "\n".join(lines)
