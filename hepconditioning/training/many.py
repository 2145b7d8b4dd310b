"""``fit_many()``: K independent networks trained in one process with stacked parameters.

The studies train dozens of small networks (76k parameters, [Anzalone22] Tables 3–5, seeds,
ablations); one of them is too small to keep the cores busy, and on a loaded machine every
thread barrier of its small kernels costs. ``fit_many`` stacks the parameters of networks of
one architecture along a leading axis ``K`` and runs every layer as one batched matrix product
(``torch.baddbmm``) and one elementwise pass over all K networks: a K-times larger kernel per
op instead of K small ones. One fused Adam steps the stacked tensors (Adam is elementwise, so
each slice gets exactly its own network's update).

Each network keeps everything ``fit()`` gives it: its own :class:`~.batches.BatchSource` (seed,
data order, balance mode, background mass), its own dropout generator drawing its masks in the
same order, its own validation, best-epoch selection, early stopping and ``epochs``. A network
that stops leaves the stack (its optimizer state goes with the others' slices). Its trained
weights and history equal those of ``fit()`` alone up to float rounding (batched and plain
matrix products sum in different orders; ``tests/test_training_many.py`` compares them).

Stacked together are networks whose model options (but the seed) and training options (but
``seed``, ``epochs``, ``patience``, ``balance``, the background mass options and ``targets``)
agree and whose epochs have the same number and sizes of batches. Supported models:
:class:`~hepconditioning.nn.ConditionedMLP` and its subclasses (AffinePNN, ParametricNN; concat
on the input, affine/bias/scale conditionings without activations, FastDropout). Any other
network, and any group of one, is trained by ``fit()`` itself. Checkpoints, ``resume``,
``torchrun`` and custom batch sources are ``fit()``'s alone.
"""

from __future__ import annotations

import inspect
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

import torch
from torch.nn import functional

from hepconditioning.events import Events
from hepconditioning.nn.conditioning import (
    AffineConditioning,
    ConcatConditioning,
    ConditionalBiasing,
    ConditionalScaling,
)
from hepconditioning.nn.dropout import FastDropout, set_dropout_generator
from hepconditioning.nn.fused import affine_block, conditions_with_one
from hepconditioning.nn.models import ConditionedMLP
from hepconditioning.sampling import BalancedBatchSampler
from hepconditioning.training.batches import BatchSource
from hepconditioning.training.config import TrainConfig
from hepconditioning.training.device import autocast, resolve_device, to_device
from hepconditioning.training.loop import (
    History,
    TrainingDivergedError,
    _check_class_weights,
    _check_inputs,
    _clone_state,
    _fit_standardization,
    _l2_penalty,
    _optimizer,
    _trained_on,
    fit,
)
from hepconditioning.training.validation import ModelSelectionError, Validator

__all__ = ["fit_many"]

# options each network keeps for itself; every other TrainConfig field must agree within a stack
PER_NETWORK = ("seed", "epochs", "patience", "balance", "background_mass", "background_sampling",
               "background_mass_points", "targets")
_CONDITIONINGS = (AffineConditioning, ConditionalBiasing, ConditionalScaling, ConcatConditioning)


def fit_many(models: Sequence[torch.nn.Module], trains: Sequence[Events], *, validations: Sequence[Events],
             configs: Sequence[TrainConfig], progress: bool = False) -> list[History]:
    """Train ``models[k]`` on ``trains[k]`` with ``configs[k]``, as ``fit()`` would, stacked.

    Args:
        models, trains, validations, configs: one entry per network (same lengths).
        progress: print one line per network and epoch.

    Returns:
        one :class:`~.loop.History` per network, in order; each model ends as after ``fit()``
        (eval mode, best epoch's weights, on the CPU, ``trained_on`` set).

    Raises:
        ValueError: the sequences differ in length or are empty.
        TrainingDivergedError, ModelSelectionError: as ``fit()``, naming the network.
    """
    count = len(models)
    if count == 0 or not (len(trains) == len(validations) == len(configs) == count):
        raise ValueError(f"fit_many needs as many training sets, validation sets and configs as models "
                         f"(got {count} models, {len(trains)} trains, {len(validations)} validations, "
                         f"{len(configs)} configs)")
    histories: list[History | None] = [None] * count
    for k in range(count):
        if not isinstance(configs[k], TrainConfig):
            raise TypeError(f"configs[{k}] must be a TrainConfig, got {type(configs[k]).__name__}")
        _check_inputs(models[k], trains[k], configs[k], f"trains[{k}]")
        _check_inputs(models[k], validations[k], configs[k], f"validations[{k}]")
    for members in stack_groups(models, trains, configs):
        if len(members) == 1:
            for k in members:
                histories[k] = fit(models[k], trains[k], validation=validations[k], config=configs[k],
                                   progress=progress)
            continue
        stack = _Stack([models[k] for k in members], [trains[k] for k in members],
                       [validations[k] for k in members], [configs[k] for k in members], members)
        for k, history in zip(members, stack.train(progress), strict=True):
            histories[k] = history
    return histories  # type: ignore[return-value]


