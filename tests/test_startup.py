"""A fast start: loading the URL configuration (what every web process, worker and command
does) imports no heavy library; pandas, numpy, openpyxl and WeasyPrint load where used."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

HEAVY = (
    "pandas", "numpy", "openpyxl", "weasyprint", "pydyf", "pyarrow", "drf_spectacular.views",
    "icalendar",
)  # fmt: skip


def modules_after(code: str) -> set[str]:
    """The heavy modules in ``sys.modules`` after running ``code`` in a fresh process."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kam.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_loading_the_url_configuration_imports_no_heavy_library():
    assert modules_after("import django\ndjango.setup()\nimport kam.urls") == set()


def test_the_heavy_libraries_load_when_first_used():
    used = modules_after(
        "import django\ndjango.setup()\nimport kam.urls\n"
        "from accounts import ledger\nfrom scoring import ranking\n"
        "ledger.pd.DataFrame\nranking.np.zeros(1)\n"
    )
    assert {"pandas", "numpy"} <= used


def test_bytecode_is_compiled_once_at_install_and_never_committed():
    root = settings.BASE_DIR
    lib = (root / "scripts" / "lib.sh").read_text(encoding="utf-8")
    assert "sync --locked --compile-bytecode" in lib
    assert "export PYTHONDONTWRITEBYTECODE" not in lib
    assert "unset PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX" in lib
    dockerfile = (root / "Dockerfile").read_text(encoding="utf-8")
    assert "UV_COMPILE_BYTECODE=1" in dockerfile
    assert "python -m compileall" in dockerfile
    ignored = (root / ".gitignore").read_text(encoding="utf-8").split()
    assert {"__pycache__/", "*.pyc"} <= set(ignored)
    assert "**/__pycache__" in (root / ".dockerignore").read_text(encoding="utf-8").split()


def test_a_lazy_module_reads_as_the_module_it_stands_for():
    import colorsys

    from kam import lazy

    stand_in = lazy.module("colorsys")
    assert stand_in.rgb_to_hsv(1.0, 0.5, 0.0) == colorsys.rgb_to_hsv(1.0, 0.5, 0.0)
    assert stand_in.__name__ == "colorsys"
    assert stand_in.ONE_THIRD == colorsys.ONE_THIRD  # read from its own copy now
    with pytest.raises(AttributeError):
        stand_in.no_such_function  # noqa: B018
