"""Calls go down, events go up (STYLE §16): no app imports an app above it.

Reads every module's source with ``ast``, so an import inside a function or under
``TYPE_CHECKING`` counts as much as one at the top.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

# Each app, and the apps above it that it must not import. kam's shared modules (formats, forms,
# charts, permissions, api…) serve every app, so they import none above accounts; kam's project
# wiring (urls, settings, the WSGI and Celery entry points, the demo command) gathers all the
# apps.
ABOVE = {
    "accounts": {"scoring", "planning"},
    "scoring": {"planning"},
    "planning": set(),
    "kam": {"scoring", "planning"},
}
PROJECT_WIRING = {
    "kam/urls.py", "kam/settings.py", "kam/wsgi.py", "kam/celery.py",
    "kam/management/commands/seed_demo.py",
}  # fmt: skip


def imported_apps(path: Path) -> set[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def modules(app: str) -> list[Path]:
    root = settings.BASE_DIR
    return sorted(
        path
        for path in (root / app).rglob("*.py")
        if str(path.relative_to(root)) not in PROJECT_WIRING
    )


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_no_app_imports_an_app_above_it(app):
    wrong = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} imports {package}"
        for path in modules(app)
        for line, package in sorted(imported_apps(path))
        if package in ABOVE[app]
    ]
    assert modules(app)
    assert wrong == []


def test_the_layer_check_sees_imports_wherever_they_are(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import scoring.models\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from planning import services\n"
        "def later():\n"
        "    from scoring.services import runs\n"
        "from . import sibling\n"
    )
    assert imported_apps(module) == {(1, "scoring"), (2, "typing"), (4, "planning"), (6, "scoring")}
