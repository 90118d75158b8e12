"""Switch off or miswire each named mechanism of the model in turn and check that a test fails.

    python tools/mutants.py              # every mutant (about half an hour on 2 cores)
    python tools/mutants.py attention    # the mutants whose name contains "attention"
    python tools/mutants.py --list

Each mutant is one edit of the source (a mechanism switched off or wired wrong). The package is
copied to a temporary folder, the edit applied there, and the model tests run against the copy
(PYTHONPATH puts it before the installed package); a mutant is *killed* when a test fails. The
closing table says which mutants survived: each survivor is a mechanism no test would miss.
This is MODEL.md's property 7 (every mechanism matters) checked by hand-written mutants; mutmut
does the same at scale with blind mutations.
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
           "        return cons.owner[b].astype(np.float32)",
           "        return (cons.stage[b] != Stage.UNAWARE).astype(np.float32)"),
    Mutant("linear: followers silent -> followers talk like leaders", "model/ewom.py",
           "        weight = np.where(cons.leader, 1.0, cfg.follower_share).astype(np.float32)",
           "        weight = np.ones(cons.n, np.float32)"),
    Mutant("linear: passes on unchanged -> retold in own words", "model/ewom.py",
           "        return Said(cons.valence[b, who], retold_trust(cons, b, who), "
           "cons.fidelity[b, who],",
           "        return own_words(cons.attitude[b, who])\n        return Said(cons.valence[b, "
           "who], retold_trust(cons, b, who), cons.fidelity[b, who],"),
    Mutant("coproduction: everyone aware retells -> only owners", "model/ewom.py",
           "        return (cons.stage[b] != Stage.UNAWARE).astype(np.float32)\n\n    def retell"
           "(self, cons, b, who, cfg, graph, rng) -> Said:\n        hops = (cons.hops[b, who]"
           ".astype(np.int32) + 1).clip(max=NO_HOPS).astype(np.int16)\n        pull",
           "        return cons.owner[b].astype(np.float32)\n\n    def retell(self, cons, b, "
           "who, cfg, graph, rng) -> Said:\n        hops = (cons.hops[b, who].astype(np.int32) "
           "+ 1).clip(max=NO_HOPS).astype(np.int16)\n        pull"),
    Mutant("coproduction: fidelity decays per retelling -> never decays", "model/ewom.py",
           "        fidelity = cons.fidelity[b, who] * np.float32(cfg.fidelity_decay)",
           "        fidelity = cons.fidelity[b, who]"),
    Mutant("coproduction: drift toward teller and community -> none", "model/ewom.py",
           "        valence = (1 - cfg.drift) * cons.valence[b, who] + cfg.drift * pull",
           "        valence = cons.valence[b, who] + 0 * pull"),
    Mutant("retellings keep the source's trust -> full trust again (laundering)",
           "model/ewom.py",
           "        return Said(np.clip(valence, -1, 1).astype(np.float32), retold_trust(cons, b, "
           "who),",
           "        return Said(np.clip(valence, -1, 1).astype(np.float32), np.ones(who.size, "
           "np.float32),"),
    Mutant("retold invitations keep their persuasion", "model/ewom.py",
           "    return np.minimum(cons.trust[b, who], np.float32(1.0))",
           "    return cons.trust[b, who]"),
    Mutant("pushback: sponsored close retellings -> every message", "model/ewom.py",
           "        exposed = msgs.sponsored & (msgs.hops <= cfg.pushback_hops) & "
           "msgs.word_of_mouth",
           "        exposed = np.ones(len(msgs), bool)"),
    Mutant("pushback: off", "model/ewom.py",
           "        hit = exposed & (rng.random(len(msgs)) < cfg.pushback)",
           "        hit = exposed & False"),
    Mutant("reinforcement by adopting friends: off", "model/funnel.py",
           "        drive = drive * (1.0 + fn.reinforcement * np.maximum(friends - 1, 0))",
           "        drive = drive * 1.0"),
    Mutant("reinforcement: under every regime", "model/funnel.py",
           "    if regime.reinforces and cons.friends_owner_core is not None:",
           "    if cons.friends_owner_core is not None:"),
    Mutant("independent exposures -> one chance per step", "model/funnel.py",
           "    c = np.minimum(base[inverse] * persuasion, _SURE)\n    return -np.expm1("
           "np.bincount(inverse, weights=np.log1p(-c), minlength=k))",
           "    c = np.minimum(base[inverse] * persuasion, _SURE)\n    return np.bincount("
           "inverse, weights=c, minlength=k) / np.bincount(inverse, minlength=k)"),
    # --- negative word of mouth
    Mutant("complaints: dissatisfied buyers and rejecters -> silent", "model/ewom.py",
           "    return ((cons.stage[b, who] == Stage.REJECTER)",
           "    return np.zeros_like(cons.owner[b, who])\n    return ((cons.stage[b, who] == "
           "Stage.REJECTER)"),
    Mutant("complaints: negative -> speak their attitude only", "model/ewom.py",
           "    return np.minimum(cons.attitude[b, who], cons.disappointment[b, who])",
           "    return cons.attitude[b, who]"),
    Mutant("hearsay: non-owners' complaints weigh less -> as much", "model/ewom.py",
           "    said.trust[~cons.owner[b, who]] = np.float32(cfg.hearsay)",
           "    pass"),
    Mutant("hearsay: non-owners complain less often -> as often", "model/ewom.py",
           "    weight[moaning] = np.where(cons.owner[b, moaning], np.float32(1.0), "
           "np.float32(cfg.hearsay))",
           "    weight[moaning] = 1.0"),
    Mutant("negativity bias: off", "model/funnel.py",
           "    weight = msgs.weight * np.where(negative, fn.negativity_bias, 1.0)",
           "    weight = msgs.weight * np.where(negative, 1.0, 1.0)"),
    Mutant("experience: disappointment never recorded", "model/funnel.py",
           "    return attitude, np.where(gap < -tolerance, gap, 0.0).astype(np.float32)",
           "    return attitude, np.zeros(gap.size, np.float32)"),
    Mutant("experience: does not move attitude", "model/funnel.py",
           "    attitude = np.clip(expected + weight * gap, -1.0, 1.0)",
           "    attitude = np.clip(expected + 0 * gap, -1.0, 1.0)"),
    Mutant("scandals: never happen", "model/strategies.py",
           "    scandal = rng.random(k) < weekly_chance(cfg.scandal_rate)",
           "    scandal = np.zeros(k, bool)"),
    Mutant("scandals: posts stay positive", "model/strategies.py",
           "    valence = np.where(scandal, -1.0, 1.0).astype(np.float32)",
           "    valence = np.ones(k, np.float32)"),
    Mutant("scandals: influencer never dropped", "model/strategies.py",
           "                  drop=paid[scandal])",
           "                  drop=paid[:0])"),
    # --- strategies' spend response
    Mutant("entertainment: boost to everyone who talks, not to the consumers reached",
           "model/ewom.py",
           "        prob[member(senders, boosted)] *= np.float32(1.0 + boost)",
           "        prob *= np.float32(1.0 + boost)"),
    Mutant("entertainment: no boost", "model/ewom.py",
           "    if boost > 0 and boosted.size:",
           "    if False:"),
    Mutant("entertainment: contacts do not scale with budget", "model/strategies.py",
           "    k = affordable(cfg.budget, cfg.cost_contact, n)",
           "    k = min(n, 100) if cfg.budget > 0 else 0"),
    Mutant("influencer: posts do not scale with budget", "model/strategies.py",
           "    wanted = affordable(cfg.budget, cfg.cost_influencer, n)",
           "    wanted = 4 if cfg.budget > 0 else 0"),
    Mutant("influencer: paid posts at a friend's full trust", "model/strategies.py",
           "    posts = Messages.make(dst, valence[slot], cfg.influencer_trust, Source.POST)",
           "    posts = Messages.make(dst, valence[slot], 1.0, Source.POST)"),
    Mutant("exclusivity: invitations no more persuasive than a friend", "model/strategies.py",
           "    msgs = Messages.concat([Messages.make(invited, 1.0, cfg.exclusive_persuasion,",
           "    msgs = Messages.concat([Messages.make(invited, 1.0, 1.0,"),
    Mutant("exclusivity: invitations to anyone, not the core", "model/strategies.py",
           "    prospects = np.flatnonzero(cons.core & ~cons.owner[b] & ~rejecting)",
           "    prospects = np.flatnonzero(~cons.owner[b] & ~rejecting)"),
    Mutant("exclusivity: events do not make advocates", "model/funnel.py",
           "        cons.advocate[b, idx] | (satisfied & (host | (a >= fn.advocate_threshold))))",
           "        cons.advocate[b, idx] | (satisfied & (a >= fn.advocate_threshold)))"),
    Mutant("exclusivity: no cap on sales per step", "model/funnel.py",
           "        if chosen.size > access.cap:  # limited drop: a random few of the would-be "
           "buyers",
           "        if False:"),
    Mutant("selective distribution: off", "model/funnel.py",
           "    if access.distribution < 1.0:",
           "    if False:"),
    Mutant("price: everyone can afford it", "model/funnel.py",
           "        buy &= (rng.random(k) < p_adopt) & (cons.reservation_price[idx] >= price)",
           "        buy &= (rng.random(k) < p_adopt)"),
    # --- talk decay, attention, competition
    Mutant("talk decay: off", "model/ewom.py",
           "    prob *= novelty(cons, b, senders, step, cfg)",
           "    pass"),
    Mutant("talk decay: advocates fade as fast as anyone", "model/ewom.py",
           "    halflife = np.where(cons.advocate[b, who], cfg.talk_halflife * "
           "cfg.advocate_persistence,",
           "    halflife = np.where(cons.advocate[b, who], cfg.talk_halflife,"),
    Mutant("advocates share no more than others", "model/ewom.py",
           "    prob = np.where(cons.advocate[b, senders], prob * np.float32(cfg.advocate_boost), "
           "prob)",
           "    prob = np.where(cons.advocate[b, senders], prob, prob)"),
    Mutant("attention: unlimited", "model/funnel.py",
           "    if attention <= 0 or total <= attention:",
           "    if True:"),
    Mutant("competition: owning a rival does not matter", "model/funnel.py",
           "        p_adopt = p_adopt * (1.0 - fn.competition * rival[idx])",
           "        p_adopt = p_adopt * 1.0"),
    # --- desire and status
    Mutant("status: recognition (audience) does not raise it", "model/desire.py",
           "    undiluted = prestige + cfg.recognition * recognised",
           "    undiluted = prestige + 0 * recognised"),
    Mutant("status: snob effect off", "model/desire.py",
           "    snob = cfg.snob * np.where(in_core, owned_other + cfg.in_group_core * owned_core,",
           "    snob = 0 * np.where(in_core, owned_other + cfg.in_group_core * owned_core,"),
    Mutant("status: snobs count owners of both segments alike", "model/desire.py",
           "    snob = cfg.snob * np.where(in_core, owned_other + cfg.in_group_core * owned_core,",
           "    snob = cfg.snob * np.where(in_core, owned_other + owned_core,"),
    Mutant("status: the aspirational are snobs toward each other", "model/desire.py",
           "                               cfg.in_group_aspirational * owned_other)",
           "                               cfg.in_group_core * owned_other)"),
    Mutant("status: aspiration off", "model/desire.py",
           "    emulation = np.where(in_core, 0.0, cfg.aspiration * owned_core)",
           "    emulation = np.where(in_core, 0.0, 0 * owned_core)"),
    Mutant("status: the brand's status weight ignored", "model/desire.py",
           "        sens = self.status_weight * cons.status_sensitivity[who]",
           "        sens = cons.status_sensitivity[who]"),
    Mutant("desire: unbounded (no top of the scale)", "model/desire.py",
           "    return np.clip(liking * (1.0 + sensitivity * status) / top, 0.0, 1.0)",
           "    return np.maximum(liking * (1.0 + sensitivity * status) / top, 0.0)"),
    Mutant("desire: liking alone tops the scale (desire_top ignored)", "model/desire.py",
           "    return np.clip(liking * (1.0 + sensitivity * status) / top, 0.0, 1.0)",
           "    return np.clip(liking * (1.0 + sensitivity * status), 0.0, 1.0)"),
    Mutant("dream value: the survey asks everyone aware, not the core", "model/desire.py",
           "        if self.cfg.dream_panel == \"core\":",
           "        if False:"),
    Mutant("desire: status does not scale conversions", "model/funnel.py",
           "    drive = desire(idx, a)  # desire now: the news is what moves them",
           "    drive = np.maximum(a, 0.0)"),
    Mutant("desire: liking does not count", "model/funnel.py",
           "    drive = desire(idx, a)  # desire now: the news is what moves them",
           "    drive = desire(idx, np.ones_like(a))"),
    Mutant("dream value: the unaware counted (the population's share)", "model/desire.py",
           "    asked = int(np.count_nonzero(aware))\n    return",
           "    asked = aware.size\n    return"),
    Mutant("dream value: dreaming needs no threshold (anyone with some desire)",
           "model/desire.py",
           "    return int(np.count_nonzero(aware & (desire >= threshold))) / asked if asked "
           "else 0.0",
           "    return int(np.count_nonzero(aware & (desire > 0))) / asked if asked else 0.0"),
    Mutant("held message: the most credible, whatever the attitude", "model/funnel.py",
           "    rank = (agrees + weight / (2.0 * weight.max() + 1.0)) / 2.0",
           "    rank = (0 * agrees + weight / (2.0 * weight.max() + 1.0)) / 2.0"),
    Mutant("held message: sponsorship sticks for life", "model/funnel.py",
           "    cons.sponsored[b, idx] = msgs.sponsored[top]",
           "    cons.sponsored[b, idx] |= msgs.sponsored[top]"),
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
