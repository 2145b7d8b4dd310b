"""Conditioned classifiers and their unconditioned baselines.

All models are called as ``model(x, condition)`` with features ``x`` of shape ``(N, F)`` or
``(F,)`` and the physics parameter of shape ``(N,)``, ``(N, K)``, ``()`` or ``(K,)`` in the unit of
``model.condition`` (GeV for a mass; ``model(x, mass=...)`` is the same call); they return
**logits** of shape ``(N,)`` (``()`` for one unbatched event). Inside, the condition is
multiplied by ``mass_scale``, by default the condition's ``scale`` (1/1000 for GeV: GeV → TeV, as
in [Anzalone22] Table 2; 1 for an angle in rad).

Models: :class:`ConditionedMLP` (conditioning at the ``"start"``, the ``"end"`` or after ``"all"``
Dense/ReLU blocks), :class:`ParametricNN` (Baldi et al. 2016, arXiv:1601.07913), :class:`AffinePNN`
([Anzalone22], arXiv:2202.00424, Table 2), and the baselines :class:`SingleNN` (no condition
input) and :class:`IndividualNNs` (one MLP per mass point, events routed to the nearest).

Every model derives from :class:`Classifier`, which declares the model contract (``conditioned``,
``condition``, ``trained_on``, ``standardizer``, ``config``; see :mod:`hepconditioning.contract`).
Initial weights come from ``seed`` (default 0) through a generator scoped to the constructor:
the same options give bit-identical weights, and torch's global random state is left untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hepconditioning.contract import Condition, TrainedOn
from hepconditioning.nn.conditioning import CONDITIONINGS, AffineConditioning, glorot_linear
from hepconditioning.nn.dropout import FastDropout
from hepconditioning.nn.fused import affine_block, conditions_with_one
from hepconditioning.nn.inference import predict
from hepconditioning.nn.standardize import Standardization
from hepconditioning.standardization import Standardizer

__all__ = ["AffinePNN", "Classifier", "ConditionedMLP", "IndividualNNs", "ParametricNN", "SingleNN"]

WIDTHS = (300, 150, 100, 50)
PLACEMENTS = ("all", "start", "end")


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Layers built inside draw their initial weights from ``seed`` (global RNG restored after)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield



def condition_scale(mass_scale: float | None, condition: Condition | None) -> float:
    """The factor a model applies to its condition: ``mass_scale`` when given, else the
    condition's own ``scale`` (0.001 for GeV, 1 for rad; :class:`~hepconditioning.contract.Condition`)."""
    if mass_scale is None:
        return (condition if condition is not None else Condition()).scale
    if not (np.isfinite(mass_scale) and mass_scale > 0):
        raise ValueError(f"mass_scale must be a finite number > 0, got {mass_scale!r}")
    return float(mass_scale)

