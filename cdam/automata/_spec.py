"""Finite automata as plain data: DFA, NFA (subset construction), JSON files.

Nothing here touches the memory; :mod:`cdam.automata` compiles these objects into a
:class:`~cdam.MemoryGraph` and runs them by CDAM dynamics. The plain runner
:meth:`DFA.run` is the reference (oracle) that the memory is checked against.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

from ..errors import AutomatonError, FileFormatError, UndefinedTransition, UnknownSymbolError
from ..io import atomic_write, check_format, read_json
from ._interop import dfa_parts_from_automata_lib, dfa_parts_from_regex, dfa_to_automata_lib

__all__ = [
    "DFA",
    "EPSILON",
    "NFA",
    "AutomatonError",
    "UndefinedTransition",
    "UnknownSymbolError",
    "load_automaton",
    "read_automaton",
    "save_automaton",
]

FILE_FORMAT = "cdam.automaton"
FILE_VERSION = 1
EPSILON = ""
"""The empty-word symbol of :class:`NFA` transitions (never a DFA symbol)."""


def _checked_names(kind: str, values) -> list:
    if isinstance(values, (str, bytes)):
        raise AutomatonError(f"{kind} must be a list of names, got the string {values!r}; write list({values!r})")
    try:
        out = list(values)
    except TypeError:
        raise AutomatonError(f"{kind} must be an iterable of names, got {values!r}") from None
    seen = set()
    for v in out:
        try:
            hash(v)
        except TypeError:
            raise AutomatonError(f"{kind} names must be hashable, got {v!r}") from None
        if v in seen:
            raise AutomatonError(f"{kind} lists {v!r} twice; names must be unique")
        seen.add(v)
    return out


def _count(items, noun: str) -> str:
    """``"1 state"``, ``"3 states"``: the size of ``items`` (or an int) with its noun."""
    k = items if isinstance(items, int) else len(items)
    return f"{k} {noun}" + ("" if k == 1 else "s")


def read_word(word, alphabet: Sequence, symbol_set: AbstractSet) -> list:
    """A word as a list of symbols: a ``str`` is read character by character."""
    if isinstance(word, str):
        symbols = list(word)
    else:
        try:
            symbols = list(word)
        except TypeError:
            raise UnknownSymbolError(f"a word must be a str or a sequence of symbols, got {word!r}") from None
    for i, s in enumerate(symbols):
        try:
            known = s in symbol_set
        except TypeError:
            known = False
        if not known:
            hint = ""
            if isinstance(word, str) and any(isinstance(a, str) and len(a) > 1 for a in alphabet):
                hint = "; the alphabet has multi-character symbols, so pass the word as a list (e.g. text.split())"
            shown = ", ".join(map(repr, alphabet[:12])) + (", ..." if len(alphabet) > 12 else "")
            raise UnknownSymbolError(f"symbol {s!r} at position {i} is not in the alphabet ({shown}){hint}")
    return symbols


class _FiniteAutomaton:
    """What DFA and NFA share: checked names, the transition keys, accepting states, JSON."""

    _kind = ""
    # set by the JSON readers on automata read from a file (absent otherwise)
    description: str
    examples: list

    def _init_common(self, states, alphabet, transitions, accepting, name, *, epsilon_ok: bool):
        """Check and store the parts common to both kinds; return ``(state_set, symbol_set)``."""
        states = _checked_names("states", states)
        if not states:
            raise AutomatonError(f"a{'n' if self._kind == 'nfa' else ''} {self._kind.upper()} needs at least one state")
        alphabet = _checked_names("alphabet", list(alphabet) if isinstance(alphabet, str) else alphabet)
        if EPSILON in alphabet:
            raise AutomatonError("the empty string is the NFA's epsilon move, not an alphabet symbol; rename it")
        if not isinstance(transitions, Mapping):
            raise AutomatonError(
                f"transitions must be a mapping {{(state, symbol): state}}, got {type(transitions).__name__}"
            )
        state_set = set(states)
        accepting = _checked_names("accepting", accepting)
        for f in accepting:
            if f not in state_set:
                raise AutomatonError(f"accepting state {f!r} is not one of the states")
        self._states, self._alphabet = tuple(states), tuple(alphabet)
        self._symbol_set = frozenset(alphabet)
        self._accepting = frozenset(accepting)
        self.name = name
        return state_set, set(alphabet) | ({EPSILON} if epsilon_ok else set())

    @staticmethod
    def _checked_key(key, target, state_set, symbol_set):
        if not (isinstance(key, tuple) and len(key) == 2):
            raise AutomatonError(f"transition keys must be (state, symbol) pairs, got {key!r}")
        q, s = key
        if q not in state_set:
            raise AutomatonError(f"transition {key!r} -> {target!r} starts in unknown state {q!r}; add it to states")
        if s not in symbol_set:
            raise AutomatonError(f"transition {key!r} -> {target!r} reads unknown symbol {s!r}; add it to the alphabet")
        return q, s

    @staticmethod
    def _is_state(x, state_set) -> bool:
        try:
            return x in state_set
        except TypeError:  # unhashable
            return False

    @property
    def states(self) -> tuple:
        return self._states

    @property
    def alphabet(self) -> tuple:
        return self._alphabet

    @property
    def accepting(self) -> frozenset:
        return self._accepting

    def _dict_base(self) -> dict:
        _require_json_names(self._states, "state")
        _require_json_names(self._alphabet, "symbol")
        d = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "kind": self._kind,
            "states": list(self._states),
            "alphabet": list(self._alphabet),
            "accepting": [q for q in self._states if q in self._accepting],
        }
        if self.name:
            d["name"] = self.name
        return d

    def save(self, path) -> None:
        """Write the automaton as a JSON file; :func:`read_automaton` reads it back."""
        save_automaton(self, path)


class DFA(_FiniteAutomaton):
    r"""A deterministic finite automaton, possibly partial.

    .. math::

        A = (Q, \Sigma, \delta, q_0, F),\qquad \delta : D \to Q,\quad D \subseteq Q \times \Sigma .

    A pair outside :math:`D` is an *undefined* transition: reading it raises
    :class:`UndefinedTransition` (the word is rejected, never silently mapped to a state).

    Parameters
    ----------
    states : iterable of hashable
        :math:`Q`, in the order used everywhere (patterns, plots).
    alphabet : iterable of hashable
        :math:`\Sigma`. Strings of any length work; the empty string is reserved
        (it is the NFA's epsilon).
    transitions : mapping ``{(state, symbol): state}``
        :math:`\delta`; missing pairs are undefined.
    start : hashable
        :math:`q_0`, one of ``states``.
    accepting : iterable of hashable
        :math:`F \subseteq Q`.
    name : str, optional

    Raises
    ------
    AutomatonError
        Unknown states or symbols, a start outside ``states``, duplicate names.

    Examples
    --------
    >>> from cdam.automata import DFA
    >>> parity = DFA(["even", "odd"], "01",
    ...              {("even", "0"): "even", ("even", "1"): "odd",
    ...               ("odd", "0"): "odd", ("odd", "1"): "even"},
    ...              start="even", accepting=["even"])
    >>> parity.run("0110")
    ['even', 'even', 'odd', 'even', 'even']
    >>> parity.accepts("10")
    False
    """

    _kind = "dfa"

    def __init__(self, states, alphabet, transitions: Mapping, start, accepting=(), name: str | None = None):
        state_set, symbol_set = self._init_common(states, alphabet, transitions, accepting, name, epsilon_ok=False)
        delta = {}
        for key, target in transitions.items():
            q, s = self._checked_key(key, target, state_set, symbol_set)
            if not self._is_state(target, state_set):
                raise AutomatonError(f"transition {key!r} leads to unknown state {target!r}; add it to states")
            delta[(q, s)] = target
        if not self._is_state(start, state_set):
            raise AutomatonError(f"start state {start!r} is not one of the states {self._states!r}")
        # keep the transitions in state-major, alphabet order: patterns follow it
        order = {k: i for i, k in enumerate((q, s) for q in self._states for s in self._alphabet)}
        self._delta = dict(sorted(delta.items(), key=lambda kv: order[kv[0]]))
        self._start = start

    # ------------------------------------------------------------------ structure
    @property
    def transitions(self) -> dict:
        """A copy of :math:`\\delta` as ``{(state, symbol): state}``."""
        return dict(self._delta)

    @property
    def start(self):
        return self._start

    @property
    def n_transitions(self) -> int:
        return len(self._delta)

    @property
    def is_complete(self) -> bool:
        """True when every (state, symbol) pair has a transition."""
        return len(self._delta) == len(self._states) * len(self._alphabet)

    def __eq__(self, other) -> bool:
        if not isinstance(other, DFA):
            return NotImplemented
        return (
            self._states == other._states
            and self._alphabet == other._alphabet
            and self._delta == other._delta
            and self._start == other._start
            and self._accepting == other._accepting
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-looking container semantics: compare, do not hash

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return (
            f"DFA({label}{_count(self._states, 'state')}, {_count(self._alphabet, 'symbol')}, "
            f"{_count(self._delta, 'transition')}, start={self._start!r})"
        )

    # ------------------------------------------------------------------ reference runner
    def read_word(self, word) -> list:
        """``word`` as a list of symbols (a str is read character by character).

        Raises :class:`UnknownSymbolError` naming the first symbol outside the alphabet.
        """
        return read_word(word, self._alphabet, self._symbol_set)

    def parse_word(self, text: str) -> list:
        """Parse command-line text into a word.

        Text with whitespace or commas is split on them (``"wife son"``); otherwise, when
        the alphabet has a multi-character symbol, the text is one symbol; otherwise it is
        read character by character (``"0110"``).

        Examples
        --------
        >>> from cdam.automata import load_automaton
        >>> load_automaton("family_tree").parse_word("wife, son")
        ['wife', 'son']
        """
        if not isinstance(text, str):
            return self.read_word(text)
        if any(c.isspace() or c == "," for c in text):
            return self.read_word([t for t in text.replace(",", " ").split() if t])
        if any(isinstance(a, str) and len(a) > 1 for a in self._alphabet):
            return self.read_word([text] if text else [])
        return self.read_word(text)

    def step(self, state, symbol, position: int | None = None):
        """:math:`\\delta(q, s)`; raises :class:`UndefinedTransition` where undefined."""
        try:
            return self._delta[(state, symbol)]
        except KeyError:
            raise UndefinedTransition(state, symbol, position) from None

    def run(self, word, start=None) -> list:
        """The reference run: ``start``, then the state after each symbol.

        Raises :class:`UndefinedTransition` at the first undefined pair and
        :class:`UnknownSymbolError` for a symbol outside the alphabet.
        """
        symbols = self.read_word(word)
        q = self._checked_start(start)
        out = [q]
        for i, s in enumerate(symbols):
            if (q, s) not in self._delta:
                raise UndefinedTransition(q, s, i, word)
            q = self._delta[(q, s)]
            out.append(q)
        return out

    def accepts(self, word, start=None) -> bool:
        """True when the run ends in an accepting state; an undefined step rejects."""
        try:
            return self.run(word, start)[-1] in self._accepting
        except UndefinedTransition:
            return False

    def _checked_start(self, start):
        if start is None:
            return self._start
        try:
            ok = start in self._states
        except TypeError:
            ok = False
        if not ok:
            raise AutomatonError(f"start state {start!r} is not one of the states {list(self._states)!r}")
        return start

    # ------------------------------------------------------------------ automata-lib
    @classmethod
    def from_regex(cls, pattern: str, alphabet=None) -> DFA:
        """The minimal DFA of a regular expression, built by automata-lib (the ``automata`` extra).

        Parameters
        ----------
        pattern : str
            In automata-lib's syntax: ``|`` union, ``*`` ``+`` ``?`` repetition,
            parentheses; every other character is a symbol.
        alphabet : iterable of str, optional
            Single characters, in the order used for patterns; default the characters of
            ``pattern``, sorted.

        Returns
        -------
        DFA
            States ``q0`` (the start), ``q1``, ... in breadth-first order. A partial DFA: a
            word that can no longer match meets an undefined transition (see
            :mod:`cdam.automata._interop` on dead states). Its name is ``pattern``.

        Raises
        ------
        AutomatonError
            If automata-lib cannot read the expression over the alphabet.
        MissingDependencyError
            If automata-lib is not installed.

        Examples
        --------
        >>> from cdam.automata import DFA
        >>> d = DFA.from_regex("a(a|b)*b", alphabet="ab")
        >>> d.states, d.accepts("aab"), d.accepts("aba")
        (('q0', 'q1', 'q2'), True, False)
        """
        return cls(**dfa_parts_from_regex(pattern, alphabet))

    @classmethod
    def from_automata_lib(cls, obj) -> DFA:
        """A DFA from an automata-lib ``DFA`` or ``NFA`` (determinised by automata-lib).

        State names are kept; states from which no accepting state can be reached are
        removed (see :mod:`cdam.automata._interop`).

        Examples
        --------
        >>> from automata.fa.dfa import DFA as LibDFA
        >>> from cdam.automata import DFA
        >>> lib = LibDFA(states={"s", "f", "trap"}, input_symbols={"x"}, initial_state="s", final_states={"f"},
        ...              transitions={"s": {"x": "f"}, "f": {"x": "trap"}, "trap": {"x": "trap"}})
        >>> DFA.from_automata_lib(lib).transitions
        {('s', 'x'): 'f'}
        """
        return cls(**dfa_parts_from_automata_lib(obj))

    def to_automata_lib(self):
        """This DFA as an automata-lib ``DFA`` (``allow_partial`` when some pairs are undefined).

        Examples
        --------
        >>> from cdam.automata import load_automaton
        >>> lib = load_automaton("parity").to_automata_lib()
        >>> lib.accepts_input("0110"), lib.accepts_input("10")
        (True, False)
        """
        return dfa_to_automata_lib(self)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        """A JSON-ready description (see :func:`save_automaton`)."""
        d = self._dict_base()
        d["start"] = self._start
        d["transitions"] = [[q, s, t] for (q, s), t in self._delta.items()]
        return d


class NFA(_FiniteAutomaton):
    r"""A nondeterministic finite automaton with optional epsilon moves.

    ``transitions`` maps ``(state, symbol)`` to an iterable of states; the symbol
    :data:`EPSILON` (the empty string) is a move that reads nothing. :meth:`to_dfa`
    determinises it by the subset construction:

    .. math::

        Q' \subseteq 2^{Q},\quad q'_0 = E(\{q_0\}),\quad
        \delta'(S, a) = E\Big(\bigcup_{q\in S}\delta(q, a)\Big),\quad
        F' = \{S : S \cap F \ne \emptyset\},

    with :math:`E` the epsilon closure. Only subsets reachable from :math:`q'_0` are
    built, and the empty subset (no live state) is left out, so a word that kills every
    branch meets an *undefined* transition in the DFA, which the memory reports. DFA
    states are named ``"{a,b}"`` with members in the NFA's state order.

    Examples
    --------
    >>> from cdam.automata import NFA
    >>> ends_ab = NFA(["s", "a", "f"], "ab",
    ...               {("s", "a"): ["s", "a"], ("s", "b"): ["s"], ("a", "b"): ["f"]},
    ...               start="s", accepting=["f"])
    >>> ends_ab.accepts("aab"), ends_ab.accepts("aba")
    (True, False)
    >>> d = ends_ab.to_dfa()
    >>> d.states
    ('{s}', '{s,a}', '{s,f}')
    >>> d.run("aab")
    ['{s}', '{s,a}', '{s,a}', '{s,f}']
    """

    _kind = "nfa"

    def __init__(self, states, alphabet, transitions: Mapping, start, accepting=(), name: str | None = None):
        state_set, symbol_set = self._init_common(states, alphabet, transitions, accepting, name, epsilon_ok=True)
        delta: dict = {}
        for key, targets in transitions.items():
            q, s = self._checked_key(key, targets, state_set, symbol_set)
            if isinstance(targets, (str, bytes)) or not isinstance(targets, Iterable):
                targets = [targets]
            ts = list(targets)
            for t in ts:
                if not self._is_state(t, state_set):
                    raise AutomatonError(f"transition {key!r} leads to unknown state {t!r}")
            delta[(q, s)] = frozenset(ts)
        starts = list(start) if isinstance(start, (set, frozenset, list, tuple)) else [start]
        for s0 in starts:
            if not self._is_state(s0, state_set):
                raise AutomatonError(f"start state {s0!r} is not one of the states")
        self._delta = delta
        self._start = frozenset(starts)

    @property
    def transitions(self) -> dict:
        return {k: set(v) for k, v in self._delta.items()}

    @property
    def start(self) -> frozenset:
        return self._start

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        # sorted by repr: the start set's own order changes from run to run
        start = "{" + ", ".join(sorted(map(repr, self._start))) + "}"
        return (
            f"NFA({label}{_count(self._states, 'state')}, {_count(self._alphabet, 'symbol')}, "
            f"{_count(sum(map(len, self._delta.values())), 'transition')}, start={start})"
        )

    def closure(self, subset) -> frozenset:
        """Epsilon closure :math:`E(S)`: every state reachable by epsilon moves."""
        todo, seen = list(subset), set(subset)
        while todo:
            for t in self._delta.get((todo.pop(), EPSILON), ()):
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)

    def move(self, subset, symbol) -> frozenset:
        """:math:`E(\\bigcup_{q \\in S} \\delta(q, a))`."""
        out = set()
        for q in subset:
            out |= self._delta.get((q, symbol), frozenset())
        return self.closure(out)

    def accepts(self, word) -> bool:
        """Set simulation of the NFA (no determinisation)."""
        current = self.closure(self._start)
        for s in read_word(word, self._alphabet, self._symbol_set):
            current = self.move(current, s)
            if not current:
                return False
        return bool(current & self._accepting)

    def _subset_name(self, subset) -> str:
        return "{" + ",".join(str(q) for q in self._states if q in subset) + "}"

    def to_dfa(self) -> DFA:
        """The subset construction, reachable subsets only (see the class docstring)."""
        start = self.closure(self._start)
        order, todo, delta = [start], [start], {}
        seen = {start}
        while todo:
            S = todo.pop(0)
            for a in self._alphabet:
                T = self.move(S, a)
                if not T:
                    continue  # dead: left undefined, reported by the memory
                delta[(S, a)] = T
                if T not in seen:
                    seen.add(T)
                    order.append(T)
                    todo.append(T)
        name = {S: self._subset_name(S) for S in order}
        return DFA(
            [name[S] for S in order],
            self._alphabet,
            {(name[S], a): name[T] for (S, a), T in delta.items()},
            name[start],
            [name[S] for S in order if S & self._accepting],
            name=self.name,
        )

    def to_dict(self) -> dict:
        """A JSON-ready description (see :func:`save_automaton`)."""
        d = self._dict_base()
        d["start"] = [q for q in self._states if q in self._start]
        d["transitions"] = [[q, s, [t for t in self._states if t in ts]] for (q, s), ts in self._delta.items()]
        return d


def _require_json_names(names, kind: str) -> None:
    for v in names:
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise FileFormatError(f"{kind} {v!r} cannot be written to JSON; name states and symbols with str or int")


def save_automaton(automaton, path) -> None:
    """Write a :class:`DFA` or :class:`NFA` to a JSON file (atomically).

    The file holds ``format``, ``version``, ``kind`` ("dfa" or "nfa"), ``states``,
    ``alphabet``, ``start``, ``accepting`` and ``transitions`` as ``[state, symbol,
    target]`` triples (for an NFA, target is a list). Optional keys ``name``,
    ``description`` and ``examples`` are kept by readers that want them.
    """
    atomic_write(path, json.dumps(automaton.to_dict(), indent=1) + "\n")


def _from_dict(d, source: str):
    if not isinstance(d, dict):
        raise FileFormatError(f"{source}: expected a JSON object describing an automaton")
    check_format(d, FILE_FORMAT, FILE_VERSION, source, required=False)  # hand-written files may omit both
    missing = [k for k in ("states", "alphabet", "start", "transitions") if k not in d]
    if missing:
        raise FileFormatError(f"{source}: missing field(s) {', '.join(missing)}")
    kind = d.get("kind", "dfa")
    trans = d["transitions"]
    if not isinstance(trans, list) or not all(isinstance(t, list) and len(t) == 3 for t in trans):
        raise FileFormatError(f"{source}: transitions must be a list of [state, symbol, target] triples")
    if kind == "dfa":
        mapping = {}
        for q, s, t in trans:
            if (q, s) in mapping:
                raise AutomatonError(
                    f"{source}: transition ({q!r}, {s!r}) is given twice; a DFA has one target per pair"
                )
            mapping[(q, s)] = t
        cls: type[DFA] | type[NFA] = DFA
    elif kind == "nfa":
        mapping = {}
        for q, s, t in trans:
            mapping.setdefault((q, s), []).extend(t if isinstance(t, list) else [t])
        cls = NFA
    else:
        raise FileFormatError(f"{source}: kind must be 'dfa' or 'nfa', got {kind!r}")
    start = d["start"]
    if cls is DFA and isinstance(start, list):
        raise FileFormatError(f"{source}: a DFA has one start state, got the list {start!r}")
    try:
        out = cls(d["states"], d["alphabet"], mapping, start, d.get("accepting", []), name=d.get("name"))
    except AutomatonError as exc:
        raise type(exc)(f"{source}: {exc}") from None
    out.description = d.get("description", "")
    out.examples = d.get("examples", [])
    return out


def read_automaton(path):
    """Read a JSON automaton file as written by :func:`save_automaton`: a DFA or an NFA.

    Raises :class:`~cdam.FileFormatError` for unreadable or malformed files and
    :class:`AutomatonError` for well-formed files that describe an invalid automaton.
    """
    path = Path(path)
    return _from_dict(read_json(path, what="automaton"), path.name)


def load_automaton(spec) -> DFA:
    """A DFA from a gallery name (``"parity"``) or a JSON file path; NFAs are determinised.

    Examples
    --------
    >>> from cdam.automata import load_automaton
    >>> load_automaton("div3").run("110")
    ['r0', 'r1', 'r0', 'r0']
    """
    if isinstance(spec, (DFA, NFA)):
        a = spec
    else:
        spec = os.fspath(spec)
        p = Path(spec)
        if p.suffix == ".json" or os.sep in spec or (os.altsep and os.altsep in spec) or p.is_file():
            a = read_automaton(p)
        else:
            from ..gallery import gallery_names, gallery_path

            names = gallery_names("automata")
            if spec not in names:
                raise FileFormatError(
                    f"{spec!r} is neither a JSON file nor a gallery automaton; gallery names: {', '.join(names)}"
                )
            a = read_automaton(gallery_path("automata", spec + ".json"))
    if isinstance(a, NFA):
        d = a.to_dfa()
        d.description = getattr(a, "description", "")
        d.examples = getattr(a, "examples", [])
        return d
    return a
