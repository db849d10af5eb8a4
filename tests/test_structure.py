"""The shape the code keeps: imports go one way, without circles, and bot/ uses index's public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "bot")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every project module `name` imports, lazy imports inside functions included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            # `from . import tokens` imports a module (`from . import _postings`: a compiled one, not
            # ours to check); `from .x import y` imports module x.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known or not node.module else base
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_is_read_from_the_source() -> None:
    graph = _graph()
    # A check on the checker: these edges exist, so a parser that finds nothing would fail here.
    assert "index.engine" in graph["index.engines.small"]
    assert "index" in graph["bot.answer"]
    assert "bot.telegram.send" in graph["bot.telegram.handlers"]


def test_there_are_no_import_circles() -> None:
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_index_knows_nothing_of_bot_or_telegram() -> None:
    for name, path in _modules().items():
        if not name.startswith("index"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.split(".")[0] in ("bot", "telegram") for n in names), (name, names)


@pytest.mark.parametrize("name", sorted(n for n in _modules() if n.startswith("bot")))
def test_bot_uses_only_the_public_api_of_index(name: str) -> None:
    graph = _graph()
    private = sorted(m for m in graph[name] if m.startswith("index."))
    assert private == [], f"{name} imports {private}; import from `index` (index/__init__.py)"


def test_documents_are_read_and_split_in_one_place() -> None:
    """One build path: only the pipeline's segments read, split and tokenize documents; the engines
    receive its output (pipeline.py)."""
    readers = {"read_file", "read_documents", "split_document", "compute_segment", "segment_of"}
    users = set()
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and readers & {a.name for a in node.names}:
                users.add(name)
    # index/__init__.py only re-exports them for scripts and tests.
    assert users == {"index", "index.analysis.segments", "index.pipeline"}, users


def _layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Layout")
    return readme[start : readme.index("\n## ", start + 1) if "\n## " in readme[start + 1 :] else len(readme)]


def test_the_readme_layout_names_every_module_and_only_modules_that_exist() -> None:
    import re

    layout = _layout()
    modules = {p.name for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p.name != "__init__.py"}
    missing = sorted(m for m in modules if not re.search(rf"\b{re.escape(m)}\b", layout))
    assert missing == [], f"README's layout does not name {missing}"
    existing = modules | {p.name for p in ROOT.rglob("*.py") if ".venv" not in p.parts} | {"_postings.c"}
    named = set(re.findall(r"\b[\w]+\.(?:py|c)\b", layout))
    assert named <= existing, f"README's layout names files that do not exist: {sorted(named - existing)}"
