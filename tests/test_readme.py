"""Every Python snippet in the README runs, and prints what its comments say."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_snippets():
    assert _blocks()


def test_readme_snippets_print_what_they_promise():
    namespace = {}  # the tour is read top to bottom: later snippets use earlier names
    for block in _blocks():
        expected = [
            m.group(1).strip() for m in re.finditer(r"^print\(.*\)\s+#\s*(.+)$", block, flags=re.M)
        ]
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(block, str(README), "exec"), namespace)
        assert buf.getvalue().split("\n")[:-1] == expected
