"""The ``cdam`` command line."""

from __future__ import annotations

import importlib.metadata
import math
import sys
import time
from pathlib import Path
from typing import Any

import click
import networkx as nx
import numpy as np

from .errors import CDAMError, GraphError, PatternError

DEFAULT_OUT = "cdam-output"


def _version() -> str:
    """The installed distribution's version; ``cdam.__version__`` in a source tree never installed."""
    try:
        return importlib.metadata.version("cdam")
    except importlib.metadata.PackageNotFoundError:
        from . import __version__

        return __version__


class _Group(click.Group):
    """Prints CDAMErrors as one line (exit 2) unless --debug was given."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CDAMError as exc:
            if ctx.params.get("debug"):
                raise
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(_version(), "--version", "-V", prog_name="cdam")
def main(debug: bool) -> None:
    """cdam: graph-centric Correlated Dense Associative Memory.

    \b
    Examples:
      cdam demo                          # the four modes and the range of recall
      cdam run edges.txt --a -0.5 --h 1.5
      cdam phase-diagram --graph cycle:30
      cdam sweep cycle:30 --a -2,1 --h 0,3 --out sweep.jsonl
    """


class _ClickProgress:
    """A ``progress(done, total)`` callback (:mod:`cdam._progress`) drawn as a click bar.

    On a terminal only; nothing when stderr is a file or a pipe. The bar ends when ``done``
    reaches ``total``; a later call (the total grew) starts a new one.
    """

    def __init__(self, label: str):
        self.label = label
        self._bar: Any = None  # a click progress bar once the first call shows the total

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
            self._bar.__enter__()
        self._bar.length = total
        self._bar.update(done - self._bar.pos)
        if done >= total:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _sorted_nodes(block) -> list:
    try:
        return sorted(block)
    except TypeError:  # mixed node types
        return sorted(block, key=str)


def _fmt(x: float) -> str:
    return f"{x:+.2f}"


# ---------------------------------------------------------------------- demo
@main.command()
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Folder for the PNG figures.")
@click.option("--n", "n", default=1000, show_default=True, help="Neurons per pattern.")
@click.option("--seed", default=0, show_default=True, help="Seed for patterns and start noise.")
def demo(out_dir: str, n: int, seed: int) -> None:
    """Run the paper's cycle experiments on built-in data.

    Shows the four dynamical modes on a 30-memory cycle (Burns 2024, arXiv 2404.07123), the
    range-of-recall curves next to the paper's numbers, and a phase diagram; writes PNGs.

    \b
    Example:
      cdam demo --out figures
    """
    from . import plot
    from .datasets import cycle_memory_graph
    from .dynamics import CDAM
    from .experiments import paper
    from .measures import attractor_correlation
    from .modes import phase_diagram

    t0 = time.perf_counter()
    out = Path(out_dir)
    click.echo(f"cdam demo: 30-memory cycle, n = {n}, sym, eta 0.1, beta 1, T 100, c 1 (seed {seed})\n")

    click.secho("Dynamical modes on a 30-memory cycle (Burns 2024, arXiv 2404.07123)", bold=True)
    click.echo(f"  {'a':>5} {'h':>5}  {'paper':<14} {'predicted':<14} {'observed':<14}")
    for row in paper.mode_table(n=n, seed=seed):
        flag = "" if row.paper == row.predicted == row.observed else "  <- differs"
        click.echo(f"  {row.a:>5g} {row.h:>5g}  {row.paper!s:<14} {row.predicted!s:<14} {row.observed!s:<14}{flag}")

    click.secho("\nRange of recall: mean attractor correlation by graph distance (Burns 2024)", bold=True)
    profiles = paper.range_of_recall(n=n, seeds=(seed,))
    head = "".join(f"{'d=' + str(d):>8}" for d in paper.RANGE_DISTANCES)
    click.echo(f"  {'(a, h)':<12}{'':6}{head}")
    for (a, h), prof in profiles.items():
        ours = "".join(f"{_fmt(prof.at(d)):>8}" for d in paper.RANGE_DISTANCES)
        ref = "".join(f"{_fmt(v):>8}" for v in paper.RANGE_OF_RECALL[(a, h)])
        click.echo(f"  {f'({a:g}, {h:g})':<12}{'cdam':<6}{ours}")
        click.echo(f"  {'':<12}{'paper':<6}{ref}")

    files = []
    reference = {k: dict(zip(paper.RANGE_DISTANCES, v)) for k, v in paper.RANGE_OF_RECALL.items()}
    files.append(plot.save_figure(plot.plot_range_of_recall(profiles, reference), out / "range_of_recall.png"))

    g = cycle_memory_graph(30, n, seed=seed)
    traj = CDAM(g, a=-2.0, h=3.0).all_starts(100, 1.0, seed=seed)
    fig = plot.plot_attractor_correlation(
        attractor_correlation(traj), title="attractor correlation, 30-cycle, wide mode (a=-2, h=3)"
    )
    files.append(plot.save_figure(fig, out / "attractor_correlation.png"))

    diagram = phase_diagram(
        g, np.linspace(-3, 2, 11), np.linspace(0, 4, 9), seed=seed, progress=_ClickProgress("phase diagram")
    )
    fig = plot.plot_phase_diagram(diagram)
    fig.axes[0].set_title(f"30-cycle phase diagram (agreement {diagram.agreement:.0%})\n"
                          "cells predicted, dots observed where different", fontsize=9)
    files.append(plot.save_figure(fig, out / "phase_diagram.png"))

    extra = _demo_extras(out)
    files.extend(extra)
    click.echo(f"\nFigures written to {out}/:")
    for f in files:
        click.echo(f"  {f.name}")
    click.echo(f"done in {time.perf_counter() - t0:.1f} s")


def _demo_extras(out: Path) -> list[Path]:
    """The family-tree automaton of Burns 2024: prints its runs, returns its figure."""
    from .automata import family_tree_demo, plot_family_tree

    click.secho("\nFinite automaton as memory sequences: the Simpsons family tree (Burns 2024)", bold=True)
    click.echo(family_tree_demo())
    path = out / "family_tree.png"
    plot_family_tree(path)
    return [path]


# ---------------------------------------------------------------------- graph input
def _read_graph(path: str, directed: bool) -> nx.Graph:
    if path.startswith("cycle:"):
        try:
            return nx.cycle_graph(int(path.split(":", 1)[1]))
        except ValueError:
            raise GraphError(f"built-in graph {path!r}: write cycle:P with an integer P, e.g. cycle:30") from None
    if path == "karate":
        from .datasets import karate_graph

        return karate_graph()
    p = Path(path)
    if not p.exists():
        raise GraphError(f"graph file {path!r} does not exist; give an edge list, a .graphml file, cycle:P or karate")
    try:
        if p.suffix.lower() in (".graphml", ".xml"):
            G = nx.read_graphml(p)
            return G.to_directed() if directed and not G.is_directed() else G
        create = nx.DiGraph if directed else nx.Graph
        G = nx.read_weighted_edgelist(p, create_using=create()) if _has_weights(p) else nx.read_edgelist(
            p, create_using=create(), data=False
        )
    except (nx.NetworkXError, ValueError, TypeError, OSError) as exc:
        raise GraphError(f"could not read {path!r} as an edge list ('u v [weight]' per line): {exc}") from None
    return G


def _has_weights(p: Path) -> bool:
    for line in p.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return len(line.split()) >= 3
    return False


def _memory_graph(graph: str, directed: bool, patterns: str | None, n: int, seed: int):
    from .datasets import memory_graph_from_networkx
    from .graph import MemoryGraph

    G = _read_graph(graph, directed)
    if G.number_of_nodes() == 0:
        raise GraphError(f"{graph!r} has no nodes")
    if patterns is None:
        return memory_graph_from_networkx(G, n=n, seed=seed)
    try:
        arr = np.load(patterns, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise PatternError(
            f"could not read patterns from {patterns!r} (need a .npy array of shape (n, p)): {exc}"
        ) from None
    return MemoryGraph.from_networkx(G, arr)


_model_options = [
    click.option("--a", "a", default=1.0, show_default=True, help="Auto-association (negative: anti-Hebbian)."),
    click.option("--h", "h", default=0.0, show_default=True, help="Hetero-association strength."),
    click.option("--beta", default=1.0, show_default=True, help="Inverse temperature."),
    click.option("--eta", default=0.1, show_default=True, help="Step size in (0, 1]."),
    click.option("--mean-coef", default=1.0, show_default=True, help="Mean-subtraction coefficient c."),
    click.option("--normalization", type=click.Choice(["sym", "row", "none"]), default="sym", show_default=True),
]
_graph_options = [
    click.option("--directed", is_flag=True, help="Read an edge list as directed transitions."),
    click.option("--patterns", type=click.Path(dir_okay=False), default=None,
                 help="A .npy array (n, p), one column per node in file order; default random U[0,1)."),
    click.option("--n", "n", default=1000, show_default=True, help="Neurons per random pattern."),
    click.option("--seed", default=0, show_default=True, help="Seed for random patterns and start noise."),
]


def _apply(options):
    def deco(f):
        for opt in reversed(options):
            f = opt(f)
        return f

    return deco


@main.command()
@click.argument("graph")
@_apply(_graph_options)
@_apply(_model_options)
@click.option("--steps", default=100, show_default=True, help="Updates per run.")
@click.option("--noise", default=1.0, show_default=True, help="Start noise amplitude.")
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False))
def run(graph, directed, patterns, n, seed, a, h, beta, eta, mean_coef, normalization, steps, noise, out_dir):
    """Run all-starts CDAM dynamics on a memory graph read from GRAPH.

    GRAPH is an edge list ('u v [weight]' per line), a .graphml file, or a built-in
    name: cycle:P or karate. Prints the predicted and observed mode and the correlation by
    graph distance; writes the attractor-correlation matrix (.npy) and its figure.

    \b
    Example:
      cdam run cycle:30 --a -0.5 --h 1.5
    """
    from . import plot
    from .dynamics import CDAM
    from .measures import attractor_correlation, distance_profile
    from .modes import classify_mode, predict_mode

    g = _memory_graph(graph, directed, patterns, n, seed)
    model = CDAM(g, a=a, h=h, beta=beta, eta=eta, mean_coef=mean_coef, normalization=normalization)
    click.echo(f"{g}\n{model}")
    traj = model.all_starts(steps, noise, seed=seed)
    C = attractor_correlation(traj)
    click.echo(f"predicted mode: {predict_mode(model)}   observed mode: {classify_mode(traj, g)}")
    prof = distance_profile(C, g)
    click.echo("mean attractor correlation by graph distance:")
    for d, m, c in zip(prof.distance, prof.mean, prof.count):
        click.echo(f"  d={d:<5g} {m:+.3f}  ({c} pairs)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "attractor_correlation.npy", C)
    fig = plot.plot_attractor_correlation(C, title=f"attractor correlation (a={a:g}, h={h:g})", labels=g.memories)
    png = plot.save_figure(fig, out / "attractor_correlation.png")
    click.echo(f"wrote {out / 'attractor_correlation.npy'} and {png}")


@main.command("phase-diagram")
@click.option("--graph", "graph", default="cycle:30", show_default=True, help="Edge list, .graphml, cycle:P or karate.")
@_apply(_graph_options)
@click.option("--a-range", nargs=3, type=float, default=(-3.0, 2.0, 11), show_default=True,
              help="a from, to, number of values.")
@click.option("--h-range", nargs=3, type=float, default=(0.0, 4.0, 9), show_default=True,
              help="h from, to, number of values.")
@click.option("--no-observe", is_flag=True, help="Only the theory's prediction (no simulation).")
@click.option("--steps", default=100, show_default=True)
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False))
def phase_diagram_cmd(graph, directed, patterns, n, seed, a_range, h_range, no_observe, steps, out_dir):
    """Predicted and observed dynamical modes over a grid of (a, h).

    \b
    Example:
      cdam phase-diagram --graph karate --a-range -2 1 7 --h-range 0 3 7
    """
    from . import plot
    from .modes import phase_diagram

    g = _memory_graph(graph, directed, patterns, n, seed)
    a_vals = np.linspace(a_range[0], a_range[1], _count(a_range[2]))
    h_vals = np.linspace(h_range[0], h_range[1], _count(h_range[2]))
    d = phase_diagram(g, a_vals, h_vals, observe=not no_observe, steps=steps, seed=seed,
                      progress=False if no_observe else _ClickProgress("cells"))
    _mode_table(a_vals, h_vals, d.predicted, d.observed)
    if d.observed is not None:
        click.echo(f"agreement: {d.agreement:.1%}")
    png = plot.save_figure(plot.plot_phase_diagram(d, which="both" if d.observed is not None else "predicted"),
                           Path(out_dir) / "phase_diagram.png")
    click.echo(f"wrote {png}")


def _mode_table(a_vals, h_vals, predicted, observed) -> None:
    """Print modes on the (h, a) grid: entry [i, j] is h[i], a[j]; Mode or mode name; no
    observed modes: None."""
    short = {"auto": "A", "narrow_hetero": "N", "wide_hetero": "W", "quiescent": "Q", "None": "-"}
    click.echo("rows h (top = largest), columns a; predicted/observed "
               "(A auto, N narrow, W wide, Q quiescent)")
    click.echo("        " + " ".join(f"{x:>5.2f}" for x in a_vals))
    for i in range(len(h_vals) - 1, -1, -1):
        cells = []
        for j in range(len(a_vals)):
            p = short[str(predicted[i, j])]
            o = short[str(observed[i, j])] if observed is not None else "-"
            cells.append(f"{p}/{o:<3}")
        click.echo(f"h={h_vals[i]:5.2f} " + " ".join(cells))


def _floats(ctx, param, value: str) -> list[float]:
    try:
        out = [float(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"give numbers separated by commas, e.g. -1,0,0.5; got {value!r}") from None
    if not out:
        raise click.BadParameter("give at least one value")
    return out


def _ints(ctx, param, value: str) -> list[int]:
    try:
        out = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"give whole numbers separated by commas, e.g. 100,1000; got {value!r}") from None
    if not out or min(out) < 1:
        raise click.BadParameter(f"give at least one positive number; got {value!r}")
    return out


def _values(start: float, stop: float, num: int) -> str:
    return ",".join(f"{x:g}" for x in np.linspace(start, stop, num))


@main.command("sweep")
@click.argument("graph")
@_apply(_graph_options)
@click.option("--a", "a_values", default=_values(-3.0, 2.0, 11), show_default=True, callback=_floats,
              help="Auto-association values, comma-separated.")
@click.option("--h", "h_values", default=_values(0.0, 4.0, 9), show_default=True, callback=_floats,
              help="Hetero-association values, comma-separated.")
@click.option("--beta", "beta_values", default="1", show_default=True, callback=_floats,
              help="Inverse temperatures, comma-separated.")
@click.option("--eta", "eta_values", default="0.1", show_default=True, callback=_floats,
              help="Step sizes in (0, 1], comma-separated.")
@click.option("--mean-coef", "c_values", default="1", show_default=True, callback=_floats,
              help="Mean-subtraction coefficients, comma-separated.")
@click.option("--normalization", type=click.Choice(["sym", "row", "none"]), default="sym", show_default=True)
@click.option("--steps", default=100, show_default=True, help="Updates per run.")
@click.option("--noise", default=1.0, show_default=True, help="Start noise amplitude.")
@click.option("--out", "out", default=DEFAULT_OUT, show_default=True, type=click.Path(),
              help="Results file (.jsonl), or a folder: it gets sweep-<fingerprint>.jsonl.")
@click.option("--workers", type=int, default=None, help="Local processes (default: all cores); 1: this process.")
@click.option("--scheduler", default=None, metavar="ADDR", help="Dask scheduler address, e.g. tcp://host:8786.")
def sweep_cmd(graph, directed, patterns, n, seed, a_values, h_values, beta_values, eta_values, c_values,
              normalization, steps, noise, out, workers, scheduler):
    """Run all-starts dynamics over a parameter grid, streamed to a resumable file.

    GRAPH is an edge list, a .graphml file, cycle:P or karate. Every cell of the grid
    (the product of the --a, --h, --beta, --eta and --mean-coef values) records the
    predicted and observed mode; each finished cell is appended to the results file at
    once. Run the same command again after an interruption: the cells already in the file
    are kept and only the missing ones run. A file of a different sweep is refused.

    \b
    Examples:
      cdam sweep cycle:30 --a -2,-1,0,1 --h 0,1,2,3 --out cycle.jsonl
      cdam sweep karate --beta 0.5,1,2 --workers 4
      cdam sweep cycle:30 --scheduler tcp://10.0.0.5:8786 --out big.jsonl
    """
    from .sweeps import sweep

    g = _memory_graph(graph, directed, patterns, n, seed)
    grid, fixed = {}, {"normalization": normalization}
    for name, values in (("beta", beta_values), ("eta", eta_values), ("mean_coef", c_values)):
        if len(values) > 1:
            grid[name] = values
        else:
            fixed[name] = values[0]
    grid["h"], grid["a"] = h_values, a_values  # a varies fastest: rows h, columns a
    target = Path(out)
    if target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
    n_cells = math.prod(map(len, grid.values()))
    click.echo(f"{g}; {n_cells} cell{'s' * (n_cells != 1)} over {', '.join(grid)}")

    finished = [0]

    def report(rec):
        finished[0] += 1
        params = " ".join(f"{k}={rec[k]:g}" for k in grid)
        click.echo(f"[{finished[0]}] {params}: {rec['predicted']}/{rec['observed']} ({rec['wall_time']:.2f} s)",
                   err=True)

    try:
        res = sweep(g, grid, steps=steps, noise=noise, seed=seed, out=target, workers=workers,
                    scheduler=scheduler, progress=False, on_record=report, **fixed)
    except KeyboardInterrupt:
        click.echo(f"interrupted: the finished cells are saved in {target}; run the same command again to resume",
                   err=True)
        sys.exit(130)
    predicted, observed = res.to_numpy("predicted"), res.to_numpy("observed")
    for idx in np.ndindex(*res.shape[:-2]):
        if idx:
            click.echo(", ".join(f"{k}={v[i]:g}" for (k, v), i in zip(grid.items(), idx)) + ":")
        _mode_table(grid["a"], grid["h"], predicted[idx], observed[idx])
    click.echo(f"cells: {res.n_cells} total, {res.resumed} resumed from the file, {res.computed} run now")
    click.echo(f"agreement (observed = predicted): {res.agreement:.1%}")
    click.echo(f"results in {res.path}")


@main.command()
@click.argument("graph")
@click.option("--seed", default=0, show_default=True, help="Seed for patterns, start noise and Louvain.")
@click.option("--n", "n", default=None, type=int,
              help="Neurons per random pattern (consensus, paper) [default: 64 consensus, 1000 paper].")
@click.option("--a-values", default=None, help="Comma-separated a values (h = 1 - a); default: the method's sweep.")
@click.option("--method", type=click.Choice(["markov", "consensus", "paper"]), default="markov", show_default=True,
              help="markov: Markov stability of the linearised CDAM walk; consensus: Louvain consensus on "
                   "CDAM similarity graphs; paper: the karate-club readout of Burns 2024.")
@click.option("--draws", default=3, show_default=True, help="Pattern draws per scale (consensus only).")
@click.option("--tries", default=8, show_default=True, help="Leiden optimisations per scale (markov only).")
@click.option("--workers", default=1, show_default=True, type=int,
              help="Local processes that run the scales (markov only); 1: this process.")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Dask scheduler address that runs the scales, e.g. tcp://host:8786 (markov only).")
@click.option("--select", type=click.Choice(["stability_minimum", "stability", "modularity"]), default=None,
              help="How the scale is chosen [default: stability_minimum for markov, stability for consensus, "
                   "modularity for paper].")
@click.option("--plot", "do_plot", is_flag=True,
              help="Write the scan (communities_scan.png), the graph per scale (communities.png) and the "
                   "hierarchy (communities_tree.png).")
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False))
def communities(graph, seed, n, a_values, method, draws, tries, workers, scheduler, select, do_plot, out_dir):
    """Multi-scale communities of GRAPH from the CDAM's scales.

    GRAPH is an edge list, a .graphml file, cycle:P or karate. Prints the scan (fine to
    coarse) with each scale's modularity, its stability (NVI between the partitions of one
    scale, and to the next coarser scale) and, for karate, the NMI against the two
    factions; the chosen scale is marked with *. --plot writes the scan, the graph per
    scale and the hierarchy.

    \b
    Examples:
      cdam communities karate --plot
      cdam communities edges.txt --workers 2
    """
    from .communities import METHOD_OPTIONS, hierarchy, multiscale, selected_level
    from .partitions import normalized_mutual_info

    G = _read_graph(graph, directed=False)
    truth = None
    if graph == "karate":
        K = nx.karate_club_graph()
        truth = [{u for u in K if K.nodes[u]["club"] == c} for c in ("Mr. Hi", "Officer")]
    if a_values is None:
        a_list = None  # the method's default sweep
    else:
        try:
            a_list = [float(x) for x in a_values.split(",") if x.strip()]
        except ValueError:
            raise click.BadParameter(f"--a-values must be numbers separated by commas, got {a_values!r}") from None
    # forward only the options given, and refuse one of another method rather than ignore it
    ctx = click.get_current_context()
    flags = {"n_neurons": ("--n", n), "draws": ("--draws", draws), "tries": ("--tries", tries),
             "workers": ("--workers", workers), "scheduler": ("--scheduler", scheduler)}
    given = {name: value for name, (flag, value) in flags.items()
             if ctx.get_parameter_source(flag.lstrip("-")) is not click.core.ParameterSource.DEFAULT}
    for name in given:
        owners = [m for m in ("markov", "consensus", "paper") if name in METHOD_OPTIONS[m]]
        if name not in METHOD_OPTIONS[method]:
            raise click.BadParameter(f"{flags[name][0]} belongs to --method {' and '.join(owners)}, not {method}; "
                                     f"pass --method {' or '.join(owners)}, or drop {flags[name][0]}")
    repeats = {"markov": tries, "consensus": draws}.get(method, 1)
    select = select or {"markov": "stability_minimum", "consensus": "stability"}.get(method, "modularity")
    if repeats < 2:
        select = "modularity"  # one partition per scale has no spread to rank by
    if select != "modularity" and method == "paper":
        raise click.BadParameter(f"--select {select} needs the spread of several partitions per scale: "
                                 "--method markov or consensus")
    levels = multiscale(G, seed=seed, a_values=a_list, method=method,
                        progress=_ClickProgress("draws" if method == "consensus" else "scales"), **given)
    chosen = selected_level(levels, select)
    nodes = list(G)
    spread = "NVI tries" if method == "markov" else "NVI draws"
    click.echo(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges; fine to coarse ({method}):")
    click.echo(f"  {'a':>8} {'h':>7} {'gamma':>6} {'groups':>7} {'modularity':>11} {spread:>9} {'NVI next':>8}"
               + (f" {'NMI':>6}" if truth else ""))
    for lvl in levels:
        mark = "*" if lvl is chosen else " "
        row = (f"{mark} {lvl.a:>8.4g} {lvl.h:>7.4g} {lvl.resolution:>6.3g} {lvl.n_communities:>7d} "
               f"{lvl.modularity:>11.3f} {lvl.nvi:>9.3f} {lvl.nvi_coarser:>8.3f}")
        if truth:
            row += f" {normalized_mutual_info(lvl.partition, truth, nodes):>6.2f}"
        click.echo(row)
    how = {"stability_minimum": "deepest stability minimum", "stability": "most stable"}.get(select, "most modular")
    click.echo(f"* {how}: a={chosen.a:.4g} ({chosen.n_communities} groups, Q={chosen.modularity:.3f})")
    for k, block in enumerate(chosen.partition):
        click.echo(f"  {k}: {_sorted_nodes(block)}")
    if do_plot:
        from . import plot
        from .plot.communities import plot_community_scan, plot_hierarchy

        out = Path(out_dir)
        for name, fig in (("communities.png", plot.plot_community_levels(G, levels, truth, seed=seed)),
                          ("communities_scan.png", plot_community_scan(levels, chosen=chosen)),
                          ("communities_tree.png", plot_hierarchy(hierarchy(levels)))):
            click.echo(f"wrote {plot.save_figure(fig, out / name)}")


@main.command()
@click.option("--quick", is_flag=True, help="Small sizes (seconds), for a smoke test.")
@click.option("--parts", default="abcdefgh", show_default=True,
              help="Which benchmarks: a (notebook), b (raw), c (scaling), d (automaton), e (communities), "
                   "f (phase diagram), g (engine), h (memory limit), i or large-graph (a large memory graph), "
                   "j or automata (memory automata vs automata-lib).")
@click.option("--max-p", default=200_000, show_default=True, help="Largest number of memories for (c).")
@click.option("--large-p", default=100_000, show_default=True,
              help="Memories of (i); 1000000 is the size of the measured claim (minutes, about 5 GB).")
@click.option("--automata-states", default="100,1000", show_default=True, callback=_ints,
              help="States of (j)'s random 4-symbol DFAs, comma-separated; 10000 adds about 80 s and 4 GB.")
@click.option("--json", "json_path", default=None, type=click.Path(dir_okay=False), help="Write the results here.")
@click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False))
def bench(quick, parts, max_p, large_p, automata_states, json_path, out_dir):
    """Speed of cdam, as ratios measured side by side in this run.

    \b
    (a) all-starts with overlaps vs the notebook loop (p = 30, 60, 100; n = 1000)
    (b) batched step vs raw torch matmuls (B = 1024, n = 2000, p = 4096)
    (c) time per step and peak memory as p grows to 2e5 (mean degree 10, n = 1000, B = 64)
    (d) automaton words/s, one batch vs one word at a time (10 x 4 DFA, n = 1000, 1000 words)
    (e) community extraction vs Louvain: time and NMI on LFR n = 1000, mu 0.1 to 0.6
    (f) phase diagram 11 x 9 cells (30-cycle, n = 1000, T = 100) vs two raw products per step per cell
    (g) coefficient-space engine vs cdam's direct path, all starts with overlaps, p = 30-100
    (h) a memory_limit that fits 8 rows a step vs unlimited (same states?), and a run too big for its budget
    (i) a large memory graph through CDAM.run (--large-p memories, n = 256, mean degree 10, B = 1024,
        50 steps): graph-seeded candidate reads, top-1 checked against a scan of every memory
    (j) memory automata vs automata-lib: compile time and time per word, random 4-symbol DFAs of
        --automata-states states (100 words of length 1-11), the answers checked equal

    \b
    Example:
      cdam bench --parts ab --json bench.json
      cdam bench --parts large-graph --large-p 1000000
      cdam bench --parts automata --automata-states 100,1000,10000
    """
    import json

    import torch

    from .experiments import bench as B

    # the parts' names, before their letters are read
    parts = parts.replace("large-graph", "i").replace("automata", "j")
    results = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    click.echo(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if "a" in parts:
        rows = B.bench_notebook((30,), 300, 20, 2) if quick else B.bench_notebook()
        results["a_notebook"] = rows
        click.secho("(a) all-starts with overlaps: cdam vs the notebook loop (float64)", bold=True)
        for r in rows:
            click.echo(f"  p={r['p']:4d} n={r['n']} T={r['steps']}: notebook {r['notebook_s']:8.2f} s   "
                       f"cdam {r['cdam_s']:8.4f} s   speed-up {r['speedup']:7.0f}x   "
                       f"(max |difference| {r['max_abs_diff']:.1e})")
    if "b" in parts:
        r = B.bench_raw(64, 500, 512, 5, 2) if quick else B.bench_raw()
        results["b_raw"] = r
        click.secho("(b) batched step vs raw torch matmuls of the same shapes (float32)", bold=True)
        click.echo(f"  B={r['B']} n={r['n']} p={r['p']}: raw {r['raw_gflops']:.1f} GFLOP/s, "
                   f"cdam {r['cdam_gflops']:.1f} GFLOP/s = {r['fraction_of_raw']:.0%} of raw")
    if "c" in parts:
        ps = [p for p in (1_000, 3_000, 10_000, 30_000, 100_000, 200_000) if p <= max_p]
        r = B.bench_scaling(ps[:2] if quick else ps)
        results["c_scaling"] = r
        click.secho("(c) scaling with the number of memories (mean degree 10, n = 1000, B = 64)", bold=True)
        for row in r["rows"]:
            click.echo(f"  p={row['p']:>7d}: {row['step_s'] * 1e3:9.2f} ms/step, build {row['build_s']:6.2f} s, "
                       f"peak RSS {row['peak_rss_mb']:8.0f} MiB")
        click.echo(f"  fit: time per step ~ p^{r['time_exponent']:.2f}")
        from . import plot

        fig = plot.plot_scaling(r)
        click.echo(f"  wrote {plot.save_figure(fig, Path(out_dir) / 'scaling.png')}")
    if "d" in parts:
        # quick: an automaton small enough to verify in milliseconds, still exact at n = 500
        r = B.bench_automaton_words(4, 2, 500, 40, 8, repeat=2) if quick else B.bench_automaton_words()
        results["d_automaton"] = r
        click.secho(f"(d) automaton words/s: one batch (run_many) vs one word at a time (run), "
                    f"{r['threads']} torch thread(s)", bold=True)
        click.echo(f"  {r['states']} x {r['symbols']} DFA, n={r['n_neurons']}, {r['words']} words of length "
                   f"1-{r['max_len']}: batched {r['batched_words_per_s']:8.1f} words/s   one at a time "
                   f"{r['single_words_per_s']:6.1f} words/s ({r['single_words']} words)   speed-up "
                   f"{r['speedup']:5.1f}x   (identical decodings: {'yes' if r['identical'] else 'NO'})")
    if "e" in parts:
        if quick:  # LFR n = 1000 takes minutes per graph: a small planted partition instead
            P = nx.planted_partition_graph(4, 16, 0.5, 0.05, seed=0)
            rows = B.bench_community_time([("planted 4x16 (0.5, 0.05)", P, B.planted_truth(P))], louvain_repeat=2)
        else:
            rows = B.bench_community_time()
        results["e_communities"] = rows
        click.secho(f"(e) community extraction: cdam multiscale (extract = its deepest stability minimum) vs "
                    f"networkx Louvain, same graph and seed, {rows[0]['threads'] if rows else 1} torch thread(s)",
                    bold=True)
        click.echo(f"  {'graph':<24} {'Louvain s':>9} {'cdam s':>8} {'cdam/L':>7}   NMI: {'Louvain':>7} "
                   f"{'extract':>7} {'best lvl':>8}   groups: {'truth':>5} {'Louvain':>7} {'extract':>7}")
        for r in rows:
            click.echo(f"  {r['graph']:<24} {r['louvain_s']:>9.3f} {r['cdam_s']:>8.2f} {r['time_ratio']:>6.0f}x"
                       f"        {r['louvain_nmi']:>7.2f} {r['cdam_nmi']:>7.2f} {r['cdam_best_level_nmi']:>8.2f}"
                       f"           {r['truth_groups']:>5d} {r['louvain_groups']:>7d} {r['cdam_groups']:>7d}")
    if "f" in parts:
        r = B.bench_phase_diagram(300, 12, 4, 3, 20, 1) if quick else B.bench_phase_diagram()
        results["f_phase_diagram"] = r
        click.secho("(f) whole phase diagram: cdam.phase_diagram vs a plain loop of two raw products per step "
                    "per cell", bold=True)
        click.echo(f"  {r['cells']} cells, p={r['p']} n={r['n']} T={r['steps']}: plain {r['plain_s']:.2f} s   "
                   f"cdam {r['cdam_s']:.3f} s   speed-up {r['speedup']:.1f}x   (agreement {r['agreement']:.0%})")
    if "g" in parts:
        rows = B.bench_engine((30,), 300, 20, 2) if quick else B.bench_engine()
        results["g_engine"] = rows
        click.secho("(g) all starts with overlaps: coefficient-space engine vs cdam's direct path", bold=True)
        for r in rows:
            click.echo(f"  p={r['p']:4d} n={r['n']} T={r['steps']}: direct {r['direct_s'] * 1e3:8.1f} ms   "
                       f"coefficient {r['coefficient_s'] * 1e3:7.1f} ms   speed-up {r['speedup']:5.1f}x   "
                       f"(float64: final rel. diff {r['float64_final_rel_diff']:.1e}, overlaps "
                       f"{r['float64_overlap_abs_diff']:.1e})")
    if "h" in parts:
        r = B.bench_memory_limit(4, 30, 300, 20) if quick else B.bench_memory_limit()
        results["h_memory_limit"] = r
        click.secho("(h) memory_limit: chunked runs against one batch (float64), and a refused run", bold=True)
        for engine in ("direct", "coefficient"):
            e = r[engine]
            click.echo(f"  {engine:<11}: {e['runs']} runs in chunks of {e['rows_per_chunk']} "
                       f"(memory_limit={e['limit_bytes']}): final rel. diff "
                       f"{e['final_rel_diff']:.1e}, overlaps {e['overlap_abs_diff']:.1e} "
                       f"({e['limited_s']:.2f} s vs {e['unlimited_s']:.2f} s)")
        big = r["large"]
        verdict = "refused: " + big["refused"][:160] + "..." if big["refused"] else "ran"
        click.echo(f"  all starts p={big['p']} n={big['n']} under {big['budget_bytes'] / 2**30:.0f} GiB: {verdict} "
                   f"in {big['seconds']:.2f} s, peak RSS {big['peak_rss_mb']:.0f} MiB")
    if "i" in parts:
        from .experiments.large_graph import bench_large_graph

        size = dict(p=2000, n=64, batch=64, steps=5, check_runs=64) if quick else dict(p=large_p)
        r = bench_large_graph(**size)
        r["peak_rss_mb"] = B.peak_rss_mb()
        results["i_large_graph"] = r
        click.secho("(i) a large memory graph through CDAM.run: graph-seeded CandidateSlots, factored values, "
                    "attention summaries recorded", bold=True)
        click.echo(f"  p={r['p']} n={r['n']} B={r['batch']} mean degree {r['degree']}, {r['steps']} steps: "
                   f"build {r['build_s']:.1f} s, compile {r['compile_s']:.1f} s, {r['step_s']:.3f} s/step, "
                   f"peak RSS {r['peak_rss_mb']:.0f} MiB, top-1 = exact scan on {r['top1_match']:.1%} "
                   f"of {r['checked_runs']} runs")
    if "j" in parts:
        sizes = [20] if quick else automata_states
        rows = B.bench_automata_vs_lib(sizes, n_words=30 if quick else 100)
        results["j_automata"] = rows
        click.secho(f"(j) memory automata vs automata-lib, random 4-symbol DFAs, {rows[0]['words']} words of length "
                    f"1-{rows[0]['max_len']}, {rows[0]['threads']} torch thread(s); ratio = cdam / automata-lib",
                    bold=True)
        for r in rows:
            click.echo(f"  {r['states']:>6} states, n={r['n_neurons']}: compile+verify {r['compile_s']:8.2f} s vs "
                       f"build {r['lib_build_s'] * 1e3:7.2f} ms ({r['compile_ratio']:7.0f}x)   per word "
                       f"{r['s_per_word'] * 1e3:7.3f} ms vs {r['lib_s_per_word'] * 1e6:6.2f} us "
                       f"({r['word_ratio']:6.0f}x)   same answers: {'yes' if r['agree'] else 'NO'}")
        if not quick and 10000 not in sizes:
            click.echo("  10000 states not run by default: its compile takes about 80 s and 4 GB on one thread (the "
                       "guide's measurement); add it with --automata-states 100,1000,10000")
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=2))
        click.echo(f"wrote {json_path}")


@main.group()
def automaton():
    """Finite automata run as walks through memories (after Burns 2024, arXiv 2404.07123).

    \b
    Gallery: family_tree, parity, div3, vending_machine, number_lexer
    (or a JSON file of your own; see automata/ for the format).
    """


@automaton.command("run")
@click.argument("spec", metavar="AUTOMATON")
@click.argument("word")
@click.option("--n", "n", default=1000, show_default=True, help="Neurons per pattern.")
@click.option("--seed", default=0, show_default=True, help="Seed for the state and symbol patterns.")
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Write the overlap-over-time figure to this PNG.")
def automaton_run(spec, word, n, seed, plot_path):
    """Read WORD with AUTOMATON and print the decoded state sequence.

    AUTOMATON is a gallery name or a JSON path. WORD is read character by character, or
    split at spaces/commas for multi-character symbols ("wife son").

    \b
    Examples:
      cdam automaton run parity 0110
      cdam automaton run family_tree "wife son sister" --plot trace.png
    """
    from .automata import run_spec

    if plot_path is not None:
        Path(plot_path).parent.mkdir(parents=True, exist_ok=True)
    click.echo(run_spec(spec, word, n_neurons=n, seed=seed, plot=plot_path))


def _count(x: float) -> int:
    if x != int(x) or x < 1:
        raise click.BadParameter(f"the number of values must be a positive integer, got {x}")
    return int(x)


if __name__ == "__main__":  # pragma: no cover
    main()
