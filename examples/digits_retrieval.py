"""Reproduce Burns 2024's image-retrieval table on scikit-learn's 8x8 digits, two scores
=====================================================================================

P images (the first P digits of the data set, 64 pixels scaled into [0, 1]) are stored with
no graph; each is cued with itself plus noise (beta 1, eta 0.1, noise 1, T 100, c 1) and
scored two ways: the paper's column score (the run started from mu ends more correlated with
xi_mu than any other run does) and the usual row score (the run's best-correlated memory is
its own). Both softmax forms are run: the stable default and the notebooks' "legacy" one.
The script prints the table beside the paper's Fashion-MNIST column scores (Burns 2024, arXiv
2404.07123) and writes ``digits_retrieval.png``.

Run it in full::

    python examples/digits_retrieval.py --seeds 10 --out cdam-output

The gallery runs it with ``--seeds 2`` (``docs/gallery_setup.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from cdam import plot
from cdam.experiments.retrieval import DIGITS_A, DIGITS_P, FASHION_MNIST_COLUMN_SCORE, digits_retrieval

SOFTMAXES = ("stable", "legacy")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds of the start noise to average")
    ap.add_argument("--p", type=int, nargs="+", default=list(DIGITS_P), help="numbers of stored images")
    ap.add_argument("--out", default="cdam-output", help="folder for the figure")
    args = ap.parse_args(argv)
    seeds = range(args.seeds)

    tables = {sm: digits_retrieval(args.p, DIGITS_A, softmax=sm, seeds=seeds) for sm in SOFTMAXES}
    print(f"Image retrieval, sklearn 8x8 digits (n = 64), beta 1, eta 0.1, noise 1, T 100, c 1; "
          f"mean over {args.seeds} seeds")
    print("cells: column score / row score; Burns 2024: the paper's Fashion-MNIST column score")
    head = "".join(f"{'a=' + format(a, 'g'):>16}" for a in DIGITS_A)
    for sm in SOFTMAXES:
        print(f"\nsoftmax={sm!r}\n{'P':>4}{head}")
        for p in args.p:
            cells = [f"{tables[sm][(p, a)].column:.2f} / {tables[sm][(p, a)].row:.2f}" for a in DIGITS_A]
            print(f"{p:>4}" + "".join(f"{c:>16}" for c in cells))
    print(f"\nBurns 2024 (Fashion-MNIST, column score, legacy softmax)\n{'P':>4}{head}")
    for p in args.p:
        ref = FASHION_MNIST_COLUMN_SCORE.get(p)
        print(f"{p:>4}" + "".join(f"{(format(ref[a], '.3g') if ref else '-'):>16}" for a in DIGITS_A))
    floor = max(s.legacy_floor for t in tables.values() for s in t.values())
    same = all(
        np.isclose(tables["stable"][k].column, tables["legacy"][k].column)
        and np.isclose(tables["stable"][k].row, tables["legacy"][k].row)
        for k in tables["stable"]
    )
    print(f"\nlargest fraction of runs ending with every logit below log(eps) = -36 (the legacy artefact's "
          f"regime): {floor:.2f}; stable and legacy tables identical: {same}")
    chance = {p: 1.0 / p for p in args.p}
    print("row score at a = 0.1 vs chance 1/P: "
          + ", ".join(f"P={p}: {tables['stable'][(p, 0.1)].row:.3f} vs {chance[p]:.3f}" for p in args.p))

    fig = plot.new_figure((4.2 * len(args.p), 4))
    axes = fig.subplots(1, len(args.p), squeeze=False)
    x = np.arange(len(DIGITS_A))
    for ax, p in zip(axes[0], args.p):
        for sm, ls, dx, mfc in zip(SOFTMAXES, ("-", ":"), (-0.06, 0.06), (None, "white")):
            t = tables[sm]  # legacy drawn hollow and shifted right: the two often coincide
            ax.errorbar(x + dx, [t[(p, a)].column for a in DIGITS_A], yerr=[t[(p, a)].column_sd for a in DIGITS_A],
                        fmt="o" + ls, color="C0", mfc=mfc, capsize=2, label=f"column score, {sm}")
            ax.errorbar(x + dx, [t[(p, a)].row for a in DIGITS_A], yerr=[t[(p, a)].row_sd for a in DIGITS_A],
                        fmt="s" + ls, color="C1", mfc=mfc, capsize=2, label=f"row score, {sm}")
        if p in FASHION_MNIST_COLUMN_SCORE:
            ax.scatter(x, [FASHION_MNIST_COLUMN_SCORE[p][a] for a in DIGITS_A], marker="*", s=90, color="black",
                       zorder=3, label="Burns 2024 column (Fashion-MNIST)")
        ax.axhline(1.0 / p, color="gray", lw=0.8, ls="--", label="chance 1/P")
        ax.set_xticks(x, [f"{a:g}" for a in DIGITS_A])
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlabel("auto-association a")
        ax.set_ylabel("fraction retrieved")
        ax.set_title(f"P = {p} digits", fontsize=10)
    fig.suptitle(f"Retrieval of sklearn 8x8 digits (n = 64): empty graph, beta 1, eta 0.1, noise 1, T 100, c 1, "
                 f"mean (sd) of {args.seeds} seeds", fontsize=10)
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    png = plot.save_figure(fig, Path(args.out) / "digits_retrieval.png")
    print(f"wrote {png}")
    return {"tables": tables, "figures": [png]}


if __name__ == "__main__":
    main()
