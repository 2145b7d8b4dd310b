"""Optional real generator of the HEPMASS process: Pythia 8 + fastjet + the parametric detector.

The process of Baldi et al. 2016 (arXiv:1601.07913), pp at √s = 14 TeV: signal X → tt̄ with X a
Z′ of mass m_X (``NewGaugeBoson:ffbar2gmZZprime``, ``Zprime:gmZmode = 3``, Z′ → tt̄ only;
Pythia's width ≈ 3 % of m_X) and Standard-Model tt̄ background (``Top:gg2ttbar``,
``Top:qqbar2ttbar``); one W → eν/μν and the other W → qq̄′, the charge-conjugate choice for
half of the events (two Pythia instances per class). Settings of PHYSICS.md §3: FSR and
hadronization on, multiparton interactions off (no underlying event, as in the numpy
stand-in), ISR on only with ``isr=True`` (ISR jets among the leading four cost up to 6 AUC
points at 500 GeV, so the calibrated default has ISR off).

Per event Pythia is stepped in Python (its interface is per event); the final-state particles
are copied to arrays once, everything after that is vectorized over the batch:

- the lepton: the final-state e/μ with pT > 20 GeV, |η| < 2.5 and relative isolation
  Σ pT(ΔR < 0.3) / pT < 0.15; events need exactly one;
- jets: anti-kT R = 0.4 (fastjet, Cacciari–Salam–Soyez) of all visible final-state particles
  with |η| < 4.9 except that lepton; the ten leading jets with pT > 10 GeV are kept;
- flavour: a jet within ΔR < 0.4 of a b hadron (pT > 5 GeV) is a b jet, else of a c hadron a
  c jet;
- the detector of :mod:`~hepconditioning.datasets.hepmass.detector`: jet energy resolution
  σ_E/E = 100 %/√E ⊕ 5 % (the numpy stand-in's out-of-cone loss is not added: Pythia's jets
  lose that energy for real), lepton pT resolution 1.5 %, acceptance pT > 20 GeV and
  |η| < 2.5, b-tag efficiency 70 % / 15 % (c) / 2 % (light), E⃗_T^miss = Σ p⃗_T^ν minus the
  smearing of jets and lepton plus 8 GeV noise per component;
- the reconstruction and standardization of the numpy generator
  (:func:`~hepconditioning.datasets.hepmass.reconstruction.reconstruct`,
  :func:`~hepconditioning.datasets.hepmass.standardization.standardize`).

Needs the ``pythia`` extra: ``pip install "hepconditioning[pythia]"``. Speed (one core,
``benchmarks/hepmass_pythia.py``): ~100 selected events/s (~200 generated; the numpy stand-in
does ~40k/s); two thirds of the time is copying particles out of Pythia in Python. The
signal m_WWbb peaks at ≈ 0.92 m_X (robust width 12–14 %), a little below the parton-level
study of PHYSICS.md §3 (0.96 m_X): hadronization and FSR leak energy out of the R = 0.4 jets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from hepconditioning.datasets.hepmass import detector, reconstruction
from hepconditioning.datasets.hepmass.generator import check_request, group_counts
from hepconditioning.datasets.hepmass.layout import HEPMASS_FEATURES, MASSES
from hepconditioning.datasets.hepmass.standardization import standardize
from hepconditioning.errors import MissingDependencyError
from hepconditioning.events import Events

__all__ = ["JET_SLOTS", "PYTHIA_SETTINGS", "generate_pythia", "pythia_settings", "smear"]

PYTHIA_SETTINGS: tuple[str, ...] = (
    "Beams:eCM = 14000.",
    "PartonLevel:MPI = off",
    "111:mayDecay = off",  # π⁰ → γγ both land in the calorimeter: same jets, fewer particles
    "Next:numberCount = 0",
    "Print:quiet = on",
)
"""Settings shared by signal and background (14 TeV as HEPMASS, no underlying event, π⁰ stable)."""

JET_SLOTS = 10
_ISO_CONE, _ISO_MAX, _MATCH_R, _HADRON_PT, _JET_PT_MIN, _ETA_VISIBLE = 0.3, 0.15, 0.4, 5.0, 10.0, 4.9
_BATCH = 256  # Pythia events per vectorized detector/reconstruction pass
_INVISIBLE = (12, 14, 16)


def pythia_settings(m_x: float | None, *, lepton_positive: bool, isr: bool) -> list[str]:
    """Pythia ``readString`` lines for signal at ``m_x`` GeV (``None``: SM tt̄ background).

    ``lepton_positive``: W⁺ → ℓ⁺ν and W⁻ → qq̄′ (else the charge conjugate).
    """
    if m_x is None:
        process = ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on"]
    else:
        process = ["NewGaugeBoson:ffbar2gmZZprime = on", "Zprime:gmZmode = 3", f"32:m0 = {m_x:.6g}",
                   "32:onMode = off", "32:onIfAny = 6"]
    lep, had = ("Pos", "Neg") if lepton_positive else ("Neg", "Pos")
    return [*PYTHIA_SETTINGS, *process, f"PartonLevel:ISR = {'on' if isr else 'off'}", "24:onMode = off",
            f"24:on{lep}IfAny = 11 13", f"24:on{had}IfAny = 1 2 3 4 5"]


def _import_backends() -> tuple[Any, Any, Any]:
    modules, missing = {}, []
    for name in ("pythia8mc", "fastjet", "awkward"):
        try:
            modules[name] = __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingDependencyError(" and ".join(missing), "pythia", purpose="the Pythia HEPMASS generator")
    pythia8mc, fastjet, awkward = (modules[name] for name in ("pythia8mc", "fastjet", "awkward"))
    return pythia8mc, fastjet, awkward


def _make_pythia(pythia8mc: Any, lines: Sequence[str], seed: int) -> Any:
    pythia = pythia8mc.Pythia("", False)
    for line in (*lines, "Random:setSeed = on", f"Random:seed = {seed}"):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialize with settings {list(lines)}")
    return pythia


def _particles(event: Any) -> np.ndarray:
    """(id, status, px, py, pz, E) of the final particles and all hadrons of an event ``(P, 6)``.

    Status > 0 marks final particles; partons and decayed resonances are skipped (~20 % faster).
    """
    return np.array([(p.id(), p.status(), p.px(), p.py(), p.pz(), p.e()) for p in event
                     if p.status() > 0 or p.idAbs() > 100], dtype=np.float64)


def _pad(values: np.ndarray, event: np.ndarray, n: int, fill: float = 0.0) -> np.ndarray:
    """Rows ``values (M, ...)`` grouped by sorted ``event (M,)`` → ``(n, max count, ...)``."""
    counts = np.bincount(event, minlength=n)
    width = max(int(counts.max(initial=0)), 1)
    slot = np.arange(event.size) - np.repeat(np.cumsum(counts) - counts, counts)
    out = np.full((n, width, *values.shape[1:]), fill)
    out[event, slot] = values
    return out


def _pt_eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pt = np.hypot(p[..., 0], p[..., 1])
    eta = np.arcsinh(np.divide(p[..., 2], pt, out=np.full(pt.shape, 1e6), where=pt > 1e-9))
    return pt, eta, np.arctan2(p[..., 1], p[..., 0])


def _delta_r(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> np.ndarray:
    dphi = np.angle(np.exp(1j * (a[2][..., :, None] - b[2][..., None, :])))
    return np.hypot(a[1][..., :, None] - b[1][..., None, :], dphi)


def _hadron_flavour(pid: np.ndarray, quark: int) -> np.ndarray:
    code = np.abs(pid).astype(np.int64)
    return (code < 10_000) & (((code // 100) % 10 == quark) | ((code // 1000) % 10 == quark))


def _truth_objects(events: list[np.ndarray], fastjet: Any, ak: Any) -> dict[str, np.ndarray]:
    """Lepton, jets, jet flavour and Σ p⃗_T^ν of a batch of ``_particles`` arrays (vectorized)."""
    n = len(events)
    flat = np.concatenate(events)
    ev = np.repeat(np.arange(n), [e.shape[0] for e in events])
    pid, final, p4 = flat[:, 0], flat[:, 1] > 0, flat[:, 2:6]
    pt, eta, _ = _pt_eta_phi(p4)
    invisible = final & np.isin(np.abs(pid), _INVISIBLE)
    visible = final & ~invisible & (np.abs(eta) < _ETA_VISIBLE)
    nu_pt = np.zeros((n, 2))
    np.add.at(nu_pt, ev[invisible], p4[invisible, :2])

    vis_idx = np.flatnonzero(visible)
    vis = _pad(p4[vis_idx], ev[vis_idx], n)  # (N, P, 4)
    vis_kin = _pt_eta_phi(vis)
    cand = np.flatnonzero(visible & np.isin(np.abs(pid), (11, 13)) & (pt > detector.PT_MIN)
                          & (np.abs(eta) < detector.ETA_MAX))
    lep = _pad(p4[cand], ev[cand], n)  # (N, C, 4), absent = 0
    lep_kin = _pt_eta_phi(lep)
    cone = _delta_r(lep_kin, vis_kin) < _ISO_CONE  # (N, C, P), includes the lepton itself
    iso = (cone * vis_kin[0][:, None, :]).sum(axis=2) - lep_kin[0]
    isolated = (lep_kin[0] > 0) & (iso < _ISO_MAX * lep_kin[0])
    best = np.argmax(np.where(isolated, lep_kin[0], -1.0), axis=1)
    lepton = np.where(isolated.any(axis=1)[:, None], lep[np.arange(n), best], 0.0)
    one_lepton = isolated.sum(axis=1) == 1

    # jet inputs: visible particles minus the chosen lepton
    is_lepton = (vis == lepton[:, None, :]).all(axis=2) & one_lepton[:, None]
    keep = (vis_kin[0] > 0) & ~is_lepton
    counts = keep.sum(axis=1)
    inputs = vis[keep]
    record = ak.zip({"px": inputs[:, 0], "py": inputs[:, 1], "pz": inputs[:, 2], "E": inputs[:, 3]})
    sequence = fastjet.ClusterSequence(ak.unflatten(record, counts),
                                       fastjet.JetDefinition(fastjet.antikt_algorithm, 0.4))
    found = sequence.inclusive_jets(min_pt=_JET_PT_MIN)
    found = found[ak.argsort(np.hypot(found.px, found.py), axis=1, ascending=False)][:, :JET_SLOTS]
    padded = ak.fill_none(ak.pad_none(found, JET_SLOTS, axis=1, clip=True), {"px": 0.0, "py": 0.0, "pz": 0.0,
                                                                               "E": 0.0})
    jets = np.stack([ak.to_numpy(padded[c]) for c in ("px", "py", "pz", "E")], axis=-1).astype(np.float64)

    jet_kin = _pt_eta_phi(jets)
    flavour = np.zeros((n, JET_SLOTS), dtype=np.int64)
    for quark in (4, 5):  # b overrides c
        had = np.flatnonzero(_hadron_flavour(pid, quark) & (pt > _HADRON_PT))
        hadrons = _pad(p4[had], ev[had], n)
        near = (_delta_r(jet_kin, _pt_eta_phi(hadrons)) < _MATCH_R) & (np.hypot(hadrons[..., 0],
                                                                                hadrons[..., 1]) > 0)[:, None, :]
        flavour[near.any(axis=2)] = quark
    return {"jets": jets, "flavour": flavour, "lepton": lepton, "one_lepton": one_lepton, "nu_pt": nu_pt}


def smear(jets: np.ndarray, flavour: np.ndarray, lepton: np.ndarray, nu_pt: np.ndarray, *,
          rng: np.random.Generator, lepton_found: np.ndarray | None = None) -> detector.Detector:
    """Parametric detector of PHYSICS.md §3 on particle-level objects.

    Args:
        jets: particle-level jets ``(N, K, 4)`` (px, py, pz, E) GeV, absent slots zero.
        flavour: ``(N, K)`` int, 5 b, 4 c, anything else light.
        lepton: the isolated lepton ``(N, 4)`` GeV (zero if none).
        nu_pt: true Σ p⃗_T of the neutrinos ``(N, 2)`` GeV.
        rng: random generator.
        lepton_found: ``(N,)`` bool, exactly one isolated lepton (default: all).

    Returns:
        a :class:`~hepconditioning.datasets.hepmass.detector.Detector` (``origin`` is
        ``ORIGIN_ISR`` everywhere: no parton truth).
    """
    n, k = flavour.shape
    energy = np.maximum(jets[..., 3], 1.0)
    sigma = np.sqrt(detector.JET_STOCHASTIC**2 / energy + detector.JET_CONSTANT**2)
    scale = np.clip(1.0 + sigma * rng.standard_normal((n, k)), 0.05, None)
    smeared = jets * scale[..., None]
    pt, eta, _ = _pt_eta_phi(smeared)
    accepted = (pt > detector.PT_MIN) & (np.abs(eta) < detector.ETA_MAX)
    efficiency = np.select([flavour == 5, flavour == 4], [detector.B_TAG_EFFICIENCY, detector.C_MISTAG],
                           detector.LIGHT_MISTAG)
    btag = (rng.uniform(0.0, 1.0, (n, k)) < efficiency).astype(np.float64)
    lep = lepton * (1.0 + detector.LEPTON_RESOLUTION * rng.standard_normal(n))[:, None]
    lep_pt, lep_eta, _ = _pt_eta_phi(lep)
    lep_ok = (lep_pt > detector.PT_MIN) & (np.abs(lep_eta) < detector.ETA_MAX)
    if lepton_found is not None:
        lep_ok &= lepton_found
    mismeasured = (smeared - jets)[..., :2].sum(axis=1) + (lep - lepton)[:, :2]
    met = nu_pt - mismeasured + rng.normal(0.0, detector.SOFT_MET, (n, 2))
    origin = np.full((n, k), detector.ORIGIN_ISR)
    return detector.Detector(smeared, accepted, btag, origin, lep, lep_ok, met)


def _group(count: int, m_x: float | None, *, isr: bool, seeds: np.ndarray, rng: np.random.Generator,
           backends: tuple[Any, Any, Any], bar: Any) -> np.ndarray:
    """``count`` selected events of one class: raw features ``(count, 27)``."""
    pythia8mc, fastjet, ak = backends
    generators = [_make_pythia(pythia8mc, pythia_settings(m_x, lepton_positive=sign, isr=isr), int(s))
                  for sign, s in zip((True, False), seeds, strict=True)]
    parts: list[np.ndarray] = []
    have, tries, max_tries = 0, 0, 20 * count + 2000
    while have < count:
        if tries >= max_tries:
            raise RuntimeError(f"only {have} of {count} events selected after {tries} Pythia events "
                               f"(m_X = {m_x}); check the settings")
        batch: list[np.ndarray] = []
        while len(batch) < min(_BATCH, 2 * (count - have) + 8) and tries < max_tries:
            pythia = generators[tries % 2]
            tries += 1
            if pythia.next():
                batch.append(_particles(pythia.event))
        if not batch:
            continue
        truth = _truth_objects(batch, fastjet, ak)
        det = smear(truth["jets"], truth["flavour"], truth["lepton"], truth["nu_pt"], rng=rng,
                    lepton_found=truth["one_lepton"])
        features = reconstruction.reconstruct(det).features[:count - have]
        parts.append(features)
        have += features.shape[0]
        bar.update(features.shape[0])
    return np.concatenate(parts)


def generate_pythia(
    n: int,
    *,
    masses: Sequence[float] = MASSES,
    seed: int = 0,
    isr: bool = False,
    signal_fraction: float = 0.5,
    progress: bool = False,
) -> Events:
    """Generate ``n`` selected HEPMASS events with Pythia 8 (same contract as ``hepmass.generate``).

    Args:
        n: number of events after selection (exact).
        masses: signal masses m_X in GeV (any value in (345, 10000]); signal is split equally
            among them and background gets the same mass values in the same proportions.
        seed: seeds Pythia (two instances per class) and the detector; same seed, same events.
        isr: initial-state radiation on (off: the calibrated default, PHYSICS.md §3).
        signal_fraction: fraction of signal events.
        progress: show a tqdm bar of selected events.

    Returns:
        ``Events`` with ``x (n, 27)`` standardized features ``f0 … f26`` in the HEPMASS order,
        ``mass (n,)`` GeV, ``labels (n,)`` (1 = X → tt̄).

    Raises:
        MissingDependencyError: ``pythia8mc`` or ``fastjet`` is not installed.
        ValueError: bad ``n``, ``masses`` or ``signal_fraction``.
    """
    n, masses = check_request(n, masses, signal_fraction)
    backends = _import_backends()
    n_masses = len(masses)
    all_counts = group_counts(n, n_masses, signal_fraction)
    counts, bkg_counts = all_counts[:n_masses], all_counts[n_masses:]
    n_bkg = sum(bkg_counts)
    ss = np.random.SeedSequence(seed)
    pythia_seeds = ss.generate_state(2 * (n_masses + 1)) % 900_000_000 + 1
    rng = np.random.default_rng(ss.spawn(1)[0])
    raw, labels, mass = [], [], []
    with tqdm(total=n, unit="ev", disable=not progress, desc="pythia hepmass") as bar:
        for i, (count, m_x) in enumerate(zip(counts, masses, strict=True)):
            if count:
                raw.append(_group(count, m_x, isr=isr, seeds=pythia_seeds[2 * i:2 * i + 2], rng=rng,
                                  backends=backends, bar=bar))
                labels.append(np.ones(count))
                mass.append(np.full(count, m_x))
        if n_bkg:
            raw.append(_group(n_bkg, None, isr=isr, seeds=pythia_seeds[-2:], rng=rng, backends=backends,
                              bar=bar))
            labels.append(np.zeros(n_bkg))
            mass.append(rng.permutation(np.repeat(np.asarray(masses), bkg_counts)))
    order = rng.permutation(n)
    x = standardize(np.concatenate(raw))[order]
    return Events(x, np.concatenate(mass)[order].astype(np.float32), np.concatenate(labels)[order].astype(np.float32),
                  feature_names=HEPMASS_FEATURES)

