"""The documentation stands on its own: every link stays inside the repository and exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {".venv", "var", "node_modules", ".git"}
# [text](target) in Markdown; the target ends at whitespace or ")".
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
REQUIREMENT = re.compile(r"\bR(\d+)\b")  # (R12), or the ends of a range (R19-R30)


def markdown_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.md")
        # Hidden folders (.venv, .pytest_cache, .git) hold tools' files, not our documents.
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    )


def local_targets(markdown: Path) -> list[str]:
    targets = []
    for target in LINK.findall(markdown.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (https:, mailto:) or an anchor in the same page
        targets.append(target.split("#", 1)[0])
    return targets


@pytest.mark.parametrize("markdown", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_inside_the_repository(markdown: Path) -> None:
    for target in local_targets(markdown):
        resolved = (markdown.parent / target).resolve()

        assert resolved.is_relative_to(ROOT), f"{target} points outside the repository"
        assert resolved.exists(), f"{target} does not exist"


def test_the_link_check_sees_a_link_that_leaves_the_repository(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See [rules](../shared/domain.md#terms) and [site](https://example.org).")

    assert local_targets(page) == ["../shared/domain.md"]


def test_domain_document_explains_every_numbered_requirement() -> None:
    text = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    cited = {int(number) for number in REQUIREMENT.findall(text)}

    assert cited == set(range(1, 43))


def test_readme_points_to_the_domain_document_not_outside() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "docs/domain.md" in local_targets(ROOT / "README.md")
    assert "../" not in readme
