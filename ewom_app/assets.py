"""Make the app render offline: fill Solara's CDN proxy cache from the npm registry.

Solara's page loads its front end (Vue, Vuetify, the widget manager, fonts, require.js) from
``/_solara/cdn/PKG@VER/FILE``. The server answers from its proxy cache
(``solara.server.settings.assets.proxy_cache_dir``, by default ``<venv>/share/solara/cdn``) and,
on a miss, downloads ``https://cdn.jsdelivr.net/npm/PKG@VER/FILE``: with no internet (this
machine, CI, many classrooms) the page stays blank. jsDelivr's ``/npm/PKG@VER/FILE`` is the file
``package/FILE`` of the npm tarball of PKG@VER, so this module fetches those tarballs with the
ordinary npm client (``npm pack``) and unpacks them into the cache. The package versions are
read from the installed Solara's page template, so they always match the installed Solara.

    python -m ewom_abm.app.assets          # fill the cache (idempotent; once after pip install)
    python -m ewom_abm.app.assets --check  # exit 1, listing what is missing, if not complete
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Packages the page loads at start-up: found in the template. Extra packages that only some
# Solara components load on demand (we use none of them; listed for completeness of --all).
ON_DEMAND = ("katex@0.16.9", "mermaid@10.8.0")
_SPEC = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)(/[^\"'\s]*)")
_MARKER = ".ewom-complete"


def cache_dir() -> Path:
    """Where the running Solara server looks for CDN files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _template() -> str:
    import solara.server

    path = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    return path.read_text()


def _vue3() -> bool:
    try:
        import ipyvuetify

        return int(ipyvuetify.__version__.split(".")[0]) >= 3
    except (ImportError, ValueError):
        return False


def required_files() -> list[str]:
    """Cache paths (``PKG@VER/FILE``) the page requests at start-up, for this install."""
    import ipywidgets
    from solara.server import settings

    major = ipywidgets.__version__.split(".")[0]
    text = _template()
    vue3 = _vue3()
    files = []
    for name, version, rest in _SPEC.findall(text):
        if ("vuetify3" in name) != vue3:
            continue
        rest = rest.replace("{{ipywidget_major_version}}", major)
        if "{{" in rest:
            continue
        # production mode loads the .min.js, development the .js: keep both
        files.append(f"{name}@{version}{rest}")
    if settings.assets.fontawesome_enabled:
        files.append(settings.assets.fontawesome_path.lstrip("/"))
    return sorted(set(files))


def required_packages(include_on_demand: bool = False) -> list[str]:
    """npm specs ``PKG@VER`` whose files the page needs."""
    specs = {f.split("/")[0] if not f.startswith("@") else "/".join(f.split("/")[:2])
             for f in required_files()}
    if include_on_demand:
        specs.update(ON_DEMAND)
    return sorted(specs)


def missing(cache: Path | None = None) -> list[str]:
    cache = cache or cache_dir()
    return [f for f in required_files() if not (cache / f).is_file()]


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("ewom_abm.app.assets: npm not found; install Node.js and npm "
                         "(Debian: apt-get install -y nodejs npm) and run again")
    return npm


def fetch_package(spec: str, cache: Path) -> Path:
    """``npm pack`` one PKG@VER and unpack its ``package/`` folder into ``cache/PKG@VER``."""
    target = cache / spec
    if (target / _MARKER).is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="ewom-npm-") as tmp:
        out = subprocess.run([_npm(), "pack", spec, "--json", "--pack-destination", tmp],
                             check=True, capture_output=True, text=True, cwd=tmp)
        info = json.loads(out.stdout)
        tarball = Path(tmp) / info[0]["filename"].replace("/", "-").lstrip("@")
        if not tarball.is_file():  # npm names scoped tarballs scope-name-version.tgz
            tarball = next(Path(tmp).glob("*.tgz"))
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            tar.extractall(staging, filter="data")
        root = staging / "package"
        if not root.is_dir():  # a few packages use another top folder name
            root = next(p for p in staging.iterdir() if p.is_dir())
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(root), str(target))
    (target / _MARKER).write_text(spec + "\n")
    return target


def install(cache: Path | None = None, include_on_demand: bool = False,
            quiet: bool = False) -> Path:
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    for spec in required_packages(include_on_demand):
        done = (cache / spec / _MARKER).is_file()
        if not quiet:
            print(f"{'have' if done else 'npm pack'} {spec}", file=sys.stderr)
        fetch_package(spec, cache)
    gone = missing(cache)
    if gone:
        raise SystemExit("ewom_abm.app.assets: still missing after install: " + ", ".join(gone))
    if not quiet:
        print(f"Solara front-end assets ready for offline use in {cache}", file=sys.stderr)
    return cache


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ewom_abm.app.assets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if missing")
    parser.add_argument("--all", action="store_true",
                        help="also fetch packages only some Solara components load "
                        f"({', '.join(ON_DEMAND)})")
    parser.add_argument("--cache-dir", type=Path, help="default: Solara's proxy cache dir")
    args = parser.parse_args(argv)
    cache = args.cache_dir or cache_dir()
    if args.check:
        gone = missing(cache)
        for f in gone:
            print(f"missing: {cache / f}")
        if not gone:
            print(f"complete: {cache}")
        return 1 if gone else 0
    install(cache, include_on_demand=args.all)
    return 0


if __name__ == "__main__":
    sys.exit(main())
