"""CLT predictions vs resampled series for the multi-instance classifier [Bialas18].

Prints AUC_N predicted (Φ(√N Δμ/√(σ_A² + σ_B²))) and measured (weighted resampling) for a
Gaussian ℓ, two skewed ℓ and the no-cut ρρ oracle (scalar vs pseudoscalar, isotropic |h±| = 1
toy of PHYSICS.md §6), the TPR/FPR at t = 0.5 and at the optimal threshold, and the time of
the empirical estimator. Run: python -m benchmarks.multi_instance_clt
"""

from __future__ import annotations

import time

import numpy as np

from hepconditioning.multi_instance import (
    class_moments,
    class_weights,
    empirical_auc,
    empirical_rates,
    optimal_threshold,
    oracle_llr,
    predicted_auc,
    predicted_rates,
)

N = np.array([1, 2, 5, 10, 20, 50, 100, 200])
N_SERIES = 20_000


def labelled(gen_a, gen_b, n=200_000, seed=0):
    rng = np.random.default_rng(seed)
    llr = np.concatenate([gen_a(rng, n), gen_b(rng, n)])
    return (llr, *class_weights(np.repeat([1.0, 0.0], n), rng.uniform(0.5, 1.5, 2 * n)))


def rho_rho(alpha=np.pi / 2, n=400_000, seed=3):
    rng = np.random.default_rng(seed)
    hm, hp = (v / np.linalg.norm(v, axis=1, keepdims=True) for v in rng.normal(size=(2, n, 3)))

    def weight(a):
        return (1 - hm[:, 2] * hp[:, 2] + np.cos(2 * a) * (hm[:, 0] * hp[:, 0] + hm[:, 1] * hp[:, 1])
                + np.sin(2 * a) * (hm[:, 0] * hp[:, 1] - hm[:, 1] * hp[:, 0]))

    wa, wb = weight(0.0), weight(alpha)
    return oracle_llr(wa, wb), wa, wb


CASES = {
    "gaussian": labelled(lambda r, n: r.normal(0.15, 1.0, n), lambda r, n: r.normal(-0.1, 0.8, n)),
    "lognormal vs normal": labelled(lambda r, n: r.lognormal(0, 0.7, n) - 1.1, lambda r, n: r.normal(-0.2, 0.8, n)),
    "mirrored exponentials": labelled(lambda r, n: r.exponential(size=n) - 0.85,
                                      lambda r, n: 0.85 - r.exponential(size=n)),
    "rho-rho oracle 0 vs pi/2": rho_rho(np.pi / 2),
    "rho-rho oracle 0 vs pi/8": rho_rho(np.pi / 8),
}

for name, (llr, wa, wb) in CASES.items():
    m = class_moments(llr, wa, wb)
    start = time.perf_counter()
    emp = empirical_auc(llr, wa, wb, N, n_series=N_SERIES, seed=1)
    elapsed = time.perf_counter() - start
    pred = predicted_auc(m, N)
    print(f"\n{name}: mu_a={m.mu_a:.4f} sigma_a={m.sigma_a:.4f} mu_b={m.mu_b:.4f} sigma_b={m.sigma_b:.4f}"
          f"  (empirical AUC_N over {N.size} N values: {elapsed:.2f} s)")
    print("   N  AUC pred  AUC emp   diff   TPR/FPR t=0.5 pred   emp        TPR/FPR t* pred   emp")
    best = optimal_threshold(m, N)
    half_p, half_e = predicted_rates(m, N), empirical_rates(llr, wa, wb, N, n_series=N_SERIES, seed=2)
    best_p = predicted_rates(m, N, log_threshold=best.log_threshold)
    best_e = empirical_rates(llr, wa, wb, N, log_threshold=best.log_threshold, n_series=N_SERIES, seed=2)
    for i, n in enumerate(N):
        print(f"{n:4d}  {pred[i]:.4f}   {emp[i]:.4f}  {emp[i] - pred[i]:+.4f}   "
              f"{half_p.tpr[i]:.3f}/{half_p.fpr[i]:.3f} {half_e.tpr[i]:.3f}/{half_e.fpr[i]:.3f}   "
              f"{best_p.tpr[i]:.3f}/{best_p.fpr[i]:.3f} {best_e.tpr[i]:.3f}/{best_e.fpr[i]:.3f}")
