"""Build hook: the wheel carries the prompt files, so an installed service can run a turn.

Prompt engineers edit the top-level `prompts/` folder, which is not a Python package. The
build copies `prompts/*.md` into the wheel as `graph/prompt_files/`, where `graph/prompts.py`
finds them when the package is installed (a source tree or the container image reads
`prompts/` itself; `INTERVIEWER_PROMPTS_DIR` overrides both). Everything else about the
build is declared in pyproject.toml; MANIFEST.in puts `prompts/` into the sdist.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PROMPTS = Path(__file__).resolve().parent / "prompts"
PACKAGED = Path("graph", "prompt_files")  # graph/prompts.py: PACKAGED_PROMPTS


class BuildWithPrompts(build_py):
    """`build_py`, plus the prompt files as data of the `graph` package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the source tree's prompts/ directly
        target = Path(self.build_lib) / PACKAGED
        self.mkpath(str(target))
        files = sorted(PROMPTS.glob("*.md"))
        if not files:
            raise SystemExit(f"no prompt files in {PROMPTS}: the wheel could not run a turn")
        for source in files:
            self.copy_file(str(source), str(target / source.name))


setup(cmdclass={"build_py": BuildWithPrompts})
