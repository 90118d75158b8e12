"""The interactive app at widget level (no browser): the page rendered inside an AppLayout,
and the logic under it (controls, validation, earlier runs, sharing, compare strategies)."""

from __future__ import annotations

import html
import os
import re
import shlex
import tomllib

import numpy as np
import pytest

pytest.importorskip("solara")

import ipyvuetify as v
import ipywidgets
import reacton.patch_display
import solara
import solara.widgets
from IPython.core.interactiveshell import InteractiveShell

from ewom_abm import cli
from ewom_abm.app import FAST_RENDERER, assets, layout, share, strategies
from ewom_abm.app import page as app
from ewom_abm.app.charts import SERIES, Charts, axis_range, tick_text
from ewom_abm.app.history import History, describe
from ewom_abm.app.setup import (
    CONSUMERS_MAX,
    CONTROLS,
    Setup,
    build_config,
    format_value,
    parse_seed,
    preset_groups,
    presets,
    value_of,
)
from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError
from ewom_abm.model.metrics import HEADLINE, kpi
from ewom_abm.model.model import EwomModel


@pytest.fixture
def page(monkeypatch):
    for key, value in FAST_RENDERER.items():  # the renderer the app's servers use
        monkeypatch.setenv(key, value)
    # Solara's app bar shows its children through IPython's display: outside a server, give
    # display a shell that hands elements to the page instead of printing them
    InteractiveShell.instance()
    reacton.patch_display.patch()
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def html_of(rc, cls: str) -> str:
    return rc.find(solara.widgets.HTML, attributes={"class": cls}).widget.unsafe_innerHTML


def step_text(rc) -> str:
    return html_of(rc, "ewom-step")


def info_text(rc) -> str:
    return html_of(rc, "ewom-info ewom-muted")


def button(rc, cls: str):
    return rc.find(v.Btn, class_=cls).widget


def control(rc, key: str):
    """The widget holding a control's label, inputs, note and error."""
    return rc.find(v.Html, attributes={"data-key": key}).widget


def box(rc, key: str):
    return rc.find(v.Html, attributes={"data-key": key}).find(v.TextField).widget


def slider(rc, key: str):
    return rc.find(v.Html, attributes={"data-key": key}).find(v.Slider).widget


def error_of(rc, key: str) -> str:
    found = rc.find(v.Html, attributes={"data-key": key}).find(v.Html,
                                                               class_="ewom-control-error")
    return str(found.widget.children[0]) if found.widgets else ""


def type_into(rc, key: str, text: str) -> None:
    widget = box(rc, key)
    widget.v_model = text
    widget.fire_event("change", text)


def choose(rc, key: str, value) -> None:
    rc.find(v.Html, attributes={"data-key": key}).find(v.Select).widget.v_model = value


def pick_preset(rc, name: str) -> None:
    rc.find(v.Select, label="Scenario").widget.v_model = name


def model_of(rc) -> EwomModel:
    """The session's model, as the page's share panel states it (the command is rebuilt)."""
    line = html_of(rc, "ewom-command")
    args = cli.build_parser().parse_args(shlex.split(line.replace("&#x27;", "'"))[1:])
    return EwomModel(scenario.load(args.scenario, args.set))


def shown_values(rc, config) -> dict[str, str]:
    """Each numeric control's box text, by key."""
    out = {}
    for w in rc.find(v.Html).widgets:
        key = (w.attributes or {}).get("data-key")
        if key and key != "seed":
            boxes = [c for c in w.children if isinstance(c, v.Html)
                     for c in c.children if isinstance(c, v.TextField)]
            if boxes:
                out[key] = boxes[0].v_model
    return out


# ----------------------------------------------------------------------------- the page

