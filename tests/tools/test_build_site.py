"""tools/build_site.py without building: cache keys, launch URLs and the landing page."""

from __future__ import annotations

from pathlib import Path

import pytest

# The website's tools need nbclient (requirements-site.txt); the free-threaded leg installs
# only the kernel side (requirements-core.txt), so there these tests are skipped.
pytest.importorskip("nbclient", reason="the website stack (requirements-site.txt) is not installed")

import build_site
import course
import nbformat
import nbval_site_cache

WRITTEN = [lesson for lesson in course.LESSONS if lesson.lesson_path.exists()]


@pytest.mark.parametrize("lesson", WRITTEN[:3], ids=[lesson.slug for lesson in WRITTEN[:3]])
def test_a_lessons_key_covers_its_package_and_the_helpers_it_imports(
    lesson: course.Lesson,
) -> None:
    files = build_site.helpers_files(lesson)
    own = {f for f in lesson.code_path.rglob("*.py") if "__pycache__" not in f.parts}
    assert own <= files
    assert build_site.ROOT / "helpers" / "__init__.py" in files
    assert build_site.ROOT / "helpers" / "core" / "leftovers.py" in files  # every setup cell
    assert build_site.cache_key(lesson) == build_site.cache_key(lesson)


def test_the_launch_url_opens_the_lessons_notebook_in_jupyterlab() -> None:
    assert build_site.binder_url("03_x", "me/course") == (
        "https://mybinder.org/v2/gh/me/course/HEAD?urlpath=lab/tree/notebooks/03_x.ipynb"
    )


def test_the_landing_page_maps_the_whole_manifest_and_says_how_to_run_it() -> None:
    written = {lesson.stem for lesson in WRITTEN}
    page = build_site.landing_page(course.LESSONS, written, "me/course")
    for lesson in course.LESSONS:
        assert lesson.heading in page and f"| {lesson.minutes} |" in page
    assert "make lab" in page and "make test" in page and "mybinder.org/v2/gh/me/course" in page
    assert "![" not in page  # no README image or badge: the site loads nothing from elsewhere


def test_every_lessons_instructor_notes_get_a_page_linked_to_the_lesson() -> None:
    lesson = course.LESSONS[4]
    notes = (build_site.NOTES / f"{lesson.stem}.md").read_text(encoding="utf-8")
    page = build_site.instructor_page(lesson, notes)
    assert page.startswith(notes.split("\n", 1)[0] + "\n")  # the notes' own heading first
    assert f"]({lesson.stem}.ipynb)" in page and notes.split("\n", 1)[1] in page
    stems = tuple(lesson.stem for lesson in course.LESSONS)
    index = build_site.landing_page(course.LESSONS, set(stems), "me/course", stems)
    listed = index.split(":caption: Instructors", 1)[1]
    assert all(f"{stem}{build_site.NOTES_SUFFIX}" in listed for stem in stems)


def _executed(path: Path, key: str, **metadata: object) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update({"lab_site_cache_key": key, **metadata})
    nbformat.write(notebook, path)
    return path


def test_an_execution_run_beside_others_is_kept_only_for_a_site_to_test(tmp_path: Path) -> None:
    alone = _executed(tmp_path / "alone.ipynb", "k")
    beside = _executed(tmp_path / "beside.ipynb", "k", **{build_site.BESIDE: 1})
    assert build_site.is_current(alone, "k")
    assert not build_site.is_current(alone, "other key")
    assert not build_site.is_current(tmp_path / "missing.ipynb", "k", beside_ok=True)
    assert not build_site.is_current(beside, "k")
    assert build_site.is_current(beside, "k", beside_ok=True)
    assert not build_site.is_current(beside, "other key", beside_ok=True)


@pytest.mark.parametrize(("workers", "beside"), [(None, 0), ("1", 0), ("2", 1), ("4", 3)])
def test_nbval_marks_each_notebook_with_how_many_ran_beside_it(
    monkeypatch: pytest.MonkeyPatch, workers: str | None, beside: int
) -> None:
    if workers is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", workers)
    assert nbval_site_cache.executed_beside() == beside
