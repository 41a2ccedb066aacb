"""Where the prompt files are read from (graph/prompts.py, `prompts_dir`): a setting, the
installed wheel's copy, or the source tree's `prompts/` that prompt engineers edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import prompts


def test_a_source_tree_reads_the_prompts_folder_prompt_engineers_edit() -> None:
    assert not prompts.PACKAGED_PROMPTS.exists(), "a build wrote into the source tree"
    assert prompts.prompts_dir({}) == prompts.SOURCE_PROMPTS
    repository = Path(__file__).resolve().parents[2]
    assert prompts.SOURCE_PROMPTS.parent == repository


def test_interviewer_prompts_dir_overrides_where_the_files_are_read(tmp_path: Path) -> None:
    assert prompts.prompts_dir({"INTERVIEWER_PROMPTS_DIR": str(tmp_path)}) == tmp_path
    assert prompts.prompts_dir({"INTERVIEWER_PROMPTS_DIR": ""}) == prompts.SOURCE_PROMPTS


def test_an_installed_package_reads_its_own_copy_before_any_prompts_folder_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = tmp_path / "site-packages" / "graph" / "prompt_files"
    packaged.mkdir(parents=True)
    monkeypatch.setattr(prompts, "PACKAGED_PROMPTS", packaged)
    assert prompts.prompts_dir({}) == packaged
    assert prompts.prompts_dir({"INTERVIEWER_PROMPTS_DIR": str(tmp_path)}) == tmp_path