def test_the_page_has_the_lesson_s_controls_and_none_of_mesa_s(page):
    rc = page
    config = build_config("lesson1_seeding", {})
    for ctl in CONTROLS:
        keys = [ctl.for_brand(i) for i in range(len(config.brands))] \
            if ctl.key.startswith("brands.N.") else [ctl.key]
        for i, key in enumerate(keys):
            if ctl.shown(config, i if ctl.key.startswith("brands.N.") else None):
                control(rc, key)  # exactly one
    for cls in ("ewom-play", "ewom-step-button", "ewom-reset"):
        button(rc, cls)
    assert rc.find(v.Select, label="Speed").widget.v_model == 4.0
    sliders = [w.label for w in rc.find(v.Slider).widgets]
    assert not any(lab and ("Interval" in lab) for lab in sliders)  # no Mesa developer knobs
    assert not rc.find(v.Checkbox).widgets  # "Use Threads" is gone
    assert not any("Time:" in str(w.children) for w in rc.find(v.Html).widgets)
    assert "Step <b>0</b> of 52" in step_text(rc)
    assert "<svg" in html_of(rc, "ewom-charts-image")
    network = [w for w in rc.find(ipywidgets.Image).widgets
               if "ewom-network-image" in w._dom_classes]
    assert len(network) == 1 and network[0].value[:3] == b"\xff\xd8\xff"  # a JPEG


def test_step_and_reset_move_the_counter_kpis_and_charts(page):
    rc = page
    charts, kpis = html_of(rc, "ewom-charts-image"), rc.find(
        solara.widgets.HTML, attributes={"class": "ewom-kpis-body"}).widget.unsafe_innerHTML
    button(rc, "ewom-step-button").click()
    assert "Step <b>1</b> of 52" in step_text(rc)
    for _ in range(3):
        button(rc, "ewom-step-button").click()
    assert "Step <b>4</b> of 52" in step_text(rc)
    assert html_of(rc, "ewom-charts-image") != charts
    assert rc.find(solara.widgets.HTML, attributes={"class": "ewom-kpis-body"}
                   ).widget.unsafe_innerHTML != kpis
    button(rc, "ewom-reset").click()
    assert "Step <b>0</b> of 52" in step_text(rc)


def test_every_kpi_of_every_brand_is_on_a_card_with_its_unit(page):
    rc = page
    pick_preset(rc, "lesson5_exclusivity")
    body = rc.find(solara.widgets.HTML, attributes={"class": "ewom-kpis-body"}
                   ).widget.unsafe_innerHTML
    for brand in ("Maison", "Buzz"):
        card = body.split(f"data-brand='{brand}'")[1].split("data-brand=")[0]
        for name in HEADLINE:
            assert f"data-kpi='{name}'" in card and html.escape(kpi(name).unit) in card
    assert "cumulative, EUR" in body  # revenue has its unit
    money = re.findall(r"data-kpi='revenue'.*?ewom-tile-value'>([^<]+)<", body)
    assert money and all(re.fullmatch(r"EUR [\d,]+\.\d{1,2}(k|M|bn)?", m) for m in money)


def test_a_finished_run_stops_and_a_new_setting_starts_afresh(page):
    rc = page
    type_into(rc, "steps", "10")
    for _ in range(12):
        button(rc, "ewom-step-button").click()
    assert "Step <b>10</b> of 10" in step_text(rc) and "finished" in step_text(rc)
    assert button(rc, "ewom-step-button").disabled and button(rc, "ewom-play").disabled
    choose(rc, "ewom.model", "coproduction")
    assert not button(rc, "ewom-step-button").disabled
    button(rc, "ewom-step-button").click()
    assert "Step <b>1</b> of 10" in step_text(rc)


# ----------------------------------------------------------------------------- controls never lie

def test_controls_show_the_model_s_values_after_back_to_the_preset(page):
    """Issue 18's lesson 5 case: price typed, snob slid, then the preset's values again."""
    rc = page
    pick_preset(rc, "lesson5_exclusivity")
    type_into(rc, "brands.0.price", "0.5")
    slider(rc, "status.snob").fire_event("change", 2.0)
    assert box(rc, "brands.0.price").v_model == "0.5"
    assert box(rc, "status.snob").v_model == "2.0"
    assert model_of(rc).config.status.snob == 2.0
    button(rc, "ewom-restore").click()
    preset = build_config("lesson5_exclusivity", {})
    for key, text in shown_values(rc, preset).items():
        assert scenario.parse_value(text, scenario.field_type(key)) == value_of(preset, key), key
    assert slider(rc, "brands.0.price").v_model == 2.0
    slider(rc, "status.snob").fire_event("change", 5.0)  # the preset's own value: no override
    assert "status.snob" not in html_of(rc, "ewom-command")
    assert model_of(rc).config.status.snob == 5.0


