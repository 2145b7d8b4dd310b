from __future__ import annotations

import sys

import numpy as np
import pytest
import uproot
from sklearn.metrics import roc_auc_score

from hepconditioning.datasets import htautau as ht
from hepconditioning.errors import MissingColumnError, NonFiniteError
from hepconditioning.events import Events
from hepconditioning.io import bundled_path
from hepconditioning.metrics import two_hypothesis_auc
from hepconditioning.multi_instance import oracle_score
from hepconditioning.physics import kinematics as kin
from hepconditioning.physics import tau

ALPHAS = np.pi / 8 * np.arange(1, 5)
# oracle AUCs at 1M events (PHYSICS.md section 6, ±0.0002 statistical)
AUC_NO_CUTS = [0.612, 0.702, 0.758, 0.776]
AUC_SELECTION = [0.617, 0.711, 0.769, 0.788]


@pytest.fixture(scope="module")
def events():
    return ht.generate(20_000, selection=True, seed=11, derived=True)


def weighted_auc(w_a, w_b):
    """Oracle AUC, sklearn as the reference for metrics.two_hypothesis_auc."""
    score = oracle_score(w_a, w_b)
    n = len(score)
    auc = roc_auc_score(np.r_[np.ones(n), np.zeros(n)], np.r_[score, score], sample_weight=np.r_[w_a, w_b])
    assert abs(two_hypothesis_auc(score, w_a, w_b) - auc) < 1e-12
    return auc


def rotate_and_boost(p, seed):
    rng = np.random.default_rng(seed)
    moved = kin.rotate(p, kin.random_rotation(len(p), rng=rng)[:, None])
    return kin.boost(moved, rng.uniform(-0.4, 0.4, size=(len(p), 1, 3)))


# -- generator --------------------------------------------------------------------------------
def test_generate_layout_and_reproducibility(events):
    assert len(events) == 20_000
    assert events.feature_names[:4] == ("bf_pim_px", "bf_pim_py", "bf_pim_pz", "bf_pim_e")
    assert events.feature_names[16:] == ht.DERIVED_FEATURES
    assert events.columns["particles"].shape == (20_000, 6, 4)
    np.testing.assert_array_equal(events.labels, 1.0)
    np.testing.assert_allclose(events.mass, np.pi / 2, rtol=1e-7)
    again = ht.generate(300, seed=5, alpha_b=0.3, neutrinos=True)
    np.testing.assert_array_equal(again.x, ht.generate(300, seed=5, alpha_b=0.3, neutrinos=True).x)
    assert again.n_features == 24
    assert not np.array_equal(again.x, ht.generate(300, seed=6, alpha_b=0.3, neutrinos=True).x)
    np.testing.assert_allclose(again.column("w_b"), ht.spin_weights(again, 0.3))
    assert ht.generate(0, seed=1, derived=True).x.shape == (0, 21)
    with pytest.raises(ValueError, match="non-negative integer"):
        ht.generate(-1)


def test_selection_applied(events):
    p = events.columns["particles"]
    assert ht.passes_selection(p).all()
    assert kin.pt(p[:, 1] + p[:, 2]).min() >= 20.0
    assert kin.pt(p[:, [1, 2, 4, 5]]).min() >= 1.0
    unselected = ht.generate_particles(20_000, selection=False, seed=2)
    efficiency = ht.passes_selection(unselected.particles).mean()
    assert 0.47 < efficiency < 0.55  # PHYSICS.md: ≈ 51 %


def test_four_momentum_conservation(events):
    p = events.columns["particles"]
    np.testing.assert_allclose(kin.mass(p[:, 0:3].sum(axis=1)), tau.M_TAU, rtol=1e-6)
    np.testing.assert_allclose(kin.mass(p[:, 3:6].sum(axis=1)), tau.M_TAU, rtol=1e-6)
    np.testing.assert_allclose(kin.mass(p.sum(axis=1)), tau.M_HIGGS, rtol=1e-9)
    np.testing.assert_allclose(kin.mass(p[:, [1, 4]]), tau.M_PI, rtol=1e-3)
    np.testing.assert_allclose(kin.mass(p[:, [2, 5]]), tau.M_PI0, rtol=1e-3)
    np.testing.assert_allclose(kin.mass(p[:, [0, 3]]), 0.0, atol=1e-3)


