"""``python -m cdam``: the ``cdam`` command line."""

from .cli import main

main(prog_name="cdam")
