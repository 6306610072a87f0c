"""The neuroscience reproductions of Burns 2024 (Miyashita, numerosity, video, digits).

Each example script runs in reduced form; the reproductions' numbers are checked against
the paper's with tolerances drawn from measured seed-to-seed spread.
"""

import runpy
from pathlib import Path

import numpy as np
import pytest

from cdam.experiments import paper
from cdam.sequences import MIYASHITA_SPEC, serial_distance_curve

pytestmark = [pytest.mark.usefixtures("single_thread"), pytest.mark.scientific]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _main(name):
    return runpy.run_path(str(EXAMPLES / name))["main"]


def _check_png(path):
    assert path.exists() and path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------- Miyashita (range of recall)
@pytest.fixture(scope="module")
def miyashita():
    return serial_distance_curve(97, -2.0, 3.0, seeds=range(3))


def test_serial_curve_on_30_cycle_is_the_range_of_recall():
    # the same experiment computed two ways (different graph construction) agrees exactly
    a = serial_distance_curve(30, -2.0, 3.0, n=300, seeds=(0,))
    b = paper.range_of_recall([(-2.0, 3.0)], n=300, seeds=(0,))[(-2.0, 3.0)]
    np.testing.assert_array_equal(a.distance, b.distance)
    np.testing.assert_allclose(a.mean, b.mean, atol=1e-12)


def test_miyashita_nearest_neighbours_match_spec(miyashita):
    # Wide hetero-association amplifies rounding (benchmarks/spread.py), so this mean moves with torch's CPU
    # kernel. Measured (benchmarks/spread.py), mean of seeds 0-2 at d = 1 over avx2/default/
    # avx512 x 1/2 threads: 0.652-0.664 (seed-to-seed sd 0.023, so 0.013 for a 3-seed mean),
    # vs the paper's (-2, 3) value 0.63. Tolerance: the worst deviation 0.034 + 3 sd of the mean.
    assert miyashita.at(1) == pytest.approx(MIYASHITA_SPEC[1], abs=0.075)
    # The paper's (-2, 3) row is positive through distance 6; so is ours (measured 0.204-0.219 at
    # d = 6 over the same 6 configurations, sd of the mean 0.009)
    assert all(miyashita.at(d) > 0.1 for d in range(1, 7))


def test_miyashita_curve_decays_monotonically_to_zero(miyashita):
    means = [miyashita.at(d) for d in range(1, 11)]
    assert all(x > y for x, y in zip(means, means[1:]))
    # Measured: the mean first drops below 0.05 at d = 9 (0.06 at d = 8, 0.00 at d = 9, sd
    # 0.01), and stays near 0 out to d = 48 (-0.09). The paper (after Miyashita) says ~0 by the
    # 5th-6th neighbour; at the paper's settings (T 100) the 97-cycle curve is wider than the
    # 30-cycle one, whose wrap-around pulls far pairs negative (0.04 at d = 6 there).
    # Over the 6 kernel x thread configurations: d = 8 0.045-0.056, d = 9 -0.005 to 0.007,
    # d = 48 -0.093 to -0.087 (benchmarks/spread.py), so first is 8 or 9 on every machine.
    first = next(d for d in range(1, 49) if miyashita.at(d) < 0.05)
    assert 8 <= first <= 10
    assert abs(miyashita.at(48)) < 0.15


