#!/usr/bin/env python
"""Screenshots of every preset in the app at the projector size, for docs/app/.

Starts ``solara run app.py`` on a free port, opens it in Debian's Chromium at 1280x720, and
for each preset: picks it, steps it 20 weeks (fewer if it is shorter), scrolls the main
column to the KPI cards, and saves ``docs/app/PRESET.png`` (a 256-colour PNG: a tenth of the
size; octree keeps the brand colours exact).

    python tools/app_screenshots.py [--out docs/app] [--steps 20] [PRESET ...]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from PIL import Image

from ewom_abm.app.setup import presets
from ewom_abm.model import scenario

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("EWOM_CHROMIUM", "/usr/bin/chromium")
SIZE = (1280, 720)


def serve() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "solara", "run", "app.py", "--host",
                             "127.0.0.1", "--port", str(port), "--no-open", "--production"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the app server did not start on {url}")


def shoot(page, name: str, out: Path, steps: int) -> Path:
    title = scenario.read_toml(scenario.resolve_path(name)).get("title") or name
    page.locator(".ewom-preset .v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item", has_text=title).first.click()
    page.wait_for_function("c => document.querySelector('.ewom-command').innerText.trim() "
                           "=== c", arg=f"ewom run {name}", timeout=120_000)
    horizon = scenario.load(name).steps
    for n in range(1, min(steps, horizon) + 1):
        page.locator(".ewom-step-button").click()
        page.wait_for_function("n => document.querySelector('.ewom-kpi').dataset.step == n",
                               arg=n, timeout=60_000)
    page.evaluate("document.querySelector('.ewom-kpis').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE,
                                             dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="presets (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "app")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    proc, url = serve()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
            page.set_default_timeout(60_000)
            page.goto(url)
            page.wait_for_selector(".ewom-kpi", timeout=120_000)
            for name in args.names or presets():
                path = shoot(page, name, args.out, args.steps)
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                      f"{path.stat().st_size // 1024} KB")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
