#!/usr/bin/env python
"""App benchmark: how fast the interactive app steps and redraws, and how fast presets appear.

Sections (targets from issue 4):

1. one step plus redraw at 1,000 consumers (target <= 250 ms): the engine step, the network
   picture and the charts, measured (a) directly and (b) through the whole widget stack
   (``solara.render`` of the page, a click on Mesa's Step button, re-render, new images);
2. time for the Facebook preset (4,039 consumers, 88,234 friendships) to appear (target <= 5 s)
   with cold caches (first visit in a fresh process: graph, layout and painters computed) and
   warm (a later visit: layout and painters cached), through the widget stack;
3. with ``--browser`` (needs /usr/bin/chromium and the cached Solara assets): the same two in a
   real browser against ``solara run app.py`` (click Step until the counter changes; pick the
   Facebook preset until its picture has loaded).

    python benchmarks/bench_app.py              # sections 1 and 2, about half a minute
    python benchmarks/bench_app.py --browser    # also section 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import solara
import solara.widgets

from ewom_abm.app import components, layout
from ewom_abm.app import page as app
from ewom_abm.app.setup import AppModel, Setup

ROOT = Path(__file__).resolve().parents[1]

ONE_K = {"network.kind": "barabasi_albert", "network.n": 1000, "network.mean_degree": 10}
results: dict[str, tuple[float, float]] = {}  # name -> (measured s, target s)


def clear_caches() -> None:
    layout.cache_clear()
    with components._painters_lock:
        components._painters.clear()


def ms(x: float) -> str:
    return f"{1000 * x:7.1f} ms"


def bench_direct(steps: int) -> None:
    setup = Setup("lesson1_seeding", dict(ONE_K))
    model = AppModel(setup)
    components.network_png(model, 0)
    components.charts_png(model)
    parts = {"step": [], "network": [], "charts": []}
    for _ in range(steps):
        t0 = time.perf_counter()
        model.step()
        t1 = time.perf_counter()
        components.network_png(model, 0)
        t2 = time.perf_counter()
        components.charts_png(model)
        t3 = time.perf_counter()
        parts["step"].append(t1 - t0)
        parts["network"].append(t2 - t1)
        parts["charts"].append(t3 - t2)
    total = [a + b + c for a, b, c in zip(*parts.values(), strict=True)]
    print(f"1a direct, 1,000 consumers, median of {steps} steps:")
    for name, vals in parts.items():
        print(f"   {name:<8} {ms(statistics.median(vals))}")
    print(f"   total    {ms(statistics.median(total))}  (max {ms(max(total))})")
    results["step + redraw, 1k, direct"] = (statistics.median(total), 0.25)


def render_page():
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    return rc


def bench_widgets(steps: int) -> None:
    rc = render_page()
    rc.find(v.Select, label="Network kind").widget.v_model = "barabasi_albert"
    slider = next(w for w in rc.find(v.Slider).widgets if w.label.startswith("Consumers"))
    slider.fire_event("change", 1000)
    info = next(w for w in rc.find(solara.widgets.HTML).widgets
                if "consumers ·" in w.unsafe_innerHTML).unsafe_innerHTML
    assert info.startswith("1,000 consumers"), info
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        rc.find(v.Btn, children=["Step"]).widget.click()
        times.append(time.perf_counter() - t0)
    print(f"1b through the widgets (click Step, re-render, new images), median of {steps}: "
          f"{ms(statistics.median(times))}  (max {ms(max(times))})")
    results["step + redraw, 1k, widgets"] = (statistics.median(times), 0.25)
    rc.close()


def bench_facebook() -> None:
    clear_caches()
    rc = render_page()
    t0 = time.perf_counter()
    rc.find(v.Select, label="Scenario").widget.v_model = "lesson6_facebook"
    cold = time.perf_counter() - t0
    images = [w for w in rc.find(ipywidgets.Image).widgets]
    assert images and all(len(w.value) > 1000 for w in images)
    rc.find(v.Select, label="Scenario").widget.v_model = "lesson1_seeding"
    t0 = time.perf_counter()
    rc.find(v.Select, label="Scenario").widget.v_model = "lesson6_facebook"
    warm = time.perf_counter() - t0
    print(f"2  Facebook preset appears (widgets): cold {cold:.2f} s, warm {warm:.2f} s")
    results["Facebook appears, cold, widgets"] = (cold, 5.0)
    results["Facebook appears, warm, widgets"] = (warm, 5.0)
    rc.close()


def bench_browser(steps: int) -> None:
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("3  skipped: no /usr/bin/chromium")
        return
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "solara", "run", "app.py", "--host",
                             "127.0.0.1", "--port", str(port), "--no-open", "--production"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ})
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.goto(url)
            page.wait_for_selector(".ewom-step", timeout=60_000)

            def pick(option: str) -> None:
                field = page.locator(".v-select", has=page.locator("label", has_text="Scenario"))
                field.locator(".v-select__slot").click()
                page.locator(".menuable__content__active .v-list-item",
                             has_text=option).first.click()

            times = []
            for _ in range(steps):
                before = page.locator(".ewom-step").inner_text()
                src = page.locator("img.ewom-charts-image").get_attribute("src")
                t0 = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(
                    "([b, s]) => document.querySelector('.ewom-step').innerText !== b && "
                    "document.querySelector('img.ewom-charts-image').src !== s", arg=[before, src])
                times.append(time.perf_counter() - t0)
            print(f"3a browser: click Step until counter and charts change (2,000 consumers, "
                  f"lesson 1), median of {steps}: {ms(statistics.median(times))}")
            results["step + redraw, 2k, browser"] = (statistics.median(times), 0.25)
            t0 = time.perf_counter()
            pick("lesson6_facebook")
            page.wait_for_function("() => document.querySelector('.ewom-kpis').innerText"
                                   ".includes('4,039 consumers')", timeout=60_000)
            page.wait_for_function("() => { const i = document.querySelector("
                                   "'img.ewom-network-image'); return i && i.complete && "
                                   "i.naturalWidth > 100; }")
            fb = time.perf_counter() - t0
            print(f"3b browser: Facebook preset appears (cold server caches): {fb:.2f} s")
            results["Facebook appears, cold, browser"] = (fb, 5.0)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--browser", action="store_true", help="also measure in Chromium")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, solara {solara.__version__}")
    bench_direct(args.steps)
    bench_widgets(args.steps)
    bench_facebook()
    if args.browser:
        bench_browser(min(args.steps, 15))
    print("\nsummary (target met?):")
    ok = True
    for name, (got, target) in results.items():
        met = got <= target
        ok &= met
        unit = f"{got * 1000:.0f} ms" if target < 1 else f"{got:.2f} s"
        tgt = f"{target * 1000:.0f} ms" if target < 1 else f"{target:.0f} s"
        print(f"  {name:<36} {unit:>9}  target <= {tgt:<7} {'yes' if met else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