@pytest.mark.parametrize("name", ["bass_docking", "lesson6_facebook", "ic_docking"])
def test_presets_beyond_the_sliders_show_what_their_model_uses(page, name):
    """A value past a slider's range widens the slider; a network file's size is shown as the
    file gives it. (tests/browser walks every preset.)"""
    rc = page
    pick_preset(rc, name)
    config = build_config(name, {})
    model = EwomModel(config) if config.network.kind == "file" else None
    for key, text in shown_values(rc, config).items():
        want = model.n if key == "network.n" and model is not None else value_of(config, key)
        got = scenario.parse_value(text, scenario.field_type(key))
        assert got == want, (name, key, text, want)
        assert slider(rc, key).min <= want <= slider(rc, key).max, (name, key)
        assert slider(rc, key).v_model == want
    if model is not None:
        assert box(rc, "network.n").disabled and "network file decides" in str(
            control(rc, "network.n").children)


def test_a_typed_value_is_read_and_refused_like_set(page):
    rc = page
    type_into(rc, "ewom.p_external", "0.005")  # lesson 1's exercise: no pixel-exact drag
    assert box(rc, "ewom.p_external").v_model == "0.005"
    assert "ewom.p_external=0.005" in html_of(rc, "ewom-command")
    preset = format_value(scenario.load("lesson1_seeding").ewom.p_share)
    for text in ("-1", "abc", "1e999", "2", "0.5\nseed=3"):
        type_into(rc, "ewom.p_share", text)
        try:
            scenario.load("lesson1_seeding", [f"ewom.p_share={text}"])
            expected = None
        except EwomError as exc:
            expected = str(exc)
        shown = error_of(rc, "ewom.p_share")
        assert shown, text
        if expected is not None and "\n" not in text:
            assert shown == expected  # the message --set gives
        assert box(rc, "ewom.p_share").v_model == preset  # snapped back to the model's
    assert "ewom.p_share" not in html_of(rc, "ewom-command")
    type_into(rc, "network.n", str(CONSUMERS_MAX + 1))
    assert "more than the app runs" in error_of(rc, "network.n")
    type_into(rc, "network.n", "50000")  # beyond the slider, within the app
    assert box(rc, "network.n").v_model == "50000" and slider(rc, "network.n").max >= 50000
    assert "50,000 consumers" in info_text(rc)


def test_the_seed_box_refuses_unicode_digits_and_huge_numbers(page):
    """Issue 16: '²' and a 5,000-digit number gave a traceback on the server."""
    rc = page
    for text, message in (("²", "is not a whole number"), ("9" * 5000, "is too large"),
                          ("4.5", "is not a whole number"), ("", "an empty box")):
        type_into(rc, "seed", text)
        err = error_of(rc, "seed")
        assert message in err and "\n" not in err and len(err) < 200, err
        assert "seed 1" in info_text(rc)
    type_into(rc, "seed", "7")
    assert "seed 7" in info_text(rc) and not error_of(rc, "seed")


def test_an_invalid_combination_shows_the_engine_message_beside_it(page):
    rc = page
    pick_preset(rc, "lesson2_leaders")
    choose(rc, "network.kind", "global")
    assert "linear" in error_of(rc, "network.kind") and "network.kind" in error_of(
        rc, "network.kind")
    assert "scale-free" in info_text(rc)  # the model was not replaced
    assert rc.find(v.Html, attributes={"data-key": "network.kind"}).find(
        v.Select).widget.v_model == "barabasi_albert"


def test_a_memory_error_building_the_model_is_a_message(page, monkeypatch):
    from ewom_abm.app import setup as app_setup

    class Boom(app_setup.AppModel):
        def __init__(self, setup):
            raise MemoryError

    monkeypatch.setattr(app_setup, "AppModel", Boom)
    rc = page
    slider(rc, "network.n").fire_event("change", 5000)
    assert "not enough memory to build this model" in error_of(rc, "network.n")
    assert "2,000 consumers" in info_text(rc)
    button(rc, "ewom-step-button").click()  # the old model still runs
    assert "Step <b>1</b>" in step_text(rc)


# ----------------------------------------------------------------------------- compare runs