class Classifier(nn.Module):
    """Base class of every model: the model contract and the shared input handling.

    The contract (see :mod:`hepconditioning.contract`), declared here for every subclass:

    - ``conditioned`` (class attribute): whether the output depends on the condition;
    - ``condition``: :class:`~hepconditioning.contract.Condition` name and unit of the parameter passed as
      ``model(x, mass)`` (default ``mass`` in GeV; ``Condition("alpha", "rad")`` for a CP angle);
    - ``trained_on``: :class:`~hepconditioning.contract.TrainedOn` (features, trained condition points and
      range) — ``None`` until ``fit`` or ``load_model`` sets it;
    - ``standardizer``: :class:`~.standardize.Standardization`, applied to ``x`` first
      (identity until :meth:`set_standardizer`), so the model takes raw features;
    - ``config``: the constructor options (``save_model`` rebuilds the model from them);
    - ``metadata``: what ``load_model`` read from the model file (card, versions, ...).
    """

    conditioned: ClassVar[bool] = True

    def __init__(self, n_features: int, *, n_conditions: int, mass_scale: float | None, config: dict[str, Any],
                 condition: Condition | None = None) -> None:
        super().__init__()
        if not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
        if n_conditions < 1:
            raise ValueError(f"n_conditions must be >= 1, got {n_conditions}")
        if condition is not None and not isinstance(condition, Condition):
            raise TypeError(f"condition must be a hepconditioning.nn.Condition, got {type(condition).__name__}")
        seed = config.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if "seed" in config:
            config = {**config, "seed": int(seed)}
        self.n_features = int(n_features)
        self.n_conditions = int(n_conditions)
        condition = condition if condition is not None else Condition()
        self.mass_scale = condition_scale(mass_scale, condition)
        self.config = {"n_features": self.n_features, **config}
        self.condition: Condition = replace(condition, scale=self.mass_scale)
        self.trained_on: TrainedOn | None = None
        self.metadata: dict[str, Any] = {}
        self.standardizer = Standardization(self.n_features)

    def set_standardizer(self, standardizer: Standardizer) -> None:
        """Hold ``standardizer`` (fitted on the training split) as the model's first step."""
        if not isinstance(standardizer, Standardizer):
            raise TypeError(f"set_standardizer expects a hepconditioning.Standardizer, got "
                            f"{type(standardizer).__name__}")
        self.standardizer.load(standardizer)

    def predict(self, inputs: Any, *, condition: Any = None, hypotheses: Any = None,
                batch_size: int = 2048, mass: Any = None) -> np.ndarray:
        """Signal probabilities on raw inputs: :func:`hepconditioning.nn.predict`
        (``(N,)``, or ``(N, K)`` with ``hypotheses=``; ``mass=`` is ``condition=``)."""
        return predict(self, inputs, condition=condition, hypotheses=hypotheses, batch_size=batch_size, mass=mass)

    def _inputs(self, x: torch.Tensor, mass: torch.Tensor | float | None) -> tuple[torch.Tensor, torch.Tensor | None, bool]:
        x = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)  # a tensor stays a traced input (ONNX)
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if x.dim() != 2 or x.shape[1] != self.n_features:
            raise ValueError(
                f"{type(self).__name__} expects x of shape (N, {self.n_features}) or ({self.n_features},), "
                f"got {tuple(x.shape)}; select the features the model was built with"
            )
        if mass is None:
            return x, None, unbatched
        m = mass.to(x.dtype) if isinstance(mass, torch.Tensor) else torch.as_tensor(mass, dtype=x.dtype, device=x.device)
        k = self.n_conditions
        if m.dim() == 0 or (unbatched and m.dim() == 1 and m.shape[0] == k):
            m = m.reshape(1, -1).expand(x.shape[0], k)
        elif m.dim() == 1 and k == 1:
            m = m.unsqueeze(1)
        if m.shape != (x.shape[0], k):
            raise ValueError(f"mass must have shape ({x.shape[0]},) or ({x.shape[0]}, {k}), got {tuple(m.shape)}")
        return x, m * self.mass_scale, unbatched

    def forward(self, x: torch.Tensor, condition: torch.Tensor | float | None = None, *,
                mass: torch.Tensor | float | None = None) -> torch.Tensor:
        """Logits ``(N,)`` (``()`` for one event) of features ``x`` at ``condition`` (``mass=``: its
        HEPMASS name); see the module docstring for the shapes."""
        if mass is not None:
            if condition is not None:
                raise ValueError("give the condition once: model(x, condition) or model(x, mass=...), not both")
            condition = mass
        x, m, unbatched = self._inputs(x, condition)
        if m is None and self.conditioned:
            raise ValueError(f"{type(self).__name__} is conditioned: call it as model(x, {self.condition.name})")
        out = self._logits(self.standardizer(x), m)
        return out[0] if unbatched else out

    def _logits(self, x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError


def _mlp(n_in: int, widths: Sequence[int], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in widths:
        layers += [glorot_linear(n_in, width), nn.ReLU()]
        if dropout > 0:
            layers.append(FastDropout(dropout))
        n_in = width
    layers.append(glorot_linear(n_in, 1))
    return nn.Sequential(*layers)


class ConditionedMLP(Classifier):
    """MLP of Dense+ReLU blocks conditioned on ``m`` by ``conditioning``.

    Block ``i``: ``h ← Dropout(Cond(ReLU(W_i h + c_i), m))``; the output is ``Dense(1)``.

    Args:
        n_features: number of input features F.
        widths: hidden layer widths.
        conditioning: ``"affine"``, ``"scale"``, ``"bias"`` or ``"concat"``.
        where: ``"all"`` (after every block), ``"start"`` (on the input, before the first
            Dense) or ``"end"`` (after the last block only).
        dropout: dropout rate after every block (0 disables).
        n_conditions: K, the number of conditioning parameters.
        mass_scale: factor applied to the condition; default ``condition.scale`` (GeV → TeV for
            a mass, 1 for an angle: :class:`~hepconditioning.contract.Condition`).
        scale_init: initial bias of the scale maps of ``"affine"``/``"scale"`` conditioning
            (1: ``s(m) = 1 + W_s m``; 0: Keras zero-bias; see :mod:`.conditioning`).
        seed: the initial weights (same seed, same weights; the global RNG is not used).
    """

    def __init__(self, n_features: int, *, widths: Sequence[int] = WIDTHS, conditioning: str = "affine",
                 where: str = "all", dropout: float = 0.25, n_conditions: int = 1,
                 mass_scale: float | None = None, scale_init: float = 1.0, condition: Condition | None = None,
                 seed: int = 0) -> None:
        mass_scale = condition_scale(mass_scale, condition)
        super().__init__(n_features, n_conditions=n_conditions, mass_scale=mass_scale, condition=condition, config={
            "widths": [int(w) for w in widths], "conditioning": conditioning, "where": where,
            "dropout": float(dropout), "n_conditions": int(n_conditions), "mass_scale": mass_scale,
            "scale_init": float(scale_init), "seed": seed})
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"unknown conditioning {conditioning!r}; choose one of {sorted(CONDITIONINGS)}")
        if where not in PLACEMENTS:
            raise ValueError(f"unknown placement where={where!r}; choose one of {PLACEMENTS}")
        if not widths:
            raise ValueError("widths must name at least one hidden layer")
        with _seeded(seed):
            self._build(n_features, widths, conditioning, where, dropout, n_conditions, scale_init)
        # the fused block computes exactly ReLU → affine → dropout (no activations on s, b)
        self.fused = conditioning == "affine"

    def _build(self, n_features: int, widths: Sequence[int], conditioning: str, where: str,
               dropout: float, n_conditions: int, scale_init: float) -> None:
        def cond_cls(features: int, k: int) -> nn.Module:
            if conditioning in ("affine", "scale"):
                return CONDITIONINGS[conditioning](features, k, scale_init=scale_init)
            return CONDITIONINGS[conditioning](features, k)

        self.input_conditioning = cond_cls(n_features, n_conditions) if where == "start" else None
        n_in = self.input_conditioning.out_features if self.input_conditioning else n_features
        self.dense = nn.ModuleList()
        self.conditionings = nn.ModuleList()
        self.dropouts = nn.ModuleList()
        for i, width in enumerate(widths):
            self.dense.append(glorot_linear(n_in, int(width)))
            cond = where == "all" or (where == "end" and i == len(widths) - 1)
            self.conditionings.append(cond_cls(int(width), n_conditions) if cond else nn.Identity())
            n_in = self.conditionings[-1].out_features if cond else int(width)
            self.dropouts.append(FastDropout(dropout) if dropout > 0 else nn.Identity())
        self.output = glorot_linear(n_in, 1)

    def _logits(self, x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
        h = self.input_conditioning(x, m) if self.input_conditioning is not None else x
        m1 = conditions_with_one(m) if self.fused else None
        for dense, cond, drop in zip(self.dense, self.conditionings, self.dropouts, strict=True):
            if self.fused and isinstance(cond, AffineConditioning):
                # ReLU → affine → dropout in one autograd node (see hepconditioning.nn.fused)
                a = dense(h)
                mask = drop.training_mask(a) if isinstance(drop, FastDropout) else None
                h = affine_block(a, m1, cond.scale.weight, cond.scale.bias, cond.shift.weight,
                                 cond.shift.bias, mask)
                continue
            h = torch.relu(dense(h))
            if not isinstance(cond, nn.Identity):
                h = cond(h, m)
            h = drop(h)
        return self.output(h).squeeze(-1)

    def logits_at(self, x: torch.Tensor, mass: torch.Tensor | float, *, batch_size: int = 2048) -> torch.Tensor:
        """Inference logits ``(N,)`` of every event at one condition value (dropout off).

        ``x`` is ``(N, F)`` raw features, ``mass`` a scalar or ``(K,)`` (GeV). With ``m`` fixed,
        an affine conditioning ``h ⊙ s + b`` has constant ``s, b`` ``(D,)`` and folds into the
        next dense layer: ``W' (h ⊙ s + b) + c' = (W' diag s) h + (W' b + c')``; an unclipped
        standardization ``(x − c) / σ`` folds into the first one the same way. Every layer is
        then one matrix product and one in-place ReLU, in passes of ``batch_size`` events (the
        activations stay in the CPU cache). Equal to ``model(x, mass)`` in eval mode up to
        float rounding; :func:`hepconditioning.nn.logits` groups events by mass value to use it.
        """
        m = torch.as_tensor(mass, dtype=x.dtype, device=x.device).reshape(1, -1) * self.mass_scale
        if m.shape[1] != self.n_conditions:
            raise ValueError(f"mass must hold {self.n_conditions} value(s), got {tuple(m.shape[1:])}")
        layers = self._folded_layers(m)
        if layers is None:  # a conditioning that does not fold: layer by layer
            parts = [self._logits_at_pass(x[i:i + batch_size], m) for i in range(0, x.shape[0], batch_size)]
            return torch.cat(parts) if parts else x.new_zeros(0)
        out = x.new_empty(x.shape[0], 1)
        for i in range(0, x.shape[0], batch_size):
            h = x[i:i + batch_size]
            for weight, bias in layers[:-1]:
                h = torch.addmm(bias, h, weight.t()).relu_()
            torch.addmm(layers[-1][1], h, layers[-1][0].t(), out=out[i:i + batch_size])
        return out.squeeze(1)

    def _folded_layers(self, m: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
        """``(W, c)`` of every dense layer with the standardization and the affine maps at
        ``m`` folded in; ``None`` when something does not fold (clipping, other conditionings)."""
        std = self.standardizer
        if self.input_conditioning is not None or not bool(torch.isinf(std.clip)):
            return None
        first = self.dense[0]
        weight = first.weight / std.scale  # W ((x − c) / σ) + b = (W / σ) x + (b − (W / σ) c)
        layers = [(weight, first.bias - weight @ std.center)]
        for i, cond in enumerate(self.conditionings):
            nxt = self.dense[i + 1] if i + 1 < len(self.dense) else self.output
            if isinstance(cond, nn.Identity):
                layers.append((nxt.weight, nxt.bias))
            elif isinstance(cond, AffineConditioning) and cond.scale_activation is None \
                    and cond.shift_activation is None:
                layers.append(_fold(nxt, cond.scale(m)[0], cond.shift(m)[0]))
            else:
                return None
        return layers

    def _logits_at_pass(self, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        h = self.standardizer(x)
        if self.input_conditioning is not None:
            h = self.input_conditioning(h, m.expand(h.shape[0], -1))
        scale = shift = None  # the previous block's constant affine map, folded into this layer
        for dense, cond in zip(self.dense, self.conditionings, strict=True):
            weight, bias = _fold(dense, scale, shift)
            h = torch.addmm(bias, h, weight.t()).relu_()
            scale = shift = None
            if isinstance(cond, AffineConditioning) and cond.scale_activation is None \
                    and cond.shift_activation is None:
                scale, shift = cond.scale(m)[0], cond.shift(m)[0]
            elif not isinstance(cond, nn.Identity):
                h = cond(h, m.expand(h.shape[0], -1))
        weight, bias = _fold(self.output, scale, shift)
        return torch.addmm(bias, h, weight.t()).squeeze(-1)


def _fold(layer: nn.Linear, scale: torch.Tensor | None,
          shift: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    # W (h ⊙ s + b) + c = (W diag s) h + (W b + c)
    if scale is None or shift is None:
        return layer.weight, layer.bias
    return layer.weight * scale, torch.addmv(layer.bias, layer.weight, shift)


class AffinePNN(ConditionedMLP):
    """Affine-conditioned parametric network of [Anzalone22] Table 2 (76,151 parameters on 27
    features): 4 × (Dense 300/150/100/50 + ReLU → AffineConditioning(m) → Dropout 0.25) → Dense(1).

    The scales start at ``s(m) = 1 + W_s m`` (``scale_init=1``); ``scale_init=0`` is the Keras
    zero-bias start of the reference implementation, which trains when the L2 penalty spares the
    conditioning maps (``TrainConfig(l2_groups={"dense": (1e-4, 1e-5)})``, the reference's) and
    collapses to a constant output when it does not (see :mod:`.conditioning`)."""

    def __init__(self, n_features: int, *, widths: Sequence[int] = WIDTHS, dropout: float = 0.25,
                 n_conditions: int = 1, mass_scale: float | None = None, scale_init: float = 1.0,
                 condition: Condition | None = None, seed: int = 0) -> None:
        super().__init__(n_features, widths=widths, conditioning="affine", where="all", dropout=dropout,
                         n_conditions=n_conditions, mass_scale=mass_scale, scale_init=scale_init,
                         condition=condition, seed=seed)
        self.config = {k: v for k, v in self.config.items() if k not in ("conditioning", "where")}


class ParametricNN(ConditionedMLP):
    """pNN of Baldi et al. 2016 (arXiv:1601.07913): ``m`` concatenated to the F input features,
    then Dense 300/150/100/50 + ReLU (+ Dropout) → Dense(1). 74,051 parameters on 27 features."""

    def __init__(self, n_features: int, *, widths: Sequence[int] = WIDTHS, dropout: float = 0.25,
                 n_conditions: int = 1, mass_scale: float | None = None, condition: Condition | None = None,
                 seed: int = 0) -> None:
        super().__init__(n_features, widths=widths, conditioning="concat", where="start", dropout=dropout,
                         n_conditions=n_conditions, mass_scale=mass_scale, condition=condition, seed=seed)
        self.config = {k: v for k, v in self.config.items() if k not in ("conditioning", "where", "scale_init")}


class SingleNN(Classifier):
    """Baseline without mass input: one MLP trained on all mass points; ``mass`` is ignored."""

    conditioned = False

    def __init__(self, n_features: int, *, widths: Sequence[int] = WIDTHS, dropout: float = 0.25,
                 seed: int = 0) -> None:
        super().__init__(n_features, n_conditions=1, mass_scale=1e-3, config={
            "widths": [int(w) for w in widths], "dropout": float(dropout), "seed": seed})
        with _seeded(seed):
            net = _mlp(n_features, widths, dropout)
        self.hidden = net[:-1]
        self.output = net[-1]

    def _logits(self, x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
        return self.output(self.hidden(x)).squeeze(-1)


class IndividualNNs(Classifier):
    """Baseline: one MLP per mass point; each event goes to the network of the nearest point.

    Args:
        n_features: number of input features F.
        mass_points: the signal mass points (GeV), one network each.
        seed: the initial weights of all networks.
    """

    def __init__(self, n_features: int, *, mass_points: Sequence[float], widths: Sequence[int] = WIDTHS,
                 dropout: float = 0.25, condition: Condition | None = None, seed: int = 0) -> None:
        points = sorted(float(p) for p in mass_points)
        if not points or len(set(points)) != len(points):
            raise ValueError(f"mass_points must be distinct values (GeV), got {list(mass_points)}")
        super().__init__(n_features, n_conditions=1, mass_scale=None, condition=condition, config={
            "mass_points": points, "widths": [int(w) for w in widths], "dropout": float(dropout),
            "seed": seed})
        self.register_buffer("points", torch.tensor(points, dtype=torch.float32) * self.mass_scale)
        with _seeded(seed):
            self.nets = nn.ModuleList(_mlp(n_features, widths, dropout) for _ in points)

    def route(self, m: torch.Tensor) -> torch.Tensor:
        """Index of the nearest mass point for scaled masses ``m`` ``(N, 1)``."""
        return torch.argmin((m[:, :1] - self.points.view(1, -1)).abs(), dim=1)

    def _logits(self, x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
        which = self.route(m)
        out = x.new_empty(x.shape[0])
        for i, net in enumerate(self.nets):  # loop over mass points, not events
            idx = torch.nonzero(which == i).squeeze(1)
            if idx.numel():
                out = out.index_put((idx,), net(x.index_select(0, idx)).squeeze(-1))
        return out
