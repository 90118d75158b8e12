"""The scenario schema: every parameter in one place, with its default, range and meaning.

A scenario is a TOML file (``scenarios/*.toml``) merged over these defaults; ``--set a.b=v``
overrides are applied to the raw data before validation, so a typo on the command line gets
the same one-line error as a typo in a file. ``docs/SCENARIOS.md`` is generated from this module
(``ewom schema``), so the documentation cannot drift from the code.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import os
import tomllib
import typing
import warnings
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ewom_abm import files, limits
from ewom_abm.model.errors import EwomError, EwomNote, one_line, shown
from ewom_abm.model.network import KINDS as NETWORK_KINDS
from ewom_abm.model.network import check_params

SCENARIO_DIR = Path(str(resources.files("ewom_abm.scenarios")))  # the shipped presets

EWOM_MODELS = ("organic", "linear", "coproduction")
STRATEGIES = ("entertainment", "influencer", "exclusivity")
BRAND_STRATEGIES = (*STRATEGIES, "adaptive")
SEEDINGS = ("random", "degree", "betweenness", "degree_discount", "greedy")
CENTRALITIES = ("degree", "random")


def param(default: Any, doc: str, *, lo: float | None = None, hi: float | None = None,
          choices: tuple[str, ...] | None = None, above: bool = False) -> Any:
    """A scenario field: its default, a one-line meaning, and the values it accepts
    (``above``: strictly greater than ``lo``, e.g. a cost that must buy something)."""
    meta = {"doc": doc, "lo": lo, "hi": hi, "choices": choices, "above": above}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


PROB = {"lo": 0.0, "hi": 1.0}
COST = {"lo": 0.0, "above": True, "hi": 1e9}  # a cost of 0 would buy unlimited actions


@dataclass
class NetworkConfig:
    """The social graph consumers live on."""

    kind: str = param("watts_strogatz", "graph generator, or `global` mixing, or `file`",
                      choices=NETWORK_KINDS)
    n: int = param(2000, "number of consumers (ignored for `file`: the file decides)", lo=2)
    mean_degree: float = param(10.0, "mean number of friends (generators; must be > 0 and < n; "
                               "watts_strogatz and barabasi_albert use the nearest even number); "
                               "for `global` the contacts per consumer, so the Bass q equals "
                               "p_share x mean_degree", lo=0.0)
    rewire: float = param(0.1, "watts_strogatz: share of lattice edges rewired at random", **PROB)
    blocks: int = param(4, "stochastic_block: number of communities", lo=1)
    mixing: float = param(0.1, "stochastic_block: share of each consumer's edges that leave "
                          "their community", **PROB)
    path: str = param("", "file: edge list (.txt, .csv, .gz) or GraphML; relative paths resolve "
                      "against the scenario file's folder")
    graph_seed: int = param(-1, "generators: the seed of the graph alone. -1 draws the graph from "
                            "the run's seed, so every replicate has its own graph; 0 or more "
                            "holds one graph fixed across replicates (drawn from its own "
                            "generator, built once per process and reused); runs still differ "
                            "by their own seed", lo=-1)


@dataclass
class ConsumerConfig:
    """Fixed consumer traits, drawn once at set-up."""

    core_share: float = param(0.1, "share of consumers in the core (affluent target) segment",
                              **PROB)
    susceptibility: float = param(0.5, "mean susceptibility: how far one exposure step moves "
                                  "attitude toward the message's valence", **PROB)
    share_propensity: float = param(0.5, "mean propensity to share: multiplies the per-edge "
                                    "chance a talking consumer's message reaches a friend", **PROB)
    status_sensitivity_core: float = param(
        0.6, "mean status sensitivity in the core segment: how much the brand's status value, "
        "as they perceive it, moves their desire", **PROB)
    status_sensitivity_aspirational: float = param(
        0.4, "mean status sensitivity outside the core", **PROB)
    trait_spread: float = param(0.3, "heterogeneity of traits: 0 gives everyone the mean; traits "
                                "are Beta draws with sd = spread x sqrt(mean(1-mean))",
                                lo=0.0, hi=0.95)
    reservation_price_core: float = param(
        3.0, "median reservation price in the core segment: the most a consumer can and will "
        "pay for one purchase, in thousands of EUR like brands' prices (3: EUR 3,000)",
        lo=0.0, hi=1e9)
    reservation_price_aspirational: float = param(
        0.3, "median reservation price outside the core", lo=0.0, hi=1e9)
    reservation_price_spread: float = param(
        0.8, "spread of reservation prices: log-normal sigma within a segment (0: everyone has "
        "the median)", lo=0.0, hi=5.0)
    attention: int = param(5, "brand messages a consumer attends to per step, all brands "
                           "together; the rest go unnoticed (share of voice); 0: no limit",
                           lo=0, hi=1_000_000)
    leader_share: float = param(0.02, "share of consumers who are opinion leaders", **PROB)
    leader_centrality: str = param("degree", "how opinion leaders are picked: top by degree, or "
                                   "at random", choices=CENTRALITIES)
    agents_max: int = param(10_000, "Mesa agents of consumers are made on first use, never by a "
                            "run or batch that does not ask: up to this many consumers, the "
                            "first use of model.agents or model.consumer(i) makes every "
                            "consumer's agent on the network space (model.space alone makes "
                            "only the space); above it (and at 0) model.consumer(i) makes one "
                            "agent at a time, with no space", lo=0)


@dataclass
class EwomConfig:
    """Who tells whom, and what happens to the message on the way."""

    model: str = param("organic", "eWOM regime (Kozinets et al. 2010)", choices=EWOM_MODELS)
    p_external: float = param(0.005, "per step, chance a consumer meets the brand's mass "
                              "advertising (Bass p, external influence)", **PROB)
    p_share: float = param(0.05, "per step, chance a talking consumer's message reaches one "
                           "given friend (independent-cascade edge probability)", **PROB)
    share_once: bool = param(False, "each consumer talks exactly once, the step after they start "
                             "talking (independent cascade); otherwise every step (Bass)")
    talk_halflife: float = param(4.0, "steps after which a consumer's chance to talk about the "
                                 "brand halves if they learned nothing new about it (novelty "
                                 "decay); 0: talk never fades", lo=0.0, hi=1e6)
    advocate_persistence: float = param(3.0, "advocates' talk half-life as a multiple of "
                                        "everyone else's", lo=1.0, hi=1e3)
    follower_share: float = param(0.0, "linear: followers' re-broadcast weight relative to "
                                  "opinion leaders (0: they never pass it on)", **PROB)
    fidelity_decay: float = param(0.8, "coproduction: share of the message's meaning surviving "
                                  "each retelling; fidelity = decay ** hops", **PROB)
    drift: float = param(0.2, "coproduction: per retelling, how far valence moves toward the "
                         "teller's attitude and their community's mean attitude", **PROB)
    noise: float = param(0.1, "coproduction: sd of the random valence change per retelling",
                         lo=0.0, hi=1.0)
    pushback: float = param(0.05, "coproduction: chance a sponsored message, or a close retelling "
                            "of one, meets community pushback and is received as negative WOM",
                            **PROB)
    pushback_hops: int = param(1, "coproduction: retellings within which sponsored content "
                               "still reads as sponsored (0: only the brand's own posts)",
                               lo=0, hi=1000)
    hearsay: float = param(0.5, "a complaint from someone who never owned the brand is hearsay: "
                           "its chance of being told, and its weight, are this share of a "
                           "buyer's", **PROB)
    advocate_boost: float = param(2.0, "advocates' per-edge sharing multiplier", lo=1.0,
                                  hi=100.0)


@dataclass
class FunnelConfig:
    """Conversion along unaware -> aware -> interested -> adopter, on steps with exposure, and
    what buying teaches the buyer."""

    p_interest: float = param(0.5, "chance one message moves aware to interested (times desire "
                              "and message weight; messages are independent chances)", **PROB)
    p_adopt: float = param(0.3, "chance one message moves interested to adopter (times desire "
                           "and message weight), if the consumer can afford it and find it",
                           **PROB)
    competition: float = param(0.5, "how much having adopted a rival brand lowers the chance of "
                               "adopting this one", **PROB)
    experience_weight: float = param(0.8, "how far a buyer's own experience of the product moves "
                                     "their attitude toward it", **PROB)
    tolerance: float = param(0.3, "a buyer whose experience falls short of what they expected "
                             "by more than this (in attitude units) is dissatisfied and "
                             "complains", lo=0.0, hi=2.0)
    negativity_bias: float = param(1.5, "weight of a negative message relative to a positive "
                                   "one from the same source (bad is stronger than good)",
                                   lo=1.0, hi=10.0)
    reject_threshold: float = param(-0.4, "an aware consumer whose attitude falls below this "
                                    "becomes a rejecter who spreads negative WOM",
                                    lo=-1.0, hi=0.0)
    advocate_threshold: float = param(0.8, "a satisfied adopter whose attitude reaches this "
                                      "becomes an advocate", lo=-1.0, hi=1.0)
    reinforcement: float = param(0.5, "coproduction: extra conversion chance per additional "
                                 "friend who has adopted (complex contagion)", lo=0.0, hi=100.0)


@dataclass
class StatusConfig:
    """How a consumer perceives a brand's status value from what they see among friends, and how
    dream value is measured from their desires."""

    recognition: float = param(1.0, "status value gained as the share of friends who know the "
                               "brand goes from 0 to 1 (a signal needs an audience)",
                               lo=0.0, hi=100.0)
    snob: float = param(5.0, "status value lost as the share of friends who own it goes from 0 "
                        "to 1, counting owners outside one's own segment fully (snob effect; "
                        "an assumption: with the defaults a core consumer's desire falls below "
                        "their liking once a fifth of their friends outside the core own it)",
                        lo=0.0, hi=100.0)
    in_group_core: float = param(0.3, "core consumers: weight of core owners in the snob effect "
                                 "(1: as much as owners outside the core)", **PROB)
    in_group_aspirational: float = param(0.0, "aspirational consumers: weight of other "
                                         "aspirational owners in the snob effect (0: they "
                                         "emulate the core and are no snobs toward each other)",
                                         **PROB)
    aspiration: float = param(1.0, "aspirational consumers: status value gained as the share of "
                              "friends in the core who own it goes from 0 to 1 (emulation)",
                              lo=0.0, hi=100.0)
    desire_top: float = param(2.0, "the top of the 0-to-1 desire scale, in units of liking: "
                              "desire = liking x status factor / desire_top, at most 1, so a "
                              "fan blind to status sits at 1/desire_top and only status lifts "
                              "desire above it (1: liking alone tops the scale, as the docking "
                              "scenarios need)", lo=1.0, hi=100.0)
    dream_threshold: float = param(0.7, "dream value: the desire (0 to 1) at which a consumer "
                                   "aware of the brand counts as dreaming of owning it (0.7 with "
                                   "desire_top 2: status must lift liking by two fifths)",
                                   lo=0.0, above=True, hi=1.0)
    dream_panel: str = param("core", "whom the dream survey asks, among those aware of the "
                             "brand: the affluent core (a luxury house's clientele, as Dubois & "
                             "Paternault and Kapferer & Valette-Florence surveyed) or everyone",
                             choices=("core", "everyone"))


@dataclass
class BrandConfig:
    """One brand competing for the same consumers; each has its own funnel per consumer."""

    name: str = param("Brand", "label in tables and plots (unique)")
    strategy: str = param("entertainment", "what the brand does with its budget; `adaptive` "
                          "switches among the three from its own KPIs", choices=BRAND_STRATEGIES)
    budget: float = param(100.0, "marketing budget per step (week) for the whole real market, "
                          "in thousands of EUR (100: EUR 100,000 a week)", lo=0.0, hi=1e12)
    price: float = param(1.0, "price of one purchase, in thousands of EUR (1: EUR 1,000); only "
                         "consumers whose reservation price covers it can buy", lo=0.0, hi=1e9)
    quality: float = param(0.9, "product quality: the mean experience of a buyer, from 0 "
                           "(awful) to 1 (perfect)", **PROB)
    quality_spread: float = param(0.15, "sd of buyers' experiences around the quality",
                                  lo=0.0, hi=1.0)
    prestige: float = param(0.0, "heritage: status value the brand holds with nobody aware of "
                            "it and nobody owning it", lo=-10.0, hi=10.0)
    status_weight: float = param(1.0, "how much status matters for the brand and its category: "
                                 "scales every consumer's status sensitivity for it (1: a "
                                 "luxury house; a mass premium brand's buyers care less)", **PROB)
    exclusivity_weight: float = param(0.0, "how much the brand cares about dilution: the "
                                      "adaptive policy scores reach gained minus this times "
                                      "dilution gained", lo=0.0, hi=1e6)
    seeds: int = param(0, "consumers made adopters at launch (step 0)", lo=0)
    seeding: str = param("degree", "whom to seed at launch and pay as influencers: at random; "
                         "by degree; by betweenness (sampled above betweenness_pivots "
                         "consumers); by degree discount (Chen et al. 2009) or CELF greedy "
                         "spread (Leskovec et al. 2007), both for the independent cascade at "
                         "ewom.p_share; without a graph every rule is random", choices=SEEDINGS)
    greedy_samples: int = param(200, "seeding greedy: live-edge samples of the cascade that "
                                "score every candidate (common random numbers); memory "
                                "4 x samples x consumers bytes", lo=1, hi=100_000)
    betweenness_pivots: int = param(500, "seeding betweenness: BFS sources; exact when the "
                                    "graph has at most this many consumers, else this many "
                                    "sampled at random (Brandes & Pich 2007)",
                                    lo=1, hi=100_000)
    cost_contact: float = param(1.0, "entertainment: cost per consumer reached by content, in "
                                "EUR per real consumer (one simulated contact stands for "
                                "market.scale of them)", **COST)
    entertainment_value: float = param(0.5, "entertainment: boost to the chance that a "
                                       "consumer the content reached shares word of mouth this "
                                       "step", lo=0.0, hi=100.0)
    cost_influencer: float = param(25.0, "influencer: cost of one paid post per step, in EUR per "
                                   "real consumer the simulated influencer stands for (25 at "
                                   "market.scale 1000: EUR 25,000 a post)", **COST)
    post_reach: float = param(0.5, "influencer: share of an influencer's friends who see a post",
                              **PROB)
    influencer_trust: float = param(0.6, "influencer: weight of a paid (disclosed) post "
                                    "relative to a friend's word; retellings keep it", **PROB)
    scandal_rate: float = param(0.1, "influencer: scandals per paid influencer per year (a "
                                "scandal turns their post negative and the brand drops them); "
                                "each week's chance is 1 - exp(-rate / 52)", lo=0.0, hi=1000.0)
    cost_invitation: float = param(20.0, "exclusivity: cost of one invitation or client event, "
                                   "in EUR per real consumer invited", **COST)
    exclusive_persuasion: float = param(2.0, "exclusivity: weight of an invitation relative to "
                                        "a friend's word (desire per exposure)",
                                        lo=0.0, hi=10.0)
    adoption_cap: float = param(0.002, "exclusivity: at most this share of the population may "
                                "adopt per step (limited drops), rounded to whole consumers",
                                **PROB)
    client_share: float = param(0.3, "exclusivity: share of budget spent on events that turn "
                                "clients into advocates (and give them news to tell)", **PROB)
    distribution: float = param(0.5, "exclusivity: share of would-be buyers outside the core "
                                "who find it on sale (selective distribution; 1: sold "
                                "everywhere, 0: to the core only); other strategies sell "
                                "everywhere", **PROB)
    relationship_share: float = param(0.0, "share of the budget spent on one-to-one work with "
                                      "clients and top contributors (clienteling: personal "
                                      "messages, replies, follow-backs); the strategy gets the "
                                      "rest", **PROB)
    cost_one_to_one: float = param(20.0, "cost of one-to-one contact, in EUR per real client "
                                   "contacted (priced as an invitation)", **COST)
    margin: float = param(0.65, "gross margin on a sale, for customer lifetime value (LVMH "
                          "H1 2024: 68.8%)", **PROB)
    store_reach: float = param(1.0, "channels: share of consumers within reach of one of the "
                               "brand's stores (under selective distribution, times "
                               "distribution outside the core; an assumption)", **PROB)
    sells_online: bool = param(True, "channels: the brand has an online shop, open to everyone "
                               "with the budget")
    online_gap: float = param(0.0, "channels: how much worse the online experience is than the "
                              "store's, on the quality scale (an assumption: luxury's online "
                              "experience is its weak point)", **PROB)
    omnichannel: float = param(0.0, "channels: integration; closes this share of the online gap "
                               "(consistent quality) and lets online discovery end in a store "
                               "(times channels.webrooming; Verhoef, Kannan & Inman 2015)",
                               **PROB)
    initial_strategy: str = param("entertainment", "adaptive: the strategy it starts with",
                                  choices=STRATEGIES)
    adapt_every: int = param(4, "adaptive: steps between strategy reviews", lo=1, hi=1_000_000)
    discount: float = param(0.8, "adaptive: weight kept by past rewards at each review "
                            "(discounted bandit: old evidence fades as the market moves)",
                            lo=0.0, above=True, hi=1.0)
    exploration: float = param(0.1, "adaptive: exploration bonus of the discounted UCB rule",
                               lo=0.0, hi=100.0)


@dataclass
class FollowersConfig:
    """Followers of each brand's account (issue 17): who follows, what owned posts reach, how
    followers interact. Off by default: nothing here is drawn or counted."""

    enabled: bool = param(False, "the follower mechanism: consumers follow brands' accounts, "
                          "see their own posts and interact (false: nobody follows, no draw)")
    p_follow: float = param(0.05, "chance that one positive message from the brand (content, "
                            "ad, invitation, event, owned post, one-to-one) makes "
                            "a receiver who likes the brand follow it, times their liking "
                            "(attitude), times 1 + entertainment_value for entertaining "
                            "content; no budget or segment enters (calibration: about a fifth "
                            "of consumers follow an entertaining brand within a year, at most "
                            "a third of those aware; GWI: a third of internet users follow "
                            "their favourite brands)", **PROB)
    peer_follow: float = param(0.2, "a friend's positive word, or an influencer's paid post, "
                               "counts this much of a brand message toward following (an "
                               "assumption: follows start mostly from the brand's own "
                               "account)", **PROB)
    organic_reach: float = param(0.15, "per week, chance a follower sees the brand's own post "
                                 "(owned media, no spend; Bazaarvoice 2021: about 15% of "
                                 "followers per post for large accounts)", **PROB)
    p_interact: float = param(0.05, "chance a follower who attends the brand's post likes, "
                              "comments or shares it, times their liking, times 1 + "
                              "entertainment_value while the brand runs entertainment "
                              "(Rival IQ 2023: median Instagram engagement 0.47% of followers "
                              "per post)", **PROB)
    activity_halflife: float = param(4.0, "weeks after which a follower's count of recent "
                                     "interactions halves (who the top contributors are)",
                                     lo=0.0, above=True, hi=520.0)


@dataclass
class RepeatConfig:
    """Repeat purchase (issue 17): the category's purchase cycle and the choice owners make at
    each occasion. ``repurchase_weeks = 0`` (the default) keeps one purchase per customer."""

    repurchase_weeks: int = param(0, "the category's purchase cycle in weeks: an owner has a "
                                  "repeat occasion this long after each purchase or decision, "
                                  "and buys the brand again, switches to a rival or abstains "
                                  "(0: everyone buys once; an assumption, lessons use 52)",
                                  lo=0, hi=520)
    p_repeat: float = param(0.15, "per year, chance that a satisfied owner with no relationship "
                            "who fully likes the brand (desire at 1 / status.desire_top, no "
                            "status lift) buys it again (Luxury Institute & Epsilon "
                            "2014: luxury brands lose 80-90% of their customers a year)",
                            **PROB)
    desire_weight: float = param(1.0, "logit weight of desire (0 to 1) at an occasion (an "
                                 "assumption)", lo=0.0, hi=10.0)
    dissatisfied_odds: float = param(0.2, "odds multiplier of buying again for an owner whose "
                                     "last experience disappointed (an assumption; Oliver 1980)",
                                     **PROB)


@dataclass
class RelationshipsConfig:
    """Relationship strength between owners and brands (issue 17): built by one-to-one contact
    and satisfying purchases, fading without them. Needs repeat purchase to matter."""

    enabled: bool = param(True, "relationship strength changes (false: it stays 0, while "
                          "one-to-one work is still paid and sent: the control of property "
                          "11)")
    p_repeat_strong: float = param(0.5, "per year, the chance of repeat.p_repeat for an owner "
                                   "at full relationship strength (Luxury Institute & Epsilon "
                                   "2014: brands lose half of their top clients a year); at "
                                   "least repeat.p_repeat", **PROB)
    contact_gain: float = param(0.3, "share of the gap to full strength that one attended "
                                "one-to-one contact or client event closes (an assumption; "
                                "Kim & Ko 2010: interaction builds intimacy and trust)", **PROB)
    experience_gain: float = param(0.15, "the same for a satisfying purchase; a disappointing "
                                   "one loses this share of the tie (an assumption)", **PROB)
    halflife_weeks: float = param(26.0, "weeks after which strength halves without contact or "
                                  "purchase (an assumption: a client ignored a year keeps a "
                                  "quarter of the tie)", lo=0.0, above=True, hi=1e4)
    top_contributors: float = param(0.05, "with followers on, the most active share of a "
                                    "brand's followers who join its one-to-one pool beside "
                                    "its clients", **PROB)


@dataclass
class ChannelsConfig:
    """Sales channels (issue 17): a purchase happens in a store or online. Off by default: no
    channel is drawn and selective distribution works as a coin per would-be buyer."""

    enabled: bool = param(False, "the channel mechanism: stores reach some consumers, online "
                          "everyone, each with its experience quality (false: no channel, "
                          "no draw)")
    online_share: float = param(0.2, "chance that a buyer who can use both channels buys online "
                                "(Bain-Altagamma: online was 12% of personal luxury goods in "
                                "2019, about 20% in 2024)", **PROB)
    webrooming: float = param(0.5, "under full integration (brands.N.omnichannel = 1), chance "
                              "that an online shopper within reach of a store finishes the "
                              "purchase there (an assumption; Verhoef, Neslin & Vroomen 2007: "
                              "research shoppers)", **PROB)


@dataclass
class MarketConfig:
    """Money and market scale: each simulated consumer stands for ``scale`` real ones, prices
    and budgets are in thousands of EUR, costs in EUR per real consumer, and every money KPI
    (revenue, spend, lifetime value) is in EUR for the whole real market (ODD 2.6)."""

    scale: float = param(1000.0, "real consumers each simulated consumer stands for: revenue "
                         "counts each simulated purchase this many times, and a simulated "
                         "action costs its per-consumer cost this many times (2,000 simulated "
                         "consumers: a market of 2 million; an assumption)", lo=1.0, hi=1e9)
    currency: str = param("EUR", "the currency of every money value", choices=("EUR",))
    discount_rate: float = param(0.12, "annual discount rate of customer lifetime value "
                                 "(Kotler & Keller: 10-20% with the cost of capital)", **PROB)


@dataclass
class Scenario:
    """A whole run: network, consumers, eWOM regime, funnel, status perception, brands."""

    name: str = param("default", "scenario name, carried into every output")
    title: str = param("", "one-line title for menus")
    description: str = param("", "what the scenario shows")
    look_for: str = param("", "teaching: what to look for while it runs")
    try_this: str = param("", "teaching: things to try")
    steps: int = param(52, "number of steps (weeks) to run", lo=0)
    seed: int = param(42, "the one seed that decides the run", lo=0)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    consumers: ConsumerConfig = field(default_factory=ConsumerConfig)
    ewom: EwomConfig = field(default_factory=EwomConfig)
    funnel: FunnelConfig = field(default_factory=FunnelConfig)
    status: StatusConfig = field(default_factory=StatusConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    followers: FollowersConfig = field(default_factory=FollowersConfig)
    repeat: RepeatConfig = field(default_factory=RepeatConfig)
    relationships: RelationshipsConfig = field(default_factory=RelationshipsConfig)
    channels: ChannelsConfig = field(default_factory=ChannelsConfig)
    brands: list[BrandConfig] = field(default_factory=lambda: [BrandConfig()])

    def to_dict(self) -> dict[str, Any]:
        """Every parameter, for summary.json and output rows."""
        return asdict(self)


# --------------------------------------------------------------------------- renamed keys

# Keys that moved or were renamed, still accepted under their old names with a note (they will
# be refused in a later release): the funnel's thresholds live with the funnel, and a consumer's
# status sensitivity and reservation price say what they are.
ALIASES: dict[str, str] = {
    "ewom.negativity_bias": "funnel.negativity_bias",
    "ewom.reject_threshold": "funnel.reject_threshold",
    "ewom.advocate_threshold": "funnel.advocate_threshold",
    "ewom.reinforcement": "funnel.reinforcement",
    "consumers.status_core": "consumers.status_sensitivity_core",
    "consumers.status_aspirational": "consumers.status_sensitivity_aspirational",
    "consumers.income_core": "consumers.reservation_price_core",
    "consumers.income_aspirational": "consumers.reservation_price_aspirational",
    "consumers.income_spread": "consumers.reservation_price_spread",
    "status.in_group": "status.in_group_core",
}

# Keys whose unit changed: refused with a line naming the new key (a silent conversion would
# hide that the number now means something else).
REPLACED: dict[str, str] = {
    "scandal_prob": "replaced by brands.N.scandal_rate, scandals per influencer per year (a "
                    "weekly chance p is a rate of -52 x ln(1 - p): 0.01 a week is 0.52 a year)",
}

WEEKS_PER_YEAR = 52  # a step is a week


def weekly_chance(per_year: float) -> float:
    """The chance per week (step) of an event that happens ``per_year`` times a year on
    average (a constant hazard)."""
    return -math.expm1(-per_year / WEEKS_PER_YEAR)


class ScenarioNote(EwomNote):
    """Something the user should know about how their input was read (a key's old name, a
    setting that another one overrides); ``ewom`` prints it as one ``note:`` line."""


class RenamedKeyWarning(ScenarioNote, FutureWarning):
    """A scenario used a key's old name."""