def test_weights_mean_one_bounded_and_axis_independent(events):
    for alpha in np.linspace(0.0, np.pi, 9):
        w = ht.spin_weights(events, alpha)
        assert w.min() >= -1e-9 and w.max() <= 2.0 + 1e-9
        assert abs(w.mean() - 1.0) < 5 * w.std() / np.sqrt(len(w)) + 0.02  # selection biases ⟨W⟩ a little
    raw = ht.generate_particles(50_000, selection=False, seed=4)
    for alpha in (0.0, 0.4, np.pi / 2):
        w = tau.spin_weight(raw.h_minus, raw.h_plus, alpha)
        assert abs(w.mean() - 1.0) < 5 * w.std() / np.sqrt(len(w))
    # recomputed from the lab particles with a random transverse x axis
    angles = np.random.default_rng(0).uniform(0, 2 * np.pi, len(events))
    h_minus, h_plus = tau.polarimetric_vectors(events.columns["particles"], transverse_angle=angles)
    np.testing.assert_allclose(tau.spin_weight(h_minus, h_plus, 0.0), events.column("w_a"), atol=1e-6)
    np.testing.assert_allclose(tau.spin_weight(h_minus, h_plus, np.pi / 2), events.column("w_b"), atol=1e-6)


def test_oracle_auc_matches_reference():
    n = 200_000
    tolerance = 5 * 0.0002 * np.sqrt(1e6 / n)  # 5 σ; σ = 0.0002 at 1M events
    for selection, reference in ((False, AUC_NO_CUTS), (True, AUC_SELECTION)):
        pairs = ht.generate_particles(n, selection=selection, seed=21)
        w_a = tau.spin_weight(pairs.h_minus, pairs.h_plus, 0.0)
        for alpha, expected in zip(ALPHAS, reference, strict=True):
            auc = weighted_auc(w_a, tau.spin_weight(pairs.h_minus, pairs.h_plus, alpha))
            assert abs(auc - expected) < tolerance, (selection, alpha, auc, expected)


def test_as_labelled_and_oracle_score(events):
    both = ht.as_labelled(events)
    n = len(events)
    assert len(both) == 2 * n
    np.testing.assert_array_equal(both.labels, np.r_[np.ones(n), np.zeros(n)])
    np.testing.assert_allclose(both.weights, np.r_[events.column("w_a"), events.column("w_b")], rtol=1e-6)
    score = oracle_score(events.column("w_a"), events.column("w_b"))
    np.testing.assert_allclose(score, events.column("w_a") / (events.column("w_a") + events.column("w_b")))
    alphas = np.random.default_rng(1).uniform(0, np.pi, n)
    conditioned = ht.as_labelled(events, alpha=alphas)
    np.testing.assert_allclose(conditioned.mass, np.r_[alphas, alphas], rtol=1e-6)
    np.testing.assert_allclose(conditioned.weights[n:], ht.spin_weights(events, alphas), rtol=1e-6)
    with pytest.raises(MissingColumnError, match="w_a"):
        ht.as_labelled(Events(np.zeros((2, 1)), 0.0, 1.0, feature_names=["a"]))


# -- features --------------------------------------------------------------------------------
def test_boosted_frame_geometry_and_masses(events):
    p = events.columns["particles"]
    full = ht.boosted_frame(p, neutrinos=True).reshape(-1, 6, 4)
    visible = ht.boosted_frame(p, neutrinos=False).reshape(-1, 4, 4)
    np.testing.assert_allclose(visible, full[:, [1, 2, 4, 5]])
    np.testing.assert_allclose(visible.sum(axis=1)[:, :3], 0.0, atol=1e-9)
    rho_minus = visible[:, 0] + visible[:, 1]
    np.testing.assert_allclose(rho_minus[:, :2], 0.0, atol=1e-9)
    assert (rho_minus[:, 2] < 0).all()
    np.testing.assert_allclose(visible[:, 0, 1], 0.0, atol=1e-9)  # π⁻ transverse along +x
    for pair in ([0, 1], [3, 4], [0, 1, 2], [1, 2, 4, 5], [0, 1, 2, 3, 4, 5], [2, 5]):
        np.testing.assert_allclose(kin.mass2(full[:, pair].sum(axis=1)), kin.mass2(p[:, pair].sum(axis=1)),
                                   rtol=1e-8, atol=1e-8)


