#!/usr/bin/env python
"""App benchmark: how fast a step shows in the app, and how fast presets appear.

Targets (issue 18): a step, from the click to the updated KPIs and charts, <= 150 ms at 2,000
consumers and <= 250 ms at the largest network the controls allow (setup.CONSUMERS_MAX).

1. server side, per step: the engine step, the KPI cards, the network picture and the SVG
   charts, measured directly, at 2,000 consumers and at the largest size;
2. the same through the widget stack (``solara.render`` of the page, a click on Step, the
   re-render with new KPIs, picture and charts), and the Facebook preset appearing (cold: graph,
   layout and painter computed; warm: cached);
3. with ``--browser`` (needs /usr/bin/chromium and the cached Solara assets): in Chromium at
   1280x720 against ``solara run app.py``, the time from the click on Step to the moment the
   step counter, the KPI cards, the charts and the network picture all show the new step,
   timed inside the page (performance.now, a MutationObserver), at 2,000 consumers and at the
   largest size; and the Facebook preset appearing.

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
import reacton.patch_display
import solara
from IPython.core.interactiveshell import InteractiveShell

from ewom_abm.app import components, layout, use_fast_renderer
from ewom_abm.app import page as app
from ewom_abm.app.charts import Charts
from ewom_abm.app.setup import CONSUMERS_MAX, AppModel, Setup

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"2,000": {}, f"{CONSUMERS_MAX:,}": {"network.n": CONSUMERS_MAX}}  # lesson 1 at both
TARGETS = {"2,000": 0.150, f"{CONSUMERS_MAX:,}": 0.250}
results: dict[str, tuple[float, float]] = {}  # name -> (measured s, target s)


def clear_caches() -> None:
    layout.cache_clear()
    with components._painters_lock:
        components._painters.clear()


def ms(x: float) -> str:
    return f"{1000 * x:7.1f} ms"


def bench_direct(steps: int) -> None:
    for label, changes in SIZES.items():
        setup = Setup("lesson1_seeding", dict(changes))
        model = AppModel(setup)
        charts = Charts([b.name for b in model.config.brands], model.config.steps)
        components.network_png(model, 0)
        parts: dict[str, list[float]] = {"step": [], "kpis": [], "network": [], "charts": []}
        for _ in range(steps):
            t0 = time.perf_counter()
            model.step()
            t1 = time.perf_counter()
            components.kpi_html(model)
            t2 = time.perf_counter()
            components.network_png(model, 0)
            t3 = time.perf_counter()
            charts.svg(model.timeseries(), model.steps)
            t4 = time.perf_counter()
            for name, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                parts[name].append(dt)
        total = [sum(x) for x in zip(*parts.values(), strict=True)]
        print(f"1  server side, {label} consumers, median of {steps} steps:  " + "  ".join(
            f"{name} {ms(statistics.median(vals)).strip()}" for name, vals in parts.items())
            + f"  total {ms(statistics.median(total)).strip()}")
        results[f"step, server side, {label}"] = (statistics.median(total), TARGETS[label])


def render_page():
    use_fast_renderer()  # as the app's servers do
    InteractiveShell.instance()  # the app bar's children are shown through IPython's display
    reacton.patch_display.patch()
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    return rc


def bench_widgets(steps: int) -> None:
    rc = render_page()
    for label, changes in SIZES.items():
        for key, value in changes.items():
            box = rc.find(v.Html, attributes={"data-key": key}).find(v.TextField).widget
            box.v_model = str(value)
            box.fire_event("change", str(value))
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            rc.find(v.Btn, class_="ewom-step-button").widget.click()
            times.append(time.perf_counter() - t0)
        print(f"2  widgets, {label} consumers (click Step, re-render, new KPIs, picture, "
              f"charts), median of {steps}: {ms(statistics.median(times))}  "
              f"(max {ms(max(times))})")
        results[f"step, widgets, {label}"] = (statistics.median(times), TARGETS[label])
    rc.close()


def bench_facebook() -> None:
    clear_caches()
    rc = render_page()
    select = rc.find(v.Select, label="Scenario").widget
    t0 = time.perf_counter()
    select.v_model = "lesson6_facebook"
    cold = time.perf_counter() - t0
    images = [w for w in rc.find(ipywidgets.Image).widgets]
    assert images and all(len(w.value) > 1000 for w in images)
    select.v_model = "lesson1_seeding"
    t0 = time.perf_counter()
    select.v_model = "lesson6_facebook"
    warm = time.perf_counter() - t0
    print(f"2  Facebook preset appears (widgets): cold {cold:.2f} s, warm {warm:.2f} s")
    results["Facebook appears, cold, widgets"] = (cold, 5.0)
    results["Facebook appears, warm, widgets"] = (warm, 5.0)
    rc.close()


# a click on Step, timed in the page until the counter, KPIs, charts and picture show it
STEP_JS = """async () => {
  const n = +/Step\\s+(\\d+)/.exec(document.querySelector('.ewom-step').innerText)[1] + 1;
  const shown = () => {
    const kpi = document.querySelector('.ewom-kpi');
    const svg = document.querySelector('.ewom-charts-svg');
    const frame = document.querySelector('.ewom-network-frame');
    const img = document.querySelector('img.ewom-network-image');
    return new RegExp('Step\\\\s+' + n + '\\\\b').test(
             document.querySelector('.ewom-step').innerText)
      && kpi && kpi.dataset.step == n && svg && svg.dataset.step == n
      && frame && frame.dataset.step == n && img && img.complete;
  };
  const t0 = performance.now();
  const done = new Promise((resolve, reject) => {
    const check = () => { if (shown()) { observer.disconnect(); resolve(performance.now()); } };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                     characterData: true});
    document.addEventListener('load', check, true);
    setTimeout(() => reject(new Error('step ' + n + ' not shown after 20 s')), 20000);
  });
  document.querySelector('.ewom-step-button').click();
  return (await done) - t0;
}"""


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
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            page.wait_for_selector(".ewom-kpi", timeout=60_000)
            page.wait_for_selector("img.ewom-network-image", timeout=60_000)
            for label, changes in SIZES.items():
                for key, value in changes.items():
                    box = page.locator(f".ewom-control[data-key='{key}'] .ewom-box input")
                    box.fill(str(value))
                    box.press("Enter")
                    page.wait_for_function(
                        "t => document.querySelector('.ewom-info').innerText.startsWith(t)",
                        arg=f"{value:,} consumers", timeout=60_000)
                page.evaluate(STEP_JS)  # warm-up: first picture of this network
                times = [page.evaluate(STEP_JS) / 1000 for _ in range(steps)]
                print(f"3  browser, {label} consumers: click Step until the counter, KPIs, "
                      f"charts and picture show it, median of {steps}: "
                      f"{ms(statistics.median(times))}  (min {ms(min(times))}, max "
                      f"{ms(max(times))})")
                results[f"step, browser, {label}"] = (statistics.median(times), TARGETS[label])
            t0 = time.perf_counter()
            page.locator(".ewom-preset .v-select__slot").click()
            page.locator(".menuable__content__active .v-list-item",
                         has_text="Lesson 6").first.click()
            page.wait_for_function("() => document.querySelector('.ewom-info').innerText"
                                   ".includes('4,039 consumers')", timeout=60_000)
            page.wait_for_function("() => { const i = document.querySelector("
                                   "'img.ewom-network-image'); return i && i.complete && "
                                   "i.naturalWidth > 100; }")
            fb = time.perf_counter() - t0
            print(f"3  browser: Facebook preset appears (cold server caches): {fb:.2f} s")
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
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, solara {solara.__version__}"
          f", load average {os.getloadavg()[0]:.1f}")
    bench_direct(args.steps)
    bench_widgets(args.steps)
    bench_facebook()
    if args.browser:
        bench_browser(min(args.steps, 20))
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
