"""The app in a real browser, at the projector size 1280x720 (the layout checks also at
1440x900 and 1920x1080): it renders offline, its controls show what the model uses, it fits
the screen, plays with its own controls, compares runs and strategies, and shares its setup.
No timing is asserted here: benchmarks/bench_app.py --browser measures speed."""

from __future__ import annotations

import re
import shlex
import time
import tomllib

import pytest

from ewom_abm import cli
from ewom_abm.app.setup import CONTROLS, format_value, presets, value_of
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.metrics import headline, kpi
from ewom_abm.model.model import EwomModel

# a real app server and Chromium: the full suite's, not the inner loop's
pytestmark = pytest.mark.slow

SIZES = [(1280, 720), (1440, 900), (1920, 1080)]


# ----------------------------------------------------------------------------- helpers

def step_number(pg) -> int:
    return int(re.search(r"Step\s+(\d+)", pg.locator(".ewom-step").inner_text()).group(1))


def wait_step(pg, n: int) -> None:
    pg.wait_for_function(f"() => /Step\\s+{n}\\b/.test("
                         "document.querySelector('.ewom-step').innerText)")


def command(pg) -> str:
    return pg.locator(".ewom-command").inner_text().strip()


def wait_command(pg, predicate: str) -> None:
    """Wait until the share panel's command line satisfies a JS predicate on ``c``."""
    pg.wait_for_function(f"() => {{ const c = document.querySelector('.ewom-command')"
                         f".innerText.trim(); return {predicate}; }}")


def config_of(pg):
    """The scenario the page's model runs, from its own ``ewom run`` line."""
    args = cli.build_parser().parse_args(shlex.split(command(pg))[1:])
    return scenario.load(args.scenario, args.set)


def title_of(name: str) -> str:
    return scenario.read_toml(scenario.resolve_path(name)).get("title") or name


def choose_preset(pg, name: str) -> None:
    pg.locator(".ewom-preset .v-select__slot").click()
    menu = pg.locator(".menuable__content__active")
    menu.locator(".v-list-item", has_text=title_of(name)).first.click()
    wait_command(pg, f"c === 'ewom run {name}'")
    pg.wait_for_function("t => document.querySelector('.ewom-title').innerText === t",
                         arg=title_of(name))
    brands = [b.name for b in scenario.load(name).brands]  # the cards follow the title
    pg.wait_for_function("names => JSON.stringify([...document.querySelectorAll("
                         "'.ewom-brand-card')].map(c => c.dataset.brand)) === "
                         "JSON.stringify(names)", arg=brands)


def type_value(pg, key: str, text: str) -> None:
    box = pg.locator(f".ewom-control[data-key='{key}'] .ewom-box input")
    box.fill(text)
    box.press("Enter")


def box_value(pg, key: str) -> str:
    return pg.locator(f".ewom-control[data-key='{key}'] .ewom-box input").input_value()


def control_error(pg, key: str) -> str:
    err = pg.locator(f".ewom-control[data-key='{key}'] .ewom-control-error")
    return err.inner_text() if err.count() else ""


def shown_controls(pg) -> dict[str, tuple[str, str | None]]:
    """Every control's value as shown (its typed box, or its menu's selection) and its
    slider's value, by key."""
    return dict(pg.eval_on_selector_all(".ewom-control[data-key]", """els => els.map(e => {
        const box = e.querySelector('.ewom-box input');
        const choice = e.querySelector('.v-select__selection');
        const slider = e.querySelector('.ewom-track input');
        return [e.dataset.key, [box ? box.value : choice.innerText.trim(),
                                slider ? slider.value : null]];
    })"""))


def main_scroller(pg) -> str:
    """A JS expression for the element that scrolls the main column."""
    return ("[...document.querySelectorAll('.v-content__wrap > div, .v-main__wrap > div')]"
            ".find(e => getComputedStyle(e).overflowY === 'auto')")


# ----------------------------------------------------------------------------- renders

@pytest.mark.parametrize("server", ["checkout", "installed"])
def test_page_renders_offline_without_errors(server, request, server_log):
    """From the checkout (``solara run app.py``) and from the installed wheel (``ewom app``)."""
    page = request.getfixturevalue("page" if server == "checkout" else "installed_page")
    pg = page.page
    pg.wait_for_selector("img.ewom-network-image")
    pg.wait_for_selector(".ewom-charts-image svg")
    assert pg.locator(".ewom-title").inner_text().startswith("Lesson 1")
    assert "What to look for" in pg.locator(".ewom-look").inner_text()
    assert pg.locator(".ewom-brand-card").count() == 2
    box = pg.locator("img.ewom-network-image").bounding_box()
    assert box and box["width"] > 250 and box["height"] > 250
    assert page.errors == []
    assert page.outside == []  # nothing was fetched from off this machine
    if server == "checkout":
        assert "samesite" not in server_log().lower()  # no cookie warning per page load


