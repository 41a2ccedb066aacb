"""LANGGRAPH_STRICT_MSGPACK is on wherever our engine is imported."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_engine_turns_strict_msgpack_on_before_langgraph_loads() -> None:
    # A fresh interpreter with the variable explicitly off: our package must win.
    code = (
        "import api.main\n"
        "from langgraph.checkpoint.serde import _msgpack\n"
        "print(_msgpack.STRICT_MSGPACK_ENABLED)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"LANGGRAPH_STRICT_MSGPACK": "false", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "True"
