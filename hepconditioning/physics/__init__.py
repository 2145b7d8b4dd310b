"""Pure array physics: Lorentz kinematics and τ spin correlations (numpy in, numpy out).

- :mod:`hepconditioning.physics.kinematics`: boosts, rotations, two-body decays,
  Breit–Wigner sampling, invariant masses, the neutrino p_z from the W-mass constraint.
- :mod:`hepconditioning.physics.tau`: τ → ρν decays, polarimetric vectors and the spin
  weight W(α) of H → τ⁺τ⁻ for a CP-mixing angle α (:func:`spin_weight`).
"""

from __future__ import annotations

from hepconditioning.physics import kinematics, tau
from hepconditioning.physics.tau import spin_weight

__all__ = ["kinematics", "spin_weight", "tau"]


def __dir__() -> list[str]:
    return __all__
