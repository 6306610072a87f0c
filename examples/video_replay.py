"""Reproduce the video replay: a 49-frame video stored as a cycle of memories, and distractors
============================================================================================

The video-replay sequence experiment of Burns 2024 (arXiv 2404.07123).

Each frame is a memory (n = 2000 sampled pixels); frame k has the transition k -> k + 1 and
the last frame leads back to the first (the synthetic video loops). The dynamics (beta 0.6,
eta 0.2, c 1) start from every frame at once; the script prints how the runs visited the
frames for (a, h) = (-2, 3) (paper: the cleanest replay, every frame visited about once per
50 steps) and (-1, 3) (paper: stuck in a band of similar frames), then adds a distractor (an
external random pattern) every ``--freq`` steps and reports how fast recall resumes on the
sequence. Writes ``video_replay.png``. The synthetic video replays slower than the paper's "about
once per 50 steps"; the script runs the same model on uncorrelated frames, which replay at
about one frame a step, to show that the difference comes from how alike the frames are.

The default video is cdam's synthetic one (:func:`cdam.sequences.moving_shape_video`: a disc
circling once, with a near-still band of frames 20-31). Use your own frames with
``--frames FOLDER`` (one image per frame, in name order).

Run it in full::

    python examples/video_replay.py --out cdam-output
    python examples/video_replay.py --frames my_frames/ --size 64 --path

The gallery runs it at full size (``docs/gallery_setup.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import cdam
from cdam import plot
from cdam.sequences import (
    VIDEO_PARAMS,
    VIDEO_SETTINGS,
    load_image_folder,
    moving_shape_video,
    replay,
    video_memory_graph,
)


def _band(order) -> str:
    frames = sorted(set(order))
    return f"{frames[0]}..{frames[-1]} ({len(frames)} frames)" if len(frames) <= 15 else f"{len(frames)} frames"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--frames", default=None, help="folder of your own frames (default: the synthetic video)")
    ap.add_argument("--size", type=int, default=None, help="resize your frames to size x size")
    ap.add_argument("--path", action="store_true", help="store a path (no transition from last frame to first)")
    ap.add_argument("--n", type=int, default=VIDEO_PARAMS["n"], help="pixels sampled per frame")
    ap.add_argument("--steps", type=int, default=300, help="steps per run")
    ap.add_argument("--burn", type=int, default=50, help="steps left out of the visit statistics")
    ap.add_argument("--freq", type=int, default=50, help="distractor period in steps")
    ap.add_argument("--strengths", type=float, nargs="+", default=[1.0, 3.0], help="distractor strengths")
    ap.add_argument("--seed", type=int, default=0, help="seed of the pixel sample and the distractor")
    ap.add_argument("--out", default="cdam-output", help="folder for the figure")
    args = ap.parse_args(argv)

    video = moving_shape_video() if args.frames is None else load_image_folder(args.frames, size=args.size)
    n = min(args.n, int(np.prod(video.shape[1:])))
    g = video_memory_graph(video, n, seed=args.seed, cycle=not args.path)
    F = len(g)
    params = {k: v for k, v in VIDEO_PARAMS.items() if k != "n"}
    source = "synthetic moving disc" if args.frames is None else args.frames
    print(f"Video replay: {F} frames ({source}), n = {n} pixels, beta {params['beta']}, eta {params['eta']}, "
          f"c {params['mean_coef']}, {'path' if args.path else 'cycle'}; {F} runs (one cued at each frame), "
          f"{args.steps} steps, statistics over steps {args.burn}..{args.steps}")
    print(f"{'(a, h)':<12}{'visited':>9}{'visits/frame/50 steps':>23}{'sd':>7}{'forward':>9}{'frames/step':>13}"
          f"   frames visited by the run cued at frame 0")
    stats, replays = {}, {}
    for a, h in VIDEO_SETTINGS:
        r = replay(cdam.CDAM(g, a=a, h=h, **params), None, args.steps)
        s = r.visit_statistics(start=args.burn, period=50, cyclic=not args.path)
        stats[(a, h)], replays[(a, h)] = s, r
        print(f"{str((a, h)):<12}{s.visited:>9.2f}{s.visits_per_period:>23.2f}{s.visits_sd:>7.2f}{s.forward:>9.2f}"
              f"{s.changes_per_step:>13.2f}   {_band(r.order(0, start=args.burn))}")
    print("Burns 2024, video replay: (-2, 3) every frame visited about once per 50 steps; (-1, 3) stuck in a band "
          "of similar frames")
    # The replay's speed depends on how alike the frames are. The same run on uncorrelated
    # U[0,1) frames (same n, beta, eta) shows what the model does without the video's structure
    # (benchmarks/paper_gaps.py [3] also measures softmax, beta, eta and variants of the video).
    a, h = VIDEO_SETTINGS[0]
    flat = video_memory_graph(np.random.default_rng(args.seed).random(video.shape), n, seed=args.seed,
                              cycle=not args.path)
    s_flat = replay(cdam.CDAM(flat, a=a, h=h, **params), None, args.steps).visit_statistics(
        start=args.burn, period=50, cyclic=not args.path)
    X = np.asarray(g.patterns, dtype=np.float64)
    neighbour = float(np.mean([np.corrcoef(X[:, k], X[:, (k + 1) % F])[0, 1] for k in range(F - 1 + (not args.path))]))
    print(f"why: with {F} uncorrelated U[0,1) frames the same run visits each frame {s_flat.visits_per_period:.2f} "
          f"times per 50 steps ({s_flat.changes_per_step:.2f} frames a step); this video's neighbouring frames "
          f"correlate {neighbour:.2f}, and it gives {stats[(a, h)].visits_per_period:.2f}: the gap is the frames' "
          "correlations, not the model (the paper's video is not available)")

    distractor = np.random.default_rng(args.seed + 1).random(n)
    print(f"\nDistractors at (a, h) = ({a:g}, {h:g}): a random U[0,1) pattern added every {args.freq} steps")
    print(f"{'strength':>9}{'events':>8}{'recovery steps mean':>21}{'max':>6}{'never':>7}{'visited':>9}"
          f"{'visits/frame/50':>17}{'forward':>9}")
    distracted = {}
    for strength in args.strengths:
        r = replay(cdam.CDAM(g, a=a, h=h, **params), None, args.steps, distractor=distractor, freq=args.freq,
                   strength=strength)
        rec = r.recovery_steps()
        ok = np.isfinite(rec)
        s = r.visit_statistics(start=args.burn, period=50, cyclic=not args.path)
        distracted[strength] = {"replay": r, "recovery": rec, "stats": s}
        print(f"{strength:>9g}{rec.shape[0]:>8}{rec[ok].mean() if ok.any() else np.inf:>21.2f}"
              f"{rec[ok].max() if ok.any() else np.inf:>6.0f}{(~ok).mean():>7.2f}{s.visited:>9.2f}"
              f"{s.visits_per_period:>17.2f}{s.forward:>9.2f}")

    fig = plot.new_figure((11, 8.5))
    top, mid, bottom = fig.subfigures(3, 1, height_ratios=[1, 1.5, 1.5])
    shown = np.linspace(0, F - 1, 7).round().astype(int)
    axes = top.subplots(1, len(shown))
    for ax, k in zip(axes, shown):
        ax.imshow(video[k], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"frame {k}", fontsize=8)
        ax.axis("off")
    top.suptitle(f"the stored video ({F} frames, {source})", fontsize=10)
    ax = mid.subplots()
    for (a_, h_), r in replays.items():
        ax.plot(r.winners[:, 0], drawstyle="steps-post", label=f"a={a_:g}, h={h_:g}")
    ax.set_xlabel("step")
    ax.set_ylabel("best-correlated frame")
    ax.set_title(f"replay from frame 0: beta {params['beta']}, eta {params['eta']}, c {params['mean_coef']}, n {n}",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    ax = bottom.subplots()
    strength = args.strengths[-1]
    r = distracted[strength]["replay"]
    ax.plot(r.winners[:, 0], drawstyle="steps-post", color="C0", label="best-correlated frame")
    for t in r.distractor_steps:
        ax.axvline(t, color="red", lw=0.8, ls="--")
    ax.set_xlabel("step")
    ax.set_ylabel("best-correlated frame")
    ax2 = ax.twinx()
    ax2.plot(r.distractor_overlaps[:, 0], color="red", lw=0.8, alpha=0.7, label="overlap with distractor")
    ax2.set_ylabel("Pearson overlap with distractor")
    ax2.set_ylim(-0.2, 1.05)
    ax.set_title(f"distractor every {args.freq} steps (dashed), strength {strength:g}, a={a:g}, h={h:g}",
                 fontsize=10)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper right")
    png = plot.save_figure(fig, Path(args.out) / "video_replay.png")
    print(f"wrote {png}")
    return {"stats": stats, "uncorrelated": s_flat, "distracted": distracted, "figures": [png], "n_frames": F}


if __name__ == "__main__":
    main()
