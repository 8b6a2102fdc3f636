"""Measuring this tree against another checkout of the code in the same run: a script (Python source, its first
argument the tree to import `app` from) run in a process of its own for each, alternating, `rounds` times; each
run prints one JSON line last. Used by bench/metrics_cost.py and bench/checkpoint_cost.py.

    git worktree add /tmp/ref COMMIT && ln -s "$PWD/.venv" /tmp/ref/.venv
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_in(script: str, tree: Path, *args: object) -> dict:
    """The JSON line `script` printed last, run with `tree` and `args` (a process of its own; 10 minutes at most)."""
    done = subprocess.run([sys.executable, "-c", script, str(tree), *map(str, args)], capture_output=True, text=True,
                          timeout=600, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def alternating(script: str, reference: Path, rounds: int, *args: object) -> tuple[list[dict], list[dict]]:
    """(this tree's results, the reference's), each run in turn: a machine's drift falls on both alike."""
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(run_in(script, ROOT, *args))
        theirs.append(run_in(script, reference.resolve(), *args))
    return ours, theirs
