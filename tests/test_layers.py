"""The house's rules, read from the code's own imports (every import, also those inside functions):
- `ui/` reaches `app/` only through the façades and the event value types;
- `app/` never imports `ui/`;
- no import runs back up a floor: each package imports only what stands below it (or its own modules).
docs/architecture.md draws the same floors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# bottom (0) to top; a module's floor is that of its longest matching prefix
FLOORS = {
    "app.text": 0,  # the one rule for outside text
    "app.config": 0, "app.redaction": 0, "app.language": 0, "app.files": 0,
    "app.heap": 0,  # the C heap handed back while a show runs (stdlib only)
    "app.values": 1,  # numbers and titles from outside (titles follow app.text)
    "app.kernel": 1,  # the event kernel: events, bus, banned words
    "app.signing": 1,  # a studio's Ed25519 key (keyring or a 0600 file)
    "app.compliance": 1,  # the extreme-word list (found through app.config)
    "app.store": 2, "app.destinations": 2,
    "app.commerce": 3, "app.metrics": 3, "app.media": 3,
    "app.overlays": 4, "app.live": 4, "app.catalogue": 4, "app.review": 4, "app.orders": 4, "app.health": 4,
    "app.session": 5, "app.insights": 5, "app.clips": 5, "app.abtest": 4, "app.erasure": 4, "app.records": 4, "app.retention": 4, "app.remote": 5, "app.report": 5, "app.insights_report": 6, "app.prelive": 5, "app.desk": 5,
    "app.guests": 5,  # a phone's seat: invitations, its feed, its scene source
    "app.guests.door": 6,  # the guests' door (HTTPS + WebRTC) shares the LAN door's TLS and guard (app.remote)
    "app.guests.control": 6,  # the seats as obs-websocket vendor requests (app.remote.obsws_requests)
    "app.assembly": 6,  # the one way a picture is built (preview, go-live, stream)
    "app.broadcast": 7, "app.stage": 7, "app.history": 7, "app.doors": 7,
    "app.console": 8,
    "app.cli": 9, "app.__main__": 10,
    "ui": 11,
}
UI_MAY_IMPORT = {"app.console", "app.remote.client", "app.kernel.events", "app.cli"}  # façades, value types, the CLI


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from app.media import qtrender`
    return {n for n in names if n.split(".")[0] in ("app", "ui")}


def floor(name: str) -> int | None:
    if name == "app":  # the package's face: `__version__`
        return 0
    best = max((prefix for prefix in FLOORS if name == prefix or name.startswith(prefix + ".")), key=len, default=None)
    return FLOORS[best] if best is not None else None


def package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def existing(name: str) -> bool:
    """`from app.media import qtrender` names a module; `from app.console import redact` names a function."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_every_module_has_a_floor():
    assert [module_name(p) for p in sources("app") if floor(module_name(p)) is None] == []


@pytest.mark.parametrize("path", sources("ui"), ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_goes_through_the_facades(path):
    reached = {n for n in imports(path) if n.startswith("app.") and existing(n)}
    assert reached <= UI_MAY_IMPORT, f"{path.name} reaches past the façade: {sorted(reached - UI_MAY_IMPORT)}"


@pytest.mark.parametrize("path", sources("app"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_runs_back_up(path):
    me = module_name(path)
    mine = floor(me)
    upward = sorted(n for n in imports(path) if existing(n) and package(n) != package(me)
                    and (n.split(".")[0] == "ui" or floor(n) >= mine))
    assert upward == [], f"{me} (floor {mine}) imports {[(n, floor(n)) for n in upward]}"


def test_the_rule_catches_a_violation(tmp_path):
    """The check itself: an import up a floor and a ui import past the façade are both seen."""
    assert floor("app.store.writer") < floor("app.session")
    assert floor("app.kernel.bus") == 1 and floor("app.kernel") == 1
    assert imports(ROOT / "ui" / "main_window.py") & {"app.console"}
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from app.session import SessionCore\n", encoding="utf-8")
    assert "app.session" in imports(sample)


def test_the_facade_hands_on_exactly_what_the_window_uses():
    """`app.console.__all__` names what `ui/` imports from it, nothing more (issue #27)."""
    import app.console

    used = set()
    for path in sources("ui"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "app.console":
                used.update(alias.name for alias in node.names)
    assert set(app.console.__all__) == used


def test_the_facade_stays_thin():
    """The console keeps the lifecycle and hands out managers: at most 20 public methods and properties."""
    from app.console import ConsoleService

    public = [name for name in vars(ConsoleService) if not name.startswith("_")]
    assert len(public) <= 20, public


def test_the_headless_assistant_never_loads_qt():
    """`anchor-console assist` on a terminal: the assistant's façade hands the window its font helpers lazily."""
    import subprocess
    import sys

    probe = ("import sys, app.cli, app.remote.client, app.remote.pairing; "
             "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr
