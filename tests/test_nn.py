from __future__ import annotations

import pytest
import torch

from hepconditioning.contract import Condition
from hepconditioning.nn import (
    AffineConditioning,
    AffinePNN,
    ConcatConditioning,
    ConditionalBiasing,
    ConditionalScaling,
    ConditionedMLP,
    FastDropout,
    IndividualNNs,
    ParametricNN,
    SingleNN,
    set_dropout_generator,
)

F = 5


def _models() -> list[torch.nn.Module]:
    torch.manual_seed(0)
    models = [AffinePNN(F, widths=(16, 8)), ParametricNN(F, widths=(16, 8)),
              IndividualNNs(F, mass_points=[500, 1000], widths=(8,))]
    models += [ConditionedMLP(F, widths=(16, 8), conditioning=c, where=w)
               for c in ("concat", "bias", "scale", "affine") for w in ("all", "start", "end")]
    return models


def test_parameter_counts_match_paper() -> None:
    count = lambda model: sum(p.numel() for p in model.parameters())  # noqa: E731
    assert count(AffinePNN(27)) == 76_151
    assert count(ParametricNN(27)) == 74_051


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_shapes_batched_and_unbatched(model: torch.nn.Module) -> None:
    model.eval()
    x = torch.randn(7, F)
    mass = torch.tensor([500.0, 1000.0, 500.0, 1000.0, 500.0, 1000.0, 500.0])
    out = model(x, mass)
    assert out.shape == (7,)
    assert model(x[3], mass[3]).shape == ()
    torch.testing.assert_close(model(x[3], mass[3]), out[3])
    torch.testing.assert_close(model(x, mass.unsqueeze(1)), out)


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_gradients_reach_every_parameter(model: torch.nn.Module) -> None:
    model.train()
    x = torch.randn(64, F)
    mass = torch.tensor([500.0, 1000.0]).repeat(32)
    model(x, mass).pow(2).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_changing_mass_changes_output(model: torch.nn.Module) -> None:
    model.eval()
    x = torch.randn(16, F)
    a = model(x, torch.full((16,), 500.0))
    b = model(x, torch.full((16,), 1000.0))
    assert not torch.allclose(a, b)


def test_single_nn_ignores_mass() -> None:
    model = SingleNN(F, widths=(8,)).eval()
    x = torch.randn(4, F)
    torch.testing.assert_close(model(x, torch.full((4,), 500.0)), model(x))


def test_affine_identity_and_layer_shapes() -> None:
    layer = AffineConditioning(6, 2)
    with torch.no_grad():
        layer.scale.weight.zero_()
        layer.scale.bias.fill_(1.0)
        layer.shift.weight.zero_()
    h, m = torch.randn(10, 6), torch.randn(10, 2)
    torch.testing.assert_close(layer(h, m), h)
    assert ConcatConditioning(6, 2)(h, m).shape == (10, 8)
    assert ConditionalBiasing(6, 2)(h, m).shape == (10, 6)
    assert ConditionalScaling(6, 2)(h, m).shape == (10, 6)


def test_vector_conditioning() -> None:
    model = AffinePNN(F, widths=(8,), n_conditions=2).eval()
    x = torch.randn(3, F)
    a = model(x, torch.tensor([[500.0, 0.0]] * 3))
    b = model(x, torch.tensor([[500.0, 1000.0]] * 3))
    assert a.shape == (3,) and not torch.allclose(a, b)


def test_fast_dropout_rate_and_scale() -> None:
    drop = FastDropout(0.25)
    drop.generator = torch.Generator().manual_seed(3)
    y = drop(torch.ones(400, 1000))
    torch.testing.assert_close(torch.unique(y), torch.tensor([0.0, 4.0 / 3.0]))
    assert abs((y == 0).float().mean().item() - 0.25) < 0.003  # 4e5 draws: sigma 7e-4
    assert abs(y.mean().item() - 1.0) < 0.004
    assert torch.equal(drop.eval()(torch.ones(3, 3)), torch.ones(3, 3))


def test_bad_inputs() -> None:
    model = AffinePNN(F, widths=(8,))
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        model(torch.randn(3, F + 1), torch.zeros(3))
    with pytest.raises(ValueError, match="mass must have shape"):
        model(torch.randn(3, F), torch.zeros(4))
    with pytest.raises(ValueError, match="model\\(x, mass\\)"):
        model(torch.randn(3, F))
    with pytest.raises(ValueError, match="unknown conditioning"):
        ConditionedMLP(F, conditioning="film")
    with pytest.raises(ValueError, match="placement"):
        ConditionedMLP(F, where="middle")
    with pytest.raises(ValueError, match="dropout rate"):
        FastDropout(1.0)


