"""Dream value and dilution (Dubois & Paternault 1995), and the snob effect they feed back.

    dilution    = 1 - exp(-(penetration_loss * P + outside_core_loss * P_out))
    dream value = base * exp(awareness_gain * reach) * (1 - dilution)

Dream value rises with awareness and falls with penetration, most with penetration outside
the core segment. Dilution is the share of dream value that penetration has cost: 0 when nobody
has adopted. Status-sensitive consumers desire the brand less once its dream value falls below
its base (Leibenstein's snob effect).
"""

from __future__ import annotations

import numpy as np

from ewom_abm.model.scenario import DilutionConfig


def dilution(penetration: float, outside_core: float, cfg: DilutionConfig) -> float:
    """Share of dream value lost to penetration, in [0, 1)."""
    if not cfg.enabled:
        return 0.0
    return float(1.0 - np.exp(-(cfg.penetration_loss * penetration
                                + cfg.outside_core_loss * outside_core)))


def dream_value(base: float, reach: float, diluted: float, cfg: DilutionConfig) -> float:
    """Awareness makes the brand a dream; penetration (through ``diluted``) takes it away."""
    return float(base * np.exp(cfg.awareness_gain * reach) * (1.0 - diluted))


def desire(status: np.ndarray, dream: float, base: float) -> np.ndarray | float:
    """Each consumer's desire in [0, 1]: 1 until dream value falls below its base, then lower
    in proportion to the consumer's status sensitivity (a plain 1.0 while nobody is affected)."""
    loss = max(0.0, 1.0 - dream / base) if base > 0 else 0.0
    if loss == 0.0:
        return 1.0
    return np.clip(1.0 - status * loss, 0.0, 1.0).astype(np.float32)