# ----------------------------------------------------------------------------- 1. never lie

def test_every_preset_s_controls_show_what_its_model_uses(page):
    """Walk every preset: each control's box (and slider) shows the model's value."""
    pg = page.page
    for name in presets():
        choose_preset(pg, name)
        config = scenario.load(name)
        n = EwomModel(config).n if config.network.kind == "file" else config.network.n
        shown = shown_controls(pg)
        assert shown, name
        for key, (text, slid) in shown.items():
            want = n if key == "network.n" else value_of(config, key)
            typ = scenario.field_type(key)
            assert scenario.parse_value(text, typ) == want, (name, key, text, want)
            if slid is not None and typ in (int, float):
                step = next(c.step for c in CONTROLS
                            if re.sub(r"^brands\.\d+\.", "brands.N.", key) == c.key)
                assert abs(float(slid) - want) <= step / 2 + 1e-9, (name, key, slid, want)
    assert page.errors == []


def test_controls_show_the_model_s_values_after_every_kind_of_change(page):
    """Issue 18's lesson 5: a typed price, a click on the snob slider, a reset and "Back to
    the preset's values": the controls follow the model each time."""
    pg = page.page
    choose_preset(pg, "lesson5_exclusivity")
    type_value(pg, "brands.0.price", "0.5")
    wait_command(pg, "c.includes('brands.0.price=0.5')")
    track = pg.locator(".ewom-control[data-key='status.snob'] .v-slider")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    pg.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    wait_command(pg, "c.includes('status.snob=')")
    snob = config_of(pg).status.snob
    assert snob != 5.0 and float(box_value(pg, "status.snob")) == snob
    pg.locator(".ewom-step-button").click()
    wait_step(pg, 1)
    pg.locator(".ewom-reset").click()
    wait_step(pg, 0)
    assert box_value(pg, "brands.0.price") == "0.5"  # a reset keeps the settings
    pg.locator(".ewom-restore").click()
    wait_command(pg, "c === 'ewom run lesson5_exclusivity'")
    preset = scenario.load("lesson5_exclusivity")
    for key, (text, _slid) in shown_controls(pg).items():
        assert scenario.parse_value(text, scenario.field_type(key)) == value_of(preset, key), key
    assert page.errors == []


# ----------------------------------------------------------------------------- 2. type or slide

def test_type_or_slide_validated_like_set_with_the_error_beside_it(page, server_log):
    pg = page.page
    tracks = pg.eval_on_selector_all(".ewom-track", "els => els.map(e => "
                                     "e.getBoundingClientRect().width)")
    assert tracks and min(tracks) >= 120, tracks  # no track narrower than 120 px at 1280 px
    labels = pg.eval_on_selector_all(".ewom-control-label", "els => els.map(e => "
                                     "getComputedStyle(e).whiteSpace)")
    assert set(labels) == {"normal"}  # long labels wrap, above the control
    type_value(pg, "ewom.p_external", "0.005")  # lesson 1's exercise, no pixel-exact drag
    wait_command(pg, "c.includes('ewom.p_external=0.005')")
    assert box_value(pg, "ewom.p_external") == "0.005"
    type_value(pg, "ewom.p_share", "1.7")
    pg.wait_for_selector(".ewom-control[data-key='ewom.p_share'] .ewom-control-error")
    with pytest.raises(EwomError) as refused:  # the message --set gives
        scenario.load("lesson1_seeding", ["ewom.p_share=1.7"])
    expected = str(refused.value)
    assert control_error(pg, "ewom.p_share") == expected
    preset = format_value(scenario.load("lesson1_seeding").ewom.p_share)
    pg.wait_for_function("v => document.querySelector(\"[data-key='ewom.p_share'] "
                         ".ewom-box input\").value === v", arg=preset)  # back to the model's
    type_value(pg, "seed", "²")  # issue 16: a server traceback before
    pg.wait_for_selector(".ewom-control[data-key='seed'] .ewom-control-error")
    assert "not a whole number" in control_error(pg, "seed")
    type_value(pg, "seed", "9" * 5000)
    pg.wait_for_function("() => document.querySelector(\"[data-key='seed'] "
                         ".ewom-control-error\").innerText.includes('too large')")
    assert "Traceback" not in server_log()
    assert "seed 1" in pg.locator(".ewom-info").inner_text()
    assert page.errors == []


