"""tools/sync_notebooks.py: lessons are the source, notebooks must match them exactly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sync_notebooks as sync


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of lesson 00 and its notebook in a scratch project."""
    (tmp_path / "lessons").mkdir()
    (tmp_path / "notebooks").mkdir()
    shutil.copy(sync.LESSONS / "00_start_here.md", tmp_path / "lessons")
    shutil.copy(sync.README, tmp_path / "README.md")
    monkeypatch.setattr(sync, "ROOT", tmp_path)
    monkeypatch.setattr(sync, "LESSONS", tmp_path / "lessons")
    monkeypatch.setattr(sync, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(sync, "README", tmp_path / "README.md")
    monkeypatch.setattr(sync, "MANIFEST", sync.MANIFEST[:1])
    sync.write_all()
    return tmp_path


def test_committed_notebooks_match_their_lessons() -> None:
    assert sync.stale() == []


def test_rendering_is_deterministic_and_output_free(project: Path) -> None:
    lesson = project / "lessons" / "00_start_here.md"
    assert sync.render(lesson) == sync.render(lesson)
    notebook = json.loads((project / "notebooks" / "00_start_here.ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert any("parameters" in c["metadata"].get("tags", []) for c in code)
    ids = [c["id"] for c in notebook["cells"]]
    assert len(ids) == len(set(ids))


def test_an_edited_lesson_is_reported_by_name(project: Path) -> None:
    lesson = project / "lessons" / "00_start_here.md"
    lesson.write_text(lesson.read_text().replace("Welcome to", "Hello and welcome to"))
    (problem,) = sync.stale()
    assert "notebooks/00_start_here.ipynb is out of sync with lessons/00_start_here.md" in problem
    assert sync.main(["--check"]) == 1
    assert sync.write_all() == [project / "notebooks" / "00_start_here.ipynb"]
    assert sync.stale() == []


def test_an_edit_changes_only_the_edited_cells_id(project: Path) -> None:
    path = project / "notebooks" / "00_start_here.ipynb"
    before = [c["id"] for c in json.loads(path.read_text())["cells"]]
    lesson = project / "lessons" / "00_start_here.md"
    lesson.write_text(lesson.read_text().replace("Welcome to", "Hello and welcome to"))
    sync.write_all()
    after = [c["id"] for c in json.loads(path.read_text())["cells"]]
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1


def test_outputs_and_orphans_are_reported(project: Path) -> None:
    path = project / "notebooks" / "00_start_here.ipynb"
    notebook = json.loads(path.read_text())
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    path.write_text(json.dumps(notebook, indent=1))
    (project / "notebooks" / "99_extra.ipynb").write_text(path.read_text())
    problems = sync.stale()
    assert any("00_start_here.ipynb is out of sync" in p for p in problems)
    assert any("99_extra.ipynb has no lesson" in p for p in problems)
    (project / "lessons" / "00_start_here.md").rename(project / "lessons" / "01_new.md")
    problems = sync.stale()
    assert any("01_new.ipynb is missing" in p for p in problems)
    assert any("lessons/01_new.md is not listed in course.toml" in p for p in problems)
    assert any(
        "lessons/00_start_here.md is listed in course.toml but missing" in p for p in problems
    )


def test_the_readme_course_map_is_written_from_the_manifest(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("| 15 |", "| 16 |"))
    assert any("course map disagrees with course.toml" in p for p in sync.stale())
    assert readme in sync.write_all()
    assert "| 15 |" in readme.read_text() and sync.stale() == []
