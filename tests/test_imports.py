"""`import cdam` loads the core only; every public name still resolves on first use."""

import importlib
import inspect
import json
import subprocess
import sys
import types

import pytest

import cdam

# what a bare `import cdam` may load: the graph, couplings, dynamics, measures, modes, the
# slot backend and their helpers (new core helpers join this set when they are added)
CORE = {
    "cdam",
    "cdam._csr",
    "cdam._energy",
    "cdam._engine",
    "cdam._engine._cells",
    "cdam._engine._choice",
    "cdam._engine._coefficient",
    "cdam._engine._direct",
    "cdam._engine._loop",
    "cdam._engine._operators",
    "cdam._engine._params",
    "cdam._engine._plan",
    "cdam._engine._spread",
    "cdam._edges",
    "cdam._engine._view",
    "cdam._model_file",
    "cdam._random",
    "cdam._recorders",
    "cdam._run_args",
    "cdam._store",
    "cdam._validation",
    "cdam.backends",
    "cdam.backends.base",
    "cdam.backends.slots",
    "cdam.couplings",
    "cdam.dynamics",
    "cdam.errors",
    "cdam.io",
    "cdam.graph",
    "cdam.measures",
    "cdam.modes",
    "cdam.modes._core",
    "cdam.modes._evidence",
    "cdam.modes._recall",
    "cdam.overlap",
}

LAZY_MODULES = [
    "automata", "backends", "communities", "continual", "datasets", "experiments", "plot", "sensitivity",
    "sequences", "sweeps",
]
# shims for code that moved before 0.1.0 was released: nobody has these import paths
REMOVED_MODULES = ["bench", "case_task", "paper", "retrieval"]


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'cdam')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_cdam_loads_the_core_only():
    assert _loaded_after("import cdam") == CORE


def test_import_cdam_loads_no_optional_extra():
    extras = ("matplotlib", "sklearn", "torch_geometric", "dask", "distributed")
    probe = f"import sys, cdam\nprint(sorted(m for m in {extras!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _where_defined(obj) -> tuple[str, object]:
    """(public name, object found there): a module under its own dotted name, a class or
    function as the attribute of the module that defines it."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__.rsplit(".", 1)[-1], sys.modules[obj.__name__]
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        pytest.fail(f"{obj!r} is not a module, class or function: say here how to check it")
    return obj.__name__, getattr(importlib.import_module(obj.__module__), obj.__name__)


@pytest.mark.parametrize("name", cdam.__all__)
def test_every_cdam_name_resolves(name):
    obj = getattr(cdam, name)
    # the name leads to the object of that name where it is defined (not another name's
    # object, a stale copy or a placeholder), inside cdam
    assert _where_defined(obj) == (name, obj)
    assert getattr(obj, "__module__", getattr(obj, "__name__", "")).split(".")[0] == "cdam"


@pytest.mark.parametrize("name", cdam.backends.__all__)
def test_every_backends_name_resolves(name):
    if name == "CDAMConv":
        pytest.importorskip("torch_geometric")
    obj = getattr(cdam.backends, name)
    assert _where_defined(obj) == (name, obj)
    assert getattr(obj, "__module__", getattr(obj, "__name__", "")).split(".")[0] == "cdam"


@pytest.mark.parametrize("name", LAZY_MODULES)
def test_submodules_load_on_first_use(name):
    assert getattr(cdam, name) is importlib.import_module(f"cdam.{name}")


def test_pinned_import_paths_are_the_moved_code():
    # the design keeps these two paths working as re-exports of the code's new home
    import cdam.continual
    import cdam.experiments.case_sequence
    import cdam.experiments.continual
    from cdam.backends.attention import train_case_sequence

    # the old path also carries the protocol's figure, which lives on the plot side
    assert set(cdam.continual.__all__) == set(cdam.experiments.continual.__all__) | {"plot_continual"}
    assert cdam.continual.plot_continual is cdam.plot.plot_continual
    assert cdam.continual.continual_experiment is cdam.experiments.continual.continual_experiment
    assert train_case_sequence is cdam.experiments.case_sequence.train_case_sequence


@pytest.mark.parametrize("name", REMOVED_MODULES)
def test_removed_shims_are_gone(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"cdam.{name}")
    with pytest.raises(AttributeError):
        getattr(cdam, name)
    assert name not in dir(cdam)


def test_measures_has_no_sensitivity_aliases():
    import cdam.measures

    for name in ("StateSize", "TwinDivergence", "lyapunov_estimate", "state_bounds", "twin_divergence"):
        assert not hasattr(cdam.measures, name), name


def test_lazy_names_are_the_defining_objects():
    from cdam.backends.attention import train_case_sequence
    from cdam.backends.kwinner import KWinnerMHN
    from cdam.sweeps import SweepResult, phase_diagram, sweep

    assert cdam.sweep is sweep and cdam.SweepResult is SweepResult
    assert cdam.phase_diagram is phase_diagram and cdam.modes.phase_diagram is phase_diagram
    assert cdam.backends.KWinnerMHN is KWinnerMHN
    assert cdam.backends.train_case_sequence is train_case_sequence


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        cdam.no_such_name  # noqa: B018
    with pytest.raises(AttributeError, match="no_such_name"):
        cdam.backends.no_such_name  # noqa: B018
