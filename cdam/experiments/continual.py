r"""Continual learning with K-winner and 1-winner modern Hopfield networks.

The continual-learning experiment of Bhandarkar & McClelland 2025, "Neural Computation
Without Slots", arXiv 2511.04593. The protocol: a network sees ``n_burn_in`` patterns, then the
study list of ``n_study`` patterns, each once (online). It is then frozen and tested: every
studied pattern and ``n_pseudo`` never-stored patterns from the same generator
(pseudo-memories) are cued with a fraction of their active bits, recalled, and scored by the
fraction of the target's active bits recovered. Age 1 is the last pattern learned.

Recognition at age :math:`a` is the paired difference between a studied item of that age and
a pseudo-memory, summarised across runs by

.. math::

    d'(a) = \frac{\operatorname{mean}_r\,(\mathrm{acc}^{real}_r(a) - \mathrm{acc}^{pseudo}_r(a))}
                 {\operatorname{std}_r\,(\mathrm{acc}^{real}_r(a) - \mathrm{acc}^{pseudo}_r(a))}

over the runs of one sample (paper: 20 runs a sample, 10 samples).

Runs are independent and go through an executor: in-process (``workers=1``), local processes
(:class:`concurrent.futures.ProcessPoolExecutor`, the default), any
:class:`concurrent.futures.Executor` you pass, or a Dask cluster (``scheduler="tcp://..."``;
needs ``dask.distributed``, imported only then).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import _executor
from .. import _validation as check
from .._progress import progress_reporter
from .._random import as_generator, derive_seed
from ..backends.kwinner import KWinnerMHN
from ..errors import MissingDependencyError, ParameterError, PatternError

__all__ = [
    "KWINNER",
    "ONE_WINNER",
    "AgeComparison",
    "ContinualResult",
    "MissingDependencyError",
    "ModelConfig",
    "SparsePatterns",
    "TreePatterns",
    "compare_by_age",
    "continual_experiment",
    "dprime",
    "make_cues",
    "one_winner_difference",
    "one_winner_pseudo_accuracy",
    "recall_accuracy",
    "run_protocol",
    "sparse_patterns",
]


def _binary_rows(x, name: str) -> torch.Tensor:
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if t.ndim == 1:
        t = t.unsqueeze(0)
    if t.ndim != 2:
        raise PatternError(f"{name} must have shape (n,) or (m, n), got {tuple(t.shape)}")
    if t.is_complex():
        raise PatternError(f"{name} must hold real numbers, got dtype {t.dtype}")
    if not ((t == 0) | (t == 1)).all():  # also refuses NaN and inf
        raise PatternError(f"{name} must be binary (0/1); threshold it first")
    return t


# ---------------------------------------------------------------------- pattern generators
def sparse_patterns(n_patterns: int, n_visible: int, n_active: int, seed=0) -> torch.Tensor:
    """Random sparse binary patterns: each row has exactly ``n_active`` ones of ``n_visible``.

    Returns a float32 tensor (n_patterns, n_visible) of 0/1, drawn with ``seed`` (int or
    ``torch.Generator``).

    Examples
    --------
    >>> x = sparse_patterns(3, 10, 4, seed=0)
    >>> x.shape, x.sum(dim=1).tolist()
    (torch.Size([3, 10]), [4.0, 4.0, 4.0])
    """
    return SparsePatterns(n_visible, n_active)(n_patterns, seed)


def _random_rows(n_rows: int, n: int, s: int, gen: torch.Generator) -> torch.Tensor:
    idx = torch.rand(n_rows, n, generator=gen).topk(s, dim=1).indices
    return torch.zeros(n_rows, n).scatter_(1, idx, 1.0)


def _move_bits(parents: torch.Tensor, r: int, gen: torch.Generator) -> torch.Tensor:
    """Copies of binary ``parents`` with ``r`` active bits moved to random inactive positions."""
    if r == 0:
        return parents.clone()
    scores = torch.rand(parents.shape, generator=gen)
    active = parents > 0
    off = torch.where(active, scores, -1.0).topk(r, dim=1).indices
    on = torch.where(active, -1.0, scores).topk(r, dim=1).indices
    return parents.clone().scatter_(1, off, 0.0).scatter_(1, on, 1.0)


@dataclass(frozen=True)
class SparsePatterns:
    """Generator of i.i.d. random sparse binary patterns (``n_active`` ones of ``n_visible``).

    Call it as ``gen(n_patterns, seed)``; every call with the same seed gives the same rows.
    """

    n_visible: int
    n_active: int

    def __post_init__(self):
        check.positive_int("n_visible", self.n_visible)
        check.positive_int("n_active", self.n_active)
        if self.n_active > self.n_visible:
            raise ParameterError(f"n_active = {self.n_active} exceeds n_visible = {self.n_visible}")

    def __call__(self, n_patterns: int, seed=0) -> torch.Tensor:
        n_patterns = check.positive_int("n_patterns", n_patterns, minimum=0)
        return _random_rows(n_patterns, self.n_visible, self.n_active, as_generator(seed))


@dataclass(frozen=True)
class TreePatterns:
    r"""Hierarchical (tree-structured) sparse binary patterns.

    A root pattern (``n_active`` random ones) has ``branching`` children, each made by moving
    :math:`r = \operatorname{round}(\text{change}\cdot s)` of its parent's active bits to
    random inactive positions; their children are made the same way, down to ``depth``
    levels of prototypes. A drawn pattern is a uniformly chosen leaf prototype with ``r``
    more bits moved, so patterns from one leaf are more alike than those of sibling leaves,
    which are more alike than cousins. Every pattern has exactly ``n_active`` ones.

    The tree is drawn from the call's ``seed``: one call gives studied items and
    pseudo-memories from the same tree.

    Examples
    --------
    >>> gen = TreePatterns(200, 20, branching=2, depth=2, change=0.25)
    >>> x = gen(5, seed=0)
    >>> x.shape, x.sum(dim=1).tolist()
    (torch.Size([5, 200]), [20.0, 20.0, 20.0, 20.0, 20.0])
    """

    n_visible: int
    n_active: int
    branching: int = 4
    depth: int = 3
    change: float = 0.25

    def __post_init__(self):
        check.positive_int("n_visible", self.n_visible)
        check.positive_int("n_active", self.n_active)
        check.positive_int("branching", self.branching)
        check.positive_int("depth", self.depth, minimum=0)
        c = check.finite_real("change", self.change)
        if self.n_active > self.n_visible:
            raise ParameterError(f"n_active = {self.n_active} exceeds n_visible = {self.n_visible}")
        if not 0.0 <= c <= 1.0:
            raise ParameterError(f"change must be in [0, 1] (fraction of active bits moved per level), got {c}")
        if self.n_moved > self.n_visible - self.n_active:
            raise ParameterError(
                f"change = {c} moves {self.n_moved} bits but only {self.n_visible - self.n_active} are inactive; "
                "lower change or n_active"
            )

    @property
    def n_moved(self) -> int:
        """Active bits moved per level, ``round(change * n_active)``."""
        return int(round(self.change * self.n_active))

    def prototypes(self, gen: torch.Generator) -> torch.Tensor:
        """The ``branching ** depth`` leaf prototypes (tree order: siblings adjacent)."""
        level = _random_rows(1, self.n_visible, self.n_active, gen)
        for _ in range(self.depth):
            level = _move_bits(level.repeat_interleave(self.branching, dim=0), self.n_moved, gen)
        return level

    def __call__(self, n_patterns: int, seed=0) -> torch.Tensor:
        n_patterns = check.positive_int("n_patterns", n_patterns, minimum=0)
        gen = as_generator(seed)
        leaves = self.prototypes(gen)
        pick = torch.randint(0, leaves.shape[0], (n_patterns,), generator=gen)
        return _move_bits(leaves[pick], self.n_moved, gen)


# ---------------------------------------------------------------------- cues and scores
_CUE_FRACTION = "the fraction of a pattern's active bits kept in its cue"


def make_cues(patterns, fraction: float, seed=0) -> torch.Tensor:
    r"""Cues keeping a random ``fraction`` of each binary pattern's active bits.

    Row :math:`i` keeps :math:`\max(1, \operatorname{round}(c\,s_i))` of its :math:`s_i`
    active bits; the rest are switched off. One sort for the whole batch.

    Examples
    --------
    >>> x = sparse_patterns(2, 20, 10, seed=0)
    >>> cue = make_cues(x, 0.5, seed=0)
    >>> cue.sum(dim=1).tolist(), bool((cue <= x).all())
    ([5.0, 5.0], True)
    """
    P = _binary_rows(patterns, "patterns").to(torch.float32)
    c = check.fraction("cue fraction", fraction, _CUE_FRACTION)
    if c == 1.0:
        return P.clone()
    gen = as_generator(seed)
    keep = (P.sum(dim=1) * c).round().clamp_(min=1.0)
    scores = torch.rand(P.shape, generator=gen).masked_fill_(P == 0, 2.0)  # active bits sort first
    order = scores.argsort(dim=1)
    first = (torch.arange(P.shape[1]) < keep.unsqueeze(1)).to(P.dtype)
    return torch.zeros_like(P).scatter_(1, order, first)


def recall_accuracy(output, target) -> torch.Tensor:
    r"""Fraction of each target's active bits present in the output: :math:`|o \wedge t| / |t|`.

    Examples
    --------
    >>> recall_accuracy([[1, 1, 0, 0]], [[1, 0, 1, 0]])
    tensor([0.5000])
    """
    o = _binary_rows(output, "output").to(torch.float32)
    t = _binary_rows(target, "target").to(torch.float32)
    if o.shape != t.shape:
        raise PatternError(f"output {tuple(o.shape)} and target {tuple(t.shape)} need the same shape")
    n = t.sum(dim=1)
    if (n == 0).any():
        raise PatternError("a target has no active bit; accuracy is undefined for an empty pattern")
    return (o * t).sum(dim=1) / n


def dprime(diff, axis: int = 0, ddof: int = 0) -> np.ndarray | float:
    r"""Sensitivity :math:`d' = \operatorname{mean}(\Delta) / \operatorname{std}(\Delta)` along ``axis``.

    ``diff`` holds paired differences (real minus pseudo accuracy), one per run. Zero-std
    guard: where every difference is equal, :math:`d'` is 0 if they are all 0, and
    :math:`\pm\infty` (the sign of the mean) otherwise; no warning is raised.

    Examples
    --------
    >>> dprime([[0.2, 0.0, 0.1], [0.4, 0.0, 0.1]])
    array([ 3.,  0., inf])
    """
    d = np.asarray(diff, dtype=np.float64)
    if not np.all(np.isfinite(d)):
        raise ParameterError("dprime needs finite differences; found NaN or inf")
    mean = d.mean(axis=axis)
    std = d.std(axis=axis, ddof=ddof) if d.shape[axis] > ddof else np.zeros_like(mean)
    zero = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
    out = np.divide(mean, np.where(zero, 1.0, std))
    out = np.where(zero, np.copysign(np.inf, mean), out)
    out = np.where(zero & (mean == 0), 0.0, out)
    return out if out.ndim else float(out)


def one_winner_pseudo_accuracy(
    n_hidden: int = 100, n_visible: int = 1000, n_active: int = 100, cue_fraction: float = 1.0
) -> float:
    r"""Expected pseudo-memory accuracy :math:`p` of the 1-winner MHN (the paper's closed form).

    .. math::

        p \approx s_v + \sqrt{\tfrac{2c}{n_v}(1 - s_v)\ln n_h},\qquad s_v = s / n_v.

    The best of ``n_hidden`` random stored patterns overlaps the target by about this
    fraction.

    Examples
    --------
    >>> round(one_winner_pseudo_accuracy(), 4)
    0.191
    """
    sv = n_active / n_visible
    return sv + math.sqrt(2.0 * cue_fraction / n_visible * (1.0 - sv) * math.log(n_hidden))


def one_winner_difference(
    ages, n_hidden: int = 100, n_visible: int = 1000, n_active: int = 100, cue_fraction: float = 1.0
) -> np.ndarray:
    r"""Closed form :math:`E[\mathrm{acc}_{real} - \mathrm{acc}_{pseudo}](a)` of the 1-winner MHN.

    .. math::

        E[\Delta](a) = (1 - 1/n_h)^{a-1}\,(1 - p)

    A memory survives while no later pattern takes over its unit (each later pattern picks
    a unit nearly at random); ``p`` is :func:`one_winner_pseudo_accuracy`.

    Examples
    --------
    >>> one_winner_difference([1, 101], n_hidden=100).round(3)
    array([0.809, 0.296])
    """
    a = np.asarray(ages, dtype=np.float64)
    if np.any(a < 1):
        raise ParameterError("ages start at 1 (the last pattern learned)")
    p = one_winner_pseudo_accuracy(n_hidden, n_visible, n_active, cue_fraction)
    return (1.0 - 1.0 / n_hidden) ** (a - 1.0) * (1.0 - p)


# ---------------------------------------------------------------------- one run
@dataclass(frozen=True)
class ModelConfig:
    """A K-winner MHN configuration of the experiment (everything but ``n_visible``).

    :meth:`build` makes the :class:`~cdam.backends.kwinner.KWinnerMHN`; the name labels
    the results. Frozen and picklable, so it travels to worker processes.
    """

    name: str
    n_hidden: int
    k: int
    fan_in: float = 1.0
    lr: float = 1.0

    def build(self, n_visible: int, seed=0) -> KWinnerMHN:
        return KWinnerMHN(n_visible, self.n_hidden, self.k, fan_in=self.fan_in, lr=self.lr, seed=seed)

    @property
    def is_one_winner(self) -> bool:
        return self.k == 1 and self.fan_in == 1.0 and self.lr == 1.0


#: The paper's main K-winner network (with n_visible 1000: 100,000 connections per direction).
KWINNER = ModelConfig("K-winner", n_hidden=2000, k=50, fan_in=0.05, lr=0.3)
#: The paper's "original" 1-winner MHN: hard winner-take-all, the winner is overwritten.
ONE_WINNER = ModelConfig("1-winner", n_hidden=100, k=1, fan_in=1.0, lr=1.0)


def run_protocol(
    model: ModelConfig,
    *,
    n_visible: int = 1000,
    n_active: int = 100,
    n_burn_in: int = 2000,
    n_study: int = 2000,
    n_pseudo: int | None = None,
    cue_fractions=(1.0, 0.5),
    patterns=None,
    seed: int = 0,
    pattern_seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One run of the continual-learning protocol (Bhandarkar & McClelland 2025).

    Draws ``n_burn_in + n_study + n_pseudo`` patterns in one call of ``patterns`` (a
    generator ``(n, seed) -> (n, n_visible)`` binary tensor; default :class:`SparsePatterns`)
    with ``pattern_seed`` (default ``seed``), builds ``model`` with ``seed``, stores the
    burn-in and study lists in order, then freezes it and recalls every studied item and
    pseudo-memory from cues of each fraction.

    ``n_active`` is the number of output bits of every recall (the patterns' active count).

    Returns
    -------
    real : ndarray (len(cue_fractions), n_study)
        Accuracy of the studied items by age: column 0 is age 1 (the last learned).
    pseudo : ndarray (len(cue_fractions), n_pseudo)
        Accuracy of the never-stored patterns.

    Examples
    --------
    >>> tiny = ModelConfig("tiny", n_hidden=40, k=4, fan_in=0.25, lr=0.5)
    >>> real, pseudo = run_protocol(tiny, n_visible=100, n_active=10, n_burn_in=20, n_study=30, seed=0)
    >>> real.shape, pseudo.shape
    ((2, 30), (2, 30))
    """
    n_pseudo = n_study if n_pseudo is None else n_pseudo
    n_burn_in = check.positive_int("n_burn_in", n_burn_in, minimum=0)
    n_study = check.positive_int("n_study", n_study)
    n_pseudo = check.positive_int("n_pseudo", n_pseudo)
    gen = SparsePatterns(n_visible, n_active) if patterns is None else patterns
    X = gen(n_burn_in + n_study + n_pseudo, seed if pattern_seed is None else pattern_seed)
    X = _binary_rows(X, "generated patterns").to(torch.float32)
    if X.shape != (n_burn_in + n_study + n_pseudo, n_visible):
        raise PatternError(f"the pattern generator returned shape {tuple(X.shape)}, expected (m, {n_visible})")
    if (X.sum(dim=1) == 0).any():
        raise PatternError("the pattern generator returned a pattern with no active bit; accuracy needs one")
    net = model.build(n_visible, seed=seed)
    n_learn = n_burn_in + n_study
    net.store(X[:n_learn])
    targets = torch.cat([X[n_burn_in:n_learn].flip(0), X[n_learn:]])  # studied by age (age 1 first), then pseudo
    real = np.empty((len(cue_fractions), n_study), dtype=np.float32)
    pseudo = np.empty((len(cue_fractions), n_pseudo), dtype=np.float32)
    for i, c in enumerate(cue_fractions):
        cues = make_cues(targets, c, seed=derive_seed(seed, 7, i))
        acc = ((net.recall(cues, n_active) * targets).sum(dim=1) / targets.sum(dim=1)).numpy()
        real[i], pseudo[i] = acc[:n_study], acc[n_study:]
    return real, pseudo


def _task(args):
    mi, s, r, model, kwargs = args
    real, pseudo = run_protocol(model, **kwargs)
    return mi, s, r, real, pseudo


# ---------------------------------------------------------------------- results
@dataclass
class AgeComparison:
    """Per-age significance test between two models (``pvalue < alpha`` marks a winner)."""

    ages: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    models: tuple[str, str]
    measure: str
    alpha: float = 0.05

    @property
    def winner(self) -> np.ndarray:
        """+1 where the first model is significantly better, -1 the second, 0 neither."""
        sig = self.pvalue < self.alpha
        return np.where(sig, np.sign(np.nan_to_num(self.statistic)), 0).astype(int)


@dataclass
class ContinualResult:
    """Accuracies of a continual-learning sweep.

    ``real[name]`` is (n_samples, n_runs, n_cues, n_study) by age (index 0 = age 1),
    ``pseudo[name]`` is (n_samples, n_runs, n_cues, n_pseudo). Pseudo-memory ``i`` is
    paired with age ``i + 1`` (cyclically when there are fewer pseudo-memories).
    """

    models: dict
    real: dict
    pseudo: dict
    cue_fractions: tuple
    config: dict = field(default_factory=dict)
    wall_time: float = float("nan")

    @property
    def ages(self) -> np.ndarray:
        return np.arange(1, next(iter(self.real.values())).shape[-1] + 1)

    def _cue(self, cue: float) -> int:
        for i, c in enumerate(self.cue_fractions):
            if abs(c - cue) < 1e-12:
                return i
        raise ParameterError(f"cue fraction {cue} was not tested; choose one of {list(self.cue_fractions)}")

    def _name(self, model) -> str:
        name = model.name if isinstance(model, ModelConfig) else model
        if name not in self.real:
            raise ParameterError(f"unknown model {name!r}; choose one of {list(self.real)}")
        return name

    def accuracy(self, model, cue: float = 1.0) -> np.ndarray:
        """Mean accuracy by age over all runs (n_study,)."""
        return self.real[self._name(model)][:, :, self._cue(cue)].mean(axis=(0, 1))

    def pseudo_accuracy(self, model, cue: float = 1.0) -> float:
        """Mean accuracy of the pseudo-memories over all runs."""
        return float(self.pseudo[self._name(model)][:, :, self._cue(cue)].mean())

    def difference(self, model, cue: float = 1.0) -> np.ndarray:
        """Paired differences real - pseudo, (n_samples, n_runs, n_study)."""
        name, i = self._name(model), self._cue(cue)
        real, pseudo = self.real[name][:, :, i], self.pseudo[name][:, :, i]
        pair = np.arange(real.shape[-1]) % pseudo.shape[-1]
        return real.astype(np.float64) - pseudo[..., pair]

    def dprime(self, model, cue: float = 1.0) -> np.ndarray:
        """:func:`dprime` across the runs of each sample, (n_samples, n_study)."""
        return dprime(self.difference(model, cue), axis=1)  # type: ignore[return-value]  # 2-D in, array out

    def compare(self, model_a, model_b, measure: str = "dprime", cue: float = 1.0, **kwargs) -> AgeComparison:
        """Per-age test between two models; see :func:`compare_by_age`."""
        return compare_by_age(self, model_a, model_b, measure=measure, cue=cue, **kwargs)

    def table(self, ages=(1, 100, 200, 1000), dprime_ages=(1, 100, 500), cue: float = 1.0) -> dict:
        """The summary numbers: accuracy and d' (mean over samples) at the given ages.

        Samples whose d' is infinite (no spread over their runs) are left out of its mean.
        """
        out = {}
        for name in self.real:
            acc, dp = self.accuracy(name, cue), _finite_mean(self.dprime(name, cue))
            out[name] = {
                "accuracy": {a: float(acc[a - 1]) for a in ages if a <= acc.size},
                "pseudo": self.pseudo_accuracy(name, cue),
                "dprime": {a: float(dp[a - 1]) for a in dprime_ages if a <= dp.size},
            }
        return out


def compare_by_age(
    result: ContinualResult,
    model_a,
    model_b,
    measure: str = "dprime",
    cue: float = 1.0,
    test: str = "welch",
    alpha: float = 0.05,
) -> AgeComparison:
    """Per-age significance test between two models (scipy.stats, vectorised over ages).

    Parameters
    ----------
    measure : {"dprime", "difference", "accuracy"}
        ``"dprime"`` compares the per-sample d' values (n_samples per model);
        ``"difference"`` the per-run real - pseudo differences; ``"accuracy"`` the raw
        per-run accuracies.
    test : {"welch", "mannwhitney"}
        Welch's t-test (unequal variances) or the Mann-Whitney U test, two-sided.

    A positive statistic means ``model_a`` scores higher.
    """
    from scipy import stats

    check.choice("measure", measure, ("dprime", "difference", "accuracy"))
    check.choice("test", test, ("welch", "mannwhitney"))
    names = (result._name(model_a), result._name(model_b))
    samples = []
    for name in names:
        if measure == "dprime":
            samples.append(result.dprime(name, cue))
        elif measure == "difference":
            d = result.difference(name, cue)
            samples.append(d.reshape(-1, d.shape[-1]))
        else:
            r = result.real[name][:, :, result._cue(cue)]
            samples.append(r.reshape(-1, r.shape[-1]).astype(np.float64))
    a, b = samples
    if measure == "dprime":  # infinite d' (zero spread) cannot enter a t-test: cap at the largest finite value
        finite = np.concatenate([a[np.isfinite(a)], b[np.isfinite(b)], [0.0]])
        cap = np.abs(finite).max() * 2 + 1
        a, b = np.clip(a, -cap, cap), np.clip(b, -cap, cap)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if test == "welch":
            res = stats.ttest_ind(a, b, axis=0, equal_var=False)
            stat = np.asarray(res.statistic, dtype=np.float64)
        else:
            res = stats.mannwhitneyu(a, b, axis=0, alternative="two-sided")
            stat = np.asarray(res.statistic, dtype=np.float64) - a.shape[0] * b.shape[0] / 2.0
    pvalue = np.nan_to_num(np.asarray(res.pvalue, dtype=np.float64), nan=1.0)
    return AgeComparison(result.ages, np.nan_to_num(stat), pvalue, names, measure, alpha)


# ---------------------------------------------------------------------- the sweep
def continual_experiment(
    models=(KWINNER, ONE_WINNER),
    *,
    n_visible: int = 1000,
    n_active: int = 100,
    n_burn_in: int = 2000,
    n_study: int = 2000,
    n_pseudo: int | None = None,
    cue_fractions=(1.0, 0.5),
    n_runs: int = 20,
    n_samples: int = 10,
    patterns=None,
    seed: int = 0,
    workers: int | None = None,
    scheduler=None,
    executor: cf.Executor | None = None,
    progress=True,
) -> ContinualResult:
    """The continual-learning sweep of the paper: every model, ``n_samples * n_runs`` runs.

    Run ``(sample, run)`` draws the same patterns for every model (a paired design) and its
    own network per model; all seeds derive from ``seed``, so the result does not depend on
    the executor or on the order in which runs finish.

    Parameters
    ----------
    models : sequence of ModelConfig
        Default: the paper's K-winner and 1-winner networks.
    n_visible, n_active, n_burn_in, n_study, n_pseudo, cue_fractions
        The protocol (see :func:`run_protocol`); ``n_pseudo`` defaults to ``n_study``.
    n_runs, n_samples : int
        d' is computed over the ``n_runs`` runs of each of ``n_samples`` samples.
    patterns : callable, optional
        ``(n, seed) -> (n, n_visible)`` binary patterns, e.g. :class:`TreePatterns`
        (picklable for process or Dask execution). Default: :class:`SparsePatterns`.
    seed : int
    workers : int, optional
        Local processes (default: all cores); ``1`` runs everything in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (or client): runs go to that cluster instead.
    executor : concurrent.futures.Executor, optional
        Any executor of your own; takes precedence over ``workers``.
    progress : bool or callable
        ``True``: a progress bar over the runs (with tqdm, on a terminal or in a notebook);
        or ``progress(done, total)``, called after each run. The protocol is
        :mod:`cdam._progress`.

    Examples
    --------
    >>> tiny = ModelConfig("tiny", n_hidden=40, k=4, fan_in=0.25, lr=0.5)
    >>> res = continual_experiment([tiny], n_visible=100, n_active=10, n_burn_in=20, n_study=30,
    ...                            n_runs=3, n_samples=2, workers=1, progress=False)
    >>> res.real["tiny"].shape, res.dprime("tiny").shape
    ((2, 3, 2, 30), (2, 30))
    """
    models = tuple(models)
    if not models or not all(isinstance(m, ModelConfig) for m in models):
        raise ParameterError("models must be a non-empty sequence of ModelConfig")
    if len({m.name for m in models}) != len(models):
        raise ParameterError("model names must be distinct")
    n_runs = check.positive_int("n_runs", n_runs)
    n_samples = check.positive_int("n_samples", n_samples)
    seed = check.positive_int("seed", seed, minimum=0)
    cue_fractions = tuple(check.fraction("each of cue_fractions", c, _CUE_FRACTION) for c in cue_fractions)
    workers = _executor.check_workers(workers)
    n_pseudo = n_study if n_pseudo is None else n_pseudo
    for m in models:  # bad sizes fail here, not in a worker
        m.build(n_visible, seed=0)
    protocol = dict(
        n_visible=n_visible, n_active=n_active, n_burn_in=n_burn_in, n_study=n_study, n_pseudo=n_pseudo,
        cue_fractions=cue_fractions, patterns=patterns,
    )  # fmt: skip
    tasks = []
    for s in range(n_samples):
        for r in range(n_runs):
            run_id = s * n_runs + r
            for mi, m in enumerate(models):
                kw = dict(protocol, seed=derive_seed(seed, run_id, 1 + mi), pattern_seed=derive_seed(seed, run_id, 0))
                tasks.append((mi, s, r, m, kw))
    real = {m.name: np.empty((n_samples, n_runs, len(cue_fractions), n_study), np.float32) for m in models}
    pseudo = {m.name: np.empty((n_samples, n_runs, len(cue_fractions), n_pseudo), np.float32) for m in models}

    bar = progress_reporter(progress, len(tasks), desc="continual runs", unit="run")
    t0 = time.perf_counter()

    def collect(out):
        mi, s, r, re, ps = out
        real[models[mi].name][s, r], pseudo[models[mi].name][s, r] = re, ps
        bar.advance()

    try:
        runs = _executor.run_tasks(_task, tasks, workers=workers, scheduler=scheduler, executor=executor)
        with contextlib.closing(runs):
            for out in runs:
                collect(out)
    finally:
        bar.close()
    return ContinualResult(
        models={m.name: m for m in models},
        real=real,
        pseudo=pseudo,
        cue_fractions=cue_fractions,
        config=dict(protocol, patterns=repr(patterns), n_runs=n_runs, n_samples=n_samples, seed=seed),
        wall_time=time.perf_counter() - t0,
    )


def _finite_mean(d: np.ndarray, with_sem: bool = False):
    """Mean (and standard error) over axis 0 of the finite entries; NaN where there is none."""
    ok = np.isfinite(d)
    cnt = ok.sum(axis=0)
    dz = np.where(ok, d, 0.0)
    mean = np.where(cnt > 0, dz.sum(axis=0) / np.maximum(cnt, 1), np.nan)
    if not with_sem:
        return mean
    var = np.where(ok, (dz - np.nan_to_num(mean)) ** 2, 0.0).sum(axis=0) / np.maximum(cnt - 1, 1)
    return mean, np.where(cnt > 1, np.sqrt(var / np.maximum(cnt, 1)), 0.0)