def renamed(key: str) -> str:
    """A dotted key under its current name, with a note if it was given under an old one."""
    new = ALIASES.get(key)
    if new is None:
        return key
    warnings.warn(f"{key} is now {new}; the old name still works but will be refused in a "
                  "later release", RenamedKeyWarning, stacklevel=3)
    return new


def _rename_keys(data: dict[str, Any]) -> None:
    """Move keys given under their old names (raw scenario data, in place)."""
    for old, new in ALIASES.items():
        section, key = old.split(".")
        table = data.get(section)
        if not isinstance(table, dict) or key not in table:
            continue
        renamed(old)
        new_section, new_key = new.split(".")
        target = data.setdefault(new_section, {})
        if not isinstance(target, dict):
            continue  # validation names the malformed table
        if new_key in target:
            raise EwomError(f"{old}: given beside its new name {new}; keep only {new}")
        target[new_key] = table.pop(key)


# --------------------------------------------------------------------------- validation

@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def suggest(word: str, allowed: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _coerce(where: str, value: Any, typ: Any, meta: dict[str, Any]) -> Any:
    """Check one leaf value's type and range; ints are accepted where floats are expected."""
    if typ is bool:
        if not isinstance(value, bool):
            raise EwomError(f"{where}: expected true or false, got {shown(value)}")
    elif typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise EwomError(f"{where}: expected an integer, got {shown(value)}")
    elif typ is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EwomError(f"{where}: expected a number, got {shown(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise EwomError(f"{where}: expected a finite number, got {value}")
    elif typ is str:
        if not isinstance(value, str):
            raise EwomError(f"{where}: expected a string, got {shown(value)}")
        try:  # bytes that are not UTF-8 on the command line arrive as lone surrogates
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise EwomError(f"{where}: {shown(value)} is not valid UTF-8 text") from None
    choices = meta.get("choices")
    if choices and value not in choices:
        raise EwomError(f"{where}: {shown(value)} is not one of {', '.join(choices)}"
                        f"{suggest(str(value), choices)}")
    lo, hi, above = meta.get("lo"), meta.get("hi"), meta.get("above")
    if (lo is not None and (value <= lo if above else value < lo)) or \
            (hi is not None and value > hi):
        raise EwomError(f"{where}: {shown(value)} is out of range, allowed {allowed_range(meta)}")
    return value


def allowed_range(meta: dict[str, Any]) -> str:
    """A numeric field's allowed values as text: ``[0, 1]``, ``> 0 and <= 1e+09``, ``>= 1``."""
    lo, hi, above = meta.get("lo"), meta.get("hi"), meta.get("above")
    if lo is None:
        return "any" if hi is None else f"<= {hi:g}"
    if above:
        return f"> {lo:g}" + (f" and <= {hi:g}" if hi is not None else "")
    return f"[{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"


def _build(cls: type, data: Any, where: str) -> Any:
    """Turn raw TOML data into a validated dataclass, naming the dotted key of any error."""
    label = where or "scenario"
    if not isinstance(data, dict):
        raise EwomError(f"{label}: expected a table of keys, got {data!r}")
    hints = _hints(cls)
    names = [f.name for f in fields(cls)]
    for key in data:
        if key not in names:
            dotted = f"{where}.{key}" if where else key
            if cls is BrandConfig and key in REPLACED:
                raise EwomError(f"{dotted}: {REPLACED[key]}")
            raise EwomError(f"{dotted}: unknown key{suggest(key, names)}; "
                            f"allowed: {', '.join(names)}")
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        dotted = f"{where}.{f.name}" if where else f.name
        typ, value = hints[f.name], data[f.name]
        if is_dataclass(typ):
            kwargs[f.name] = _build(typ, value, dotted)
        elif typing.get_origin(typ) is list:
            kwargs[f.name] = _build_brands(value, dotted)
        else:
            kwargs[f.name] = _coerce(dotted, value, typ, dict(f.metadata))
    return cls(**kwargs)


def _build_brands(value: Any, where: str) -> list[BrandConfig]:
    if not isinstance(value, list) or not value:
        raise EwomError(f"{where}: expected a non-empty array of brand tables ([[brands]])")
    brands = [_build(BrandConfig, item, f"{where}.{i}") for i, item in enumerate(value)]
    names = [b.name for b in brands]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise EwomError(f"{where}.{i}.name: brand name {name!r} is used twice; "
                            "names must be unique")
    return brands


def settle_network(data: dict[str, Any], changed: typing.Collection[str]) -> None:
    """A graph file and a generator asked for at once: the one the user just changed wins
    (``changed``: the dotted keys a ``--set``, ``--vary`` or search set over the scenario).

    A new ``network.path`` reads the file (``network.kind`` becomes ``file``); a new generator
    ``network.kind`` drops the scenario's ``network.path``. Each says so in a note. Given
    together in one file, neither wins: validation refuses them."""
    net = data.get("network")
    if not isinstance(net, dict) or not net.get("path"):
        return
    kind = net.get("kind", NetworkConfig.kind)
    if kind == "file":
        return
    if "network.path" in changed and "network.kind" not in changed:
        warnings.warn(f"network.kind: reading the graph from network.path, not generating it "
                      f"({kind!r} becomes 'file')", ScenarioNote, stacklevel=2)
        net["kind"] = "file"
    elif "network.kind" in changed and "network.path" not in changed:
        warnings.warn(f"network.path: not used, network.kind {kind!r} generates the graph",
                      ScenarioNote, stacklevel=2)
        net["path"] = ""


def _check_combinations(s: Scenario) -> None:
    """Rules that involve more than one field."""
    if s.relationships.p_repeat_strong < s.repeat.p_repeat:
        raise EwomError(f"relationships.p_repeat_strong: {s.relationships.p_repeat_strong!r} is "
                        f"below repeat.p_repeat ({s.repeat.p_repeat!r}); a strong tie cannot "
                        "make buying again less likely")
    net = s.network
    if net.path and net.kind != "file":
        raise EwomError(f"network.path: given with network.kind {net.kind!r}, which generates "
                        "its graph; set network.kind = \"file\" to read the file, or leave "
                        "network.path empty")
    check_params(net.kind, net.n, mean_degree=net.mean_degree, rewire=net.rewire,
                 blocks=net.blocks, mixing=net.mixing, path=net.path or None)
    if net.kind == "global":
        if s.ewom.model == "linear":
            raise EwomError("ewom.model: 'linear' needs opinion leaders with followers, and "
                            "network.kind 'global' has no graph; pick another network.kind")
        for i, b in enumerate(s.brands):
            uses = {b.strategy, b.initial_strategy} if b.strategy == "adaptive" else {b.strategy}
            if "influencer" in uses:
                raise EwomError(f"brands.{i}.strategy: 'influencer' needs followers, and "
                                "network.kind 'global' has no graph; pick another network.kind")


def from_dict(data: dict[str, Any], base_dir: Path | None = None) -> Scenario:
    """Validate raw scenario data; relative network.path resolves against base_dir."""
    data = copy.deepcopy(data)  # the caller's tables stay as they were
    _rename_keys(data)
    scenario = _build(Scenario, data, "")
    if scenario.network.path and base_dir is not None:
        p = files.expand(scenario.network.path, "network.path")
        if not p.is_absolute():
            scenario.network.path = str(files.resolve(base_dir / p, "network.path"))
    _check_combinations(scenario)
    limits.check_scenario(scenario)
    return scenario


def _check_object(obj: Any, cls: type, where: str) -> None:
    """Validate a scenario object field by field, as ``_build`` validates TOML data (a value
    set on it after loading, such as an unknown eWOM model, is caught here)."""
    if not isinstance(obj, cls):
        raise EwomError(f"{where or 'scenario'}: expected {cls.__name__}, got {obj!r}")
    hints = _hints(cls)
    for f in fields(cls):
        dotted = f"{where}.{f.name}" if where else f.name
        typ, value = hints[f.name], getattr(obj, f.name)
        if is_dataclass(typ):
            _check_object(value, typ, dotted)
        elif typing.get_origin(typ) is list:
            if not isinstance(value, list) or not value:
                raise EwomError(f"{dotted}: expected a non-empty list of brands")
            for i, brand in enumerate(value):
                _check_object(brand, BrandConfig, f"{dotted}.{i}")
        else:
            _coerce(dotted, value, typ, dict(f.metadata))


def coerce(config: Any) -> Scenario:
    """A validated scenario from what a caller hands over: a Scenario (checked again: its
    fields may have been changed since it was loaded), a dict of scenario data, a preset name
    or TOML path, or None (the default scenario). Anything else is one line, not an
    AttributeError deep inside a run."""
    if config is None:
        return load()
    if isinstance(config, Scenario):
        _check_object(config, Scenario, "")
        _check_combinations(config)
        limits.check_scenario(config)
        return config
    if isinstance(config, dict):
        return from_dict(copy.deepcopy(config))
    if isinstance(config, str | os.PathLike):
        return load(config)
    raise EwomError(f"scenario: expected a preset name, a TOML path, a dict of scenario keys "
                    f"or a Scenario, got {type(config).__name__}")


def check_seed(seed: Any, key: str = "seed") -> int:
    """A seed: a whole number >= 0 (numpy's SeedSequence refuses negative ones)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        if not (hasattr(seed, "__index__") and not isinstance(seed, bool)):
            raise EwomError(f"{key}: expected a whole number >= 0, got {seed!r}")
        seed = int(seed)
    if seed < 0:
        raise EwomError(f"{key}: expected a whole number >= 0, got {seed}")
    return int(seed)


def scenario_names() -> list[str]:
    """The shipped presets, by file stem."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def resolve_path(name_or_path: str | Path) -> Path:
    """A preset name (``organic``) or a path to a TOML file (anything that looks like a path
    or names something on disk, a broken symlink included, is checked as a file)."""
    p = Path(name_or_path)
    text = str(name_or_path)
    if p.suffix == ".toml" or "/" in text or text.startswith("~") or os.path.lexists(p):
        return files.input_file(name_or_path, "scenario")
    preset = SCENARIO_DIR / f"{name_or_path}.toml"
    if preset.is_file():
        return preset
    names = scenario_names()
    raise EwomError(f"scenario: no preset or file named {str(name_or_path)!r}"
                    f"{suggest(str(name_or_path), names)}; presets: {', '.join(names)}")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(files.read_text(path, "scenario"))
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        raise EwomError(f"scenario: {path.name} is not valid TOML: {one_line(exc, 200)}"
                        ) from None


def load(name_or_path: str | Path | None = None, overrides: typing.Sequence[str] = (),
         **top: Any) -> Scenario:
    """Load a preset or file (None: the embedded default), apply ``--set`` overrides and
    top-level keyword overrides (``seed=``, ``steps=``), and validate the lot."""
    if name_or_path is None:
        data: dict[str, Any] = {}
        base_dir = Path.cwd()
    else:
        path = resolve_path(name_or_path)
        data = read_toml(path)
        data.setdefault("name", path.stem)
        base_dir = path.resolve().parent
    _rename_keys(data)  # the file's old names first: a --set under the new name then wins
    changed = []
    for item in overrides:
        key, value = parse_override(item)
        set_key(data, key, value)
        changed.append(key)
        if key == "network.path" and isinstance(value, str) and value:
            # a path given on the command line is relative to cwd
            data["network"]["path"] = str(files.resolve(value, "network.path"))
    for key, value in top.items():
        if value is not None:
            data[key] = value
    settle_network(data, changed)
    return from_dict(data, base_dir)


# --------------------------------------------------------------------------- overrides

def field_type(key: str) -> Any:
    """The declared type of a dotted key, or None if the path is unknown (validation names it)."""
    cls: Any = Scenario
    for part in key.split("."):
        if cls is None:
            return None
        if cls == "brands":
            if part.isdigit():
                cls = BrandConfig
                continue
            return None
        if not is_dataclass(cls):
            return None
        hints = _hints(cls)
        if part not in hints:
            return None
        typ = hints[part]
        cls = "brands" if typing.get_origin(typ) is list else typ
    return cls


def parse_value(text: str, typ: Any = None) -> Any:
    """A command-line value as TOML would read it (numbers, true/false, strings), so
    ``--set`` is typed like the file; strings need no quotes."""
    if typ is str:
        return text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except ValueError:  # not TOML, or an integer of more than 4,300 digits: the text
        return text


def parse_override(item: str) -> tuple[str, Any]:
    """``a.b=value`` -> ("a.b", typed value)."""
    if "=" not in item:
        raise EwomError(f"--set: expected KEY=VALUE, got {item!r}")
    key, text = item.split("=", 1)
    key = renamed(key.strip())
    if not key:
        raise EwomError(f"--set: expected KEY=VALUE, got {item!r}")
    return key, parse_value(text.strip(), field_type(key))


def set_key(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in raw scenario data; ``brands.N`` may name the next brand to add one."""
    parts = key.split(".")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) > len(node):
                raise EwomError(f"--set {key}: {here}: no brand {part!r}; there are "
                                f"{len(node)} (0..{len(node) - 1}, or {len(node)} to add one)")
            if int(part) == len(node):
                node.append({"name": f"Brand {len(node) + 1}"})
            node = node[int(part)]
            if not isinstance(node, dict):  # e.g. brands = [1, 2] in the file
                raise EwomError(f"--set {key}: {here} is {node!r}, not a brand table; "
                                "fix the scenario file")
        else:
            if part == "brands" and part not in node:
                node[part] = [{}]
            node = node.setdefault(part, {})
            if not isinstance(node, dict | list):
                raise EwomError(f"--set {key}: {here} is a value, not a table")
    last = parts[-1]
    if isinstance(node, list):
        raise EwomError(f"--set {key}: name a brand field, e.g. {key}.0.strategy")
    node[last] = value


# --------------------------------------------------------------------------- docs

def schema_markdown() -> str:
    """The reference table of every key, generated so docs/SCENARIOS.md matches the code."""
    lines = ["# Scenario reference", "",
             "Generated from `model/scenario.py` by `ewom schema`; do not edit by hand.",
             "Every key is optional: a missing key takes its default. `--set KEY=VALUE` "
             "overrides any key, e.g. `--set brands.0.strategy=exclusivity`.", ""]

    def table(cls: type, prefix: str) -> None:
        hints = _hints(cls)
        lines.append(f"## `{prefix or 'top level'}`" if prefix else "## Top level")
        lines.append("")
        lines.append(f"{(cls.__doc__ or '').strip()}")
        lines.append("")
        lines.append("| key | type | default | allowed | meaning |")
        lines.append("| --- | --- | --- | --- | --- |")
        nested = []
        for f in fields(cls):
            typ = hints[f.name]
            key = f"{prefix}.{f.name}" if prefix else f.name
            if is_dataclass(typ):
                nested.append((typ, key))
                continue
            if typing.get_origin(typ) is list:
                nested.append((BrandConfig, f"{key}.N"))
                continue
            meta = f.metadata
            if meta.get("choices"):
                allowed = ", ".join(f"`{c}`" for c in meta["choices"])
            else:
                allowed = allowed_range(meta)
            default = f.default if f.default is not MISSING else ""
            lines.append(f"| `{key}` | {typ.__name__} | `{default!r}` | {allowed} | "
                         f"{meta.get('doc', '')} |")
        lines.append("")
        for sub, key in nested:
            table(sub, key)

    table(Scenario, "")
    lines += ["## Renamed keys", "",
              "Still accepted under their old names, with a note; a later release will refuse "
              "the old names.", "", "| old name | current name |", "| --- | --- |",
              *(f"| `{old}` | `{new}` |" for old, new in ALIASES.items()), "",
              "## Replaced keys", "", "Refused with a line naming the key that replaced them.",
              "", "| old name | why |", "| --- | --- |",
              *(f"| `brands.N.{old}` | {why} |" for old, why in REPLACED.items()), ""]
    lines += limits.limits_markdown()
    return "\n".join(lines)