# ----------------------------------------------------------------------------- 3. projector

@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_kpi_of_every_brand_fits_and_the_controls_stay_visible(open_app, size):
    page = open_app(*size)
    pg = page.page
    width, height = size
    for name in ("lesson5_exclusivity", "lesson7_adaptive"):
        choose_preset(pg, name)
        brands = [b.name for b in scenario.load(name).brands]
        tiles = pg.eval_on_selector_all(".ewom-brand-card", """cards => cards.map(c => {
            const cb = c.getBoundingClientRect();
            return [c.dataset.brand, [...c.querySelectorAll('.ewom-tile')].map(t => {
                const b = t.getBoundingClientRect();
                return [t.dataset.kpi, b.left >= cb.left - 1 && b.right <= cb.right + 1,
                        b.right <= window.innerWidth, t.scrollWidth <= t.clientWidth + 1];
            })];
        })""")
        assert [b for b, _ in tiles] == brands
        for brand, cells in tiles:
            assert [k for k, *_ in cells] == list(headline(scenario.load(name))), brand
            assert all(inside and on_screen and whole for _, inside, on_screen, whole in cells), (
                size, brand, cells)
        scroll = pg.evaluate(f"() => {{ const e = {main_scroller(pg)}; return [e.scrollWidth, "
                             "e.clientWidth, document.documentElement.scrollWidth, "
                             "document.documentElement.clientWidth]; }")
        assert scroll[0] <= scroll[1] + 1 and scroll[2] <= scroll[3] + 1, (size, scroll)
    pg.evaluate(f"() => {{ const e = {main_scroller(pg)}; e.scrollTop = e.scrollHeight; }}")
    for sel in (".ewom-step", ".ewom-play", ".ewom-step-button", ".ewom-reset"):
        b = pg.locator(sel).bounding_box()
        assert b and b["y"] >= 0 and b["y"] + b["height"] <= height, (size, sel, b)
        assert b["x"] >= 0 and b["x"] + b["width"] <= width, (size, sel, b)
        hit = pg.evaluate("([x, y, s]) => document.elementFromPoint(x, y).closest(s) !== null",
                          [b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, sel])
        assert hit, (size, sel)
    assert page.errors == []


# ----------------------------------------------------------------------------- 4. own controls

def test_play_pause_step_reset_and_speed_are_the_app_s_own(page):
    pg = page.page
    text = pg.locator("body").inner_text()
    for knob in ("Play Interval", "Render Interval", "Use Threads", "Time:"):
        assert knob not in text  # Mesa's developer controls and duplicate time card are gone
    type_value(pg, "steps", "200")  # room to pause however slow the machine is
    wait_command(pg, "c.includes('steps=200')")
    pg.locator(".ewom-speed .v-select__slot").click()
    pg.locator(".menuable__content__active .v-list-item", has_text="2 steps/s").click()
    pg.wait_for_function("() => document.querySelector('.ewom-speed').innerText"
                         ".includes('2 steps/s')")
    pg.locator(".ewom-play").click()
    pg.wait_for_function("() => +/Step\\s+(\\d+)/.exec(document.querySelector('.ewom-step')"
                         ".innerText)[1] >= 3")
    pg.locator(".ewom-play").click()  # now Pause
    pg.wait_for_function("() => document.querySelector('.ewom-play').innerText"
                         ".includes('PLAY') || document.querySelector('.ewom-play').innerText"
                         ".includes('Play')")
    paused = step_number(pg)
    time.sleep(0.6)
    assert step_number(pg) == paused
    pg.locator(".ewom-step-button").click()
    wait_step(pg, paused + 1)
    pg.locator(".ewom-reset").click()
    wait_step(pg, 0)
    assert page.errors == []


# ----------------------------------------------------------------------------- 5. compare runs

