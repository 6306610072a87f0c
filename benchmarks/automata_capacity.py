"""Capacity of the memory automaton: the largest random DFA that verifies, against n and beta.

For each beta, number of symbols A and pattern length n: random complete DFAs
``random_dfa(S, A, seed)`` with patterns of the same seed, for every seed of ``--seeds``
(default 0 and 1). A size S *verifies* when compile-time verification passes for every seed
(every transition, from its attractor and from a perturbed start, decodes to its target
with margin >= 1/2 and settles onto the target's attractor; verification is what makes the
runs exact). S is found by doubling from 2 and then bisection to 1/8 of the last verified
size (at least one state). The scan stops at ``--max-states`` (reported as ">= S"), and a
(beta, A) that reached it at some n is not run at larger n (marked "(>= S)": capacity grows
with n in every measured row). Settings: eta 0.1, 25% state block, tol 1e-3, sparse reads.

The fit: for every cell with a measured limit (not ">="), n against ln(S); ``n ~ a + b ln S``
per number of symbols, then how n must grow as the states double.

Run:  python benchmarks/automata_capacity.py [--quick] [--sizes 250 500 ...] [--betas 0.5 1.0]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from cdam.automata import CapacityError, MemoryAutomaton, random_dfa


def verifies(S: int, A: int, n: int, beta: float, seeds) -> bool:
    """Compile-time verification passes for every seed (a refused try stops at its first failing chunk)."""
    for seed in seeds:
        try:
            m = MemoryAutomaton(random_dfa(S, A, seed=seed), n_neurons=n, seed=seed, beta=beta, verify=False)
        except CapacityError:
            return False
        if m._attractor_refusal is not None:
            return False
        try:
            m._verify(first_failure=True)
        except CapacityError:
            return False
    return True


def largest(A: int, n: int, beta: float, seeds, max_states: int) -> tuple[int, bool, int]:
    """(largest verifying S, whether the scan hit max_states, tries)."""
    tries, lo, hi = 0, 0, 2
    while hi <= max_states:
        tries += 1
        if not verifies(hi, A, n, beta, seeds):
            break
        lo, hi = hi, 2 * hi
    else:
        return lo, True, tries
    if lo == 0:
        return 0, False, tries
    step = max(1, lo // 8)
    while hi - lo > step:
        mid = (lo + hi) // 2
        tries += 1
        if verifies(mid, A, n, beta, seeds):
            lo = mid
        else:
            hi = mid
    return lo, False, tries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n 250 and 500, beta 0.5 only, one seed")
    ap.add_argument("--sizes", type=int, nargs="*", default=[250, 375, 500, 750, 1000, 1500, 2000])
    ap.add_argument("--symbols", type=int, nargs="*", default=[2, 4, 8])
    ap.add_argument("--betas", type=float, nargs="*", default=[0.5, 1.0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    ap.add_argument("--max-states", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.betas, args.seeds = [250, 500], [0.5], [0]
    torch.set_num_threads(args.threads)
    print(f"largest random complete DFA (states x symbols) that verifies for seeds {args.seeds}; "
          f"scan to {args.max_states} states, bisection to 1/8")
    fit_rows = []
    for beta in args.betas:
        print(f"\nbeta {beta}")
        print(f"{'n':>6} | " + " | ".join(f"{str(A) + ' symbols':>14}" for A in args.symbols) + " | time")
        capped: dict = {}
        for n in args.sizes:
            t0, cells = time.perf_counter(), []
            for A in args.symbols:
                if A in capped:
                    cells.append(f"(>= {capped[A]} x {A})")
                    continue
                S, hit, _ = largest(A, n, beta, args.seeds, args.max_states)
                if hit:
                    capped[A] = S
                    cells.append(f">= {S} x {A}")
                elif S == 0:
                    cells.append(f"< 2 x {A}")
                else:
                    cells.append(f"{S} x {A}")
                    fit_rows.append((beta, A, n, S))
            print(f"{n:>6} | " + " | ".join(f"{c:>14}" for c in cells) + f" | {time.perf_counter() - t0:.0f} s",
                  flush=True)
    print("\nfit n ~ a + b ln S over the measured limits (not '>='):")
    for beta in args.betas:
        for A in args.symbols:
            pts = [(n, S) for b, a, n, S in fit_rows if b == beta and a == A and S >= 2]
            if len(pts) < 2:
                print(f"  beta {beta}, {A} symbols: {len(pts)} measured limit(s), no fit")
                continue
            ns, Ss = np.array([p[0] for p in pts], float), np.log([p[1] for p in pts])
            b, a = np.polyfit(Ss, ns, 1)
            print(f"  beta {beta}, {A} symbols: n ~ {a:.0f} + {b:.0f} ln S (doubling the states adds "
                  f"{b * math.log(2):.0f} neurons; points {pts})")


if __name__ == "__main__":
    main()
