"""fit_many: stacked networks end where each one ends alone with fit(), up to float rounding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning.nn import AffinePNN, ConditionedMLP, ParametricNN, SingleNN
from hepconditioning.training import TrainConfig, fit, fit_many
from hepconditioning.training.many import stack_groups, stackable, stacked_logits
from tests.test_training import hepmass_like

WIDTHS = (32, 16)


@pytest.fixture(scope="module")
def data():
    return hepmass_like(4000, seed=1), hepmass_like(1500, seed=2), hepmass_like(3000, seed=3)


def config(**changes: object) -> TrainConfig:
    base = {"epochs": 3, "batch_size": 128, "learning_rate": 1e-2, "seed": 4, "threads": 1}
    return TrainConfig(**{**base, **changes})


def assert_same(alone: list, stacked: list, histories_alone: list, histories: list) -> None:
    for a, b, ha, hb in zip(alone, stacked, histories_alone, histories, strict=True):
        assert hb.epochs == ha.epochs and hb.best_epoch == ha.best_epoch
        np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-5)
        np.testing.assert_allclose(hb.val_auc, ha.val_auc, atol=1e-5)
        np.testing.assert_allclose(hb.l2_penalty, ha.l2_penalty, rtol=1e-4)
        # Adam turns a rounding-level gradient difference of an element with a gradient near 0
        # into a step of up to the learning rate (1e-2 here): a few weights may differ by ~5e-4
        # (mean ~1e-5), most by ~1e-7; a wrong batch, mask or seed moves most of them by ~1e-2
        for (name, pa), pb in zip(a.named_parameters(), b.parameters(), strict=True):
            diff = (pb - pa).abs().detach()
            assert float(diff.max()) < 5e-3 and float(diff.mean()) < 1e-4, name
        for (name, ba), bb in zip(a.named_buffers(), b.buffers(), strict=True):
            assert torch.equal(ba, bb), name  # the standardization fitted on the same events
        assert b.trained_on == a.trained_on and not b.training


def run_both(build, trains, validations, configs):
    alone = [build(k) for k in range(len(configs))]
    histories_alone = [fit(m, t, validation=v, config=c, progress=False)
                       for m, t, v, c in zip(alone, trains, validations, configs, strict=True)]
    stacked = [build(k) for k in range(len(configs))]
    histories = fit_many(stacked, trains, validations=validations, configs=configs)
    assert_same(alone, stacked, histories_alone, histories)
    return histories


def test_each_network_keeps_its_seed_order_balance_and_stopping(data) -> None:
    train, validation, _ = data
    configs = [config(seed=4), config(seed=5, balance="full", patience=1, epochs=5),
               config(seed=6, balance="class", background_mass="uniform", background_sampling="fixed"),
               config(seed=7, epochs=1)]
    histories = run_both(lambda k: AffinePNN(6, widths=WIDTHS, seed=k), [train] * 4, [validation] * 4, configs)
    assert [h.epochs for h in histories][3] == 1  # left the stack after its one epoch
    assert len({tuple(h.loss) for h in histories}) == 4  # four different trainings


def test_mixed_models_data_and_optimizers(data) -> None:
    train, validation, other = data
    models = [lambda s: ParametricNN(6, widths=WIDTHS, seed=s), lambda s: ParametricNN(6, widths=WIDTHS, seed=s),
              lambda s: AffinePNN(6, widths=WIDTHS, seed=s), lambda s: SingleNN(6, widths=WIDTHS, seed=s),
              lambda s: ConditionedMLP(6, widths=WIDTHS, conditioning="bias", dropout=0.0, seed=s),
              lambda s: ConditionedMLP(6, widths=WIDTHS, conditioning="bias", dropout=0.0, seed=s)]
    configs = [config(seed=1, balance="signal"), config(seed=2, balance="signal"), config(seed=3),
               config(seed=4), config(seed=5, optimizer="adamw", l2_weights=1e-3),
               config(seed=6, optimizer="adamw", l2_weights=1e-3)]
    trains = [train, train, train, train, other, other]
    assert stack_groups([m(0) for m in models], trains, configs) == [[0, 1], [2], [3], [4, 5]]
    run_both(lambda k: models[k](k), trains, [validation] * 6, configs)
    # a different number of batches per epoch, or different shared options: separate stacks
    assert stack_groups([models[0](0)] * 3, [train, other, train],
                        [config(), config(), config(learning_rate=1e-3)]) == [[0], [1], [2]]


def test_stacked_forward_equals_each_model(data) -> None:
    train, _, _ = data
    models = [AffinePNN(6, widths=WIDTHS, seed=s, n_conditions=2).eval() for s in range(3)]
    names = [n for n, _ in models[0].named_parameters()]
    params = {n: torch.stack([dict(m.named_parameters())[n].detach() for m in models]) for n in names}
    x = torch.as_tensor(train.x[:64])
    mass = torch.as_tensor(np.stack([train.mass[:64], train.mass[64:128]], axis=1))
    inputs = [m._inputs(x, mass) for m in models]
    xs = torch.stack([m.standardizer(i[0]) for m, i in zip(models, inputs, strict=True)])
    out = stacked_logits(models[0], params, xs, torch.stack([i[1] for i in inputs]))
    for k, model in enumerate(models):
        torch.testing.assert_close(out[k], model(x, mass).detach(), rtol=1e-5, atol=1e-5)


def test_refuses_what_it_cannot_pair(data) -> None:
    train, validation, _ = data
    with pytest.raises(ValueError, match="as many training sets"):
        fit_many([AffinePNN(6, widths=WIDTHS)], [train, train], validations=[validation], configs=[config()])
    with pytest.raises(TypeError, match="configs\\[0\\] must be a TrainConfig"):
        fit_many([AffinePNN(6, widths=WIDTHS)], [train], validations=[validation], configs=[{}])
    assert stackable(AffinePNN(6)) and stackable(ParametricNN(6)) and not stackable(SingleNN(6))
