"""Import direction: web -> engine -> models; models imports nothing of ours; only engine
imports SpiffWorkflow."""
import ast
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"web", "engine", "models", "migrations"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("models"), ids=lambda p: str(p.relative_to(ROOT)))
def test_models_import_nothing_of_ours(path):
    assert not imports_of(path) & (OURS - {"models"})


@pytest.mark.parametrize("path", modules("engine"), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_never_imports_web(path):
    assert "web" not in imports_of(path)


@pytest.mark.parametrize("path", modules("web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_never_imports_spiffworkflow(path):
    assert "SpiffWorkflow" not in imports_of(path)


@pytest.mark.parametrize("package", ["models", "web", "bench"])
def test_only_engine_imports_spiffworkflow(package):
    offenders = [str(p.relative_to(ROOT)) for p in modules(package)
                 if "SpiffWorkflow" in imports_of(p)]
    assert offenders == []


# web/ talks to the engine through its public API only: the names engine/__init__.py exports
# (the ProcessEngine facade, Actor, records, errors, the clock), and engine.errors and
# engine.records themselves. Everything else in engine/ is internal.
PUBLIC_MODULES = {"engine.errors", "engine.records"}


def engine_internals_used(source: str, filename: str = "<source>") -> list[str]:
    """What ``source`` imports from the engine beyond its public API."""
    import engine
    public = set(engine.__all__)
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names
                      if a.name.startswith("engine.") and a.name not in PUBLIC_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "engine":
                found += [f"engine.{a.name}" for a in node.names if a.name not in public]
            elif node.module.startswith("engine.") and node.module not in PUBLIC_MODULES:
                found.append(node.module)
    return found


@pytest.mark.parametrize("path", modules("web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_uses_the_engine_api_not_its_internals(path):
    assert engine_internals_used(path.read_text(), str(path)) == []


@pytest.mark.parametrize("source", [
    "from engine.store import save", "import engine.store", "from engine import store",
    "from engine import people", "from engine.service import ProcessEngine",
    "def f():\n    from engine.timers import fire_due_timers",
])
def test_the_check_catches_every_way_of_reaching_an_internal(source):
    assert engine_internals_used(source) != []


def test_the_public_api_exports_no_internal_module():
    import engine
    modules_exported = {n for n in engine.__all__ if inspect.ismodule(getattr(engine, n))}
    assert modules_exported <= {"clock"}


# Dates are worded in one place (models/dates.py: ``long_date``, ``local_time``), so every page,
# email, PDF and message says "7 December 2026" the same way, in the board's zone.
DATE_WORDING = re.compile(r"%-?d %b|%-?d %B|\.day\} \{")


@pytest.mark.parametrize("package", ["engine", "web"])
def test_dates_are_worded_in_one_place(package):
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in modules(package)
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if DATE_WORDING.search(line)]
    assert offenders == []
