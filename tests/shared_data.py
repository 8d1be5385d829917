"""Where the read-only shared data sets are, for the tests that use them.

CI keeps shared/ beside the repository (../shared/data); a git worktree one level
deeper finds it further up. Tests skip cleanly when the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = next(
    (d / "shared" / "data" for d in REPO_ROOT.parents if (d / "shared" / "data").is_dir()),
    REPO_ROOT / ".." / "shared" / "data",
)