def test_boosted_frame_invariant_under_lab_boost_and_rotation(events):
    p = events.columns["particles"][:2000]
    moved = rotate_and_boost(p, seed=3)
    np.testing.assert_allclose(ht.boosted_frame(moved, neutrinos=True), ht.boosted_frame(p, neutrinos=True),
                               atol=1e-6)


def test_derived_features(events):
    y_minus, y_plus = ht.energy_sharing(events.columns["particles"])
    np.testing.assert_allclose(events.column("y_minus"), y_minus, rtol=1e-5, atol=1e-6)
    assert (np.abs(y_plus) <= 1).all()
    phi_star = events.column("phi_star")
    assert phi_star.min() >= 0 and phi_star.max() < 2 * np.pi
    assert 0.74 < np.median(events.column("m_rho_minus")) < 0.80
    # φ* is a rest-frame angle: invariant under a boost/rotation of the lab event
    p = events.columns["particles"][:2000]
    np.testing.assert_allclose(ht.acoplanarity(rotate_and_boost(p, seed=8)), ht.acoplanarity(p), atol=1e-6)


def fitted_modulation(phi_star, weights):
    """Least-squares fit of c (1 − A cos φ*) to the weighted histogram; returns (A, σ_A)."""
    counts, edges = np.histogram(phi_star, bins=16, range=(0, 2 * np.pi), weights=weights)
    errors = np.sqrt(np.histogram(phi_star, bins=16, range=(0, 2 * np.pi), weights=weights**2)[0])
    centers = 0.5 * (edges[1:] + edges[:-1])
    design = np.column_stack([np.ones(16), -np.cos(centers)]) / errors[:, None]
    (c, c_a), *_ = np.linalg.lstsq(design, counts / errors, rcond=None)
    cov = np.linalg.inv(design.T @ design)
    return c_a / c, np.sqrt(cov[1, 1]) / c


@pytest.mark.parametrize(("selection", "amplitude"), [(False, 0.22), (True, 0.35)])
def test_phi_star_modulation_sign(selection, amplitude):
    ev = ht.generate(60_000, selection=selection, seed=13, derived=True)
    product = ev.column("y_minus") * ev.column("y_plus")
    for sign in (1, -1):
        mask = product * sign > 0
        a_scalar, err = fitted_modulation(ev.column("phi_star")[mask], ev.column("w_a")[mask])
        a_pseudo, _ = fitted_modulation(ev.column("phi_star")[mask], ev.column("w_b")[mask])
        # y⁺y⁻ > 0: scalar 1 − A cos φ*, pseudoscalar 1 + A cos φ*; reversed for y⁺y⁻ < 0
        assert abs(sign * a_scalar - amplitude) < max(5 * err, 0.03), (sign, a_scalar, err)
        assert abs(-sign * a_pseudo - amplitude) < max(5 * err, 0.03), (sign, a_pseudo, err)


