"""Which level a scan's selection takes: the deepest stability minimum and its fall-back."""

import pytest

import cdam
from cdam.communities import Level, deepest_stability_minimum

pytestmark = pytest.mark.scientific


# --------------------------------------------------------------------- the selection
def _level(groups, nvi, nvi_coarser, q, p=20):
    sizes = [p // groups] * (groups - 1)
    sizes.append(p - sum(sizes))
    nodes = iter(range(p))
    part = [{next(nodes) for _ in range(k)} for k in sizes]
    return Level(0.0, 1.0, part, q, None, nvi, nvi_coarser)


def test_deepest_stability_minimum_takes_the_lowest_minimum_over_its_window():
    # NVI to the neighbours 0, so each level's instability is its own NVI
    profile = [0.5, 0.4, 0.3, 0.2, 0.35, 0.4, 0.1, 0.3, 0.05]
    groups = [12, 10, 9, 8, 7, 6, 5, 3, 1]
    levels = [_level(k, v, 0.0, 0.1 * i) for i, (k, v) in enumerate(zip(groups, profile))]
    # window 1: minima at 3 (0.2) and 6 (0.1), 6 the lower
    assert deepest_stability_minimum(levels, window=1) is levels[6]
    # window 2: 6 has 0.05 two scales away (the one-group end), so only 3 is a minimum
    assert deepest_stability_minimum(levels) is levels[3]
    with pytest.raises(cdam.ParameterError, match="window"):
        deepest_stability_minimum(levels, window=0)


def test_deepest_stability_minimum_falls_back_to_modularity_without_a_minimum():
    # instability falls monotonically to the finest end: no scale is more stable than its
    # neighbours, so the most modular non-trivial level is taken
    levels = [_level(12, 0.1, 0.1, 0.1), _level(8, 0.2, 0.2, 0.2), _level(6, 0.3, 0.3, 0.5),
              _level(4, 0.4, 0.4, 0.3), _level(1, 0.9, float("nan"), 0.0)]
    assert deepest_stability_minimum(levels) is levels[2]