@pytest.mark.parametrize("n_conditions", [1, 2])
def test_fused_affine_block_matches_unfused_layers(n_conditions: int) -> None:
    torch.manual_seed(1)
    fused = AffinePNN(F, widths=(16, 8), n_conditions=n_conditions).train()
    plain = AffinePNN(F, widths=(16, 8), n_conditions=n_conditions).train()
    plain.load_state_dict(fused.state_dict())
    plain.fused = False
    x = torch.randn(32, F)
    mass = torch.rand(32, n_conditions) * 1000
    outputs = []
    for model in (fused, plain):
        set_dropout_generator(model, torch.Generator().manual_seed(7))
        out = model(x, mass)
        out.pow(2).sum().backward()
        outputs.append(out)
    torch.testing.assert_close(outputs[0], outputs[1])
    for (name, p), q in zip(fused.named_parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, msg=name)


def test_model_contract_is_declared_on_the_base_class() -> None:
    from hepconditioning.nn import Classifier, Condition

    for model in [*_models(), SingleNN(F, widths=(8,))]:
        assert isinstance(model, Classifier)
        assert model.trained_on is None and model.standardizer.standardizer().is_identity
        assert model.conditioned is not isinstance(model, SingleNN)
        assert model.condition == Condition("mass", "GeV")
    alpha = AffinePNN(F, widths=(8,), condition=Condition("alpha", "rad"))
    assert alpha.condition.unit == "rad"
    with pytest.raises(ValueError, match=r"conditioned: call it as model\(x, alpha\)"):
        alpha(torch.zeros(2, F))
    assert SingleNN(F, widths=(8,))(torch.zeros(2, F)).shape == (2,)


@pytest.mark.parametrize("clip", [None, 2.0])
@pytest.mark.parametrize("n_conditions", [1, 2])
def test_logits_at_one_condition_value_equals_the_forward_pass(n_conditions: int, clip: float | None) -> None:
    import numpy as np

    from hepconditioning import Standardizer

    torch.manual_seed(2)
    models = [AffinePNN(F, widths=(16, 8), n_conditions=n_conditions),
              ParametricNN(F, widths=(16, 8), n_conditions=n_conditions)]
    models += [ConditionedMLP(F, widths=(16, 8), conditioning=c, where=w, n_conditions=n_conditions)
               for c in ("concat", "bias", "scale", "affine") for w in ("all", "start", "end")]
    x = torch.randn(64, F) * 3 + 1
    standardizer = Standardizer.fit(np.asarray(x.numpy(), dtype=np.float64), clip=clip)
    value = torch.tensor([750.0, 0.3][:n_conditions])
    for model in models:
        model.set_standardizer(standardizer)
        with torch.no_grad():
            # trained-looking weights: biases and conditioning maps away from their initial values
            for p in model.parameters():
                p.add_(0.1 * torch.randn_like(p))
        model.eval()
        with torch.inference_mode():
            expected = model(x, value.expand(64, n_conditions))
            for batch_size in (7, 2048):
                torch.testing.assert_close(model.logits_at(x, value, batch_size=batch_size), expected,
                                           rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="value"):
        models[0].logits_at(x, torch.zeros(n_conditions + 1))


def test_the_condition_carries_its_scale():
    """Condition(name, unit, scale): the scale follows the unit unless given, and drives the model's."""
    assert Condition("alpha", "rad").scale == 1.0 and Condition().scale == 1e-3
    assert Condition("mass", "GeV", scale=0.01).to_dict()["scale"] == 0.01
    assert AffinePNN(3, widths=(4,), condition=Condition("alpha", "rad")).mass_scale == 1.0
    default = AffinePNN(3, widths=(4,))
    assert default.mass_scale == 1e-3 and default.condition.scale == 1e-3
    assert AffinePNN(3, widths=(4,), mass_scale=0.5).condition.scale == 0.5  # an explicit factor wins
    with pytest.raises(ValueError, match="scale must be a finite number > 0"):
        Condition("shift", "", scale=0.0)


def test_forward_takes_the_condition_under_either_name():
    model = AffinePNN(3, widths=(4,), dropout=0.0).eval()
    x = torch.zeros(5, 3)
    torch.testing.assert_close(model(x, condition=750.0), model(x, mass=750.0))
    with pytest.raises(ValueError, match="give the condition once"):
        model(x, 750.0, mass=750.0)
