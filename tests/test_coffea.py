"""The coffea ml_tools wrapper and the NanoAOD processor (analysis/coffea_nanoaod.py)."""

from __future__ import annotations

import importlib.util

import awkward as ak
import hist
import numpy as np
import pytest
import uproot

from hepconditioning import Standardizer
from hepconditioning.datasets.hepmass import FEATURES, MASSES, load_hepmass, physical
from hepconditioning.nn import AffinePNN
from hepconditioning.training import TrainConfig, fit, save_model

pytest.importorskip("coffea", reason="the coffea extra: pip install 'hepconditioning[coffea]'")
pytest.importorskip("distributed", reason="the coffea extra: pip install 'hepconditioning[coffea]'")

from hepconditioning.export.coffea import ModelWrapper


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    train = physical(load_hepmass("generated", n_events=2000, split="train", seed=2))
    model = AffinePNN(27, widths=(16,), dropout=0.0)
    model.set_standardizer(Standardizer.fit(train))
    fit(model, train, validation=train[:400], config=TrainConfig(epochs=1, batch_size=256), progress=False)
    return save_model(tmp_path_factory.mktemp("coffea") / "model.pt", model, features=FEATURES)


def test_wrapper_equals_predict(model_path):
    from hepconditioning.training import load_model

    model = load_model(model_path)
    x = physical(load_hepmass("generated", n_events=300, split="test", seed=3)).x
    wrapper = ModelWrapper(model_path, device="cpu")
    np.testing.assert_allclose(ak.to_numpy(wrapper(ak.Array(x), 750.0)), model.predict(x, mass=750.0), atol=1e-6)
    records = ak.zip({f.name: x[:, i] for i, f in enumerate(FEATURES)})
    np.testing.assert_allclose(ak.to_numpy(wrapper(records, 750.0)), model.predict(x, mass=750.0), atol=1e-6)


def test_processor_on_cms_nanoaod_with_the_dask_executor(model_path, reference_data, tmp_path):
    script = importlib.import_module("analysis.coffea_nanoaod")
    assert reference_data / "nanoaod_ttbar.root" == script.NANOAOD  # the default input ships
    output = script.run(model_path, [script.NANOAOD], workers=2, jet_pt_min=15.0, chunksize=120)
    assert output["entries"] == 200 and output["selected"] > 0
    h = output["scores"]
    assert [int(m) for m in h.axes["mass"]] == [int(m) for m in MASSES]
    counts = h.values().sum(axis=1)
    assert counts.shape == (5,) and (counts > 0).all()
    path = script.figure(output, tmp_path / "new" / "dir" / "scores.png")  # a directory that does not exist
    assert path.stat().st_size > 10_000
    # normalized to the sum of the generator weights of all 200 events (|genWeight| ~ 2e5 each)
    with uproot.open(script.NANOAOD) as file:
        sumw = file["Events"]["genWeight"].array(library="np").astype(np.float64).sum()
    assert output["sumw"] == pytest.approx(sumw)
    fraction, label = script.normalized(output)
    np.testing.assert_allclose(fraction.values(), h.values() / sumw)
    assert label == "fraction of generated events / bin" and abs(fraction.values()).sum(axis=1).max() <= 1.0
    events, label = script.normalized(output, luminosity=10.0)
    np.testing.assert_allclose(events.values(), h.values() * 831.76 * 1e4 / sumw)
    assert label.startswith("events / bin")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    artists = script.draw(output, ax)
    assert ax.get_xlabel() and ax.get_ylabel() == "fraction of generated events / bin"
    for artist, mass in zip(artists, h.axes["mass"], strict=True):
        empty = h[{"mass": hist.loc(mass)}].values() == 0
        assert empty.any()
        lengths = [abs(seg[1, 1] - seg[0, 1]) for seg in artist.errorbar.lines[2][0].get_segments()]
        assert not np.asarray(lengths)[empty].any()  # no error bar on an empty bin
    plt.close(fig)
