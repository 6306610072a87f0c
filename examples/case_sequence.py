"""Reproduce the Case Sequence Task: the minimal transformer and the MHN-Transformers
====================================================================================

The Case Sequence Task of Bhandarkar & McClelland 2025 ("Neural Computation Without Slots",
arXiv 2511.04593). Trains every model of the paper for 10 seeds (5000 batches of 64, lr 5e-3,
beta 1, d 32, n_h 8), prints each variant's median final accuracy (mean of the last 500
batches) and its spread beside the paper's figure, and writes two PNGs:

- ``case_sequence_learning_curves.png``: median batch accuracy per variant (band: the
  inter-quartile range over seeds);
- ``case_sequence_key_similarity.png``: for each model, the cosine similarity between the
  keys of the two cases of every letter (does ``a`` get a key like ``A``'s?).

Run ``python examples/case_sequence.py [--outdir DIR] [--workers 2]`` (70 runs of a few
seconds each on one core). ``--seeds 2 --batches 1000`` gives a quick look; ``--replot
case_sequence_results.npz`` redraws without training; ``--sensitivity`` also reruns the two
variants that miss the paper's band at its settings with the authors' own settings for them
(QK-MHN without projection at n_h 16, MHN-W_K + projection at lr 1e-3): with them both
medians move into the paper's 0.87-0.92, so those two gaps are settings, not the model.

The gallery runs it with ``--seeds 1 --batches 500 --workers 1`` (``docs/gallery_setup.py``).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib
import numpy as np

from cdam.backends.attention import train_case_sequence
from cdam.plot import new_figure  # outside pyplot: no backend to select, nothing to close

TAB10 = matplotlib.colormaps["tab10"].colors

# (variant, input projection, label, the paper's figure, its median where it gives one)
CONFIGS = [
    ("transformer", False, "Transformer", "1.00", 1.00),
    ("fixed_k", False, "Fixed-W_K", "0.87-0.92", None),
    ("fixed_k", True, "Fixed-W_K + proj", "~1.00", 1.00),
    ("mhn", False, "MHN-W_K", "0.87-0.92", None),
    ("mhn", True, "MHN-W_K + proj", "0.87-0.92", None),
    ("qk_mhn", False, "QK-MHN", "0.87-0.92", None),
    ("qk_mhn", True, "QK-MHN + proj", "median 1.00", 1.00),
]


def _run(job):
    variant, proj, seed, batches = job
    r = train_case_sequence(variant, input_projection=proj, batches=batches, seed=seed)
    return {
        "accuracy": r.accuracy.astype(np.float32),
        "final": r.final_accuracy,
        "similarity": r.key_similarity,
        "contrast": r.case_key_contrast,
        "seconds": r.seconds,
    }


def run_all(seeds: int, batches: int, workers: int) -> dict:
    jobs = [(v, p, s, batches) for v, p, *_ in CONFIGS for s in range(seeds)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            outs = list(pool.map(_run, jobs))
    else:
        outs = [_run(j) for j in jobs]
    results = {}
    for (v, p, _seed, _), out in zip(jobs, outs):
        results.setdefault((v, p), []).append(out)
    return results


def _key(v: str, p: bool) -> str:
    return f"{v}{'_proj' if p else ''}"


def save_results(results: dict, path: Path) -> None:
    arrays = {}
    for v, p, *_ in CONFIGS:
        for field in ("accuracy", "final", "similarity", "contrast", "seconds"):
            arrays[f"{_key(v, p)}/{field}"] = np.stack([np.asarray(r[field]) for r in results[(v, p)]])
    np.savez_compressed(path, **arrays)


def load_results(path: Path) -> dict:
    data = np.load(path)
    results = {}
    for v, p, *_ in CONFIGS:
        fields = {f: data[f"{_key(v, p)}/{f}"] for f in ("accuracy", "final", "similarity", "contrast", "seconds")}
        n = len(fields["final"])
        results[(v, p)] = [{f: fields[f][i] for f in fields} for i in range(n)]
    return results


def summarize(results: dict) -> list[dict]:
    rows = []
    for v, p, label, spec, _ in CONFIGS:
        runs = results[(v, p)]
        final = np.array([r["final"] for r in runs])
        contrast = np.array([r["contrast"] for r in runs])
        rows.append(
            {
                "label": label,
                "spec": spec,
                "median": float(np.median(final)),
                "q25": float(np.percentile(final, 25)),
                "q75": float(np.percentile(final, 75)),
                "min": float(final.min()),
                "max": float(final.max()),
                "contrast": float(np.median(contrast)),
                "seconds": float(np.mean([r["seconds"] for r in runs])),
            }
        )
    return rows


def print_table(rows: list[dict], seeds: int, batches: int) -> None:
    last = min(500, batches)
    print(f"Case Sequence Task, {seeds} seeds x {batches} batches; final accuracy = mean of the last {last} batches")
    head = f"{'model':<18} {'median':>6} {'IQR':>13} {'min-max':>13}   {'paper':<12} {'key contrast':>12} {'s/run':>6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['label']:<18} {r['median']:6.3f} {r['q25']:6.3f}-{r['q75']:6.3f} {r['min']:6.3f}-{r['max']:6.3f}"
            f"   {r['spec']:<12} {r['contrast']:12.2f} {r['seconds']:6.1f}"
        )
    print("key contrast: mean cosine between the keys of a letter's two cases minus that between different letters")


def plot_learning_curves(results: dict, path: Path, window: int = 100) -> None:
    fig = new_figure((9, 5.5), layout=None)
    ax = fig.add_subplot()
    kernel = np.ones(window) / window
    for (v, p, label, *_), color in zip(CONFIGS, TAB10):
        acc = np.stack([r["accuracy"] for r in results[(v, p)]])  # (seeds, batches)
        smooth = np.stack([np.convolve(a, kernel, mode="valid") for a in acc])
        x = np.arange(smooth.shape[1]) + window
        style = "-" if p or v == "transformer" else "--"
        ax.plot(x, np.median(smooth, axis=0), color=color, label=label, lw=1.6, ls=style)
        ax.fill_between(x, *np.percentile(smooth, [25, 75], axis=0), color=color, alpha=0.15, lw=0)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xlabel("training batch (64 sequences each)")
    ax.set_ylabel(f"batch accuracy ({window}-batch running mean)")
    ax.set_ylim(0.4, 1.02)
    ax.set_title("Case Sequence Task: learning curves (median over seeds, band = IQR)")
    ax.legend(loc="lower right", fontsize=9, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot_key_similarity(results: dict, path: Path) -> None:
    n = len(CONFIGS)
    fig = new_figure((2.3 * n, 7.2), layout=None)
    grid = fig.add_gridspec(2, n, height_ratios=[1, 1.15], hspace=0.3, wspace=0.35)
    letters = "abcd"
    im = None
    for i, (v, p, label, *_) in enumerate(CONFIGS):
        S = np.mean([r["similarity"] for r in results[(v, p)]], axis=0)
        ax = fig.add_subplot(grid[0, i])
        im = ax.imshow(S, vmin=-1, vmax=1, cmap="RdBu_r")
        L = S.shape[0]
        ax.set_xticks(range(L), [c.upper() for c in letters[:L]])
        ax.set_yticks(range(L), list(letters[:L]))
        ax.set_xlabel("case-1 key")
        if i == 0:
            ax.set_ylabel("case-0 key")
        ax.set_title(label, fontsize=9)
    fig.colorbar(im, ax=fig.axes, shrink=0.5, location="right", label="cosine similarity (mean over seeds)")
    ax = fig.add_subplot(grid[1, :])
    for i, (v, p, *_) in enumerate(CONFIGS):
        c = [r["contrast"] for r in results[(v, p)]]
        jitter = np.linspace(-0.15, 0.15, len(c))
        ax.scatter(i + jitter, c, s=18, color=TAB10[i])
        ax.hlines(np.median(c), i - 0.3, i + 0.3, color="k", lw=2)
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    ax.set_xticks(range(n), [c[2] for c in CONFIGS], fontsize=9)
    ax.set_ylabel("same-letter minus other-letter\nkey cosine (per seed)")
    ax.set_xlabel("model (black bar: median over seeds)")
    ax.set_title("Do the two cases of a letter get similar keys? (one point per seed)")
    fig.suptitle("Key-similarity analysis: cosine between the keys of case-0 and case-1 letter tokens")
    fig.savefig(path, dpi=110, bbox_inches="tight")


# settings where the paper's figure and ours differ: the authors' own choices for those runs
SENSITIVITY = [
    ("qk_mhn", False, {"n_hidden": 16}, "QK-MHN, n_h 16 (authors' saved run)", "0.87-0.92"),
    ("mhn", True, {"lr": 1e-3}, "MHN-W_K + proj, lr 1e-3 (authors' config)", "0.87-0.92"),
]


def _run_alt(job):
    variant, proj, kwargs, seed, batches = job
    return train_case_sequence(variant, input_projection=proj, batches=batches, seed=seed, **kwargs).final_accuracy


def run_sensitivity(seeds: int, batches: int, workers: int, base: dict | None = None) -> dict:
    jobs = [(v, p, kw, s, batches) for v, p, kw, *_ in SENSITIVITY for s in range(seeds)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            finals = list(pool.map(_run_alt, jobs))
    else:
        finals = [_run_alt(j) for j in jobs]
    print("sensitivity of the two variants that miss the paper's band at the paper's settings:")
    medians = {}
    for i, (v, p, _kw, label, spec) in enumerate(SENSITIVITY):
        f = np.array(finals[i * seeds : (i + 1) * seeds])
        medians[(v, p)] = float(np.median(f))
        was = "" if base is None else f", {base[(v, p)]:.3f} at the paper's settings"
        print(f"  {label:44s} median {np.median(f):.3f} (min-max {f.min():.3f}-{f.max():.3f}{was}); paper {spec}")
    # the cause of each gap is the one setting that moved (benchmarks/paper_gaps.py [5] also
    # measures key lr, beta and n_h for both, which do not bring them into the band)
    band = (0.87, 0.92)  # Bhandarkar & McClelland 2025: "other variants 0.87-0.92"
    inside = [band[0] <= m <= band[1] for m in medians.values()]
    print(f"why: with its setting above each median is {'inside' if all(inside) else 'not always inside'} the paper's "
          f"band {band[0]}-{band[1]} ({sum(inside)} of {len(inside)}): the gap is that one setting, not the model "
          "(the paper gives n_h 8 only for the projection; benchmarks/paper_gaps.py [5] measures key lr and beta too)")
    return medians


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--batches", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--outdir", type=Path, default=Path("."), help="where the PNGs go (default: here)")
    parser.add_argument("--replot", type=Path, default=None, help="redraw from a saved case_sequence_results.npz")
    parser.add_argument("--sensitivity", action="store_true", help="also rerun two variants at the authors' settings")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.replot is not None:
        results = load_results(args.replot)
        seeds, batches = len(next(iter(results.values()))), len(next(iter(results.values()))[0]["accuracy"])
    else:
        results = run_all(args.seeds, args.batches, args.workers)
        save_results(results, args.outdir / "case_sequence_results.npz")  # for --replot
        seeds, batches = args.seeds, args.batches
    print_table(summarize(results), seeds, batches)
    if args.replot is None:
        base = train_case_sequence("transformer", batches=args.batches, seed=0, gradients="autograd")
        print(f"exact-autograd transformer, seed 0: final accuracy {base.final_accuracy:.3f} ({base.seconds:.1f} s)")
    if args.sensitivity:
        base = {(v, p): float(np.median([r["final"] for r in results[(v, p)]])) for v, p, *_ in SENSITIVITY}
        run_sensitivity(args.seeds, args.batches, args.workers, base)
    plot_learning_curves(results, args.outdir / "case_sequence_learning_curves.png")
    plot_key_similarity(results, args.outdir / "case_sequence_key_similarity.png")
    print(f"wrote the PNGs to {args.outdir} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
