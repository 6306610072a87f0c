"""One torch thread for the automata tests."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # The matrices here are small; two intra-op threads only spin against each other on a
    # busy 2-core machine and make the module many times slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
