r"""Temporal sequences: directed paths and cycles of memories, replay, distractors, videos.

A sequence of memories :math:`\xi_0, \xi_1, \dots` is stored as a memory graph whose edges
are the transitions :math:`k \to k+1` (and :math:`p-1 \to 0` for a cycle). With a negative
auto-association ``a`` and a positive hetero-association ``h`` the value written by memory
``k``, :math:`a\,\xi_k + h\,\xi_{k+1}` (for ``sym`` normalisation of a path or cycle), pushes
the state off the current item and on to the next one, so the dynamics replay the sequence
(the video-replay sequence experiment of Burns 2024, arXiv 2404.07123). :func:`replay` runs
many cues in one batch and reads off the order in which memories are visited; distractors (an
external pattern added to the state every ``freq`` steps) test that recall resumes on the
sequence.

The module also holds serial-position experiments built on the range of recall (Miyashita's 97
learned fractals, and a number line for numerosity): :func:`serial_distance_curve`, the mean
attractor correlation as a function of the distance between two items in the sequence.

Videos: :func:`moving_shape_video` renders the 49-frame synthetic video that ships with the
project, :func:`load_image_folder` reads a user's own frames, and :func:`video_memory_graph`
samples ``n`` pixels of each frame into a sequence graph.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import _validation as check
from ._random import as_generator, as_rng
from .datasets import random_patterns
from .dynamics import CDAM, Recorder
from .errors import CDAMError, GraphError, ParameterError, PatternError, StateError
from .graph import MemoryGraph
from .measures import DistanceProfile, OverlapOperator, attractor_correlation

__all__ = [
    "MIYASHITA_SPEC",
    "VIDEO_PARAMS",
    "VIDEO_SETTINGS",
    "Replay",
    "VisitStatistics",
    "load_image_folder",
    "moving_shape_video",
    "replay",
    "sample_pixels",
    "sequence_graph",
    "serial_distance_curve",
    "video_memory_graph",
]

#: The video-replay experiment (Burns 2024): the model parameters (n sampled pixels, beta, eta, c).
VIDEO_PARAMS = {"n": 2000, "beta": 0.6, "eta": 0.2, "mean_coef": 1.0}
#: The video-replay experiment: (a, h) settings compared on the video: clean replay, and stuck in a band.
VIDEO_SETTINGS = ((-2.0, 3.0), (-1.0, 3.0))
#: The (-2, 3) curve of the range-of-recall experiment (Burns 2024; 30-cycle, serial distances 1-6),
#: the reference for the Miyashita (1988) curve; on 97 memories it should decay to ~0 by distance 5-6.
MIYASHITA_SPEC = {1: 0.63, 2: 0.50, 3: 0.41, 4: 0.29, 5: 0.15, 6: 0.02}


# ---------------------------------------------------------------------- graphs
def sequence_graph(patterns, keys: Sequence[Hashable] | None = None, *, cycle: bool = False, weight: float = 1.0):
    r"""A memory graph holding a temporal sequence: a directed path or cycle.

    Memory ``k`` holds column ``k`` of ``patterns`` and has the transition
    :math:`k \to k+1` of weight ``weight``; a cycle also has :math:`p-1 \to 0`.

    Parameters
    ----------
    patterns : array (n, p)
        One column per item, in sequence order (p >= 2).
    keys : sequence of hashables, optional
        Item names in order; default ``0 .. p-1``.
    cycle : bool
        Close the sequence into a cycle.
    weight : float
        Weight of every transition (non-zero).

    Examples
    --------
    >>> import numpy as np
    >>> g = sequence_graph(np.eye(3), keys="abc", cycle=True)
    >>> g.transitions
    [('a', 'b', 1.0), ('b', 'c', 1.0), ('c', 'a', 1.0)]
    >>> sequence_graph(np.eye(3)).adjacency().toarray()
    array([[0., 1., 0.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    arr = np.asarray(patterns.detach().cpu().numpy() if isinstance(patterns, torch.Tensor) else patterns)
    if arr.ndim != 2:
        raise PatternError(f"patterns must be a 2-D (n, p) array with one column per item, got shape {arr.shape}")
    p = arr.shape[1]
    if p < 2:
        raise GraphError(f"a sequence needs at least 2 items, got {p}; pass patterns of shape (n, p >= 2)")
    weight = check.finite_real("weight", weight)
    if weight == 0.0:
        raise ParameterError("weight must be non-zero; a zero-weight transition is no edge")
    keys = list(range(p)) if keys is None else list(keys)
    g = MemoryGraph.from_patterns(arr, keys)
    k = np.arange(p if cycle else p - 1)
    g.add_transitions_from([(keys[i], keys[j], weight) for i, j in zip(k, (k + 1) % p)])
    return g


# ---------------------------------------------------------------------- replay
@dataclass(frozen=True)
class VisitStatistics:
    """How a batch of replays visited the memories, over steps ``start .. T``.

    A *visit* to memory ``mu`` starts at a step where ``mu`` becomes the best-correlated
    memory (and at the first step of the window). All entries are averaged over runs.

    Attributes
    ----------
    steps : int
        Length of the window (number of states).
    visited : float
        Fraction of memories visited at least once.
    visits_per_period : float
        Visits per memory per ``period`` steps (1 means every item once per period).
    visits_sd : float
        Standard deviation over memories of ``visits_per_period`` (even vs uneven replay).
    forward : float
        Fraction of changes of the best memory that move one item forward (k -> k+1).
    changes_per_step : float
        Changes of the best memory per step (speed of replay, items per step when
        ``forward`` is 1).
    period : int
    """

    steps: int
    visited: float
    visits_per_period: float
    visits_sd: float
    forward: float
    changes_per_step: float
    period: int


@dataclass(frozen=True)
class Replay:
    """The result of :func:`replay`: which memory led the state at each step.

    Attributes
    ----------
    overlaps : torch.Tensor (T + 1, B, p)
        Pearson overlap of every state with every memory; index 0 is the cue.
    winners : numpy.ndarray (T + 1, B), int
        Best-correlated memory at each step (index in node order).
    keys : list
        Memory keys in node order.
    cues : numpy.ndarray (B,), int
        Memory each run was cued with.
    distractor_overlaps : numpy.ndarray (T + 1, B) or None
        Pearson overlap of the state with the distractor, when one was given.
    distractor_steps : numpy.ndarray of int
        Steps right after which the distractor was added (recorded states include it).
    """

    overlaps: torch.Tensor
    winners: np.ndarray
    keys: list
    cues: np.ndarray
    distractor_overlaps: np.ndarray | None = None
    distractor_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def steps(self) -> int:
        return int(self.winners.shape[0] - 1)

    def order(self, run: int = 0, start: int = 0) -> list:
        """Keys of the memories run ``run`` visited from step ``start`` on, repeats collapsed.

        Examples
        --------
        >>> import numpy as np
        >>> r = Replay(None, np.array([[0], [0], [1], [1], [2], [0]]), ["x", "y", "z"], np.array([0]))
        >>> r.order()
        ['x', 'y', 'z', 'x']
        """
        w = self.winners[start:, run]
        keep = np.concatenate([[True], w[1:] != w[:-1]]) if w.size else np.zeros(0, bool)
        return [self.keys[i] for i in w[keep]]

    def visit_counts(self, start: int = 0) -> np.ndarray:
        """Visits (B, p) of every run to every memory from step ``start`` on.

        Examples
        --------
        >>> import numpy as np
        >>> r = Replay(None, np.array([[0], [0], [1], [0]]), ["x", "y"], np.array([0]))
        >>> r.visit_counts().tolist()
        [[2, 1]]
        """
        w = self.winners[start:]
        if w.shape[0] == 0:
            raise ParameterError(f"start={start} is past the last step {self.steps}")
        entry = np.concatenate([np.ones((1, w.shape[1]), bool), w[1:] != w[:-1]])
        B, p = w.shape[1], len(self.keys)
        flat = (np.arange(B)[None, :] * p + w)[entry]
        return np.bincount(flat, minlength=B * p).reshape(B, p)

    def visit_statistics(self, start: int = 0, period: int = 50, cyclic: bool = True) -> VisitStatistics:
        """Summary of :meth:`visit_counts` and of the direction of travel.

        ``cyclic`` counts the step from the last memory back to the first as forward.

        Examples
        --------
        >>> import numpy as np
        >>> w = np.array([[0, 1, 2, 0, 1, 2]]).T
        >>> s = Replay(None, w, ["x", "y", "z"], np.array([0])).visit_statistics(period=3)
        >>> s.visited, s.visits_per_period, s.forward, s.changes_per_step
        (1.0, 1.0, 1.0, 1.0)
        """
        period = check.positive_int("period", period)
        counts = self.visit_counts(start)
        w = self.winners[start:]
        steps = w.shape[0]  # states in the window
        p = len(self.keys)
        per = counts * (period / steps)
        moved = w[1:] != w[:-1]
        step = (w[1:] - w[:-1]) % p if cyclic else w[1:] - w[:-1]
        n_moves = int(moved.sum())
        return VisitStatistics(
            steps=int(steps),
            visited=float((counts > 0).mean()),
            visits_per_period=float(per.mean()),
            visits_sd=float(per.std(axis=1).mean()),
            forward=float((moved & (step == 1)).sum() / n_moves) if n_moves else 0.0,
            changes_per_step=float(n_moves / (moved.size or 1)),
            period=period,
        )

    def recovery_steps(self, margin: float = 0.0) -> np.ndarray:
        """Steps each run needed after each distractor until a memory led the state again.

        A run has recovered at step ``t`` when its best overlap with a memory exceeds its
        overlap with the distractor by more than ``margin``. Returns an array (events, B)
        of steps after the event (0: the distractor never took over), ``inf`` when the run
        had not recovered by the next event or the end of the run.
        """
        if self.distractor_overlaps is None:
            raise ParameterError("this replay had no distractor; pass distractor= and freq= to replay()")
        best = self.overlaps.max(dim=-1).values.numpy().astype(np.float64)
        ok = best - self.distractor_overlaps > margin  # (T + 1, B)
        ends = np.append(self.distractor_steps[1:], self.steps + 1)
        out = np.full((self.distractor_steps.size, ok.shape[1]), np.inf)
        for e, (s, stop) in enumerate(zip(self.distractor_steps, ends)):  # loop over events only
            window = ok[s:stop]
            hit = window.any(axis=0)
            out[e, hit] = window.argmax(axis=0)[hit]
        return out


def _cue_indices(model: CDAM, cues) -> np.ndarray:
    g = model.graph
    if cues is None:
        return np.arange(model.n_memories)
    if isinstance(cues, (torch.Tensor, np.ndarray)):
        cues = cues.tolist()
    if cues in g:  # a single key (a tuple or string key counts as one cue)
        return np.array([g.index(cues)], dtype=np.int64)
    try:
        items = list(cues)
    except TypeError:
        g.index(cues)  # raises UnknownNodeError naming the key
        raise
    if not items:
        raise StateError("cues is empty; give at least one memory key, or None for every memory")
    return np.array([g.index(k) for k in items], dtype=np.int64)


class _BasisOverlaps(Recorder):
    """Pearson overlaps of every state with a basis of patterns (memories and a distractor)."""

    def __init__(self, op: OverlapOperator):
        self.op = op

    def begin(self, batch, steps, model):
        self.out = torch.empty(steps + 1, batch, self.op.Xi.shape[1], dtype=model.dtype)

    def observe(self, t, rows, view):
        self.out[t, rows] = self.op(view.state).cpu()


def replay(
    model: CDAM,
    cues=None,
    steps: int = 200,
    *,
    noise: float = 0.0,
    seed: int | None = 0,
    distractor=None,
    freq: int | None = None,
    strength: float = 1.0,
) -> Replay:
    r"""Run the model from one or many cues in one batch and record the memories visited.

    Run ``b`` starts at :math:`\xi_{c_b} + \text{noise}\,(U[0,1)^n - 1/2)` and follows
    :meth:`CDAM.step`. With a distractor :math:`d`, at every step ``t = freq, 2 freq, ...``
    before the last it is added to every state, :math:`\sigma \leftarrow \sigma + s\,d`
    (``s`` = ``strength``), right after the update; the recorded state at that step
    includes it. The run is one batch: all cues step together, one loop over time.

    Parameters
    ----------
    model : CDAM
        Typically on a :func:`sequence_graph`, with ``a < 0 < h``.
    cues : key, sequence of keys, or None
        Memories to start from; None starts once from every memory (B = p).
    steps : int
        Number of updates.
    noise : float
        Amplitude of the uniform start noise (0: clean cues).
    seed : int or None
        Seed of the start noise.
    distractor : array (n,), optional
        External pattern added every ``freq`` steps.
    freq : int, optional
        Distractor period in steps (needed with ``distractor``).
    strength : float
        Multiplier of the distractor.

    Returns
    -------
    Replay

    Examples
    --------
    >>> import numpy as np, cdam
    >>> g = sequence_graph(np.random.default_rng(0).random((1000, 20)), cycle=True)
    >>> r = replay(cdam.CDAM(g, a=-2.0, h=3.0), cues=[0], steps=60)
    >>> r.order()[:8]
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    if not isinstance(model, CDAM):
        raise ParameterError(f"model must be a cdam.CDAM, got {type(model).__name__}")
    steps = check.positive_int("steps", steps, minimum=0)
    noise = check.finite_real("noise", noise, minimum=0.0)
    idx = _cue_indices(model, cues)
    Xi = model.couplings.Xi
    n = model.n_neurons
    basis = Xi
    d = None
    if distractor is not None:
        if freq is None:
            raise ParameterError("a distractor needs freq=, the number of steps between two presentations")
        freq = check.positive_int("freq", freq)
        strength = check.finite_real("strength", strength)
        d = torch.as_tensor(check.pattern_vector(distractor, n), dtype=Xi.dtype, device=Xi.device)
        basis = torch.cat([Xi, d[:, None]], dim=1)
    elif freq is not None:
        raise ParameterError("freq= was given without a distractor; pass distractor= as well")
    gen = as_generator(seed)
    U = torch.rand(idx.size, n, generator=gen, dtype=torch.float64)
    sigma = (Xi.T[idx].to(torch.float64).cpu() + noise * (U - 0.5)).to(device=Xi.device, dtype=Xi.dtype)
    recorder = _BasisOverlaps(OverlapOperator(basis, "pearson"))

    def present(t, rows, states):  # the distractor, added right after update t
        if t % freq == 0 and t < steps:
            states.add_(d, alpha=strength)

    model.run(sigma, steps, recorders=[recorder], perturb=None if d is None else present, engine="direct")
    record = recorder.out
    ov = record  # (T + 1, B, p [+ 1])
    p = Xi.shape[1]
    mem = ov[..., :p]
    return Replay(
        overlaps=mem,
        winners=mem.argmax(dim=-1).numpy(),
        keys=model.graph.memories,
        cues=idx,
        distractor_overlaps=ov[..., p].numpy().astype(np.float64) if d is not None else None,
        distractor_steps=np.arange(freq, steps, freq) if d is not None else np.zeros(0, dtype=np.int64),  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------- serial position
def serial_distance_curve(
    p: int = 97,
    a: float = -2.0,
    h: float = 3.0,
    *,
    n: int = 1000,
    cycle: bool = True,
    directed: bool = False,
    seeds=(0,),
    steps: int = 100,
    noise: float = 1.0,
    **model_kwargs,
) -> DistanceProfile:
    r"""Mean attractor correlation by serial distance in a learned sequence of ``p`` items.

    Each item gets an i.i.d. U[0,1) pattern; neighbours in the sequence are linked
    (undirected by default, as on the range-of-recall cycle; ``directed=True`` uses transitions
    :math:`k \to k+1`). All-starts runs give the attractor correlation :math:`C`; the curve is
    the mean of :math:`C_{ij}` over ordered pairs at serial distance
    :math:`d = |i - j|` (``min(|i - j|, p - |i - j|)`` on a cycle), averaged over seeds (each
    seed draws new patterns and new start noise). ``std`` is the spread over seeds.

    This is the Miyashita (1988) experiment for ``p = 97`` on a cycle at (a, h) = (-2, 3),
    and a number line (numerosity) for ``cycle=False``. At (-2, 3) the dynamics amplify
    rounding (:func:`cdam.sensitivity.twin_divergence`), so the Miyashita numbers are
    reproducible only in distribution: the 3-seed mean at d = 1 reads 0.652-0.664 across
    torch's CPU kernels and thread counts (``benchmarks/spread.py``), while contracting
    settings such as (0.5, 0.5) agree to rounding.

    Examples
    --------
    >>> prof = serial_distance_curve(20, -2.0, 3.0, n=300)
    >>> prof.distance[:3].tolist(), bool(prof.at(1) > prof.at(3) > prof.at(9))
    ([1.0, 2.0, 3.0], True)
    """
    p = check.positive_int("p", p, minimum=3)
    seeds = check.seed_list(seeds)
    i = np.arange(p)
    D = np.abs(i[:, None] - i[None, :])
    if cycle:
        D = np.minimum(D, p - D)
    off = ~np.eye(p, dtype=bool)
    dist, inverse, counts = np.unique(D[off], return_inverse=True, return_counts=True)
    means = []
    for seed in seeds:  # one independent experiment per seed
        X = random_patterns(n, p, seed=seed)
        if directed:
            g = sequence_graph(X, cycle=cycle)
        else:
            g = MemoryGraph.from_patterns(X)
            k = np.arange(p if cycle else p - 1)
            g.add_links_from(zip(k.tolist(), ((k + 1) % p).tolist()))
        C = attractor_correlation(CDAM(g, a=a, h=h, **model_kwargs).all_starts(steps, noise, seed=seed))
        means.append(np.bincount(inverse, weights=C[off], minlength=dist.size) / counts)
    per_seed = np.stack(means)
    return DistanceProfile(dist.astype(np.float64), per_seed.mean(axis=0), per_seed.std(axis=0), counts * len(seeds))


# ---------------------------------------------------------------------- videos
def moving_shape_video(
    frames: int = 49,
    size: int = 64,
    *,
    radius: float = 12.0,
    orbit: float = 16.0,
    pause: tuple[int, int] = (20, 32),
    pause_speed: float = 0.02,
) -> np.ndarray:
    r"""The synthetic video that ships with cdam: a bright disc circling once, seamlessly.

    Frame ``k`` shows an anti-aliased disc of radius ``radius`` (pixels) whose centre is at
    angle :math:`\theta_k` on a circle of radius ``orbit`` about the image centre, over a
    faint vertical gradient. The disc moves at unit speed except on frames
    ``pause[0] .. pause[1] - 1``, where it slows to ``pause_speed``: a band of nearly
    identical frames like a still scene in a real video. Angles are scaled so that one
    lap takes exactly ``frames`` frames, so the video loops (frame ``frames-1`` leads to
    frame 0). Deterministic: nothing is drawn.

    Returns
    -------
    numpy.ndarray (frames, size, size), float64 in [0, 1]

    Examples
    --------
    >>> v = moving_shape_video()
    >>> v.shape, float(v.min()) >= 0.0, float(v.max()) <= 1.0
    ((49, 64, 64), True, True)
    >>> import numpy as np
    >>> bool(np.abs(v[1] - v[0]).sum() > np.abs(v[23] - v[22]).sum())  # the pause is slow
    True
    """
    frames = check.positive_int("frames", frames, minimum=2)
    size = check.positive_int("size", size, minimum=4)
    radius = check.finite_real("radius", radius, strict_minimum=0.0)
    orbit = check.finite_real("orbit", orbit, minimum=0.0)
    pause_speed = check.finite_real("pause_speed", pause_speed, strict_minimum=0.0)
    lo, hi = (int(pause[0]), int(pause[1])) if pause is not None else (0, 0)
    if not 0 <= lo <= hi <= frames:
        raise ParameterError(f"pause must be (first, stop) with 0 <= first <= stop <= frames={frames}, got {pause}")
    speed = np.ones(frames)
    speed[lo:hi] = pause_speed
    theta = 2 * np.pi * np.concatenate([[0.0], np.cumsum(speed[:-1])]) / speed.sum()
    centre = size / 2
    cy = centre + orbit * np.sin(theta)
    cx = centre + orbit * np.cos(theta)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    dist = np.hypot(yy[None] - cy[:, None, None], xx[None] - cx[:, None, None])
    disc = np.clip(radius + 0.5 - dist, 0.0, 1.0)  # one-pixel anti-aliased edge
    background = 0.15 + 0.1 * (yy / size)[None]
    return np.clip(background + 0.8 * disc, 0.0, 1.0)


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def _natural_key(path: Path):
    return [int(s) if s.isdigit() else s.lower() for s in re.split(r"(\d+)", path.name)]


def load_image_folder(folder, *, size: tuple[int, int] | int | None = None, grayscale: bool = True) -> np.ndarray:
    """Read a folder of frames (one image per frame) into an array scaled into [0, 1].

    Files are taken in natural order of their names (``frame2`` before ``frame10``);
    files that are not images (by suffix: png, jpg, bmp, gif, tif, webp, ppm, pgm) are
    skipped. Needs Pillow (installed with matplotlib).

    Parameters
    ----------
    folder : str or Path
    size : int or (height, width), optional
        Resize every frame to this size; default: the first frame's size (the others must
        match it).
    grayscale : bool
        Convert to one luminance channel; otherwise RGB is kept as a last axis.

    Returns
    -------
    numpy.ndarray (frames, height, width) or (frames, height, width, 3), float64 in [0, 1]

    Raises
    ------
    CDAMError
        If Pillow is missing or an image cannot be read (the message names the file).
    ParameterError
        If the folder does not exist, holds no image, or the frames differ in size.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"{str(folder)!r} is not a folder; pass the folder that holds the frames")
    files = [f for f in folder.iterdir() if f.suffix.lower() in _IMAGE_SUFFIXES and f.is_file()]
    files.sort(key=_natural_key)
    if not files:
        raise ParameterError(f"no image files ({', '.join(_IMAGE_SUFFIXES)}) in {str(folder)!r}")
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise CDAMError("reading images needs Pillow: pip install pillow (or 'cdam[plot]')") from exc
    if isinstance(size, int):
        size = (size, size)
    out: list[np.ndarray] = []
    for f in files:  # one file per frame: reading is per file by nature
        try:
            with Image.open(f) as im:
                im = im.convert("L" if grayscale else "RGB")
                if size is not None:
                    im = im.resize((int(size[1]), int(size[0])), Image.BILINEAR)  # type: ignore[attr-defined]  # Pillow < 9.1 lacks Resampling
                arr = np.asarray(im, dtype=np.float64) / 255.0
        except (OSError, ValueError) as exc:
            raise CDAMError(f"could not read image {str(f)!r}: {exc}") from None
        if out and arr.shape != out[0].shape:
            raise ParameterError(
                f"frame {f.name!r} has shape {arr.shape} but the first frame has {out[0].shape}; pass size= to resize"
            )
        out.append(arr)
    return np.stack(out)


def sample_pixels(frames, n: int = 2000, seed: int | None = 0) -> np.ndarray:
    """Patterns (n, F) from ``n`` pixels drawn once, without replacement, for all F frames.

    Examples
    --------
    >>> sample_pixels(moving_shape_video(), 2000).shape
    (2000, 49)
    """
    arr = np.asarray(frames, dtype=np.float64)
    if arr.ndim < 2:
        raise PatternError(f"frames must have shape (F, ...) with at least one pixel axis, got {arr.shape}")
    flat = arr.reshape(arr.shape[0], -1)
    n = check.positive_int("n", n)
    if n > flat.shape[1]:
        raise ParameterError(f"n={n} pixels asked for but a frame has only {flat.shape[1]}; lower n")
    if not np.isfinite(flat).all():
        raise PatternError("frames hold NaN or inf; every pixel must be finite")
    idx = as_rng(seed).choice(flat.shape[1], size=n, replace=False)
    return flat[:, idx].T.copy()


def video_memory_graph(frames, n: int = 2000, *, seed: int | None = 0, cycle: bool = True) -> MemoryGraph:
    """A :func:`sequence_graph` of a video: memory ``k`` is ``n`` sampled pixels of frame ``k``.

    ``cycle=True`` (default) adds the transition from the last frame back to the first,
    for videos that loop like :func:`moving_shape_video`.

    Examples
    --------
    >>> g = video_memory_graph(moving_shape_video(), 500)
    >>> len(g), g.n_neurons, len(g.transitions)
    (49, 500, 49)
    """
    return sequence_graph(sample_pixels(frames, n, seed), cycle=cycle)