def test_earlier_runs_stay_faded_and_labelled_until_cleared(page):
    pg = page.page
    for n in range(1, 6):
        pg.locator(".ewom-step-button").click()
        wait_step(pg, n)
    type_value(pg, "brands.0.price", "0.5")
    wait_command(pg, "c.includes('brands.0.price=0.5')")
    pg.wait_for_selector(".ewom-earlier-body")
    price = format_value(scenario.load("lesson1_seeding").brands[0].price)
    assert f"Seeded price {price} → 0.5" in pg.locator(".ewom-earlier-body").inner_text()
    panels = pg.eval_on_selector_all(".ewom-charts-image .ewom-panel", "ps => ps.map(p => "
                                     "[p.dataset.kpi, p.querySelectorAll("
                                     "'.ewom-earlier-mark').length, p.textContent])")
    assert len(panels) == 6 and all(marks > 0 for _, marks, _ in panels)
    by_kpi = {k: t for k, _, t in panels}
    for name in ("reach", "penetration", "revenue", "dream_value", "dilution"):
        assert kpi(name).label in by_kpi[name] and kpi(name).unit in by_kpi[name]
    pg.locator(".ewom-clear-earlier").click()
    pg.wait_for_function("() => !document.querySelector('.ewom-earlier-mark')")
    assert page.errors == []


# ----------------------------------------------------------------------------- 6. strategies

def test_compare_strategies_runs_in_the_background_and_draws_the_frontier(page):
    pg = page.page
    choose_preset(pg, "lesson5_exclusivity")
    type_value(pg, "network.n", "300")
    wait_command(pg, "c.includes('network.n=300')")
    type_value(pg, "steps", "10")
    wait_command(pg, "c.includes('steps=10')")
    pg.locator(".ewom-compare-run").click()
    pg.wait_for_selector(".ewom-progress")
    assert re.search(r"\d+ of \d+ runs", pg.locator(".ewom-progress").inner_text())
    pg.locator(".ewom-step-button").click()  # the page stays live meanwhile
    wait_step(pg, 1)
    pg.wait_for_selector("img.ewom-frontier-image", timeout=120_000)
    pg.wait_for_function("() => { const i = document.querySelector('img.ewom-frontier-image');"
                         " return i.complete && i.naturalWidth > 400; }")
    assert "Maison: 20 runs at" in pg.locator(".ewom-compare").inner_text()
    assert page.errors == []


# ----------------------------------------------------------------------------- 7. share

def test_copy_as_command_and_download_the_scenario(page, tmp_path):
    pg = page.page
    type_value(pg, "brands.1.seeds", "20")
    wait_command(pg, "c.includes('brands.1.seeds=20')")
    pg.locator(".ewom-copy").click()
    pg.wait_for_function("() => document.querySelector('.ewom-copy').innerText"
                         ".toLowerCase().includes('copied')")
    assert pg.evaluate("navigator.clipboard.readText()") == command(pg)
    with pg.expect_download() as download:
        pg.locator(".ewom-share .v-btn", has_text=re.compile("download", re.I)).click()
    path = tmp_path / "scenario.toml"
    download.value.save_as(path)
    tomllib.loads(path.read_text(encoding="utf-8"))
    assert scenario.load(str(path)) == config_of(pg)
    assert page.errors == []


# ----------------------------------------------------------------------------- 8. smaller

def test_presets_are_grouped_and_money_and_dream_value_have_units(page):
    pg = page.page
    pg.locator(".ewom-preset .v-select__slot").click()
    menu = pg.locator(".menuable__content__active")
    for _ in range(5):  # the menu draws its items as it scrolls
        menu.evaluate("m => { m.scrollTop = m.scrollHeight; }")
        time.sleep(0.2)
    headers = menu.locator(".v-subheader").all_inner_texts()
    assert headers == ["Lessons", "Strategies, eWOM models and experiments",
                       "Docking and calibration"]
    pg.keyboard.press("Escape")
    for name in ("revenue", "dream_value"):
        tile = pg.locator(f".ewom-tile[data-kpi='{name}']").first
        assert tile.locator(".ewom-tile-unit").inner_text() == kpi(name).unit
    assert re.fullmatch(r"EUR [\d,]+\.\d{1,2}(k|M|bn)?", pg.locator(
        ".ewom-tile[data-kpi='revenue'] .ewom-tile-value").first.inner_text())
    assert page.errors == []


def test_the_facebook_preset_loads(page):
    pg = page.page
    choose_preset(pg, "lesson6_facebook")
    pg.wait_for_function("() => document.querySelector('.ewom-info').innerText"
                         ".includes('4,039 consumers')", timeout=60_000)
    assert box_value(pg, "network.n") == "4039"
    assert pg.locator(".ewom-control[data-key='network.n'] .ewom-box input").is_disabled()
    assert "MassPremium" in pg.locator(".ewom-kpi").inner_text()
    pg.locator(".ewom-step-button").click()
    wait_step(pg, 1)
    assert page.errors == []