def test_earlier_runs_are_kept_labelled_and_cleared(page):
    rc = page
    for _ in range(5):
        button(rc, "ewom-step-button").click()
    type_into(rc, "brands.0.price", "0.5")
    svg = html_of(rc, "ewom-charts-image")
    assert svg.count("ewom-earlier-mark") == len(SERIES) * 2 + 2  # every panel, both brands
    listing = rc.find(solara.widgets.HTML, attributes={"class": "ewom-earlier-body"}
                      ).widget.unsafe_innerHTML
    assert "Seeded price 0.3 → 0.5" in listing
    button(rc, "ewom-clear-earlier").click()
    assert "ewom-earlier-mark" not in html_of(rc, "ewom-charts-image")
    pick_preset(rc, "lesson5_exclusivity")  # another preset starts a new comparison
    assert "ewom-earlier-mark" not in html_of(rc, "ewom-charts-image")


def test_history_describes_what_changed_and_keeps_the_last_few():
    base = build_config("lesson5_exclusivity", {})
    cheap = build_config("lesson5_exclusivity", {"brands.0.price": 0.5, "seed": 9})
    assert describe(cheap, base) == "seed 9 → 5, Maison price 0.5 → 2"
    assert describe(base, base) == "same settings"
    history = History()
    ts = EwomModel(base).run(3)
    for _ in range(5):
        history.keep(base, ts)
    history.keep(base, ts.iloc[:2])  # a run that never left its launch is not kept
    assert len(history.runs) == 3


def test_charts_label_axes_from_the_kpi_registry_and_fit_the_data():
    model = EwomModel(build_config("lesson5_exclusivity", {}))
    ts = model.run(10)
    charts = Charts([b.name for b in model.config.brands], model.config.steps)
    svg = charts.svg(ts)
    for name in SERIES:
        assert f'data-kpi="{name}"' in svg and kpi(name).label in svg
        assert html.escape(kpi(name).unit) in svg
    assert "step (week)" in svg
    top = ts["revenue"].max()
    lo, hi = charts.limits["revenue"]
    assert lo == 0 and top <= hi <= 2 * top + 1  # fitted, not fixed
    assert charts.limits["dilution"] != (-0.2, 1.0)
    assert axis_range("share", -0.03, 0.12) == (-0.04, 0.15)
    assert axis_range("share", 0, 0.95) == (0.0, 1.0)
    assert tick_text("share", 0.025, 0.025) == "2.5%" and tick_text("money", 1500, 500) == "1,500"


# ----------------------------------------------------------------------------- the logic

def test_parse_seed():
    assert parse_seed("42") == 42
    assert parse_seed(" 1_000 ") == 1000
    for bad in ("abc", "4.5", "-3", "", "1e3", "²", "٣", "9" * 5000):
        with pytest.raises(EwomError, match=r"^seed: "):
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
    preset = setup.config.ewom.p_share
    with pytest.raises(EwomError, match="p_share"):
        setup.trial(changes={"ewom.p_share": 2.0})
    assert setup.config.ewom.p_share == preset  # unchanged by a rejected trial


def test_presets_are_grouped_lessons_strategies_docking():
    groups = dict(preset_groups())
    assert list(groups) == ["Lessons", "Strategies, eWOM models and experiments",
                            "Docking and calibration"]
    assert all(n.startswith("lesson") for n in groups["Lessons"])
    assert {"bass_docking", "ic_docking"} <= set(groups["Docking and calibration"])
    assert sorted(presets()) == scenario.scenario_names()


@pytest.mark.parametrize("preset", ["lesson1_seeding", "lesson6_facebook", "bass_docking"])
def test_the_command_and_the_toml_file_run_the_app_s_scenario(preset, tmp_path):
    setup = Setup(preset)
    changes = {"seed": 7, "steps": 12, "brands.0.price": 0.35, "brands.0.strategy":
               "entertainment", "ewom.p_share": 0.021}
    setup.apply(*setup.trial(changes=changes))
    line = share.command(setup)
    args = cli.build_parser().parse_args(shlex.split(line)[1:])
    assert args.command == "run" and scenario.load(args.scenario, args.set) == setup.config
    path = tmp_path / share.file_name(setup)
    path.write_text(share.scenario_toml(setup), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))
    loaded = scenario.load(str(path))
    assert loaded == setup.config
    setup.apply(*setup.trial(clear=True))
    assert share.command(setup) == f"ewom run {preset}"


