"""The interactive app at widget level (no browser): the page rendered inside an AppLayout."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("solara")
pytest.importorskip("altair")  # mesa.visualization needs it (mesa[viz])

import ipyvuetify as v
import ipywidgets
import solara
import solara.widgets

from ewom_abm.app import assets, layout
from ewom_abm.app import page as app
from ewom_abm.app.setup import Setup, build_config, format_value, parse_seed, presets
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.model import EwomModel


@pytest.fixture
def page():
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def html_text(rc, cls: str) -> str:
    return rc.find(solara.widgets.HTML, attributes={"class": cls}).widget.unsafe_innerHTML


def step_text(rc) -> str:
    return html_text(rc, "ewom-step")


def info_text(rc) -> str:
    return html_text(rc, "ewom-muted")


def image_bytes(rc, cls: str) -> bytes:
    found = [w for w in rc.find(ipywidgets.Image).widgets if cls in w._dom_classes]
    assert len(found) == 1, (cls, found)
    return bytes(found[0].value)


def select(rc, label: str, value: str) -> None:
    rc.find(v.Select, label=label).widget.v_model = value


# ----------------------------------------------------------------------------- the page

def test_controls_exist(page):
    rc = page
    for label in ("Scenario", "eWOM model", "Seeded strategy", "Unseeded strategy",
                  "Network kind", "Colour by brand"):
        rc.find(v.Select, label=label).assert_single()
    assert rc.find(v.Select, label="Scenario").widget.items == presets()
    labels = [w.label for w in rc.find(v.Slider).widgets]
    for start in ("Seeded budget per step", "Seeded price", "Consumers",
                  "Share chance per friend", "Advertising reach per step", "Snob effect",
                  "Status sensitivity of the core", "Steps (weeks)"):
        assert any(lab.startswith(start) for lab in labels), (start, labels)
    rc.find(v.TextField, label="Seed").assert_single()
    for name in ("Step", "Reset", "▶"):
        rc.find(v.Btn, children=[name]).assert_single()
    assert "Step <b>0</b> of 52" in step_text(rc)
    assert image_bytes(rc, "ewom-network-image")[:3] == b"\xff\xd8\xff"  # a JPEG
    assert image_bytes(rc, "ewom-charts-image")[:4] == b"\x89PNG"


def test_step_advances_the_model_and_redraws(page):
    rc = page
    charts, net = image_bytes(rc, "ewom-charts-image"), image_bytes(rc, "ewom-network-image")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Step <b>1</b> of 52" in step_text(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Step <b>2</b> of 52" in step_text(rc)
    assert image_bytes(rc, "ewom-charts-image") != charts
    assert image_bytes(rc, "ewom-network-image") != net
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "Step <b>0</b> of 52" in step_text(rc)


def test_changing_the_preset_rebuilds_the_model(page):
    rc = page
    select(rc, "Scenario", "lesson5_exclusivity")
    assert "Lesson 5" in html_text(rc, "ewom-title")
    kpi = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
           if "ewom-kpi" in w.unsafe_innerHTML]
    assert len(kpi) == 1 and "Maison" in kpi[0] and "Buzz" in kpi[0]
    assert rc.find(v.Select, label="Maison strategy").widget.v_model == "exclusivity"
    assert "seed 5" in info_text(rc)
    assert "Step <b>0</b>" in step_text(rc)


def test_changing_the_ewom_model_rebuilds_with_it(page):
    rc = page
    rc.find(v.Btn, children=["Step"]).widget.click()
    select(rc, "eWOM model", "coproduction")
    assert "coproduction eWOM" in info_text(rc)
    assert "Step <b>0</b>" in step_text(rc)
    assert rc.find(v.Select, label="eWOM model").widget.v_model == "coproduction"
    # the coproduction-only control appears
    assert any(w.label.startswith("Community pushback") for w in rc.find(v.Slider).widgets)


def test_a_slider_commits_on_release_and_reset_keeps_it(page):
    rc = page
    slider = rc.find(v.Slider, label="Seeded budget per step: 0").widget
    slider.fire_event("change", 200)
    kpis = rc.find(v.Btn, children=["Step"])
    kpis.widget.click()
    row = html_text(rc, "ewom-step")
    assert "Step <b>1</b>" in row
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert any(w.label == "Seeded budget per step: 200" for w in rc.find(v.Slider).widgets)


def test_price_and_status_controls_change_the_model(page):
    """Every control the app shows is one the server accepts: price, snob effect, status."""
    rc = page
    rc.find(v.Slider, label="Seeded price: 0.30").widget.fire_event("change", 0.5)
    rc.find(v.Slider, label="Snob effect (owners dilute status): 5.0").widget.fire_event(
        "change", 0.0)
    labels = [w.label for w in rc.find(v.Slider).widgets]
    assert "Seeded price: 0.50" in labels
    assert "Snob effect (owners dilute status): 0.0" in labels
    assert not rc.find(v.Alert).widgets  # no error shown
    assert not any("shops outside the core" in lab for lab in labels)  # not exclusivity
    rc.find(v.Select, label="Seeded strategy").widget.v_model = "exclusivity"
    labels = [w.label for w in rc.find(v.Slider).widgets]
    assert any(lab.startswith("Seeded shops outside the core") for lab in labels)


def test_a_non_integer_seed_shows_a_message_and_keeps_the_model(page):
    rc = page
    box = rc.find(v.TextField, label="Seed").widget
    box.v_model = "abc"
    box.fire_event("keyup.enter", None)
    box = rc.find(v.TextField, label="Seed").widget
    assert box.error and "not a whole number" in box.messages[0]
    assert "seed 1" in info_text(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()  # still works
    assert "Step <b>1</b>" in step_text(rc)
    box.v_model = "7"
    box.fire_event("keyup.enter", None)
    assert "seed 7" in info_text(rc)
    assert not rc.find(v.TextField, label="Seed").widget.error


def test_an_invalid_combination_shows_the_engine_message(page):
    rc = page
    select(rc, "Scenario", "lesson2_leaders")
    select(rc, "Network kind", "global")
    err = rc.find(v.Alert).widget
    assert "linear" in str(err.children) and "network.kind" in str(err.children)
    assert "scale-free" in info_text(rc)  # the model was not replaced
    assert rc.find(v.Select, label="Network kind").widget.v_model == "barabasi_albert"


# ----------------------------------------------------------------------------- the logic

def test_parse_seed():
    assert parse_seed("42") == 42
    assert parse_seed(" 1_000 ") == 1000
    for bad in ("abc", "4.5", "-3", "", "1e3"):
        with pytest.raises(EwomError, match="seed"):
            parse_seed(bad)
    with pytest.raises(EwomError, match="too large"):
        parse_seed(str(2**40))


def test_overrides_round_trip_through_the_scenario_schema():
    assert format_value(True) == "true" and format_value(0.05) == "0.05"
    cfg = build_config("lesson1_seeding", {"ewom.model": "linear", "brands.1.budget": 50.0,
                                           "ewom.share_once": True, "seed": 9, "steps": 20})
    assert (cfg.ewom.model, cfg.brands[1].budget, cfg.ewom.share_once, cfg.seed,
            cfg.steps) == ("linear", 50.0, True, 9, 20)
    setup = Setup("lesson1_seeding")
    with pytest.raises(EwomError, match="p_share"):
        setup.trial(changes={"ewom.p_share": 2.0})
    assert setup.config.ewom.p_share == 0.12  # unchanged by a rejected trial


def test_layout_is_cached_seeded_and_reused_across_resets():
    cfg = scenario.load("lesson1_seeding", ["network.kind=barabasi_albert", "network.n=800"])
    a, b = EwomModel(cfg), EwomModel(cfg)
    pa, pb = layout.picture(a.graph, a.seed), layout.picture(b.graph, b.seed)
    assert pa is pb  # the same graph (same seed) reuses the cached layout
    layout.cache_clear()
    pc = layout.picture(a.graph, a.seed)
    assert pc is not pa and np.array_equal(pc.pos, pa.pos)  # recomputed identically
    assert pa.pos.min() >= 0 and pa.pos.max() <= 1 and not pa.sampled


def test_large_graphs_are_sampled_and_mixing_is_a_grid():
    m = EwomModel(scenario.load("ic_docking", steps=0))
    pic = layout.picture(m.graph, m.seed)
    assert pic.sampled and pic.nodes.size == layout.DRAW_SAMPLE and pic.n_total == m.n
    assert len(pic.edges) > pic.nodes.size  # a connected piece, not isolated dots
    g = EwomModel(scenario.load("bass_docking", steps=0))
    grid = layout.mixing_picture(g.n, g.seed)
    assert grid.sampled and grid.nodes.size == layout.MIXING_SAMPLE and len(grid.edges) == 0


def test_offline_assets_match_the_installed_solara():
    specs = assets.required_packages()
    assert any(s.startswith("@widgetti/solara-vuetify") for s in specs)
    assert "requirejs@2.3.6" in specs
    assert all("@" in s.lstrip("@") for s in specs)


def test_a_finished_run_stops_and_a_new_setting_starts_afresh(page):
    rc = page
    slider = next(w for w in rc.find(v.Slider).widgets if w.label.startswith("Steps (weeks)"))
    slider.fire_event("change", 10)
    for _ in range(10):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Step <b>10</b> of 10" in step_text(rc)
    assert rc.find(v.Btn, children=["Step"]).widget.disabled  # Mesa's controller: finished
    assert "Finished" in html_text(rc, "ewom-done")
    select(rc, "eWOM model", "coproduction")
    step = rc.find(v.Btn, children=["Step"]).widget
    assert not step.disabled
    step.click()
    assert "Step <b>1</b> of 10" in step_text(rc)


# ----------------------------------------------------------------------------- untrusted browser

def test_the_server_refuses_what_no_control_can_send():
    setup = Setup("lesson1_seeding")
    for preset in ("/etc/passwd", "../scenarios/organic", "organic.toml", ["organic"]):
        with pytest.raises(EwomError, match=r"^scenario: .* is not one of the presets"):
            setup.trial(preset, clear=True)
    bad = {"network.n": 10**10, "ewom.p_share": float("nan"), "steps": 10**300,
           "brands.0.budget": "100", "brands.0.seeds": True, "status.snob": "yes",
           "ewom.model": "viral", "brands.7.strategy": "influencer",
           "consumers.agents_max": 5, "seed": -1}
    for key, value in bad.items():
        with pytest.raises(EwomError, match=rf"^{re.escape(key)}: "):
            setup.trial(changes={key: value})
    with pytest.raises(EwomError, match="outside the control's range; allowed 100 to 20000"):
        setup.trial(changes={"network.n": 10**10})
    assert setup.config.network.n == 2000  # nothing was applied


def alert_text(rc) -> str:
    return str(rc.find(v.Alert).widget.children)


def test_a_preset_that_is_not_a_preset_shows_a_message(page):
    rc = page
    select(rc, "Scenario", "/etc/passwd")
    assert "is not one of the presets" in alert_text(rc)
    assert "Lesson 1" in html_text(rc, "ewom-title")


def test_an_absurd_slider_value_shows_a_message_and_junk_is_ignored(page):
    rc = page
    slider = next(w for w in rc.find(v.Slider).widgets if w.label.startswith("Consumers"))
    slider.fire_event("change", "junk")  # not a number: ignored
    slider.fire_event("change", float("inf"))
    assert not rc.find(v.Alert).widgets
    slider.fire_event("change", 10**10)
    assert "network.n: 10000000000 is outside the control's range" in alert_text(rc)
    assert "2,000 consumers" in info_text(rc)  # the model was not replaced


def test_a_memory_error_building_the_model_is_a_message(page, monkeypatch):
    from ewom_abm.app import setup as app_setup

    class Boom(app_setup.AppModel):
        def __init__(self, setup):
            raise MemoryError

    monkeypatch.setattr(app_setup, "AppModel", Boom)
    rc = page
    slider = next(w for w in rc.find(v.Slider).widgets if w.label.startswith("Consumers"))
    slider.fire_event("change", 5000)
    assert "not enough memory to build this model" in alert_text(rc)
    assert "2,000 consumers" in info_text(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()  # the old model still runs
    assert "Step <b>1</b>" in step_text(rc)
