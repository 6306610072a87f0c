r"""``n_neurons="auto"``: the smallest pattern length that verifies, by doubling then bisection.

The search (:func:`search_neurons`) tries lengths that are multiples of
:data:`AUTO_RESOLUTION` (64 neurons):

1. *Start*: the smallest multiple of 64 that passes the necessary checks of
   :class:`~cdam.automata.MemoryAutomaton` (the read margin :math:`\beta\,n_\text{state}/12 >
   \ln(K-1)` for the :math:`K` states reading the most-read symbol, and chance correlations
   :math:`4/\sqrt n` below ``min_margin``). A shorter length is refused without being built.
2. *Doubling*: ``start, 2 start, 4 start, ...`` until one compiles and verifies, or the next
   would pass ``max_neurons`` (then :class:`~cdam.CapacityError`, with every try listed).
3. *Bisection* between the last refused and the first verified length, down to 64 neurons.

Every try uses the same ``seed`` and settings, so the search is deterministic, and the
length found verifies while the one 64 neurons shorter was refused (tried, or below the
start). Capacity is not monotone in :math:`n` for a fixed seed (a larger :math:`n` draws
other patterns), so this is the smallest verifying length the bracket found, not a bound
over all lengths. A refused try stops verification at its first failing chunk of
transitions, so most of the search's time goes to the verified tries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import CapacityError

__all__ = ["AUTO_MAX_NEURONS", "AUTO_RESOLUTION", "NeuronSearch", "search_neurons"]

#: Step of the lengths that ``n_neurons="auto"`` tries (every try is a multiple of it).
AUTO_RESOLUTION = 64
#: Default bound of the search (``max_neurons``): no try is longer.
AUTO_MAX_NEURONS = 16384


@dataclass(frozen=True)
class NeuronSearch:
    """How ``n_neurons="auto"`` found its length.

    Attributes
    ----------
    n_neurons : int
        The length found: it verified, and ``n_neurons - resolution`` was refused.
    start, resolution, max_neurons : int
        The first try, the step of the bisection, the bound of the search.
    tries : tuple of (int, bool)
        Every length tried, in order, and whether it verified.
    seconds : float
        Wall time of the whole search.
    """

    n_neurons: int
    start: int
    resolution: int
    max_neurons: int
    tries: tuple
    seconds: float

    def __str__(self) -> str:
        tried = ", ".join(f"{n}{'' if ok else 'x'}" for n, ok in self.tries)
        return (f"n_neurons={self.n_neurons} found in {len(self.tries)} tries ({tried}; x: refused) from {self.start}, "
                f"to {self.resolution} neurons, {self.seconds:.2f} s")


def search_neurons(build: Callable[[int], object], refused: Callable[[int], str | None], *, max_neurons: int,
                   resolution: int = AUTO_RESOLUTION, what: str = "this automaton"):
    """Doubling then bisection over multiples of ``resolution`` (see the module docstring).

    Parameters
    ----------
    build : callable
        ``build(n)`` returns a verified automaton or raises :class:`CapacityError`.
    refused : callable
        ``refused(n)``: the necessary check, a reason string or None.
    max_neurons, resolution : int
        Bound of the search and step of its lengths.
    what : str
        Names the automaton in a refusal.

    Returns
    -------
    tuple
        What ``build`` returned at the length found, and the :class:`NeuronSearch`.

    Examples
    --------
    >>> def build(n):  # a stand-in for compilation: lengths from 700 on verify
    ...     if n < 700:
    ...         raise CapacityError(f"{n} is too short")
    ...     return n
    >>> found, search = search_neurons(build, lambda n: None if n >= 128 else "short", max_neurons=4096)
    >>> found, search.tries
    (704, ((128, False), (256, False), (512, False), (1024, True), (768, True), (640, False), (704, True)))
    """
    import time

    t0 = time.perf_counter()
    start = resolution
    while start <= max_neurons and refused(start) is not None:
        start += resolution
    if start > max_neurons:
        raise CapacityError(
            f"n_neurons='auto' cannot compile {what} within max_neurons={max_neurons}: already the necessary check "
            f"refuses every length up to it ({refused(max_neurons)}); raise max_neurons, or use a larger beta or "
            "state_fraction"
        )
    tries: list = []
    last_error: list = []

    def attempt(n: int):
        try:
            m = build(n)
        except CapacityError as exc:
            tries.append((n, False))
            last_error[:] = [exc]
            return None
        tries.append((n, True))
        return m

    lo, hi, best = None, start, None
    while hi <= max_neurons:
        best = attempt(hi)
        if best is not None:
            break
        lo, hi = hi, 2 * hi
    if best is None:
        tried = ", ".join(str(n) for n, _ in tries)
        raise CapacityError(
            f"n_neurons='auto' found no length up to max_neurons={max_neurons} that verifies {what} (tried {tried}, "
            f"all refused; the last: {str(last_error[0])[:400]}); raise max_neurons, use beta=1 (higher measured "
            "limits), another seed, or a smaller automaton"
        )
    if lo is not None:
        while hi - lo > resolution:
            mid = lo + (hi - lo) // (2 * resolution) * resolution
            m = attempt(mid)
            if m is None:
                lo = mid
            else:
                hi, best = mid, m
    search = NeuronSearch(hi, start, resolution, max_neurons, tuple(tries), time.perf_counter() - t0)
    return best, search
