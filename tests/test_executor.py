"""Direct tests of cdam._executor: where independent tasks run, and that they all come back."""

import concurrent.futures as cf
import math

import pytest

from cdam import _executor
from cdam.errors import ParameterError


def _square(x):
    return x * x


def _fail_on_three(x):
    if x == 3:
        raise ValueError("task 3 fails")
    return x


def test_in_process_runs_every_task_once():
    assert sorted(_executor.run_tasks(_square, range(6), workers=1)) == [0, 1, 4, 9, 16, 25]
    assert list(_executor.run_tasks(_square, [], workers=1)) == []


def test_local_processes_and_a_users_executor_give_the_same_results():
    expected = sorted(x * x for x in range(8))
    assert sorted(_executor.run_tasks(_square, range(8), workers=2)) == expected
    with cf.ThreadPoolExecutor(2) as ex:
        assert sorted(_executor.run_tasks(_square, range(8), executor=ex)) == expected
        assert ex.submit(math.sqrt, 4.0).result() == 2.0  # the caller's executor is left running


def test_an_error_in_a_task_reaches_the_caller():
    with pytest.raises(ValueError, match="task 3 fails"):
        list(_executor.run_tasks(_fail_on_three, range(5), workers=1))
    with pytest.raises(ValueError, match="task 3 fails"):
        list(_executor.run_tasks(_fail_on_three, range(5), workers=2))


def test_bad_worker_counts_are_refused():
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ParameterError):
            _executor.check_workers(bad)
    assert _executor.check_workers(None) is None and _executor.check_workers(3) == 3
