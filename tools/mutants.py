"""Switch off or miswire each named mechanism of the model in turn and check that a test fails.

    python tools/mutants.py              # every mutant (about an hour on 2 cores)
    python tools/mutants.py attention    # the mutants whose name contains "attention"
    python tools/mutants.py --list

Each mutant is one edit of the source (a mechanism switched off or wired wrong). The package is
copied to a temporary folder, the edit applied there, and the model tests run against the copy
(PYTHONPATH puts it before the installed package); a mutant is *killed* when a test fails. The
compiled rules are compiled afresh for each mutant (their cache is stamped with the digest of
the engine's sources, model/jit.py), which is most of each mutant's time. The
closing table says which mutants survived: each survivor is a mechanism no test would miss.
This is MODEL.md's property 7 (every mechanism matters) checked by hand-written mutants;
tools/mutation.py does the same at scale with cosmic-ray's blind mutations (tools/MUTANTS.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the installed package's layout: ewom_abm.<name> lives in the folder <folder>
PACKAGE = {"model": "model", "agents": "agents", "batch": "batch", "app": "ewom_app",
           "scenarios": "scenarios", "data": "data"}
TESTS = ["tests/test_funnel.py", "tests/test_ewom.py", "tests/test_strategies.py",
         "tests/test_desire.py", "tests/test_model.py", "tests/test_teaching.py",
         "tests/test_money.py", "tests/test_followers.py", "tests/test_lessons_17.py",
         "tests/test_relationships.py", "tests/test_channels.py",
         "tests/validation"]


@dataclass(frozen=True)
class Mutant:
    name: str  # the mechanism and how it is broken
    path: str  # file in the repository
    old: str  # text that must occur exactly once
    new: str


MUTANTS = (
    # --- the three eWOM regimes
    Mutant("organic: only owners talk -> everyone aware talks", "model/ewom.py",
           "        return 1.0 if owner else 0.0\n    if stage == UNAWARE:",
           "        return 0.0 if stage == UNAWARE else 1.0\n    if stage == UNAWARE:"),
    Mutant("linear: followers silent -> followers talk like leaders", "model/ewom.py",
           "        return 1.0 if leader else ew.follower_share",
           "        return 1.0"),
    Mutant("linear: passes on unchanged -> retold in own words", "model/ewom.py",
           "        elif regime.code == ORGANIC:\n            own_words(said, k, attitude[i])",
           "        elif regime.code != COPRODUCTION:\n"
           "            own_words(said, k, attitude[i])"),
    Mutant("coproduction: everyone aware retells -> only owners", "model/ewom.py",
           "        return 1.0 if leader else ew.follower_share\n    return 1.0",
           "        return 1.0 if leader else ew.follower_share\n    return 1.0 if owner else 0.0"),
    Mutant("coproduction: fidelity decays per retelling -> never decays", "model/ewom.py",
           "    return min(max(moved, -1.0), 1.0), fidelity * ew.fidelity_decay",
           "    return min(max(moved, -1.0), 1.0), fidelity"),
    Mutant("coproduction: drift toward teller and community -> none", "model/ewom.py",
           "    moved = (1 - ew.drift) * valence + ew.drift * pull + ew.noise * noise",
           "    moved = valence + 0 * pull + ew.noise * noise"),
    Mutant("coproduction: valence noise off", "model/ewom.py",
           "    moved = (1 - ew.drift) * valence + ew.drift * pull + ew.noise * noise",
           "    moved = (1 - ew.drift) * valence + ew.drift * pull"),
    Mutant("retellings keep the source's trust -> full trust again (laundering)",
           "model/ewom.py",
           "    return min(int(hops) + 1, NO_HOPS), min(trust, 1.0)",
           "    return min(int(hops) + 1, NO_HOPS), 1.0"),
    Mutant("retold invitations keep their persuasion", "model/ewom.py",
           "    return min(int(hops) + 1, NO_HOPS), min(trust, 1.0)",
           "    return min(int(hops) + 1, NO_HOPS), trust"),
    Mutant("pushback: sponsored close retellings -> every message", "model/ewom.py",
           "        if said.sponsored[m] and said.hops[m] <= ew.pushback_hops \\\n"
           "                and msgs.source[m] >= Source.POST and uniform(gen) < ew.pushback:",
           "        if uniform(gen) < ew.pushback:"),
    Mutant("pushback: off", "model/ewom.py",
           "and msgs.source[m] >= Source.POST and uniform(gen) < ew.pushback:",
           "and msgs.source[m] >= Source.POST and uniform(gen) < 0.0:"),
    # --- the places an independent set of mutants found unguarded (issue 16)
    Mutant("global mixing: recognition counts the owners, not the aware", "model/desire.py",
           "        aware += cons.stage[b, i] != UNAWARE", "        aware += cons.owner[b, i]"),
    Mutant("global mixing: owners' segments swapped", "model/desire.py",
           "        if cons.owner[b, i]:\n            if cons.core[i]:",
           "        if cons.owner[b, i]:\n            if not cons.core[i]:"),
    Mutant("global mixing: shares of the aware, not of everyone", "model/desire.py",
           "    return aware / n, core / n, other / n",
           "    return aware / n, core / max(aware, 1), other / max(aware, 1)"),
    Mutant("global mixing: only receivers' desire follows the population", "model/desire.py",
           "        for i in range(core.size):\n            if r.stage[i] != UNAWARE:",
           "        for i in who:\n            if r.stage[i] != UNAWARE:"),
    Mutant("global mixing: conversions see no status", "model/funnel.py",
           "    view = (0.0, 0.0, 0.0) if graph else population_view(cons, b)",
           "    view = (0.0, 0.0, 0.0)"),
    Mutant("word of mouth: every receiver hears the first talker", "model/ewom.py",
           "        put(batch.content, second + k, said, position[slot[k]])",
           "        put(batch.content, second + k, said, 0)"),
    Mutant("launch seeds: friends do not see them as owners", "model/model.py",
           "        self.dreams[b].update(consumers, aware, bought)",
           "        self.dreams[b].update(consumers, aware, bought[:0])"),
    Mutant("several brands: every sale booked at the first brand's price", "model/model.py",
           "            br.revenue += got.bought.size * br.cfg.price",
           "            br.revenue += got.bought.size * self.brands[0].cfg.price"),
    Mutant("pushback: flips the valence (negative sponsored content turns positive)",
           "model/ewom.py",
           "            said.valence[m] = -abs(said.valence[m])",
           "            said.valence[m] = -said.valence[m]"),
    Mutant("coproduction: the same noise for every teller", "model/ewom.py",
           "                noise = normal(gen) if ew.noise > 0 else 0.0",
           "                noise = math.cos(ew.noise) if ew.noise > 0 else 0.0"),
    Mutant("coproduction: noise only under global mixing", "model/ewom.py",
           "                noise = normal(gen) if ew.noise > 0 else 0.0",
           "                noise = normal(gen) if ew.noise > 0 and links.indptr.size <= 1 "
           "else 0.0"),
    Mutant("reinforcement by adopting friends: off", "model/funnel.py",
           "        drive *= 1.0 + fn.reinforcement * max(friends_owning - 1, 0)",
           "        drive *= 1.0"),
    Mutant("reinforcement: under every regime", "model/funnel.py",
           "regime.reinforces and graph, fn, st, brand)",
           "graph, fn, st, brand)"),
    Mutant("independent exposures -> one chance per step (the best message's)",
           "model/funnel.py",
           "                    interest *= missed(fn.p_interest * drive, w)",
           "                    interest = min(interest, missed(fn.p_interest * drive, w))"),
    # --- negative word of mouth
    Mutant("complaints: dissatisfied buyers and rejecters -> silent", "model/ewom.py",
           "    return stage == REJECTER or (owner and disappointment < 0)",
           "    return False"),
    Mutant("complaints: negative -> speak their attitude only", "model/ewom.py",
           "    return min(attitude, disappointment), (1.0 if owner else ew.hearsay)",
           "    return attitude, (1.0 if owner else ew.hearsay)"),
    Mutant("hearsay: non-owners' complaints weigh less -> as much", "model/ewom.py",
           "    return min(attitude, disappointment), (1.0 if owner else ew.hearsay)",
           "    return min(attitude, disappointment), 1.0"),
    Mutant("hearsay: non-owners complain less often -> as often", "model/ewom.py",
           "            weight = 1.0 if owner[i] else ew.hearsay",
           "            weight = 1.0"),
    Mutant("negativity bias: off", "model/funnel.py",
           "    return weight * (fn.negativity_bias if valence < 0 else 1.0)",
           "    return weight"),
    Mutant("experience: disappointment never recorded", "model/funnel.py",
           "    return attitude, (gap if gap < -fn.tolerance else 0.0)",
           "    return attitude, 0.0"),
    Mutant("experience: does not move attitude", "model/funnel.py",
           "    attitude = min(max(expected + fn.experience_weight * gap, -1.0), 1.0)",
           "    attitude = min(max(expected + 0 * gap, -1.0), 1.0)"),
    Mutant("scandals: never happen", "model/strategies.py",
           "    scandal = rng.random(k) < weekly_chance(cfg.scandal_rate)",
           "    scandal = np.zeros(k, bool)"),
    Mutant("scandals: posts stay positive", "model/strategies.py",
           "    valence = np.where(scandal, -1.0, 1.0).astype(np.float32)",
           "    valence = np.ones(k, np.float32)"),
    Mutant("scandals: influencer never dropped", "model/strategies.py",
           "drop=paid[scandal])",
           "drop=paid[:0])"),
    # --- strategies' spend response
    Mutant("entertainment: boost to everyone who talks, not to the consumers reached",
           "model/ewom.py",
           "        if nb < boosted.size and boosted[nb] == i:\n            p *= 1.0 + boost",
           "        if boosted.size:\n            p *= 1.0 + boost"),
    Mutant("entertainment: no boost", "model/ewom.py",
           "            p *= 1.0 + boost",
           "            p *= 1.0"),
    Mutant("entertainment: contacts do not scale with budget", "model/strategies.py",
           "    k = affordable(cfg.budget, cost, n)",
           "    k = min(n, 100) if cfg.budget > 0 else 0"),
    Mutant("influencer: posts do not scale with budget", "model/strategies.py",
           "    wanted = affordable(cfg.budget, cost, n)",
           "    wanted = 4 if cfg.budget > 0 else 0"),
    Mutant("influencer: paid posts at a friend's full trust", "model/strategies.py",
           "                         cfg.influencer_trust, source)",
           "                         1.0, source)"),
    Mutant("exclusivity: invitations no more persuasive than a friend", "model/strategies.py",
           "np.array([cfg.exclusive_persuasion, 1.0], np.float32)",
           "np.array([1.0, 1.0], np.float32)"),
    Mutant("exclusivity: invitations to anyone, not the core", "model/strategies.py",
           "        elif cons.core[i]:",
           "        else:"),
    Mutant("exclusivity: events do not make advocates", "model/funnel.py",
           "        hosted or attitude >= fn.advocate_threshold)))",
           "        attitude >= fn.advocate_threshold)))"),
    Mutant("exclusivity: no cap on sales per step", "model/funnel.py",
           "    if cap == NO_CAP or k <= cap:",
           "    if True:"),
    Mutant("selective distribution: off", "model/funnel.py",
           "    if access.distribution < 1.0 and not core:",
           "    if False:"),
    Mutant("price: everyone can afford it", "model/funnel.py",
           "    if reservation_price < brand.price:",
           "    if False:"),
    # --- talk decay, attention, competition
    Mutant("talk decay: off", "model/ewom.py",
           "        p = ew.p_share * weight * cons.propensity[i] * novelty(age, advocate[i], ew)",
           "        p = ew.p_share * weight * cons.propensity[i]"),
    Mutant("talk decay: advocates fade as fast as anyone", "model/ewom.py",
           "    halflife = ew.talk_halflife * (ew.advocate_persistence if advocate else 1.0)",
           "    halflife = ew.talk_halflife"),
    Mutant("advocates share no more than others", "model/ewom.py",
           "            p *= ew.advocate_boost",
           "            p *= 1.0"),
    Mutant("attention: unlimited", "model/funnel.py",
           "    if attention <= 0 or sum(sizes) <= attention:",
           "    if True:"),
    Mutant("competition: owning a rival does not matter", "model/funnel.py",
           "    return stage, uniform(gen) < adopt * (1.0 - fn.competition if rival else 1.0)",
           "    return stage, uniform(gen) < adopt"),
    # --- desire and status
    Mutant("status: recognition (audience) does not raise it", "model/desire.py",
           "    undiluted = brand.prestige + st.recognition * recognised",
           "    undiluted = brand.prestige + 0 * recognised"),
    Mutant("status: snob effect off", "model/desire.py",
           "        return undiluted - st.snob * (owned_other + st.in_group_core * owned_core), "
           "undiluted",
           "        return undiluted - 0 * (owned_other + st.in_group_core * owned_core), "
           "undiluted"),
    Mutant("status: snobs count owners of both segments alike", "model/desire.py",
           "st.snob * (owned_other + st.in_group_core * owned_core)",
           "st.snob * (owned_other + owned_core)"),
    Mutant("status: the aspirational are snobs toward each other", "model/desire.py",
           "    snob = st.snob * st.in_group_aspirational * owned_other",
           "    snob = st.snob * st.in_group_core * owned_other"),
    Mutant("status: aspiration off", "model/desire.py",
           "    return undiluted - snob + st.aspiration * owned_core, undiluted",
           "    return undiluted - snob + 0 * owned_core, undiluted"),
    Mutant("status: the brand's status weight ignored", "model/desire.py",
           "liking * (1.0 + brand.status_weight * sensitivity * status)",
           "liking * (1.0 + sensitivity * status)"),
    Mutant("desire: unbounded (no top of the scale)", "model/desire.py",
           "    return min(max(lifted, 0.0), 1.0)",
           "    return max(lifted, 0.0)"),
    Mutant("desire: liking alone tops the scale (desire_top ignored)", "model/desire.py",
           "    lifted = liking * (1.0 + brand.status_weight * sensitivity * status) "
           "/ st.desire_top",
           "    lifted = liking * (1.0 + brand.status_weight * sensitivity * status)"),
    Mutant("dream value: the survey asks everyone aware, not the core", "model/model.py",
           "        core_only = self.config.status.dream_panel == \"core\"",
           "        core_only = False"),
    Mutant("desire: status does not scale conversions", "model/funnel.py",
           "    drive = desire_of(max(a, 0.0), sensitivity, status, st, brand)",
           "    drive = min(max(a, 0.0), 1.0)"),
    Mutant("desire: liking does not count", "model/funnel.py",
           "    drive = desire_of(max(a, 0.0), sensitivity, status, st, brand)",
           "    drive = desire_of(1.0, sensitivity, status, st, brand)"),
    Mutant("dream value: the unaware counted (the population's share)", "model/desire.py",
           "    return dreaming / aware, (",
           "    return dreaming / cons.core.size, ("),
    Mutant("dream value: dreaming needs no threshold (anyone with some desire)",
           "model/desire.py",
           "            dreaming += cons.desire[b, i] >= st.dream_threshold",
           "            dreaming += cons.desire[b, i] > 0"),
    Mutant("held message: the most credible, whatever the attitude", "model/funnel.py",
           "    return (agrees and not best_agrees) or (agrees == best_agrees and weight > "
           "best_weight)",
           "    return weight > best_weight"),
    Mutant("held message: sponsorship sticks for life", "model/funnel.py",
           "        put(held, i, said, best)",
           "        was = held.sponsored[i]\n        put(held, i, said, best)\n"
           "        held.sponsored[i] |= was"),
    # --- the adaptive policy
    Mutant("adaptive: keeps its first strategy", "agents/brand.py",
           "        nxt = untried[0] if untried else self._best()", "        nxt = s"),
    Mutant("adaptive: no discounting of old scores", "agents/brand.py",
           "            self._weight[arm] *= self.cfg.discount\n            self._score[arm] *= "
           "self.cfg.discount",
           "            pass"),
    Mutant("adaptive: reward not normalised by headroom", "agents/brand.py",
           "        reward = ((self.reach - reach0) / max(1.0 - reach0, 1e-9)\n"
           "                  - self.cfg.exclusivity_weight * (self.dilution - dil0) / "
           "max(1.0 - dil0, 1e-9))",
           "        reward = ((self.reach - reach0)\n"
           "                  - self.cfg.exclusivity_weight * (self.dilution - dil0))"),
    Mutant("adaptive: dilution ignored", "agents/brand.py",
           "                  - self.cfg.exclusivity_weight * (self.dilution - dil0) / max(1.0 - "
           "dil0, 1e-9))",
           "                  - 0 * (self.dilution - dil0))"),
    # issue 17: money and market scale
    Mutant("money: revenue not times the market scale", "model/model.py",
           "        self._euros = 1000.0 * config.market.scale",
           "        self._euros = 1000.0"),
    Mutant("money: spend left in thousands of EUR", "agents/brand.py",
           "        self.spend += action.spend * 1000.0  # in EUR",
           "        self.spend += action.spend"),
    Mutant("money: contact cost not times the market scale", "model/strategies.py",
           "    cost = cfg.cost_contact * m.unit",
           "    cost = cfg.cost_contact"),
    Mutant("money: return on marketing spend inverted", "model/model.py",
           "roms=br.revenue / br.spend if br.spend else math.nan",
           "roms=br.spend / br.revenue if br.revenue else math.nan"),
    # issue 17: followers
    Mutant("followers: liking does not scale the follow chance", "model/followers.py",
           "uniform(gen) < a * (1.0 - miss)",
           "uniform(gen) < (1.0 - miss)"),
    Mutant("followers: entertaining content counts as an ad", "model/followers.py",
           "        return 1.0 + entertainment_value",
           "        return 1.0"),
    Mutant("followers: a friend's word counts as the brand's own", "model/followers.py",
           "        return fp.peer_follow",
           "        return 1.0"),
    Mutant("followers: rejecters keep following", "model/followers.py",
           "    ties.follower[b] &= cons.stage[b] != REJECTER",
           "    ties.follower[b] |= False"),
    Mutant("followers: owned posts to everyone, not followers", "model/followers.py",
           "        if follower[i]:",
           "        if True:"),
    Mutant("followers: organic reach ignored", "model/followers.py",
           "    pick = coin_flips(k, organic_reach, rng)",
           "    pick = coin_flips(k, 1.0, rng)"),
    Mutant("followers: interactions ignore the content", "model/followers.py",
           "(entertainment_value if entertaining else 0.0)",
           "0.0"),
    Mutant("followers: engagement per follower at the end of the week", "model/followers.py",
           "interactions / followers_before if followers_before",
           "interactions / count if count"),
    Mutant("followers: followers who bought counts everyone", "model/followers.py",
           "int(np.count_nonzero(f & cons.owner[b]))",
           "int(np.count_nonzero(cons.owner[b]))"),
    # issue 17: relationships and repeat purchase
    Mutant("relationships: strength does not raise the odds", "model/relationships.py",
           " + oc.beta_s * s\n", "\n"),
    Mutant("relationships: strength never fades", "model/relationships.py",
           "    return strength * 0.5 ** ((step - at) / halflife)",
           "    return strength"),
    Mutant("relationships: one-to-one contact builds no tie", "model/relationships.py",
           "            ties.strength[b, i] = gained(s, oc.contact_gain)",
           "            ties.strength[b, i] = s"),
    Mutant("relationships: strength changes while switched off", "model/relationships.py",
           "        if oc.relationships and ties.strength.shape[1] > 0:",
           "        if ties.strength.shape[1] > 0:"),
    Mutant("repeat: occasions ignore the budget", "model/relationships.py",
           "        if cons.reservation_price[i] < shelf.price[b]:\n            continue\n",
           ""),
    Mutant("repeat: disappointment ignored at occasions", "model/relationships.py",
           "            u_b += oc.log_dissatisfied",
           "            u_b += 0.0"),
    Mutant("repeat: only the incumbent can be chosen", "model/relationships.py",
           "        if b != inc and st != INTERESTED and st != ADOPTER:",
           "        if b != inc:"),
    Mutant("repeat: per-year chance used per occasion", "model/relationships.py",
           "    return 1.0 - (1.0 - p_year) ** (weeks / WEEKS_PER_YEAR)",
           "    return p_year"),
    Mutant("repeat: repeat buyers skip the experience", "model/relationships.py",
           "            cons.attitude[b, i] = a\n            cons.stage[b, i] = REJECTER if a < "
           "fn.reject_threshold else ADOPTER\n",
           ""),
    Mutant("repeat: returning revenue booked as new", "model/model.py",
           '            books["revenue_new"] += sw[b] * euros',
           '            books["revenue_new"] += (sw[b] + rep[b]) * euros'),
    Mutant("repeat: lifetime value undiscounted", "model/relationships.py",
           "            ties.clv_margin[b, i] += shelf.margin_eur[b] * oc.weekly_discount ** age",
           "            ties.clv_margin[b, i] += shelf.margin_eur[b]"),
    Mutant("repeat: one-to-one cost not charged to lifetime value", "model/relationships.py",
           "    ties.crm_cost[b, targets[cust]] += cost_eur * oc.weekly_discount ** (step - "
           "first[cust])",
           "    ties.crm_cost[b, targets[cust]] += 0.0"),
    Mutant("one-to-one: budget not taken from the strategy", "agents/brand.py",
           "            cfg = replace(cfg, budget=cfg.budget - n121 * cost)",
           "            cfg = replace(cfg, budget=cfg.budget)"),
    # issue 17: channels
    Mutant("channels: online gap not applied", "model/channels.py",
           "        return brand.online_gap * (1.0 - brand.omnichannel)",
           "        return 0.0"),
    Mutant("channels: integration does not close the gap", "model/channels.py",
           "        return brand.online_gap * (1.0 - brand.omnichannel)",
           "        return brand.online_gap"),
    Mutant("channels: webrooming sends consumers without a store to one", "model/channels.py",
           "    if not store_ok:\n        return ONLINE\n",
           ""),
    Mutant("channels: distribution ignored for stores outside the core", "model/channels.py",
           "    store_ok = store_u < brand.store_reach * (1.0 if core else distribution)",
           "    store_ok = store_u < brand.store_reach"),
    Mutant("channels: online needs a store nearby", "model/channels.py",
           "    online_ok = brand.sells_online\n",
           "    online_ok = brand.sells_online and store_ok\n"),
    Mutant("channels: online share ignored", "model/channels.py",
           "    if uniform(gen) >= ch.online_share:",
           "    if uniform(gen) >= 0.5:"),
    Mutant("channels: purchases booked in the wrong channel", "model/channels.py",
           "    for c, name in ((STORE, \"store\"), (ONLINE, \"online\")):\n"
           "        mine = chan == c",
           "    for c, name in ((ONLINE, \"store\"), (STORE, \"online\")):\n"
           "        mine = chan == c"),
    Mutant("channels: store reach redrawn every step", "model/model.py",
           "        ties = self.ties\n",
           "        ties = self.ties\n        if ties.channelled:\n"
           "            ties.store_u[:] = self.rng.random(ties.store_u.shape)\n"),
)


def shadow(dest: Path) -> Path:
    """A copy of the package laid out as installed (ewom_abm/model, ewom_abm/agents, ...)."""
    pkg = dest / "src" / "ewom_abm"
    shutil.copytree(ROOT / "ewom_abm", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for name, folder in PACKAGE.items():
        shutil.copytree(ROOT / folder, pkg / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest / "src"


def apply(src: Path, mutant: Mutant) -> None:
    folder, _, rest = mutant.path.partition("/")
    name = {v: k for k, v in PACKAGE.items()}[folder]
    path = src / "ewom_abm" / name / rest
    text = path.read_text()
    if text.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the text to mutate occurs {text.count(mutant.old)} "
                         f"times in {mutant.path}; update tools/mutants.py")
    path.write_text(text.replace(mutant.old, mutant.new))


def run(mutant: Mutant, workers: int) -> tuple[bool, float, str]:
    """(killed, seconds, the first failing test)."""
    with tempfile.TemporaryDirectory(prefix="ewom-mutant-") as tmp:
        src = shadow(Path(tmp))
        apply(src, mutant)
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.perf_counter()
        # run from the copy's folder: from the repository, its own ewom_abm/ would come first
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-n", str(workers), "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
               *(str(ROOT / t) for t in TESTS)]
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    failed = [ln.split(" - ")[0].replace(str(ROOT) + "/", "").split("/tests/")[-1]
              for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    return proc.returncode != 0, seconds, failed[0] if failed else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("select", nargs="*", help="run mutants whose name contains these words")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="only check that every mutant still applies to the source")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.select
              or any(s.lower() in m.name.lower() for s in args.select)]
    if args.list:
        for m in chosen:
            print(m.name)
        return 0
    if args.check:
        for m in chosen:
            count = (ROOT / m.path).read_text().count(m.old)
            if count != 1:
                raise SystemExit(f"{m.name}: the text to mutate occurs {count} times in "
                                 f"{m.path}; update tools/mutants.py")
        print(f"all {len(chosen)} mutants apply")
        return 0
    survivors = []
    for i, m in enumerate(chosen, 1):
        killed, seconds, by = run(m, args.workers)
        verdict = f"killed by {by}" if killed else "SURVIVED"
        print(f"[{i}/{len(chosen)}] {m.name}: {verdict} ({seconds:.0f} s)", flush=True)
        if not killed:
            survivors.append(m.name)
    print(f"\n{len(chosen) - len(survivors)} of {len(chosen)} mutants killed")
    for name in survivors:
        print(f"survived: {name}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
