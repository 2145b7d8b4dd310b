"""Example analysis ntuples: a resonance search in the one-lepton final state, written as an
analysis group would (``hepconditioning generate ntuples --out DIR``).

- signal ``signal_m{M}.root``: a narrow scalar X (Γ = 4 % M) → W⁺W⁻ → ℓν qq̄ at
  M = 300, 500, 700, 900 GeV, produced with a transverse momentum of tens of GeV;
- ``ttbar.root``: semileptonic tt̄ (the parton chain of :mod:`.hepmass.partons`; σ·BR =
  833.9 pb × 0.438 = 365.3 pb, NNLO+NNLL at 13 TeV);
- ``wjets.root``: W(→ℓν) + jets with at least two partons above 25 GeV (σ ≈ 2300 pb for
  this filter, a round stand-in of the measured W+2-jet rate).

Every file has a TTree ``nominal`` (one entry per *selected* event: one lepton with pT > 25 GeV,
|η| < 2.5, and two jets with pT > 25 GeV, |η| < 2.5) with the flat branches ``lep_pt``,
``lep_eta``, ``lep_phi``, ``met``, ``met_phi``, ``m_jj`` (two leading jets), ``m_lvjj`` (lepton,
neutrino with p_z from the W mass, two leading jets), ``weight_mc``, ``event_number``, the
jagged jets ``jet_pt``, ``jet_eta``, ``jet_phi``, ``jet_btag`` (b-tag flag: 70 % for b, 1 %
for light jets), and a TTree ``sumWeights`` with ``totalEventsWeighted`` (Σ weight_mc of
*all generated* events, before the selection) and ``totalEvents``. Signal and tt̄ get
initial-state radiation jets (Poisson mean 0.7). ``weight_mc`` is ±1 with
a negative share (NLO): 5 % signal, 12 % tt̄, 18 % W+jets. Resolutions: lepton 2 %, jets
10 %, missing momentum 12 GeV per component plus the jet mismeasurement.
"""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np

from hepconditioning.datasets.hepmass.partons import background_mtt, hard_process
from hepconditioning.io.root import write_root
from hepconditioning.physics import kinematics as kin

__all__ = ["CROSS_SECTIONS", "MASSES", "write_ntuples"]

MASSES = (300.0, 500.0, 700.0, 900.0)
CROSS_SECTIONS = {"ttbar": 365.3, "wjets": 2300.0}
"""Cross sections (pb) of the background files; the signal is normalized by the card."""
_NEGATIVE = {"signal": 0.05, "ttbar": 0.12, "wjets": 0.18}
_W_MASS, _W_WIDTH = 80.4, 2.1


def _boosted_system(m: np.ndarray, rng: np.random.Generator, pt_scale: float) -> np.ndarray:
    n = m.size
    pt, phi, y = rng.exponential(pt_scale, n), rng.uniform(-np.pi, np.pi, n), rng.normal(0.0, 1.2, n)
    mt = np.sqrt(m**2 + pt**2)
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y), mt * np.cosh(y)], axis=-1)


