"""A missing optional dependency raises MissingDependencyError naming the extra that installs it."""

import sys

import numpy as np
import pytest

from cdam.errors import CDAMError, MissingDependencyError


def test_digits_without_scikit_learn(monkeypatch):
    from cdam.datasets import load_digits_patterns

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import sklearn.datasets -> ImportError
    with pytest.raises(MissingDependencyError, match=r"cdam\[digits\]"):
        load_digits_patterns(10)


def test_cdamconv_without_torch_geometric(monkeypatch):
    from cdam.backends import _attention_conv

    monkeypatch.setattr(_attention_conv, "MessagePassing", None)  # as when the import at the top failed
    monkeypatch.setitem(sys.modules, "torch_geometric.nn", None)
    with pytest.raises(MissingDependencyError, match=r"CDAMConv needs torch_geometric.*cdam\[pyg\]"):
        _attention_conv.CDAMConv()


def test_plotting_without_matplotlib(monkeypatch):
    from cdam import plot

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as when it is not installed
    with pytest.raises(MissingDependencyError, match=r"cdam\[plot\]") as info:
        plot.plot_attractor_correlation(np.eye(2))
    assert isinstance(info.value, CDAMError) and isinstance(info.value, ImportError)


def test_dask_without_distributed(monkeypatch):
    from cdam._executor import run_tasks

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"cdam\[dask\]"):
        list(run_tasks(abs, [1], scheduler="tcp://127.0.0.1:8786"))


def test_no_tqdm_means_no_bar(monkeypatch):
    from cdam import _progress

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(_progress, "_interactive", lambda: True)
    with _progress.Progress(True, 2) as bar:
        bar.advance(2)
    assert bar.done == 2 and bar._bar is None
