from __future__ import annotations

import numpy as np
import pytest

from hepconditioning import Events
from hepconditioning.datasets import hepmass
from hepconditioning.datasets.hepmass import HEPMASS_FEATURES, partons
from hepconditioning.io import bundled_path
from hepconditioning.physics import kinematics as kin

MASSES = (500.0, 750.0, 1000.0, 1250.0, 1500.0)


@pytest.fixture(scope="module")
def sample() -> Events:
    """24k generated events with truth columns (ISR off)."""
    return hepmass.generate(24_000, seed=11, truth=True)


def raw(events: Events) -> np.ndarray:
    return hepmass.unstandardize(events.x)


# -- physics -----------------------------------------------------------------------------
def test_four_momentum_conserved_before_smearing():
    rng = np.random.default_rng(3)
    m_tt = np.concatenate([partons.signal_mtt(np.full(2000, 1000.0), rng=rng),
                           partons.background_mtt(2000, rng=rng)])
    labels = np.r_[np.ones(2000), np.zeros(2000)]
    for isr in (False, True):
        p = partons.hard_process(m_tt, labels, rng=rng, isr=isr)
        total = p.lepton + p.neutrino + p.b_lep + p.b_had + p.q1 + p.q2
        scale = p.ttbar[:, 3:4]
        np.testing.assert_allclose(total / scale, p.ttbar / scale, atol=1e-6)
        np.testing.assert_allclose(p.top_lep + p.top_had, p.ttbar, rtol=0, atol=1e-6 * scale.max())
        np.testing.assert_allclose(kin.mass(p.ttbar), m_tt, rtol=1e-6)
        # the tt̄ system recoils against the ISR partons
        if isr:
            np.testing.assert_allclose((p.ttbar + p.isr.sum(axis=1))[:, :2], 0.0, atol=1e-6 * scale.max())
    assert abs(np.median(kin.mass(p.w_had)) - partons.W_MASS) < 0.5
    assert abs(np.median(kin.mass(p.top_lep)) - partons.TOP_MASS) < 0.5


def test_background_mtt_spectrum_falls_above_threshold():
    m = partons.background_mtt(200_000, rng=np.random.default_rng(0))
    assert m.min() >= 2 * partons.TOP_MASS
    assert 450 < np.median(m) < 520  # Pythia tt̄: 485 GeV (PHYSICS.md §3)
    counts, _ = np.histogram(m, bins=np.arange(350, 2050, 100))
    assert np.argmax(counts) <= 1 and np.all(np.diff(counts[1:]) < 0)


@pytest.mark.parametrize("m_x", MASSES)
def test_signal_mwwbb_peaks_at_mx(sample, m_x):
    sig = sample[(sample.labels == 1) & (sample.mass == m_x)]
    m_wwbb = raw(sig)[:, 26]
    counts, edges = np.histogram(m_wwbb, bins=np.linspace(0.5 * m_x, 1.5 * m_x, 51))
    smooth = np.convolve(counts, np.ones(3) / 3, mode="same")
    peak = 0.5 * (edges[:-1] + edges[1:])[np.argmax(smooth)]
    assert abs(peak / m_x - 1) < 0.05, peak
    q16, q84 = np.percentile(m_wwbb, [16, 84])
    resolution = 0.5 * (q84 - q16) / m_x
    assert 0.05 < resolution < 0.20, resolution


def test_hadronic_w_and_top_masses_for_correct_assignment(sample):
    r = raw(sample)
    correct = sample.column("assignment_correct") == 1
    assert 0.4 < correct.mean() < 0.9
    assert abs(np.median(r[correct, 22]) - partons.W_MASS) < 4.0
    assert abs(np.median(r[correct, 23]) - partons.TOP_MASS) < 8.0
    # wrong assignments are much broader
    assert np.std(r[~correct, 23]) > 1.5 * np.std(r[correct, 23])


def test_background_mwwbb_falls_above_500(sample):
    m_wwbb = raw(sample.background)[:, 26]
    assert 400 < np.median(m_wwbb) < 520  # Pythia without ISR: ≈ 450 GeV
    counts, _ = np.histogram(m_wwbb, bins=np.arange(500, 1600, 100))
    assert np.all(np.diff(counts) < 0)


def test_neutrino_and_selection_like_pythia(sample):
    real = sample.column("real_neutrino")
    assert 0.6 < real.mean() < 0.9  # Pythia: ~25 % without a real root
    r = raw(sample)
    np.testing.assert_allclose(np.median(r[real == 1, 24]), partons.W_MASS, rtol=1e-4)
    n_jets = np.round(r[:, 5])
    np.testing.assert_allclose(r[:, 5], n_jets, atol=1e-4)
    assert set(np.unique(n_jets)) >= {4.0, 5.0, 6.0}
    assert n_jets.min() == 4
    assert np.all(r[:, [0, 6, 10, 14, 18]] > 20.0)
    assert np.all(np.abs(r[:, [1, 7, 11, 15, 19]]) < 2.5)
    assert np.all(np.diff(r[:, [6, 10, 14, 18]], axis=1) <= 0)  # jets ordered in pT


def test_standardized_features(sample):
    assert sample.feature_names == HEPMASS_FEATURES
    np.testing.assert_allclose(sample.x.mean(axis=0), 0.0, atol=0.05)
    # m_ℓν (f24) has a heavy tail from events without a real neutrino solution
    np.testing.assert_allclose(sample.x.var(axis=0), 1.0, atol=0.15)
    np.testing.assert_allclose(hepmass.standardize(raw(sample)), sample.x, atol=1e-4)


def test_counts_balance_and_reproducibility(sample):
    assert len(sample) == 24_000
    assert sample.labels.sum() == 12_000
    for m_x in MASSES:
        assert np.count_nonzero(sample.signal.mass == m_x) == 2400
        assert np.count_nonzero(sample.background.mass == m_x) == 2400
    assert np.all(sample.process == 0)
    a = hepmass.generate(300, seed=5, masses=(600.0, 900.0), signal_fraction=0.2)
    b = hepmass.generate(300, seed=5, masses=(600.0, 900.0), signal_fraction=0.2)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.labels.sum() == 60 and a.mass_points.tolist() == [600.0, 900.0]
    c = Events.concat(list(hepmass.iter_generate(300, chunk=128, seed=5, masses=(600.0, 900.0),
                                                 signal_fraction=0.2)))
    np.testing.assert_array_equal(hepmass.generate(300, chunk=128, seed=5, masses=(600.0, 900.0),
                                                   signal_fraction=0.2).x, c.x)
    assert not np.array_equal(hepmass.generate(300, seed=6).x, hepmass.generate(300, seed=5).x)


def test_isr_adds_jets():
    ev = hepmass.generate(3000, seed=2, isr=True)
    n_jets = raw(ev)[:, 5]
    assert n_jets.mean() > raw(hepmass.generate(3000, seed=2))[:, 5].mean() + 0.3


def test_mass_spec():
    assert hepmass.check_masses("500,750 1000") == (500.0, 750.0, 1000.0)
    assert hepmass.check_masses(600) == (600.0,)


@pytest.mark.parametrize("masses", [(300.0,), (500.0, "x"), (), (500.0, 500.0), (float("nan"),), "500,abc", ""])
def test_bad_masses(masses):
    with pytest.raises(ValueError, match="mass"):
        hepmass.generate(10, masses=masses)


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_bad_event_count(n):
    with pytest.raises(ValueError, match="positive integer"):
        hepmass.generate(n)


# -- kinematics helpers --------------------------------------------------------------------
def test_neutrino_pz_solves_w_mass_constraint():
    rng = np.random.default_rng(4)
    w = kin.from_pt_eta_phi_m(rng.uniform(0, 200, 5000), rng.normal(0, 1, 5000), rng.uniform(-3, 3, 5000), 80.4)
    lepton, neutrino = kin.two_body_decay(w, 0.0, 0.0, rng=rng)
    pz, real = kin.neutrino_pz(lepton, neutrino[:, 0], neutrino[:, 1], m_w=80.4)
    assert real.all()  # the true neutrino is one root
    nu = np.column_stack([neutrino[:, :2], pz, np.hypot(kin.pt(neutrino), pz)])
    np.testing.assert_allclose(kin.mass(lepton + nu), 80.4, rtol=1e-6)
    # the true p_z is one of the two roots; the smaller |p_z| is returned
    assert np.all(np.abs(pz) <= np.abs(neutrino[:, 2]) + 1e-6 * neutrino[:, 3])
    assert 0.3 < np.mean(np.isclose(pz, neutrino[:, 2], rtol=1e-6, atol=1e-6)) < 1.0
    np.testing.assert_allclose(kin.delta_phi(np.array([3.0]), np.array([-3.0])), 6.0 - 2 * np.pi)
    axis = rng.normal(size=(100, 3))
    d = kin.direction_about(axis, np.full(100, 0.5), rng.uniform(-np.pi, np.pi, 100))
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0)
    np.testing.assert_allclose(np.sum(d * axis, axis=1) / np.linalg.norm(axis, axis=1), 0.5)


# -- HEPMASS-IMB ---------------------------------------------------------------------------
def test_imbalanced_counts_background_and_seed(sample):
    imb = hepmass.make_imbalanced(sample, seed=1)
    scale = hepmass.imbalanced_scale(sample)
    assert scale == pytest.approx(2400 / 700_000)
    expected = {500.0: 1200, 750.0: 480, 1000.0: 120, 1250.0: 24, 1500.0: 7}
    assert hepmass.imbalanced_counts(scale) == expected
    for m_x, k in expected.items():
        assert np.count_nonzero(imb.signal.mass == m_x) == k
    np.testing.assert_array_equal(imb.background.x, sample.background.x)
    again = hepmass.make_imbalanced(sample, seed=1)
    np.testing.assert_array_equal(again.x, imb.x)
    assert not np.array_equal(hepmass.make_imbalanced(sample, seed=2).x, imb.x)
    fixed = hepmass.make_imbalanced(sample, scale=0.001, seed=0)
    assert fixed.labels.sum() == sum(round(0.001 * c) for c in hepmass.IMB_COUNTS.values())


def test_imbalanced_bad_inputs(sample):
    with pytest.raises(ValueError, match="not enough signal"):
        hepmass.make_imbalanced(sample, scale=1.0)
    odd = hepmass.generate(200, masses=(500.0, 600.0), seed=0)
    with pytest.raises(ValueError, match="unknown mass point"):
        hepmass.make_imbalanced(odd)


# -- files and loading ---------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv.gz", ".csv", ".root"])
def test_write_read_round_trip(tmp_path, suffix):
    from hepconditioning.io import read_csv, read_events

    path = hepmass.write_generated(tmp_path / f"gen{suffix}", 700, seed=3, chunk=256, progress=False)
    back = read_events(path) if suffix == ".root" else read_csv(path)
    expected = hepmass.generate(700, seed=3, chunk=256)
    np.testing.assert_allclose(back.x, expected.x, atol=5e-5 + 1e-6)
    np.testing.assert_array_equal(back.x, np.round(expected.x, 4))
    np.testing.assert_array_equal(back.mass, expected.mass)
    np.testing.assert_array_equal(back.labels, expected.labels)
    assert back.feature_names == HEPMASS_FEATURES
    if suffix == ".csv.gz":
        with open(path, "rb") as f:
            assert f.read(2) == b"\x1f\x8b"
        exact = hepmass.write_generated(tmp_path / "exact.csv.gz", 700, seed=3, chunk=256, decimals=None,
                                        progress=False)
        np.testing.assert_array_equal(read_csv(exact).x, expected.x)


def test_write_bad_inputs(tmp_path):
    missing = tmp_path / "no" / "such" / "gen.csv.gz"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        hepmass.write_generated(missing, 100, progress=False)
    target = tmp_path / "gen.csv.gz"
    for bad in ({"n": 0}, {"n": -1}, {"n": 10, "masses": (200.0,)}):
        with pytest.raises(ValueError):
            hepmass.write_generated(target, **{"n": 10, **bad}, progress=False)
    with pytest.raises(ValueError, match=r"\.csv"):
        hepmass.write_generated(tmp_path / "gen.txt", 10, progress=False)
    assert list(tmp_path.iterdir()) == []  # no partial or temporary file left


def test_load_hepmass_splits(sample, tmp_path):
    train = hepmass.load_hepmass(sample, split="train")
    validation = hepmass.load_hepmass(sample, split="validation")
    assert len(train) == 18_000 and len(validation) == 6_000
    assert hepmass.load_hepmass(sample, split="test") is sample
    assert len(hepmass.load_hepmass(sample, split=None)) == len(sample)
    imb_train = hepmass.load_hepmass(sample, split=None, imbalanced=True)
    assert imb_train.labels.sum() == 1200 + 480 + 120 + 24 + 7
    test = hepmass.load_hepmass(sample, split="test", test_fraction=0.2)
    rest = hepmass.load_hepmass(sample, split=None, test_fraction=0.2)
    assert len(test) == 4_800 and len(rest) == 19_200
    gen_train = hepmass.load_hepmass("generated", n_events=800, split="train", seed=1)
    gen_test = hepmass.load_hepmass("generated", n_events=800, split="test", seed=1)
    assert len(gen_train) == 600 and len(gen_test) == 400
    path = hepmass.write_generated(tmp_path / "f.csv", 400, seed=0, progress=False)
    assert len(hepmass.load_hepmass(path, split="validation")) == 100
    with pytest.raises(ValueError, match="split"):
        hepmass.load_hepmass(sample, split="training")
    with pytest.raises(FileNotFoundError):
        hepmass.load_hepmass(tmp_path / "missing.csv.gz")
    with pytest.raises(TypeError):
        hepmass.load_hepmass(42)