# -- formats ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sample.root", "sample.csv", "sample.csv.gz"])
def test_round_trip(tmp_path, name):
    ev = ht.generate(500, seed=2, alpha_b=0.7, derived=True)
    ht.write_htautau(tmp_path / name, ev)
    back = ht.read_htautau(tmp_path / name, derived=True)
    np.testing.assert_array_equal(back.columns["particles"], ev.columns["particles"])
    np.testing.assert_array_equal(back.x, ev.x)
    np.testing.assert_allclose(back.column("w_b"), ev.column("w_b"), atol=1e-6)
    np.testing.assert_allclose(back.mass, 0.7, rtol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_external_tree_with_other_names(tmp_path):
    ev = ht.generate(400, seed=3, neutrinos=True)
    p = ev.columns["particles"] * 1000.0  # MeV
    names = ("Nu", "PiM", "Pi0M", "NuBar", "PiP", "Pi0P")
    components = ("E", "Px", "Py", "Pz")
    order = [3, 0, 1, 2]
    branches = {f"{n}_{c}": p[:, i, order[j]] for i, n in enumerate(names) for j, c in enumerate(components)}
    with uproot.recreate(tmp_path / "tauola.root") as file:
        file.mktree("events", dict.fromkeys(branches, np.float64))
        file["events"].extend(branches)
    spec = ht.HtautauSpec.from_pattern("{particle}_{component}", particles=names, components=("Px", "Py", "Pz", "E"),
                                       tree="events", w_a=None, w_b=None, alpha_b=np.pi / 2, scale=1e-3)
    back = ht.read_htautau(tmp_path / "tauola.root", spec=spec, neutrinos=True)
    np.testing.assert_allclose(back.x, ev.x, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(back.column("w_a"), ev.column("w_a"), atol=1e-6)
    np.testing.assert_allclose(back.column("w_b"), ev.column("w_b"), atol=1e-6)
    with pytest.raises(MissingColumnError, match=r"alpha_b.*HtautauSpec\(alpha_b="):
        ht.read_htautau(tmp_path / "tauola.root", spec=ht.HtautauSpec.from_pattern(
            particles=names, components=("Px", "Py", "Pz", "E"), tree="events", w_a=None, w_b=None))


def write_columns(path, columns):
    with uproot.recreate(path) as file:
        file.mktree("htautau", {k: v.dtype for k, v in columns.items()})
        file["htautau"].extend(columns)


def test_bad_inputs(tmp_path):
    ev = ht.generate(200, seed=4)
    ht.write_htautau(tmp_path / "good.root", ev)
    with uproot.open(tmp_path / "good.root") as file:
        columns = file["htautau"].arrays(library="np")
    missing = {k: v for k, v in columns.items() if k != "pim_px"}
    write_columns(tmp_path / "missing.root", missing)
    with pytest.raises(MissingColumnError, match=r"'pim_px' not found in tree 'htautau'.*did you mean"):
        ht.read_htautau(tmp_path / "missing.root")
    unphysical = dict(columns)
    unphysical["pi0p_e"] = unphysical["pi0p_e"].copy()
    unphysical["pi0p_e"][7] = 0.1
    write_columns(tmp_path / "unphysical.root", unphysical)
    with pytest.raises(ht.UnphysicalMomentumError, match=r"event 7, particle 5"):
        ht.read_htautau(tmp_path / "unphysical.root")
    nan = dict(columns)
    nan["nu_pz"] = nan["nu_pz"].copy()
    nan["nu_pz"][3] = np.nan
    write_columns(tmp_path / "nan.root", nan)
    with pytest.raises(NonFiniteError):
        ht.read_htautau(tmp_path / "nan.root")
    with pytest.raises(MissingColumnError, match="trees"):
        ht.read_htautau(tmp_path / "good.root", spec=ht.HtautauSpec(tree="events"))
    with pytest.raises(ValueError, match=r"\.root, \.csv"):
        ht.write_htautau(tmp_path / "x.parquet", ev)
    with pytest.raises(FileNotFoundError):
        ht.read_htautau(tmp_path / "absent.root")
    with pytest.raises(ValueError, match="24 column names"):
        ht.HtautauSpec(particles=("a", "b"))
    assert not list(tmp_path.glob(".*tmp*"))


def test_write_generated(tmp_path):
    path = ht.write_generated(tmp_path / "gen.root", 1200, seed=9, alpha_b=1.0, progress=False, chunk_size=500)
    back = ht.read_htautau(path)
    assert len(back) == 1200
    np.testing.assert_allclose(back.mass, 1.0)
    assert ht.passes_selection(back.columns["particles"]).all()
    again = ht.read_htautau(ht.write_generated(tmp_path / "gen.csv", 1200, seed=9, alpha_b=1.0,
                                               progress=False, chunk_size=500))
    np.testing.assert_array_equal(again.x, back.x)


def test_bundled_sample():
    assert bundled_path(ht.SAMPLE).is_file()  # ships with the checkout: missing is a failure
    ev = ht.load_htautau(derived=True)
    assert len(ev) == 20_000
    assert ht.passes_selection(ev.columns["particles"]).all()
    tolerance = 5 * 0.0002 * np.sqrt(1e6 / len(ev))
    auc = weighted_auc(ev.column("w_a"), ev.column("w_b"))
    assert abs(auc - AUC_SELECTION[-1]) < tolerance


# -- optional Pythia backend (runs in tests/test_htautau_pythia.py) ---------------------------
def test_pythia_missing_dependency(monkeypatch):
    monkeypatch.setitem(sys.modules, "pythia8mc", None)  # import fails as if not installed
    with pytest.raises(ImportError, match=r"pip install 'hepconditioning\[pythia\]'"):
        ht.generate_pythia(10)
