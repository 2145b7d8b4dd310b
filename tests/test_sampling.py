from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning import Events
from hepconditioning.sampling import BalancedBatchSampler, assign_background_mass, background_mass


@pytest.fixture
def events() -> Events:
    """Imbalanced: 3 mass points with 100/300/50 signal events, 2 processes of 900/150 events."""
    mass = np.repeat([500.0, 750.0, 1000.0, 0.0, 0.0], [100, 300, 50, 900, 150])
    labels = np.repeat([1, 1, 1, 0, 0], [100, 300, 50, 900, 150])
    process = np.repeat([0, 0, 0, 0, 1], [100, 300, 50, 900, 150])
    rng = np.random.default_rng(0)
    return Events(rng.normal(size=(mass.size, 2)), mass, labels, rng.uniform(-0.5, 2, mass.size),
                  feature_names=["a", "b"], process=process)


def test_identical_background_mass_draws_distinct_signal_masses_equally(events: Events) -> None:
    # the reference code of [Anzalone22]: gen.choice(np.sort(signal[mA].unique())), not the
    # signal's frequencies (100/300/50 here)
    big = Events.concat([events] + [events.background] * 20)
    out = assign_background_mass(big, distribution="identical", seed=1)
    bkg = out.mass[out.labels == 0]
    assert set(np.unique(bkg)) == {500.0, 750.0, 1000.0}
    freq = np.array([np.mean(bkg == m) for m in (500.0, 750.0, 1000.0)])
    np.testing.assert_allclose(freq, [1 / 3, 1 / 3, 1 / 3], atol=0.01)
    np.testing.assert_array_equal(out.mass[out.labels == 1], big.mass[big.labels == 1])
    np.testing.assert_array_equal(out.x, big.x)
    # a pool with repeats weighs its entries: the signal column follows the signal frequencies
    column = big.mass[big.labels == 1]
    bkg = background_mass(big, seed=1, mass_points=column)[big.labels == 0]
    freq = np.array([np.mean(bkg == m) for m in (500.0, 750.0, 1000.0)])
    np.testing.assert_allclose(freq, [100 / 450, 300 / 450, 50 / 450], atol=0.01)


def test_uniform_background_mass_range_and_epochs(events: Events) -> None:
    a = background_mass(events, distribution="uniform", seed=2, epoch=0)[events.labels == 0]
    b = background_mass(events, distribution="uniform", seed=2, epoch=1)[events.labels == 0]
    assert a.min() >= 500.0 and a.max() <= 1000.0 and np.unique(a).size > 100
    assert not np.array_equal(a, b)  # "sampled": a new draw every epoch
    np.testing.assert_array_equal(a, background_mass(events, distribution="uniform", seed=2)[events.labels == 0])


@pytest.mark.parametrize(("mode", "expected"), [
    ("class", {"signal": 32, "background": 32}),
    ("signal", {500.0: 7, 750.0: 6, 1000.0: 6, "background": 45}),
    ("background", {"signal": 19, 0: 23, 1: 22}),
    ("full", {500.0: 11, 750.0: 11, 1000.0: 10, 0: 16, 1: 16}),
])
def test_balanced_batches_have_exact_composition(events: Events, mode: str, expected: dict) -> None:
    sampler = BalancedBatchSampler(events, mode=mode, batch_size=64, seed=3)
    assert len(sampler) == -(-len(events) // 64)
    for epoch in (0, 5):
        sampler.set_epoch(epoch)
        batches = list(sampler)
        assert len(batches) == len(sampler)
        for idx in batches:
            assert idx.dtype == torch.int64 and idx.shape == (64,)
            lab, mass, proc = (events.labels[idx.numpy()], events.mass[idx.numpy()], events.process[idx.numpy()])
            counts = {}
            for key in expected:
                if key == "signal":
                    counts[key] = int(np.sum(lab == 1))
                elif key == "background":
                    counts[key] = int(np.sum(lab == 0))
                elif isinstance(key, float):
                    counts[key] = int(np.sum((lab == 1) & (mass == key)))
                else:
                    counts[key] = int(np.sum((lab == 0) & (proc == key)))
            assert counts == expected


def test_balanced_sampler_uses_every_event_over_epochs(events: Events) -> None:
    sampler = BalancedBatchSampler(events, mode="full", batch_size=64, seed=0)
    seen = np.concatenate([sampler.epoch_indices(e).ravel() for e in range(4)])
    assert np.unique(seen).size == len(events)


def test_none_mode_is_a_permutation_per_epoch(events: Events) -> None:
    sampler = BalancedBatchSampler(events, mode="none", batch_size=100, seed=0)
    batches = list(sampler)
    assert [len(b) for b in batches] == [100] * 15
    np.testing.assert_array_equal(np.sort(torch.cat(batches).numpy()), np.arange(len(events)))
    sampler.set_epoch(1)
    assert not torch.equal(torch.cat(list(sampler)), torch.cat(batches))


def test_sampler_is_deterministic(events: Events) -> None:
    a = BalancedBatchSampler(events, mode="class", batch_size=32, seed=9).epoch_indices(2)
    b = BalancedBatchSampler(events, mode="class", batch_size=32, seed=9).epoch_indices(2)
    np.testing.assert_array_equal(a, b)


def test_bad_inputs(events: Events) -> None:
    with pytest.raises(ValueError, match="unknown balance mode 'classes'"):
        BalancedBatchSampler(events, mode="classes")
    with pytest.raises(ValueError, match="one class is empty"):
        BalancedBatchSampler(events.signal, mode="class")
    with pytest.raises(ValueError, match="unknown background mass distribution"):
        assign_background_mass(events, distribution="flat")
    with pytest.raises(ValueError, match="no signal"):
        assign_background_mass(events.background)
