r"""Finite automata as memory sequences: compile a DFA into a memory graph and run it.

The construction (the family-tree automaton of Burns 2024, arXiv 2404.07123):

- every state :math:`q` is a memory with its own random pattern :math:`\xi_q` and a self-loop;
- every *defined* pair :math:`(q, s)` is a memory whose pattern is :math:`\xi_q` on a block
  of "state" neurons (default 25%) and the symbol's pattern :math:`\zeta_s` on the remaining
  "input" neurons;
- every transition :math:`q \xrightarrow{s} q'` is an edge :math:`(q, s) \to q'`;
- CDAM dynamics with :math:`a = 0`, :math:`h = 1`, normalisation ``none``, :math:`c = 1`.

Reading :math:`s` overwrites the input block of the current state with :math:`\zeta_s`; the
attention then locks onto the memory :math:`(q, s)`, whose value is its successor's pattern,
and the state flows to the attractor of :math:`q'`.

**Exactness.** The paper ran a fixed 100 steps and read off the best-correlated state. Here:

1. *Settling*: a step runs until no neuron moved by more than ``tol`` in one update (each
   word in a batch is frozen once settled), with at most ``max_steps`` updates; otherwise
   :class:`NotSettledError`.
2. *Decoding*: Pearson correlation with the state memories; the margin
   :math:`r_1 - \max(r_2, 0)` must reach ``min_margin`` (default 1/2, derivation below),
   otherwise :class:`AmbiguousStateError`.
3. *Verification at compile time*: every state's attractor is computed, and every defined
   transition is simulated twice: from its state's attractor, and from that attractor with
   every neuron pushed by :math:`\pm r`, :math:`r = 2\,\mathrm{tol}/\eta`. The settled
   state must decode to the target with the margin and lie within :math:`r` (max-abs) of the
   target's attractor. Why :math:`r`: near an attractor the update contracts by about
   :math:`1-\eta` per step, so a state whose last move was at most ``tol`` is within
   :math:`\mathrm{tol}(1-\eta)/\eta < r` of it. A run then chains verified steps: run time
   checks each settled state the same way (:class:`MisrecallError` otherwise) and the next
   symbol is read from the decoded state's attractor, the point every transition was verified
   from (a clean-up of the settled state, at most :math:`r` away). Reading from the settled
   state itself is not covered: two points of the ball of radius :math:`r` do not verify all
   of it, and a 3-state cycle at n = 256 lost its third read from such a state. The perturbed
   start measures how much room that clean-up has. If any transition fails,
   :class:`CapacityError` is raised at compile time, with the limit in the message.
4. *Undefined pairs*: the memory holds no :math:`(q, s)` memory; reading one raises
   :class:`UndefinedTransition` naming the state and symbol (the paper's construction would
   drift to another state that reads :math:`s`; :meth:`MemoryAutomaton.drift` shows where).

**Margin threshold.** For a state that mixes two independent patterns with weights
:math:`\lambda` and :math:`1-\lambda`, :math:`r_1 - r_2 = (2\lambda - 1)/\sqrt{\lambda^2 +
(1-\lambda)^2}`; a margin of 1/2 means :math:`\lambda \ge 0.69`, the decoded memory carries more
than 2.2 times the weight of the runner-up. A clean attractor has margin about 0.9, a tie 0,
and chance correlations between random patterns stay below :math:`4/\sqrt n` (0.25 at n = 250),
so 1/2 separates "one memory" from "a mixture" with room on both sides.

**Capacity.** Largest random complete DFA (states x symbols) that verifies for seeds 0 and 1,
measured by ``benchmarks/automata_capacity.py`` (see :data:`MEASURED_CAPACITY` and the guide):

======  ==================  ==================  ==================
n       2 symbols           4 symbols           8 symbols
======  ==================  ==================  ==================
250     3 x 2               3 x 4               3 x 8
500     40 x 2              30 x 4              24 x 8
750     160 x 2             128 x 4             80 x 8
1000    768 x 2             704 x 4             512 x 8
1500    >= 4096 x 2         >= 4096 x 4         >= 4096 x 8
======  ==================  ==================  ==================

(beta 0.5, the paper's; ">=": the scan stopped at 4096 states). The limit is the read: the
memory :math:`(q, s)` must win the attention against the other states that read :math:`s`, a
margin of :math:`\beta\, n_\text{state}/12` nats in expectation against :math:`\ln(K-1)`, so
:math:`n` grows with the logarithm of the states: measured, :math:`n \approx 64 + 140 \ln S`
at beta 0.5 (4 symbols), about 97 neurons more per doubling of the states. With ``beta=1`` the
limits are higher (n = 500: 512 x 2, 240 x 4, 60 x 8). ``n_neurons="auto"`` finds the smallest
length that verifies a given automaton.

**Other sources of DFAs.** :meth:`DFA.from_regex` (a minimal DFA of a regular expression),
:meth:`DFA.from_automata_lib` and :meth:`DFA.to_automata_lib` go through automata-lib
(``pip install 'cdam[automata]'``).
"""

from ..errors import (
    AmbiguousStateError,
    AutomatonError,
    CapacityError,
    MisrecallError,
    NotSettledError,
    SimulationError,
    UndefinedTransition,
    UnknownSymbolError,
)
from ._auto import NeuronSearch
from ._compile import MEASURED_CAPACITY, MemoryAutomaton, Verification
from ._demo import FAMILY_TREE_SEQUENCES, family_tree_demo, format_run, random_dfa
from ._plot import draw_trace, plot_family_tree, plot_trace
from ._run_spec import run_spec
from ._simulate import AutomatonTrace
from ._spec import DFA, EPSILON, NFA, load_automaton, read_automaton, save_automaton

__all__ = [
    "DFA",
    "EPSILON",
    "FAMILY_TREE_SEQUENCES",
    "MEASURED_CAPACITY",
    "NFA",
    "NeuronSearch",
    "AmbiguousStateError",
    "AutomatonError",
    "AutomatonTrace",
    "CapacityError",
    "MemoryAutomaton",
    "MisrecallError",
    "NotSettledError",
    "SimulationError",
    "UndefinedTransition",
    "UnknownSymbolError",
    "Verification",
    "draw_trace",
    "family_tree_demo",
    "format_run",
    "load_automaton",
    "plot_family_tree",
    "plot_trace",
    "random_dfa",
    "read_automaton",
    "run_spec",
    "save_automaton",
]
