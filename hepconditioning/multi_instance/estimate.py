"""A parameter measured from a series of N events: likelihood scan on a grid, and the per-value
calibration of a network's log-likelihood ratio that the scan needs.

With ℓ(x; θ) = ln[p(x|θ)/p(x|θ₀)] known per event on a grid of θ (a network conditioned on θ,
or the oracle weight ratio ln[W(θ)/W(θ₀)]), the estimate from N independent events is
θ̂ = argmax_θ Σᵢ ℓ(xᵢ; θ) — here on the grid with a parabolic refinement at the maximum
(:func:`estimate_parameter`). A classifier trained at each θ fixes ℓ only up to a monotone map
per θ, which biases θ̂; :func:`platt_scaling` refits ℓ' = a(θ) ℓ + b(θ) per grid value.
[Bialas18] arXiv:1803.00838 (H→ττ CP mixing angle from series of events).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from hepconditioning.multi_instance.checks import MultiInstanceError

__all__ = ["PlattScaling", "estimate_parameter", "platt_scaling"]

_BLOCK = 1 << 22  # resampled (event, grid) values held in memory at once (32 MiB of float64)


class PlattScaling(NamedTuple):
    """ℓ' = ``scale`` · ℓ + ``offset``, one pair per column of ℓ."""

    scale: np.ndarray
    offset: np.ndarray


def _refined_argmax(scan: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """θ at the maximum of each row of ``scan (S, G)``, refined by a parabola through the best
    grid point and its neighbours (the grid point itself at the edges of the grid)."""
    j = np.argmax(scan, axis=1)
    inner = np.clip(j, 1, len(grid) - 2)
    rows = np.arange(len(scan))
    left, mid, right = scan[rows, inner - 1], scan[rows, inner], scan[rows, inner + 1]
    curvature = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    step = grid[inner + 1] - grid[inner]
    refined = np.clip(grid[inner] + np.clip(offset, -0.5, 0.5) * step, grid[0], grid[-1])
    return np.where(j == inner, refined, grid[j])


def estimate_parameter(
    log_ratio: ArrayLike,
    weights: ArrayLike,
    grid: ArrayLike,
    n: ArrayLike,
    *,
    n_series: int = 2000,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """θ̂ of ``n_series`` resampled series of each size in ``n``: shape ``(len(n), n_series)``.

    Args:
        log_ratio: ``(n_events, G)`` ln[p(x|θ_g)/p(x|θ₀)] of every event on ``grid``.
        weights: ``(n_events,)`` ≥ 0, the true hypothesis: series draw events with replacement
            with probability ∝ ``weights`` (H→ττ: W(α_true) of unpolarized events).
        grid: ``(G,)`` increasing θ values (G ≥ 3).
        n: series sizes N.
        n_series, seed: series per N and the random seed.

    Returns:
        the maximum of the summed log-likelihood ratio per series (parabola-refined).
    """
    log_ratio = np.asarray(log_ratio, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    grid = np.asarray(grid, dtype=np.float64)
    sizes = np.atleast_1d(np.asarray(n)).astype(int)
    if log_ratio.ndim != 2 or grid.shape != (log_ratio.shape[1],) or len(grid) < 3 or (np.diff(grid) <= 0).any():
        raise MultiInstanceError(f"log_ratio must be (n_events, G) for an increasing grid of G >= 3 values, "
                                 f"got shapes {log_ratio.shape} and {grid.shape}")
    if weights.shape != (log_ratio.shape[0],) or (weights < 0).any() or not weights.sum() > 0:
        raise MultiInstanceError(f"weights must be ({log_ratio.shape[0]},), >= 0 with a positive sum")
    if (sizes < 1).any() or n_series < 1:
        raise MultiInstanceError(f"series sizes and n_series must be >= 1, got {sizes.tolist()} and {n_series}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cdf = np.cumsum(weights) / np.sum(weights)
    out = np.empty((len(sizes), n_series))
    for k, size in enumerate(sizes):
        block = max(1, _BLOCK // (int(size) * len(grid)))
        for start in range(0, n_series, block):
            stop = min(start + block, n_series)
            idx = np.minimum(np.searchsorted(cdf, rng.random((stop - start, int(size))), side="right"), len(cdf) - 1)
            out[k, start:stop] = _refined_argmax(log_ratio[idx].sum(axis=1), grid)
    return out


def platt_scaling(llr: ArrayLike, weights_a: ArrayLike, weights_b: ArrayLike, *,
                  iterations: int = 25) -> PlattScaling:
    """Weighted logistic fit p = σ(a ℓ + b) of class A (weight w_A) vs B (w_B), per column of ℓ.

    Every event enters both classes (soft target w_A/(w_A + w_B), weight w_A + w_B); Newton
    steps, vectorized over the columns. Columns whose Hessian is singular keep a = 1, b = 0.

    Args:
        llr: ``(N,)`` or ``(N, G)``: ℓ of a network, one column per hypothesis value.
        weights_a, weights_b: per-event class weights, broadcastable to ``llr``.
    """
    ell = np.asarray(llr, dtype=np.float64)
    w_a, w_b = (np.broadcast_to(np.asarray(w, dtype=np.float64), ell.shape) for w in (weights_a, weights_b))
    weight = w_a + w_b
    target = np.divide(w_a, weight, out=np.full(ell.shape, 0.5), where=weight > 0)
    a, b = np.ones(ell.shape[1:]), np.zeros(ell.shape[1:])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * ell + b, -500, 500)))
        r, h = weight * (p - target), weight * p * (1 - p)
        g_a, g_b = (r * ell).sum(axis=0), r.sum(axis=0)
        h_aa, h_ab, h_bb = (h * ell * ell).sum(axis=0), (h * ell).sum(axis=0), h.sum(axis=0)
        det = h_aa * h_bb - h_ab**2
        ok = det > 1e-12 * np.maximum(h_aa * h_bb, 1e-300)
        a = a - np.where(ok, (h_bb * g_a - h_ab * g_b) / np.where(ok, det, 1), 0.0)
        b = b - np.where(ok, (h_aa * g_b - h_ab * g_a) / np.where(ok, det, 1), 0.0)
    return PlattScaling(a, b)
