"""pytest set-up for the suite; shared helpers live in ``ewom_testing`` (importable because
this folder is on the path while tests run)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ewom_testing import REPO

# what a source checkout holds besides the package's sources
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "out", "build", "dist", "*.egg-info",
                                      "__pycache__", ".pytest_cache", ".ruff_cache")


@dataclass(frozen=True)
class Installed:
    """The wheel of this checkout installed in a fresh virtual environment."""

    venv: Path
    env: dict[str, str]  # for its commands: no PYTHONPATH, the offline assets cache

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)


def _build(root: Path) -> Installed:
    """Wheel from a clean copy of the sources (a stale build/ folder cannot leak into it) in
    a fresh venv. Its dependencies are this environment's (a path file, after the venv's own
    site-packages, so the wheel's package comes first and the checkout's editable hook is never
    run): installing numpy, scipy, numba and Solara again costs minutes and tests pip, not us.
    ``pip check`` then confirms that the wheel's declared dependencies are all there."""
    src, dist, venv = root / "src", root / "dist", root / "venv"
    shutil.copytree(REPO, src, ignore=_NOT_SOURCES)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # cwd: a neutral folder (from the checkout, `python -m ewom_abm...` would import it)
    pip = {"env": env, "check": True, "capture_output": True, "text": True, "cwd": root}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(src)], **pip)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], **pip)
    wheel = next(dist.glob("ewom_abm-*.whl"))
    python = str(venv / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          **pip).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (Path(site) / "_ewom_test_deps.pth").write_text("\n".join(deps) + "\n")
    for data in ("etc", "share"):  # the dependencies' data files (Jupyter's widget config)
        if (Path(sys.prefix) / data).is_dir():
            (venv / data).symlink_to(Path(sys.prefix) / data, target_is_directory=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-compile", "--no-deps",
                    str(wheel)], **pip)
    subprocess.run([python, "-m", "pip", "check"], **pip)
    _warm_engine_cache(REPO / "model" / "__pycache__", Path(site) / "ewom_abm" / "model"
                       / "__pycache__")
    # the app renders offline from Solara's CDN cache: reuse this environment's when it has
    # every file the installed Solara asks for, else fill the new venv's own (npm)
    from ewom_abm.app import assets

    shared = {**env, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets.cache_dir())}
    check = [str(venv / "bin" / "python"), "-m", "ewom_abm.app.assets", "--check"]
    if subprocess.run(check, env=shared, capture_output=True, cwd=root).returncode == 0:
        env = shared
    else:
        subprocess.run(check[:-1], **pip)
    return Installed(venv, env)


def _warm_engine_cache(checkout: Path, package: Path) -> None:
    """The checkout's compiled engine, copied next to the installed engine: its sources are the
    same files, so the stamp numba checks (the digest of the engine's sources, model/jit.py)
    matches and the installed commands load the machine code instead of compiling it again
    (half a minute per process that gets there first). A kernel the checkout has not compiled
    yet, or compiled from other sources, is simply compiled by the installed command."""
    if not checkout.is_dir():
        return
    package.mkdir(exist_ok=True)
    for cached in checkout.iterdir():
        if cached.suffix in (".nbi", ".nbc"):
            shutil.copy2(cached, package / cached.name)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory,
              request: pytest.FixtureRequest) -> Installed:
    """Built once per test session, by whichever xdist worker asks first; the others wait
    for it and reuse it (a file lock in the folder all workers share)."""
    shared = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # an xdist worker: share the session's root
        shared = shared.parent
    root = shared / "installed"
    with open(shared / "installed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "env.txt"
        if not done.exists():
            if root.exists():
                shutil.rmtree(root)  # a build that failed half-way
            root.mkdir()
            inst = _build(root)
            done.write_text("\n".join(f"{k}={v}" for k, v in inst.env.items()))
        env = dict(line.split("=", 1) for line in done.read_text().splitlines() if "=" in line)
    return Installed(root / "venv", env)


@pytest.fixture
def shadowing_folder(tmp_path: Path) -> Path:
    """A user's project folder whose model.py and agents/ would shadow ours if the installed
    command imported from the current folder."""
    work = tmp_path / "project"
    (work / "agents").mkdir(parents=True)
    for name in ("model.py", "batch.py", "agents/__init__.py"):
        (work / name).write_text("raise SystemExit('imported the folder, not the package')\n")
    return work
