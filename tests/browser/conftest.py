"""Fixtures for the real-browser tests: one app server and one headless Chromium per session.

The server is ``solara run app.py`` on a free loopback port, as a subprocess; the browser is
Debian's Chromium (``/usr/bin/chromium``) driven by Playwright, never a downloaded browser.
A second server, ``ewom app`` from the wheel installed in a fresh venv (the ``installed``
fixture of tests/conftest.py), shows that the installed package serves the page too.
Pages open at 1280x720, the projector size the app is made for, unless a test asks for
another (``open_app``). A failing test leaves a screenshot in ``out/browser-failures/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("EWOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FAILURES = REPO / "out" / "browser-failures"
PROJECTOR = (1280, 720)
LOGS: dict[str, str] = {}  # server URL -> its log file

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} "
                "(apt-get install -y --no-install-recommends chromium)", allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """Start the app as ``solara run app.py`` (production mode) on a free loopback port."""
    from ewom_abm.app import assets

    gone = assets.missing()
    if gone:
        pytest.fail("Solara's front-end assets are not cached, so the page cannot render "
                    "offline; run `python -m ewom_abm.app.assets` first. Missing: "
                    + ", ".join(gone))
    port = _free_port()
    yield from _serve([sys.executable, "-m", "solara", "run", "app.py", "--host", "127.0.0.1",
                       "--port", str(port), "--no-open", "--production"], REPO, os.environ,
                      port)


@pytest.fixture(scope="session")
def installed_app_url(installed, tmp_path_factory):
    """``ewom app`` of the installed wheel, started from a folder that is not the checkout."""
    port = _free_port()
    cwd = tmp_path_factory.mktemp("installed-app")
    (cwd / "model.py").write_text("raise SystemExit('imported the folder, not the package')\n")
    yield from _serve([installed.bin("ewom"), "app", "--port", str(port)], cwd, installed.env,
                      port)


def _serve(cmd: list[str], cwd: Path, base_env, port: int):
    """Run an app server until the session ends; yield its URL once it answers."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - open for the server's whole life
        "w+", prefix="ewom-app-", suffix=".log", delete=False)
    env = {**base_env, "PYTHONUNBUFFERED": "1", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    LOGS[url] = log.name
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            pytest.fail(f"the app server did not start on {url}:\n{log.read()[-4000:]}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    os.unlink(log.name)


@pytest.fixture(scope="session")
def browser():
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Watched:
    """A page plus what went wrong on it: page errors, console errors, off-machine requests."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: self.errors.append(f"console: {msg.text}")
                if msg.type == "error" else None)
        page.on("request", lambda req: self.outside.append(req.url)
                if not req.url.startswith(base) and not req.url.startswith(("data:", "blob:"))
                else None)


@pytest.fixture
def server_log(app_url):
    """What the app server has printed so far."""
    return lambda: Path(LOGS[app_url]).read_text(errors="replace")


@pytest.fixture
def open_app(browser, app_url, request):
    """Open the app in a fresh browser tab of the given size; closed after the test."""
    opened = []

    def open_(width: int = PROJECTOR[0], height: int = PROJECTOR[1], url: str = app_url):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        watched = Watched(pg, url.rstrip("/"))
        pg.goto(url)
        pg.wait_for_selector(".ewom-step", timeout=60_000)
        pg.wait_for_selector(".ewom-kpis-body .ewom-tile", timeout=60_000)
        opened.append((context, watched))
        return watched

    yield open_
    rep = getattr(request.node, "rep_call", None)
    for context, watched in opened:
        if rep is not None and rep.failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            shot = FAILURES / f"{request.node.name}.png"
            watched.page.screenshot(path=str(shot))
            print(f"screenshot of the failing page: {shot}")
        context.close()


@pytest.fixture
def page(open_app):
    return open_app()


@pytest.fixture
def installed_page(open_app, installed_app_url):
    return open_app(url=installed_app_url)
