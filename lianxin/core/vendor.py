"""Copy the browser libraries the pages use from npm into lianxin/static/vendor/.

`python -m lianxin.core.vendor` (the Makefile's `static` target) runs `npm ci` in the
repository root when node_modules is missing (`npm install` when there is no lock
file yet), then copies the few dist files below. The vendor folder is git-ignored:
the libraries come from the npm registry at build time and are never committed.
Pages still render without them (no map, no partial-page updates); see
lianxin.core.context_processors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = REPO_ROOT / "lianxin" / "static" / "vendor"

# (path under node_modules, path under static/vendor); a trailing "/" copies a folder.
VENDOR_FILES: tuple[tuple[str, str], ...] = (
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images/", "leaflet/images/"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
)


class VendorError(RuntimeError):
    """The libraries could not be fetched or copied; the message says what to do."""


def npm_install(root: Path = REPO_ROOT) -> None:
    """Install the npm packages of package.json under root/node_modules if they are missing."""
    if (root / "node_modules").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError(
            "npm was not found. Install Node.js with npm (e.g. `apt-get install npm`) "
            "and run `python -m lianxin.core.vendor` again."
        )
    command = [npm, "ci" if (root / "package-lock.json").is_file() else "install", "--no-audit", "--no-fund"]
    result = subprocess.run(command, cwd=root, check=False)
    if result.returncode != 0:
        raise VendorError(f"`{' '.join(command[:2])}` failed with exit code {result.returncode}.")


def vendor_copy(root: Path = REPO_ROOT, target: Path = VENDOR_DIR) -> list[Path]:
    """Copy VENDOR_FILES from root/node_modules into target; return the paths written."""
    written = []
    for source_name, target_name in VENDOR_FILES:
        source, dest = root / "node_modules" / source_name, target / target_name
        if not source.exists():
            raise VendorError(f"{source} is missing; delete node_modules and run again.")
        if source_name.endswith("/"):
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
        written.append(dest)
    return written


def main() -> int:
    try:
        npm_install()
        written = vendor_copy()
    except VendorError as exc:
        print(f"lianxin.core.vendor: {exc}", file=sys.stderr)
        return 1
    print(f"copied {len(written)} browser libraries into {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