def _w_decay(w: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return kin.two_body_decay(w, 0.0, 0.0, rng=rng)


def _signal(n: int, mass: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    m = kin.sample_breit_wigner(mass, 0.04 * mass, n, rng=rng, low=2 * _W_MASS + 5, high=1.5 * mass)
    x = _boosted_system(m, rng, 40.0)
    m1 = kin.sample_breit_wigner(_W_MASS, _W_WIDTH, n, rng=rng, low=60.0, high=100.0)
    m2 = kin.sample_breit_wigner(_W_MASS, _W_WIDTH, n, rng=rng, low=60.0, high=np.minimum(100.0, m - m1 - 1))
    w1, w2 = kin.two_body_decay(x, m1, m2, rng=rng)
    lepton, neutrino = _w_decay(w1, rng)
    q1, q2 = _w_decay(w2, rng)
    return lepton, neutrino, [q1, q2]


def _ttbar(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    p = hard_process(background_mtt(n, rng=rng), np.zeros(n), rng=rng)
    return p.lepton, p.neutrino, [p.b_lep, p.b_had, p.q1, p.q2]


def _wjets(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    n_jets = 2 + rng.poisson(0.6, n)
    partons = []
    recoil = np.zeros((n, 2))
    for k in range(int(n_jets.max())):
        pt = 25.0 + rng.exponential(35.0 / (1 + 0.5 * k), n)
        jet = kin.from_pt_eta_phi_m(pt, rng.normal(0.0, 1.6, n), rng.uniform(-np.pi, np.pi, n), np.full(n, 5.0))
        jet[k >= n_jets] = 0.0
        recoil -= jet[:, :2]
        partons.append(jet)
    m = kin.sample_breit_wigner(_W_MASS, _W_WIDTH, n, rng=rng, low=60.0, high=100.0)
    pz = rng.normal(0.0, 150.0, n)
    w = np.stack([recoil[:, 0], recoil[:, 1], pz, np.sqrt(m**2 + (recoil**2).sum(1) + pz**2)], axis=-1)
    lepton, neutrino = _w_decay(w, rng)
    return lepton, neutrino, partons


def _reconstruct(lepton: np.ndarray, neutrino: np.ndarray, partons: list[np.ndarray], b_slots: int,
                 rng: np.random.Generator) -> tuple[dict[str, object], np.ndarray]:
    """Smeared objects → branches of the selected events, and the selection mask."""
    jets = np.stack(partons, axis=1)
    present = jets[..., 3] > 0
    jets = jets * (1 + 0.10 * rng.normal(size=jets.shape[:2]))[..., None]
    lep = lepton * (1 + 0.02 * rng.normal(size=len(lepton)))[:, None]
    mismeasured = (jets - np.stack(partons, axis=1))[..., :2].sum(axis=1) * present.any(1)[:, None]
    met = neutrino[:, :2] - mismeasured + rng.normal(0.0, 12.0, (len(lepton), 2))
    jpt, jeta, jphi = kin.pt(jets), kin.eta(np.where(present[..., None], jets, 1.0)), kin.phi(jets)
    good = present & (jpt > 25.0) & (np.abs(jeta) < 2.5)
    is_b = np.zeros_like(good)
    is_b[:, :b_slots] = True
    btag = np.where(is_b, rng.uniform(size=good.shape) < 0.70, rng.uniform(size=good.shape) < 0.01)
    order = np.argsort(np.where(good, -jpt, np.inf), axis=1, kind="stable")
    take = lambda a: np.take_along_axis(a, order, axis=1)  # noqa: E731 (pT order)
    jets, jpt, jeta, jphi, good, btag = (take(a) if a.ndim == 2 else np.take_along_axis(a, order[..., None], 1)
                                         for a in (jets, jpt, jeta, jphi, good, btag))
    lpt, leta = kin.pt(lep), kin.eta(lep)
    selected = (lpt > 25.0) & (np.abs(leta) < 2.5) & (good.sum(1) >= 2)
    nu_pz, _ = kin.neutrino_pz(lep, met[:, 0], met[:, 1])
    nu = np.stack([met[:, 0], met[:, 1], nu_pz, np.sqrt((met**2).sum(1) + nu_pz**2)], axis=-1)
    jj = jets[:, 0] + jets[:, 1]
    counts = good.sum(1)[selected]

    def jagged(values: np.ndarray, dtype: type) -> ak.Array:
        flat = values[selected][good[selected]].astype(dtype)
        return ak.unflatten(flat, counts)

    branches = {"lep_pt": lpt, "lep_eta": leta, "lep_phi": kin.phi(lep), "met": np.hypot(met[:, 0], met[:, 1]),
                "met_phi": np.arctan2(met[:, 1], met[:, 0]), "m_jj": kin.mass(jj), "m_lvjj": kin.mass(jj + lep + nu)}
    out: dict[str, object] = {k: v[selected].astype(np.float32) for k, v in branches.items()}
    out.update(jet_pt=jagged(jpt, np.float32), jet_eta=jagged(jeta, np.float32), jet_phi=jagged(jphi, np.float32),
               jet_btag=jagged(btag, np.int32))
    return out, selected


def _radiation(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Initial-state radiation jets: Poisson(0.7) per event, pT 20 GeV + exponential(30 GeV)."""
    count = rng.poisson(0.7, n)
    out = []
    for k in range(int(count.max(initial=0))):
        jet = kin.from_pt_eta_phi_m(20.0 + rng.exponential(30.0, n), rng.normal(0.0, 1.8, n),
                                    rng.uniform(-np.pi, np.pi, n), np.full(n, 5.0))
        jet[k >= count] = 0.0
        out.append(jet)
    return out


def _write(path: Path, process: str, n: int, make, b_slots: int, rng: np.random.Generator) -> None:
    lepton, neutrino, partons = make(n, rng)
    if process != "wjets":  # the W+jets partons are its radiation
        partons = partons + _radiation(n, rng)
    weight = np.where(rng.uniform(size=n) < _NEGATIVE[process], -1.0, 1.0)
    branches, selected = _reconstruct(lepton, neutrino, partons, b_slots, rng)
    branches.update(weight_mc=weight[selected].astype(np.float32),
                    event_number=np.flatnonzero(selected).astype(np.int64))
    totals = {"totalEventsWeighted": np.array([weight.sum()]), "totalEvents": np.array([n], dtype=np.int64)}
    write_root(path, trees={"nominal": branches, "sumWeights": totals})


def write_ntuples(out: str | Path, *, events: int = 20_000, seed: int = 0,
                  masses: tuple[float, ...] = MASSES) -> list[Path]:
    """Write the example ntuples into the directory ``out`` (created); ``events`` generated
    per file (before the selection). Returns the files written."""
    if events < 100:
        raise ValueError(f"events must be at least 100 per file, got {events}")
    for mass in masses:
        if not mass > 2 * _W_MASS + 10:
            raise ValueError(f"signal masses must be above 2 m_W + 10 GeV = {2 * _W_MASS + 10:g} GeV, got {mass:g}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = []
    for mass in masses:
        path = out / f"signal_m{mass:g}.root"
        _write(path, "signal", events, lambda n, r, m=mass: _signal(n, m, r), 0, rng)
        written.append(path)
    for process, make, b_slots in (("ttbar", _ttbar, 2), ("wjets", _wjets, 0)):
        path = out / f"{process}.root"
        _write(path, process, events, make, b_slots, rng)
        written.append(path)
    return written
