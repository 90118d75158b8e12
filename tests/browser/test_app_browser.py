"""The app in a real browser: it renders offline, Step and Play move it, presets switch."""

from __future__ import annotations

import re
import time

import pytest


def step_number(page) -> int:
    text = page.locator(".ewom-step").inner_text()
    return int(re.search(r"Step\s+(\d+)", text).group(1))


def wait_step(page, predicate, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        n = step_number(page)
        if predicate(n) or time.monotonic() > deadline:
            return n
        time.sleep(0.1)


def image_src(page, cls: str) -> str:
    return page.locator(f"img.{cls}").get_attribute("src") or ""


def wait_image(page, cls: str) -> None:
    page.wait_for_function(
        f"() => {{ const i = document.querySelector('img.{cls}');"
        " return i && i.complete && i.naturalWidth > 100; }")


def choose(page, label: str, option: str) -> None:
    """Pick an option of the Vuetify select with this label."""
    field = page.locator(".v-select", has=page.locator("label", has_text=re.compile(
        f"^{re.escape(label)}$")))
    field.locator(".v-select__slot").click()
    menu = page.locator(".menuable__content__active")
    menu.locator(".v-list-item", has_text=re.compile(f"^{re.escape(option)}$")).click()


@pytest.mark.parametrize("server", ["checkout", "installed"])
def test_page_renders_offline_without_errors(server, request):
    """From the checkout (``solara run app.py``) and from the installed wheel (``ewom app``)."""
    page = request.getfixturevalue("page" if server == "checkout" else "installed_page")
    pg = page.page
    wait_image(pg, "ewom-network-image")
    wait_image(pg, "ewom-charts-image")
    assert pg.locator(".ewom-title").inner_text().startswith("Lesson 1")
    assert "What to look for" in pg.locator(".ewom-look").inner_text()
    assert pg.get_by_role("button", name="Step").is_visible()
    assert pg.locator(".ewom-kpi tr").count() == 3  # header + two brands
    box = pg.locator("img.ewom-network-image").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    assert page.errors == []
    assert page.outside == []  # nothing was fetched from off this machine


def test_step_and_play_change_the_counter_and_the_plots(page):
    pg = page.page
    wait_image(pg, "ewom-charts-image")
    charts, network = image_src(pg, "ewom-charts-image"), image_src(pg, "ewom-network-image")
    assert step_number(pg) == 0
    pg.get_by_role("button", name="Step").click()
    assert wait_step(pg, lambda n: n >= 1) == 1
    pg.wait_for_function(f"() => document.querySelector('img.ewom-charts-image').src"
                         f" !== {charts!r}")
    assert image_src(pg, "ewom-network-image") != network
    pg.get_by_role("button", name="▶").click()
    assert wait_step(pg, lambda n: n >= 5) >= 5
    pg.get_by_role("button", name="❚❚").click()
    time.sleep(0.5)
    paused = step_number(pg)
    time.sleep(1.0)
    assert step_number(pg) == paused
    pg.get_by_role("button", name="Reset", exact=True).click()
    assert wait_step(pg, lambda n: n == 0) == 0
    assert page.errors == []


def test_switching_preset_resets_to_that_preset(page):
    pg = page.page
    pg.get_by_role("button", name="Step").click()
    wait_step(pg, lambda n: n >= 1)
    choose(pg, "Scenario", "lesson5_exclusivity")
    pg.wait_for_function("() => document.querySelector('.ewom-title').innerText"
                         ".startsWith('Lesson 5')")
    pg.wait_for_function("() => document.querySelector('.ewom-kpi').innerText"
                         ".includes('Maison')")
    assert step_number(pg) == 0
    assert "Buzz" in pg.locator(".ewom-kpi").inner_text()
    assert "seed 5" in pg.locator(".ewom-kpis").inner_text()
    assert page.errors == []


def test_a_non_integer_seed_shows_a_message(page):
    pg = page.page
    seed = pg.get_by_role("textbox", name="Seed", exact=True)
    seed.fill("twelve")
    seed.press("Enter")
    pg.get_by_text("is not a whole number").wait_for()
    pg.get_by_role("button", name="Step").click()  # the app still works
    assert wait_step(pg, lambda n: n >= 1) == 1
    assert page.errors == []


def test_the_facebook_preset_loads(page):
    pg = page.page
    started = time.monotonic()
    choose(pg, "Scenario", "lesson6_facebook")
    pg.wait_for_function("() => document.querySelector('.ewom-kpis').innerText"
                         ".includes('4,039 consumers')", timeout=60_000)
    wait_image(pg, "ewom-network-image")
    print(f"Facebook preset appeared after {time.monotonic() - started:.2f} s")
    assert "MassPremium" in pg.locator(".ewom-kpi").inner_text()
    pg.get_by_role("button", name="Step").click()
    assert wait_step(pg, lambda n: n >= 1) == 1
    assert page.errors == []