def stack_groups(models: Sequence[torch.nn.Module], trains: Sequence[Events],
                 configs: Sequence[TrainConfig]) -> list[list[int]]:
    """The indices ``fit_many`` trains together, one list per stack (a list of one: ``fit()``)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for k, (model, train, config) in enumerate(zip(models, trains, configs, strict=True)):
        groups[_stack_key(model, train, config)].append(k)
    return list(groups.values())


def stackable(model: torch.nn.Module) -> bool:
    """Whether ``fit_many`` can run ``model`` in a stack (a ConditionedMLP without activations
    on its conditionings and with a concatenation, if any, on the input)."""
    if not isinstance(model, ConditionedMLP):
        return False
    if model.input_conditioning is not None and not isinstance(model.input_conditioning, ConcatConditioning):
        return False
    for cond in model.conditionings:
        if isinstance(cond, torch.nn.Identity):
            continue
        if not isinstance(cond, _CONDITIONINGS):
            return False
        if getattr(cond, "scale_activation", None) or getattr(cond, "shift_activation", None) \
                or getattr(cond, "activation", None):
            return False
    return all(isinstance(d, (FastDropout, torch.nn.Identity)) for d in model.dropouts)


def _stack_key(model: torch.nn.Module, train: Events, config: TrainConfig) -> tuple:
    if not stackable(model):
        return (None, id(model))
    shared = {k: v for k, v in config.to_dict().items() if k not in PER_NETWORK}
    options = {k: v for k, v in model.config.items() if k != "seed"}
    batches = BalancedBatchSampler(train, mode=config.balance, batch_size=config.batch_size, seed=config.seed)
    last = len(train) % config.batch_size if batches.mode == "none" else 0
    return (type(model).__name__, repr(sorted(options.items())), repr(sorted(shared.items())),
            len(batches), last, model.standardizer.center.shape[0])


class _Stack:
    """The networks of one stack: stacked parameters, their optimizer, per-network state."""

    def __init__(self, models: list[torch.nn.Module], trains: list[Events], validations: list[Events],
                 configs: list[TrainConfig], labels: list[int]) -> None:
        self.models, self.configs, self.labels = models, configs, labels
        self.device = resolve_device(configs[0].device)
        for model, train, config in zip(models, trains, configs, strict=True):
            if config.targets == "labels":
                _check_class_weights(train)
            _fit_standardization(model, train, config)
            model.to(self.device)
        self.sources = [BatchSource(t, c) for t, c in zip(trains, configs, strict=True)]
        self.validators = [Validator(v, c) for v, c in zip(validations, configs, strict=True)]
        self.generators = [torch.Generator(device=self.device).manual_seed(c.seed) for c in configs]
        self.histories = [History(mass_points=[float(m) for m in t.mass_points]) for t in trains]
        self.best = [(_clone_state(m), -math.inf) for m in models]
        self.names = [name for name, _ in models[0].named_parameters()]
        self.active = list(range(len(models)))
        self._build([torch.stack([dict(models[k].named_parameters())[n].detach() for k in self.active])
                     for n in self.names], None)

    def _build(self, tensors: list[torch.Tensor], old: torch.optim.Optimizer | None,
               keep: torch.Tensor | None = None) -> None:
        """Stacked leaf parameters from ``tensors`` and an optimizer like fit()'s (state of the
        rows ``keep`` of ``old`` carried over)."""
        self.params = {n: t.clone().requires_grad_(True) for n, t in zip(self.names, tensors, strict=True)}
        first = self.models[self.active[0]]
        template = _optimizer(first, self.configs[self.active[0]])
        name_of = {id(p): n for n, p in first.named_parameters()}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [self.params[name_of[id(p)]] for p in g["params"]]} for g in template.param_groups]
        accepted = inspect.signature(type(template)).parameters  # AdamW fixes decoupled_weight_decay
        optimizer = type(template)(groups, **{k: v for k, v in template.defaults.items() if k in accepted})
        if old is not None and keep is not None:
            for p_old, p_new in zip(self._old_params.values(), self.params.values(), strict=True):
                state = old.state.get(p_old)
                if state:
                    optimizer.state[p_new] = {k: (v[keep].clone() if torch.is_tensor(v) and v.dim() and
                                                  v.shape[0] == p_old.shape[0] else v) for k, v in state.items()}
        self.optimizer = optimizer
        self._old_params = self.params

    def _shrink(self, stopped: set[int]) -> None:
        keep = [i for i, k in enumerate(self.active) if k not in stopped]
        index = torch.tensor(keep, device=self.device)
        self.active = [self.active[i] for i in keep]
        if self.active:
            self._build([p.detach()[index] for p in self.params.values()], self.optimizer, index)

    def _write_back(self) -> None:
        with torch.no_grad():
            for i, k in enumerate(self.active):
                for name, p in self.models[k].named_parameters():
                    p.copy_(self.params[name][i])

    def _inputs(self, batches: list) -> tuple[torch.Tensor, ...]:
        xs, ms = [], []
        for k, batch in zip(self.active, batches, strict=True):
            model = self.models[k]
            x, m, _ = model._inputs(to_device(batch.x, self.device), to_device(batch.mass, self.device))
            xs.append(model.standardizer(x))
            ms.append(m)
        targets = torch.stack([to_device(b.targets, self.device) for b in batches])
        weights = torch.stack([to_device(b.weights, self.device) for b in batches])
        return torch.stack(xs), torch.stack(ms), targets, weights

    def _masks(self, layer: int, shape: tuple[int, int]) -> torch.Tensor:
        return torch.stack([self.models[k].dropouts[layer].mask(shape) for k in self.active])

    def train(self, progress: bool) -> list[History]:
        threads = torch.get_num_threads()
        if self.configs[0].threads:
            torch.set_num_threads(self.configs[0].threads)
        for model, generator in zip(self.models, self.generators, strict=True):
            set_dropout_generator(model, generator)
        try:
            epoch = 0
            while self.active:
                self._epoch(epoch, progress)
                epoch += 1
        finally:
            for model in self.models:
                set_dropout_generator(model, None)
            torch.set_num_threads(threads)
        return [self._finish(k) for k in range(len(self.models))]

    def _epoch(self, epoch: int, progress: bool) -> None:
        for k in self.active:
            self.models[k].train()
            self.sources[k].set_epoch(epoch)
        totals = torch.zeros(len(self.active), dtype=torch.float64)
        counts = [0] * len(self.active)
        began = time.perf_counter()
        precision = self.configs[self.active[0]].precision
        for i, batches in enumerate(zip(*(self.sources[k] for k in self.active), strict=True)):
            x, m, targets, weights = self._inputs(list(batches))
            with autocast(self.device, precision):
                logits = stacked_logits(self.models[self.active[0]], self.params, x, m, self._masks)
            losses = functional.binary_cross_entropy_with_logits(
                logits.float(), targets, weight=weights, reduction="none").mean(dim=1)
            self.optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            values = losses.detach().double().cpu()
            if not bool(torch.isfinite(values).all()):
                j = int(torch.nonzero(~torch.isfinite(values))[0])
                raise TrainingDivergedError(
                    f"fit_many: network {self.labels[self.active[j]]}: training loss is {float(values[j])} at "
                    f"epoch {epoch} batch {i}; lower learning_rate, check the inputs for extreme values")
            self.optimizer.step()
            totals += values * x.shape[1]
            counts = [c + x.shape[1] for c in counts]
        seconds = time.perf_counter() - began
        self._write_back()
        stopped = set()
        for j, k in enumerate(self.active):
            stopped |= self._record(k, epoch, float(totals[j]) / max(counts[j], 1), counts[j], seconds, progress)
        if stopped:
            self._shrink(stopped)

    def _record(self, k: int, epoch: int, loss: float, count: int, seconds: float, progress: bool) -> set[int]:
        model, config, history = self.models[k], self.configs[k], self.histories[k]
        result = self.validators[k](model)
        history.record(loss=loss, l2_penalty=_l2_penalty(model, config), validation=result, seconds=seconds,
                       count=count)
        if result.auc > self.best[k][1]:
            self.best[k] = (_clone_state(model), result.auc)
            history.best_epoch = epoch
        if progress:
            print(f"network {self.labels[k]} epoch {epoch + 1}/{config.epochs}: loss {loss:.4f} "
                  f"val AUC {result.auc:.4f}", flush=True)
        done = epoch + 1 >= config.epochs or (config.patience and epoch - history.best_epoch >= config.patience)
        return {k} if done else set()

    def _finish(self, k: int) -> History:
        model, history = self.models[k], self.histories[k]
        if history.best_epoch < 0:
            raise ModelSelectionError(
                f"fit_many: network {self.labels[k]}: no epoch gave a finite validation AUC (per epoch: "
                f"{history.val_auc}); the validation events need both classes with positive total weight")
        model.load_state_dict(self.best[k][0])
        model.to("cpu")
        model.trained_on = _trained_on(model, self.sources[k].events, self.configs[k])
        model.eval()
        return history


def _linear(params: dict[str, torch.Tensor], name: str, h: torch.Tensor) -> torch.Tensor:
    # (K, B, n_in) @ (K, n_in, n_out) + (K, 1, n_out): nn.Linear of every network at once
    return torch.baddbmm(params[f"{name}.bias"].unsqueeze(1), h, params[f"{name}.weight"].transpose(1, 2))


def _map(params: dict[str, torch.Tensor], name: str, m: torch.Tensor) -> torch.Tensor:
    # W m + c as conditioning._affine_map: an outer product for one condition
    weight, bias = params[f"{name}.weight"], params[f"{name}.bias"].unsqueeze(1)
    if m.shape[-1] == 1:
        return torch.addcmul(bias, m, weight.transpose(1, 2))
    return torch.baddbmm(bias, m, weight.transpose(1, 2))


def stacked_logits(model: ConditionedMLP, params: dict[str, torch.Tensor], x: torch.Tensor, m: torch.Tensor,
                   masks: Callable[[int, tuple[int, int]], torch.Tensor] | None = None) -> torch.Tensor:
    """``ConditionedMLP._logits`` of K networks of ``model``'s architecture at once.

    ``params``: the model's parameter names → stacked tensors ``(K, …)``; ``x`` ``(K, B, F)``
    standardized features, ``m`` ``(K, B, C)`` scaled conditions; ``masks(layer, (B, D))`` the
    ``(K, B, D)`` dropout masks (None: no dropout). Returns logits ``(K, B)``. The elementwise
    steps are those of the unstacked model (and of its fused block) in the same order.
    """
    h = torch.cat([x, m.to(x.dtype)], dim=-1) if model.input_conditioning is not None else x
    m1 = conditions_with_one(m) if model.fused else None
    for i, (cond, drop) in enumerate(zip(model.conditionings, model.dropouts, strict=True)):
        if model.fused and isinstance(cond, AffineConditioning):  # the fused block, batched
            a = _linear(params, f"dense.{i}", h)
            mask = masks(i, (a.shape[1], a.shape[2])).to(a.dtype) \
                if masks is not None and isinstance(drop, FastDropout) and drop.p > 0 else None
            scale, shift = f"conditionings.{i}.scale", f"conditionings.{i}.shift"
            h = affine_block(a, m1, params[f"{scale}.weight"], params[f"{scale}.bias"], params[f"{shift}.weight"],
                             params[f"{shift}.bias"], mask)
            continue
        h = torch.relu(_linear(params, f"dense.{i}", h))
        if isinstance(cond, AffineConditioning):
            s = _map(params, f"conditionings.{i}.scale", m)
            h = torch.addcmul(_map(params, f"conditionings.{i}.shift", m), h, s)
        elif isinstance(cond, ConditionalBiasing):
            h = h + _map(params, f"conditionings.{i}.shift", m)
        elif isinstance(cond, ConditionalScaling):
            h = h * _map(params, f"conditionings.{i}.scale", m)
        elif isinstance(cond, ConcatConditioning):
            h = torch.cat([h, m.to(h.dtype)], dim=-1)
        if masks is not None and isinstance(drop, FastDropout) and drop.p > 0:
            h = h * masks(i, (h.shape[1], h.shape[2])).to(h.dtype)
    return _linear(params, "output", h).squeeze(-1)

