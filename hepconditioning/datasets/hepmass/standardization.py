"""Standardization of the 27 HEPMASS features with fixed constants.

The real HEPMASS files store every feature standardized to zero mean and unit variance
(Baldi et al. 2016, arXiv:1601.07913). The stand-in uses fixed constants, measured once on
1,000,000 generated events (seed 12345, ISR off, balanced, the five HEPMASS masses):
η and φ means are set to their symmetric value 0 and φ widths to π/√3. The constants do not
change with the generated sample, so files generated separately (train and test) share one
scale; with ``isr=True`` or other masses the means and variances stay near, not at, 0 and 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FEATURE_MEANS", "FEATURE_STDS", "PHI_STD", "standardize", "unstandardize"]

PHI_STD = float(np.pi / np.sqrt(3.0))  # a uniform azimuth on (−π, π]

_CONSTANTS = (  # (mean, standard deviation) of each feature, physical units
    (98.7111, 84.8409),  # f0 lepton pT
    (0.0, 1.0041),  # f1 lepton eta
    (0.0, PHI_STD),  # f2 lepton phi
    (88.4807, 83.6912),  # f3 missing ET
    (0.0, PHI_STD),  # f4 missing ET phi
    (4.3951, 0.6103),  # f5 number of jets
    (174.1819, 109.2599),  # f6 jet 1 pT
    (0.0, 0.9307),  # f7 jet 1 eta
    (0.0, PHI_STD),  # f8 jet 1 phi
    (0.4491, 0.4974),  # f9 jet 1 b-tag
    (115.9524, 75.9372),  # f10 jet 2 pT
    (0.0, 0.9698),  # f11 jet 2 eta
    (0.0, PHI_STD),  # f12 jet 2 phi
    (0.4227, 0.494),  # f13 jet 2 b-tag
    (73.7849, 45.9912),  # f14 jet 3 pT
    (0.0, 1.011),  # f15 jet 3 eta
    (0.0, PHI_STD),  # f16 jet 3 phi
    (0.3133, 0.4638),  # f17 jet 3 b-tag
    (45.2427, 27.0658),  # f18 jet 4 pT
    (0.0, 1.0586),  # f19 jet 4 eta
    (0.0, PHI_STD),  # f20 jet 4 phi
    (0.2286, 0.4199),  # f21 jet 4 b-tag
    (80.9964, 15.5606),  # f22 m_jj
    (179.5583, 65.4438),  # f23 m_jjj
    (87.6631, 29.9531),  # f24 m_lv
    (186.4974, 59.5485),  # f25 m_jlv
    (741.4865, 359.7116),  # f26 m_WWbb
)
FEATURE_MEANS = np.array([mean for mean, _ in _CONSTANTS])
FEATURE_STDS = np.array([std for _, std in _CONSTANTS])
FEATURE_MEANS.flags.writeable = False
FEATURE_STDS.flags.writeable = False


def standardize(raw: np.ndarray) -> np.ndarray:
    """Physical features ``(N, 27)`` (GeV, radians, counts) → standardized, (raw − mean)/std."""
    raw = np.asarray(raw, dtype=np.float64)
    _check_shape(raw)
    return (raw - FEATURE_MEANS) / FEATURE_STDS


def unstandardize(x: np.ndarray) -> np.ndarray:
    """Standardized features ``(N, 27)`` → physical units, x · std + mean (float64)."""
    x = np.asarray(x, dtype=np.float64)
    _check_shape(x)
    return x * FEATURE_STDS + FEATURE_MEANS


def _check_shape(x: np.ndarray) -> None:
    if x.ndim < 1 or x.shape[-1] != 27:
        raise ValueError(f"expected the 27 HEPMASS features along the last axis, got shape {x.shape}")
