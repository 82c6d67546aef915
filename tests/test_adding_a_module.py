"""docs/adding-a-module.md names a good example file for each step: each must exist, or the guide has rotted."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "adding-a-module.md"
# A repository path in backticks: starts at one of the repository's top-level folders, no placeholders.
PATH = re.compile(r"`((?:worksafe|tests|bench|docs|deploy)/[^`\s<>]*)`")


def named_paths():
    return sorted(set(PATH.findall(GUIDE.read_text(encoding="utf-8"))))


def test_the_guide_names_the_examples_of_every_step():
    text = GUIDE.read_text(encoding="utf-8")
    for step in ["models", "Audit", "Scoping", "lists", "Workflow", "Import and export", "PDF", "Statistics", "menu", "Demo data",
                 "Tests", "Benchmark"]:
        assert re.search(rf"^## \d+\..*{step}", text, re.M | re.I), step
    assert len(named_paths()) > 30


def test_every_path_the_guide_names_exists():
    missing = [p for p in named_paths() if not (ROOT / p).exists()]
    assert not missing, f"docs/adding-a-module.md names paths that do not exist: {missing}"


def test_the_readme_points_at_the_guide():
    assert "docs/adding-a-module.md" in (ROOT / "README.md").read_text(encoding="utf-8")