def test_app_addresses_name_this_machine_for_students(monkeypatch):
    monkeypatch.setattr(cli, "reachable_addresses", lambda: ["192.168.1.20"])
    lines = cli.app_addresses("0.0.0.0", 8765)
    assert lines[0].startswith("http://192.168.1.20:8765/") and "0.0.0.0" not in "".join(lines)
    assert lines[-1].startswith("http://127.0.0.1:8765/")
    monkeypatch.setattr(cli, "reachable_addresses", lambda: [])
    assert "only this machine" in "".join(cli.app_addresses("0.0.0.0", 8765))
    assert cli.app_addresses("127.0.0.1", 80) == ["http://127.0.0.1:80/"]
    assert all(not a.startswith("127.") for a in cli.reachable_addresses())


def test_ewom_app_prints_the_addresses_and_silences_the_cookie_warning(monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(cli, "check_listen", lambda host, port: None)
    monkeypatch.setattr(cli, "reachable_addresses", lambda: ["10.1.2.3"])
    monkeypatch.setattr(cli.os, "execve", lambda exe, cmd, env: ran.append((cmd, env)))
    assert cli.main(["app", "--host", "0.0.0.0", "--port", "8999"]) == 0
    out = capsys.readouterr().out
    assert "http://10.1.2.3:8999/" in out and "http://0.0.0.0" not in out
    cmd, env = ran[0]
    assert cmd[cmd.index("-W") + 1].startswith("ignore:Cookies with samesite=none")
    assert env["REACTON_FAST"] == os.environ.get("REACTON_FAST", "1")
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"


def test_compare_strategies_runs_through_the_batch_layer():
    setup = Setup("lesson5_exclusivity")
    setup.apply(*setup.trial(changes={"network.n": 300, "steps": 8}))
    seen = []
    result = strategies.compare(setup, 0, reps=2, workers=1, on_progress=seen.append)
    runs = len(strategies.strategies_for(setup, 0)) * 2
    assert [p.done for p in seen] == list(range(runs + 1)) and seen[-1].total == runs
    assert result.image[:4] == b"\x89PNG" and result.runs == runs
    assert set(result.summary["brand_strategy"]) == set(strategies.strategies_for(setup, 0))
    assert (result.summary["n"] == 2).all() and (result.summary["brand"] == "Maison").all()
    global_mixing = Setup("bass_docking")
    assert "influencer" not in strategies.strategies_for(global_mixing, 0)


def test_compare_strategies_stops_when_asked():
    import threading

    setup = Setup("lesson5_exclusivity")
    setup.apply(*setup.trial(changes={"network.n": 300, "steps": 8}))
    stop = threading.Event()

    def progress(p):
        if p.done >= 1:
            stop.set()

    with pytest.raises(strategies.StoppedError):
        strategies.compare(setup, 0, reps=3, workers=1, on_progress=progress, cancel=stop)


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


# ----------------------------------------------------------------------------- untrusted browser

def test_the_server_refuses_what_no_control_can_send():
    setup = Setup("lesson1_seeding")
    for preset in ("/etc/passwd", "../scenarios/organic", "organic.toml", ["organic"]):
        with pytest.raises(EwomError, match=r"^scenario: .* is not one of the presets"):
            setup.trial(preset, clear=True)
    bad = {"network.n": 10**10, "ewom.p_share": float("nan"), "steps": 10**300,
           "brands.0.budget": "100", "brands.0.seeds": True, "status.snob": "yes",
           "ewom.model": "viral", "brands.7.strategy": "influencer",
           "consumers.agents_max": 5, "seed": -1, "network.path": "/etc/passwd"}
    for key, value in bad.items():
        with pytest.raises(EwomError, match=rf"^{re.escape(key)}: "):
            setup.trial(changes={key: value})
    assert setup.config.network.n == 2000  # nothing was applied


def test_a_preset_that_is_not_a_preset_shows_a_message(page):
    rc = page
    pick_preset(rc, "/etc/passwd")
    assert "is not one of the presets" in str(rc.find(
        v.Html, class_="ewom-control-error").widget.children)
    assert "Lesson 1" in html_of(rc, "ewom-title")


def test_junk_from_a_slider_is_refused_in_one_line(page):
    rc = page
    for junk in ("junk", float("inf"), [1], None):
        slider(rc, "network.n").fire_event("change", junk)
        assert error_of(rc, "network.n").startswith("network.n: expected a")
    assert "2,000 consumers" in info_text(rc)
