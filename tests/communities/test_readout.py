"""The paper's readout: average-linkage clusters of the attractor correlations."""

import numpy as np
import pytest

from cdam.communities import correlation_partition

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific


# --------------------------------------------------------------------- partitions
def test_correlation_partition_reads_blocks():
    C = np.array([[1, 0.9, 0.0, 0.0], [0.9, 1, 0.0, 0.1], [0.0, 0.0, 1, 0.5], [0.0, 0.1, 0.5, 1]])
    assert correlation_partition(C, list("abcd"), 0.2) == [{"a", "b"}, {"c", "d"}]
    assert correlation_partition(C, list("abcd"), 0.6) == [{"a", "b"}, {"c"}, {"d"}]
    assert correlation_partition(C, list("abcd"), -1.0) == [set("abcd")]