def test_bundled_sample():
    sample = bundled_path(hepmass.SAMPLE)  # ships with the checkout: missing is a failure
    assert sample.stat().st_size <= 5 * 2**20
    events = hepmass.load_hepmass("bundled", split=None)
    test = hepmass.load_hepmass("bundled", split="test")
    assert len(events) + len(test) == 40_000
    assert events.n_features == 27 and events.feature_names == HEPMASS_FEATURES
    assert events.mass_points.tolist() == list(MASSES)
    assert np.abs(events.x.mean(axis=0)).max() < 0.1


def _objects(det, *, cartesian: bool):
    import awkward as ak

    from hepconditioning.physics import kinematics as kin

    def record(p4, **extra):
        if cartesian:
            fields = {"px": p4[..., 0], "py": p4[..., 1], "pz": p4[..., 2], "E": p4[..., 3]}
        else:
            pt = kin.pt(p4)
            fields = {"pt": pt, "eta": np.arcsinh(np.divide(p4[..., 2], pt, out=np.full(pt.shape, 1e6),
                                                            where=pt > 1e-9)),
                      "phi": kin.phi(p4), "mass": kin.mass(p4)}
        return ak.zip({**fields, **extra})

    jets = record(det.jets, btag=det.btag)
    leptons = record(det.lepton[:, None, :])
    return leptons, jets, ak.zip({"px": det.met[:, 0], "py": det.met[:, 1]})


@pytest.mark.parametrize("cartesian", [True, False], ids=["px-py-pz-E", "pt-eta-phi-mass"])
def test_features_from_objects_equal_the_generator(cartesian):
    from hepconditioning.datasets.hepmass import (
        detector,
        features_from_objects,
        partons,
        reconstruction,
    )

    rng = np.random.default_rng(4)
    labels = np.r_[np.ones(1500), np.zeros(1500)]
    m_tt = np.r_[partons.signal_mtt(np.full(1500, 750.0), rng=rng), partons.background_mtt(1500, rng=rng)]
    det = detector.simulate(partons.hard_process(m_tt, labels, rng=rng, isr=True), rng=rng)
    expected = reconstruction.reconstruct(det)
    out = features_from_objects(*_objects(det, cartesian=cartesian))
    np.testing.assert_array_equal(out.selected, expected.selected)
    assert 1000 < out.selected.sum() < 3000
    np.testing.assert_allclose(out.features, expected.features, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out.real_neutrino, expected.real_neutrino)


def test_features_from_objects_jagged_selection_and_cuts():
    import awkward as ak

    from hepconditioning.datasets.hepmass import features_from_objects
    from hepconditioning.errors import MissingColumnError

    jet = {"pt": 60.0, "eta": 0.5, "phi": 0.0, "mass": 5.0, "score": 0.9}
    soft = {**jet, "pt": 15.0}
    forward = {**jet, "eta": 3.0}
    lep = {"pt": 40.0, "eta": 0.1, "phi": 1.0, "mass": 0.1}
    jets = ak.Array([[jet, jet, jet, jet], [jet, jet, jet, soft], [jet, jet, jet, forward, jet], [jet] * 4])
    leptons = ak.Array([[lep], [lep], [lep], [lep, lep]])
    met = ak.Array([{"pt": 30.0, "phi": -1.0}] * 4)
    out = features_from_objects(leptons, jets, met, btag="score", btag_threshold=0.8)
    assert out.selected.tolist() == [True, False, True, False]
    assert out.features.shape == (2, 27) and out.features[:, 5].tolist() == [4.0, 4.0]
    assert (out.features[:, 9:22:4] == 1.0).all() and np.isfinite(out.features).all()
    np.testing.assert_allclose(out.features[:, 3], 30.0)
    loose = features_from_objects(leptons, jets, met, btag="score", jet_pt_min=10.0)
    assert loose.selected.tolist() == [True, True, True, False]
    with pytest.raises(MissingColumnError, match="'btag' not found in the jets"):
        features_from_objects(leptons, jets, met)


@pytest.mark.parametrize("jets_per_event", [[], [3, 2], [0]])
def test_features_from_objects_with_fewer_than_four_jet_slots(jets_per_event):
    import awkward as ak

    from hepconditioning.datasets.hepmass import features_from_objects

    jet = {"pt": 60.0, "eta": 0.5, "phi": 0.0, "mass": 5.0, "btag": 1.0}
    lep = {"pt": 40.0, "eta": 0.1, "phi": 1.0, "mass": 0.1}
    def collection(fields, counts):
        counts = np.asarray(counts, dtype=np.int64)
        return ak.zip({q: ak.unflatten(np.full(counts.sum(), v), counts) for q, v in fields.items()})

    n = len(jets_per_event)
    jets, leptons, met = collection(jet, jets_per_event), collection(lep, [1] * n), np.zeros((n, 2))
    out = features_from_objects(leptons, jets, met)  # no event can pass: nothing selected, no IndexError
    assert out.selected.tolist() == [False] * n and out.features.shape == (0, 27)
