"""Import direction: web -> engine -> models; models imports nothing of ours; only engine
imports SpiffWorkflow."""
import ast
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


@pytest.mark.parametrize("package", ["models", "web", "tests", "bench"])
def test_only_engine_imports_spiffworkflow(package):
    offenders = [str(p.relative_to(ROOT)) for p in modules(package)
                 if package != "tests" and "SpiffWorkflow" in imports_of(p)]
    assert offenders == []


ENGINE_INTERNALS = {"engine.store", "engine.run", "engine.serialization", "engine.live",
                    "engine.sandbox"}


def full_imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", modules("web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_uses_the_engine_api_not_its_internals(path):
    assert not full_imports_of(path) & ENGINE_INTERNALS
