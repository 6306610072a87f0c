"""Speed of the core dynamics: a thin front to ``cdam bench`` (see cdam/experiments/bench.py).

    python benchmarks/bench_core.py --parts ab --json bench.json
    python benchmarks/bench_core.py --quick
"""

from cdam.cli import main

if __name__ == "__main__":
    main(["bench", *__import__("sys").argv[1:]])
