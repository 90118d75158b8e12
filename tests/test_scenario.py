"""The scenario schema: defaults, presets, --set overrides, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ewom_abm.model import scenario
from ewom_abm.model.errors import EwomError


def test_default_is_valid_and_complete():
    sc = scenario.load()
    assert sc.name == "default"
    assert sc.network.kind in scenario.NETWORK_KINDS
    assert sc.ewom.model in scenario.EWOM_MODELS
    assert len(sc.brands) == 1 and sc.brands[0].strategy in scenario.BRAND_STRATEGIES


def test_every_preset_loads():
    names = scenario.scenario_names()
    required = {"organic", "linear", "coproduction", "entertainment", "influencer",
                "exclusivity", "adaptive", "bass_docking", "ic_docking", "luxury_vs_mass",
                "facebook"}
    assert required <= set(names)
    for name in names:
        sc = scenario.load(name)
        assert sc.name == name


def test_luxury_vs_mass_has_two_brands_with_different_exclusivity_weights():
    sc = scenario.load("luxury_vs_mass")
    assert len(sc.brands) == 2
    assert sc.brands[0].exclusivity_weight != sc.brands[1].exclusivity_weight


def test_overrides_are_typed_like_the_file():
    sc = scenario.load(None, ["ewom.model=linear", "brands.0.strategy=exclusivity",
                              "network.n=100000", "ewom.p_share=0.2", "status.snob=0",
                              "brands.0.name=123"])
    assert sc.ewom.model == "linear"
    assert sc.brands[0].strategy == "exclusivity"
    assert sc.network.n == 100000 and isinstance(sc.network.n, int)
    assert sc.ewom.p_share == 0.2
    assert sc.status.snob == 0.0 and isinstance(sc.status.snob, float)
    assert sc.brands[0].name == "123"


def test_override_can_add_a_brand():
    sc = scenario.load(None, ["brands.1.strategy=influencer"])
    assert [b.strategy for b in sc.brands] == ["entertainment", "influencer"]
    assert sc.brands[0].name != sc.brands[1].name


def test_top_level_keyword_overrides():
    sc = scenario.load("organic", seed=7, steps=3)
    assert (sc.seed, sc.steps) == (7, 3)


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (["network.nn=5"], "network.nn: unknown key (did you mean 'n'?)"),
        (["ewom.modle=linear"], "did you mean 'model'?"),
        (["ewom.p_share=1.7"], "ewom.p_share: 1.7 is out of range, allowed [0, 1]"),
        (["brands.0.strategy=influncer"], "did you mean 'influencer'?"),
        (["brands.0.strategy=viral"], "brands.0.strategy: 'viral' is not one of entertainment, "
         "influencer, exclusivity, adaptive"),
        (["steps=abc"], "steps: expected an integer, got 'abc'"),
        (["steps=-1"], "steps: -1 is out of range"),
        (["ewom.share_once=maybe"], "ewom.share_once: expected true or false"),
        (["network.kind=file"], "network.path: required"),
        (["network.kind=global", "ewom.model=linear"], "ewom.model: 'linear' needs"),
        (["network.kind=global", "brands.0.strategy=influencer"], "brands.0.strategy"),
        (["brands.5.strategy=influencer"], "no brand '5'"),
        (["novalue"], "--set: expected KEY=VALUE"),
        (["brands.1.name=Brand"], "brands.1.name: brand name 'Brand' is used twice"),
    ],
)
def test_bad_input_is_one_clear_line(overrides, needle):
    with pytest.raises(EwomError) as err:
        scenario.load(None, overrides)
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg


def test_unknown_preset_suggests_a_name():
    with pytest.raises(EwomError, match="did you mean 'organic'"):
        scenario.load("organc")


def test_typo_in_a_scenario_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('steps = 10\n[ewom]\nmodle = "linear"\n')
    with pytest.raises(EwomError, match=r"ewom.modle: unknown key \(did you mean 'model'\?\)"):
        scenario.load(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("steps = = 3\n")
    with pytest.raises(EwomError, match="not valid TOML"):
        scenario.load(broken)


def test_relative_graph_path_resolves_against_the_scenario_file(tmp_path):
    (tmp_path / "g.txt").write_text("0 1\n1 2\n")
    f = tmp_path / "s.toml"
    f.write_text('[network]\nkind = "file"\npath = "g.txt"\n')
    sc = scenario.load(f)
    assert sc.network.path == str((tmp_path / "g.txt").resolve())


def test_schema_reference_lists_every_key():
    text = scenario.schema_markdown()
    for key in ("`steps`", "`network.kind`", "`network.n`", "`network.path`", "`ewom.model`",
                "`brands.N.strategy`", "`brands.N.budget`", "`brands.N.name`"):
        assert key in text


def test_scenario_reference_doc_is_current():
    """docs/SCENARIOS.md is generated; regenerate with `python run.py schema --out ...`."""
    from ewom_testing import REPO

    doc = (REPO / "docs" / "SCENARIOS.md").read_text()
    assert doc == scenario.schema_markdown() + "\n"


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (["status.recognition=inf"], "status.recognition: expected a finite number"),
        (["brands.0.budget=nan"], "brands.0.budget: expected a finite number"),
        (["network.n=10", "network.mean_degree=10"], "network.mean_degree"),
        (["network.kind=complete", "network.n=30000"], "network.n: complete graph limited"),
        (["network.kind=file", "network.path=/no/such/graph.txt"], "network.path: file not found"),
    ],
)
def test_values_the_run_would_reject_are_refused_on_load(overrides, needle):
    """Graph rules and non-finite numbers fail at validation, before any run (sweeps too)."""
    with pytest.raises(EwomError) as err:
        scenario.load(None, overrides)
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("name", scenario.scenario_names())
def test_every_preset_tells_what_to_look_for_and_what_to_try(name):
    sc = scenario.load(name)
    for field in ("title", "description", "look_for", "try_this"):
        assert getattr(sc, field).strip(), f"{name}: {field} is empty"


@pytest.mark.parametrize("old,new,value", [
    ("ewom.negativity_bias", "funnel.negativity_bias", 2.5),
    ("ewom.reinforcement", "funnel.reinforcement", 0.7),
    ("consumers.status_core", "consumers.status_sensitivity_core", 0.25),
    ("consumers.income_aspirational", "consumers.reservation_price_aspirational", 0.9),
    ("status.in_group", "status.in_group_core", 0.4),
])
def test_renamed_keys_still_work_under_their_old_names_with_a_note(tmp_path, old, new, value):
    section, key = old.split(".")
    path = tmp_path / "old.toml"
    path.write_text(f"[{section}]\n{key} = {value}\n")
    for load in (lambda: scenario.load(None, [f"{old}={value}"]),
                 lambda: scenario.load(path),
                 lambda: scenario.from_dict({section: {key: value}})):
        with pytest.warns(scenario.RenamedKeyWarning, match=new):
            sc = load()
        part, name = new.split(".")
        assert getattr(getattr(sc, part), name) == value


@pytest.mark.parametrize("how", ["set", "file"])
def test_the_per_step_scandal_chance_is_refused_naming_the_yearly_rate(tmp_path, how):
    """Its unit changed (a weekly chance became a rate per influencer-year): refused in one
    line that names the new key and the conversion, never silently reinterpreted."""
    path = tmp_path / "old.toml"
    path.write_text("[[brands]]\nscandal_prob = 0.01\n")
    with pytest.raises(EwomError) as err:
        if how == "set":
            scenario.load(None, ["brands.0.scandal_prob=0.01"])
        else:
            scenario.load(path)
    msg = str(err.value)
    assert msg.startswith("brands.0.scandal_prob: replaced by brands.N.scandal_rate")
    assert "0.52 a year" in msg and "\n" not in msg


def test_a_yearly_rate_becomes_a_weekly_chance():
    assert scenario.weekly_chance(0.0) == 0.0
    assert scenario.weekly_chance(-52 * np.log(1 - 0.01)) == pytest.approx(0.01)
    assert scenario.weekly_chance(52.0) == pytest.approx(1 - np.exp(-1))
    # a year of weekly chances gives the yearly rate's chance of at least one event
    assert 1 - (1 - scenario.weekly_chance(0.1)) ** 52 == pytest.approx(1 - np.exp(-0.1))


def test_an_old_name_beside_its_new_one_is_refused_and_set_wins_over_the_file(tmp_path):
    with pytest.warns(scenario.RenamedKeyWarning), \
            pytest.raises(EwomError, match=r"ewom\.reinforcement: given beside its new name"):
        scenario.from_dict({"ewom": {"reinforcement": 1.0}, "funnel": {"reinforcement": 2.0}})
    path = tmp_path / "old.toml"
    path.write_text("[ewom]\nreinforcement = 1.0\n")
    with pytest.warns(scenario.RenamedKeyWarning):
        sc = scenario.load(path, ["funnel.reinforcement=3"])
    assert sc.funnel.reinforcement == 3.0


def test_the_cli_prints_a_renamed_key_as_one_note_line(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "ewom_abm", "run", "--steps", "1",
                          "--set", "network.n=50", "--set", "ewom.reject_threshold=-0.5",
                          "--out", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    notes = [ln for ln in out.stderr.splitlines() if "reject_threshold" in ln]
    assert notes == ["note: ewom.reject_threshold is now funnel.reject_threshold; the old name "
                     "still works but will be refused in a later release"]


FACEBOOK = "../shared/data/facebook_combined.txt.gz"


def test_a_graph_file_set_on_the_command_line_is_read_not_generated():
    with pytest.warns(scenario.ScenarioNote, match="reading the graph from network.path"):
        sc = scenario.load(None, [f"network.path={FACEBOOK}"])
    assert sc.network.kind == "file" and sc.network.path.endswith("facebook_combined.txt.gz")


def test_a_generator_set_over_a_file_preset_drops_its_path():
    with pytest.warns(scenario.ScenarioNote, match="network.path: not used"):
        sc = scenario.load("facebook", ["network.kind=barabasi_albert"])
    assert sc.network.kind == "barabasi_albert" and sc.network.path == ""


def test_a_missing_graph_file_is_refused_even_without_kind_file():
    with pytest.warns(scenario.ScenarioNote), pytest.raises(EwomError, match=r"^network\.path"):
        scenario.load(None, ["network.path=no/such/graph.txt"])


def test_a_file_and_a_generator_given_together_are_refused():
    with pytest.raises(EwomError, match=r"^network\.path: given with network\.kind "
                                        r"'watts_strogatz'"):
        scenario.from_dict({"network": {"path": FACEBOOK}})


def test_a_sweep_varying_the_path_runs_the_files():
    from ewom_abm.batch.runner import EwomSimulator

    sim = EwomSimulator.from_scenario(scenario.load("organic"))
    config = sim.configure({"network.path": str(Path(FACEBOOK).resolve())})
    assert config.network.kind == "file" and config.network.path.endswith(".txt.gz")


def test_a_brand_added_by_set_is_named_by_its_number():
    cfg = scenario.load(None, ["brands.1.budget=0", "brands.2.price=2"])
    assert [b.name for b in cfg.brands][1:] == ["Brand 2", "Brand 3"]


def test_setting_a_brand_past_the_next_names_the_valid_indices():
    with pytest.raises(EwomError, match=r"there are 1 \(0\.\.0, or 1 to add one\)"):
        scenario.load(None, ["brands.3.budget=0"])


def test_a_network_note_points_at_the_code_that_settled_the_network():
    """settle_network's notes are attributed to its caller (the loader, or a batch runner),
    where the user's choice came in, not to the line inside settle_network."""
    data = {"network": {"kind": "barabasi_albert", "path": FACEBOOK}}
    with pytest.warns(scenario.ScenarioNote, match="network.path: not used") as notes:
        scenario.settle_network(data, ["network.kind"])
    assert data["network"]["path"] == ""
    assert [Path(n.filename).name for n in notes] == [Path(__file__).name]
    data = {"network": {"kind": "barabasi_albert", "path": FACEBOOK}}
    with pytest.warns(scenario.ScenarioNote, match="reading the graph") as notes:
        scenario.settle_network(data, ["network.path"])
    assert data["network"]["kind"] == "file"
    assert [Path(n.filename).name for n in notes] == [Path(__file__).name]