def test_miyashita_example_reduced(tmp_path, capsys):
    result = _main("miyashita.py")(["--seeds", "1", "--n", "400", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Miyashita curve" in out and "Burns 2024" in out and "first distance" in out
    _check_png(result["figures"][0])
    assert result["curve"].at(1) > result["curve"].at(6) > result["curve"].at(12)


# ---------------------------------------------------------------------- numerosity
def test_numerical_distance_effect():
    # numbers 1..20 on a path, 2 seeds. Measured over 5 seeds: (-0.5, 1.5) gives 0.77, 0.53,
    # 0.23, 0.02, -0.16 at d = 1..5 (sd <= 0.03); auto-association (1, 0) is flat at -0.05
    # (the paper's (1, 0) row: -0.05 to -0.03); (0.5, 0.5) gives 0.64 and 0.05 at d = 1, 2
    # (the paper on the cycle: 0.63 and 0.08). These regimes contract: the 2-seed means were
    # identical to 3 decimals under avx2/default/avx512 x 1/2 threads (benchmarks/spread.py:
    # wide 0.768 0.517 0.211 0.004 -0.157; auto -0.058 to -0.043; narrow 0.633, 0.049).
    wide = serial_distance_curve(20, -0.5, 1.5, cycle=False, seeds=(0, 1))
    values = [wide.at(d) for d in range(1, 6)]
    assert all(x > y + 0.1 for x, y in zip(values, values[1:]))
    assert values[0] > 0.7
    auto = serial_distance_curve(20, 1.0, 0.0, cycle=False, seeds=(0, 1))
    np.testing.assert_allclose(auto.mean[:10], -0.05, atol=0.03)
    narrow = serial_distance_curve(20, 0.5, 0.5, cycle=False, seeds=(0, 1))
    assert narrow.at(1) == pytest.approx(0.63, abs=0.05)
    assert narrow.at(2) == pytest.approx(0.08, abs=0.06)


def test_numerosity_example_reduced(tmp_path, capsys):
    result = _main("numerosity.py")(["--numbers", "12", "--seeds", "1", "--n", "500", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Numerical distance effect" in out and "Tuning curves" in out
    _check_png(result["figures"][0])
    assert result["tuning"].shape == (12, 12)
    # each tuning curve peaks within 2 of the cued number (measured offsets -1..2)
    assert all(abs(v) <= 2 for v in result["peak_offset"].values())


# ---------------------------------------------------------------------- digits (image retrieval)
def test_digits_example_reduced(tmp_path, capsys):
    result = _main("digits_retrieval.py")(["--seeds", "1", "--p", "10", "20", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "softmax='stable'" in out and "softmax='legacy'" in out and "Fashion-MNIST" in out
    _check_png(result["figures"][0])
    for sm in ("stable", "legacy"):
        t = result["tables"][sm]
        assert set(t) == {(p, a) for p in (10, 20) for a in (1.0, 0.9, 0.5, 0.1)}
        assert t[(10, 0.1)].row == pytest.approx(0.1) and t[(20, 0.1)].row == pytest.approx(0.05)


# ---------------------------------------------------------------------- video (sequence replay)
def test_video_example_reduced(tmp_path, capsys):
    result = _main("video_replay.py")(
        ["--steps", "150", "--burn", "40", "--strengths", "1", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert "Video replay: 49 frames" in out and "Distractors" in out
    _check_png(result["figures"][0])
    clean, stuck = result["stats"][(-2.0, 3.0)], result["stats"][(-1.0, 3.0)]
    assert clean.visited > 0.8 and stuck.visited < 0.3  # see test_sequences for the spread
    rec = result["distracted"][1.0]["recovery"]
    assert np.isfinite(rec).all() and rec.max() <= 10  # measured 2-4 steps at strength 1


def test_video_example_on_a_folder_of_frames(tmp_path, capsys):
    from PIL import Image

    from cdam.sequences import moving_shape_video

    frames = tmp_path / "frames"
    frames.mkdir()
    for k, f in enumerate(moving_shape_video(10, 24, radius=5.0, orbit=6.0, pause=None)):
        Image.fromarray(np.round(f * 255).astype(np.uint8)).save(frames / f"f{k}.png")
    result = _main("video_replay.py")(
        ["--frames", str(frames), "--size", "16", "--path", "--n", "200", "--steps", "30", "--burn", "5",
         "--freq", "10", "--strengths", "1", "--out", str(tmp_path / "out")]
    )
    assert result["n_frames"] == 10
    assert "n = 200 pixels" in capsys.readouterr().out
    _check_png(result["figures"][0])


# ---------------------------------------------------------------------- storage backends' phase diagrams
def test_backend_phase_diagrams_example_reduced(tmp_path, capsys):
    # one cell, (a, h) = (1, 0), at the full example's size (30-cycle, n = 1000, 2000 hidden units).
    # Measured there: slots and K-winner k = 1 auto-associate, K-winner k = 50 is a recall failure
    # (its overlapping ensembles misread the cues: auto 0.70 of runs), the projection-free MHN
    # layer reads exactly like the slot store, the untrained random projections fall quiescent.
    result = _main("backend_phase_diagrams.py")(["--a", "1", "--h", "0", "--k", "1", "50", "--profile", "1,0",
                                                 "--out", str(tmp_path)])  # fmt: skip
    out = capsys.readouterr().out
    assert "Q quiescent, F recall failure" in out and "range of recall" in out
    _check_png(result["figure"])
    modes = {label: m[0, 0] for label, m in result["modes"].items()}
    assert modes == {
        "slots": "auto", "K-winner k=1": "auto", "K-winner k=50": "recall_failure",
        "MHN layer, no projections": "auto", "MHN layer, random projections": "quiescent",
    }  # fmt: skip
    slots, mhn = result["profiles"]["slots", (1.0, 0.0)], result["profiles"]["MHN layer, no projections", (1.0, 0.0)]
    np.testing.assert_allclose(mhn.mean, slots.mean, atol=1e-6)
    # auto-association keeps the cues' own (nearly uncorrelated) patterns: no range of recall
    assert abs(slots.at(1)) < 0.1
    assert result["sweep"].to_numpy("predicted")[0].tolist() == [["auto"]]


# ---------------------------------------------------------------------- full size (slow)
@pytest.mark.slow
def test_video_result_across_pixel_seeds():
    # Burns 2024's video replay at full size over 8 pixel samples: (-2, 3) replays on every seed;
    # (-1, 3) is stuck in the still band on 7 of 8 (measured: seed 6 replays slowly instead)
    import cdam
    from cdam.sequences import VIDEO_PARAMS, moving_shape_video, replay, video_memory_graph

    params = {k: v for k, v in VIDEO_PARAMS.items() if k != "n"}
    stuck = 0
    for seed in range(8):
        g = video_memory_graph(moving_shape_video(), VIDEO_PARAMS["n"], seed=seed)
        clean = replay(cdam.CDAM(g, a=-2.0, h=3.0, **params), None, 300).visit_statistics(start=50)
        band = replay(cdam.CDAM(g, a=-1.0, h=3.0, **params), None, 300).visit_statistics(start=50)
        assert clean.visited >= 0.85 and clean.forward >= 0.85, seed
        stuck += band.visited <= 0.3
    assert stuck >= 7


@pytest.mark.slow
def test_full_examples_run(tmp_path, capsys):
    for name in ("miyashita.py", "numerosity.py", "digits_retrieval.py", "video_replay.py"):
        result = _main(name)(["--out", str(tmp_path)])
        _check_png(result["figures"][0])
    assert "wrote" in capsys.readouterr().out
