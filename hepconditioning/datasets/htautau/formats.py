"""H → ττ sample files: ROOT TTree or CSV, one column per particle component.

Layout written by :func:`write_htautau` (tree ``htautau``; CSV with the same header): 24
float64 branches ``<particle>_<component>`` with particles ``nu pim pi0m nubar pip pi0p``
([ν, π⁻, π⁰, ν̄, π⁺, π⁰], lab frame, GeV) and components ``px py pz e``, then ``w_a``,
``w_b``, ``alpha_b`` (rad) and the polarimetric vectors ``hm_x … hp_z``. ROOT 6 reads it
as plain float branches (``TTree::Draw("pim_e")``).

:class:`HtautauSpec` maps other files onto this layout: other branch names (e.g. a Pythia +
TAUOLA tree, via :meth:`HtautauSpec.from_pattern`), MeV units, weights or polarimetric
vectors absent (computed from the particles), a fixed α_B.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from hepconditioning.datasets.htautau.dataset import make_events
from hepconditioning.datasets.htautau.features import COMPONENTS, PARTICLES
from hepconditioning.datasets.htautau.generator import generate_particles
from hepconditioning.errors import EmptyInputError, MissingColumnError
from hepconditioning.events import Events
from hepconditioning.io.atomic import check_output_path
from hepconditioning.io.columns import file_format, read_columns
from hepconditioning.io.csv.writer import csv_writer
from hepconditioning.io.root.writer import DEFAULT_COMPRESSION, tree_writer
from hepconditioning.physics.tau import spin_weight

__all__ = [
    "PARTICLE_BRANCHES",
    "POLARIMETRIC_BRANCHES",
    "TREE",
    "HtautauSpec",
    "read_htautau",
    "write_generated",
    "write_htautau",
]

TREE = "htautau"
PARTICLE_BRANCHES = tuple(f"{p}_{c}" for p in PARTICLES for c in COMPONENTS)
POLARIMETRIC_BRANCHES = tuple(f"{h}_{c}" for h in ("hm", "hp") for c in "xyz")
_FORMAT = {"format": "hepconditioning.htautau", "version": 1}


@dataclass(frozen=True)
class HtautauSpec:
    """Where the H → ττ quantities are in a tree or CSV file.

    Args:
        tree: TTree name (ignored for CSV).
        particles: 24 column names in the order [ν, π⁻, π⁰, ν̄, π⁺, π⁰] x (px, py, pz, E).
        w_a, w_b: weight columns, or None to compute W(0) / W(α_B) from the particles.
        alpha_b: column holding α_B (rad) or a fixed value.
        polarimetric: the six h⁻, h⁺ columns (h⁺ sign-flipped), used when all are present;
            otherwise the vectors are computed from the particles (needs the neutrinos).
        scale: multiplies the four-vectors into GeV (0.001 for MeV files).
    """

    tree: str = TREE
    particles: tuple[str, ...] = PARTICLE_BRANCHES
    w_a: str | None = "w_a"
    w_b: str | None = "w_b"
    alpha_b: str | float = "alpha_b"
    polarimetric: tuple[str, ...] | None = POLARIMETRIC_BRANCHES
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "particles", tuple(self.particles))
        if len(self.particles) != 24:
            raise ValueError(f"particles needs 24 column names (6 particles x px, py, pz, E), got "
                             f"{len(self.particles)}")
        if self.polarimetric is not None:
            object.__setattr__(self, "polarimetric", tuple(self.polarimetric))
            if len(self.polarimetric) != 6:
                raise ValueError(f"polarimetric needs 6 names (hm_x..hp_z) or None, got {self.polarimetric}")
        if not self.scale > 0:
            raise ValueError(f"scale must be > 0 (0.001 for MeV), got {self.scale}")

    @classmethod
    def from_pattern(cls, pattern: str = "{particle}_{component}", *,
                     particles: tuple[str, ...] = PARTICLES, components: tuple[str, ...] = COMPONENTS,
                     **options: Any) -> HtautauSpec:
        """Spec whose particle columns are ``pattern.format(particle=..., component=...)``.

        Example:
            >>> HtautauSpec.from_pattern("{particle}.{component}", components=("Px", "Py", "Pz", "E"),
            ...                          w_a=None, w_b=None, alpha_b=1.5708).particles[:2]
            ('nu.Px', 'nu.Py')
        """
        if len(particles) != 6 or len(components) != 4:
            raise ValueError(f"need 6 particle and 4 component names, got {particles} and {components}")
        names = tuple(pattern.format(particle=p, component=c) for p in particles for c in components)
        return cls(particles=names, **options)


# -- writing ---------------------------------------------------------------------------------
def _record(particles: np.ndarray, w_a: np.ndarray, w_b: np.ndarray, alpha_b: np.ndarray,
            h_minus: np.ndarray, h_plus: np.ndarray) -> dict[str, np.ndarray]:
    flat = np.asarray(particles, dtype=np.float64).reshape(len(particles), 24)
    out = {name: np.ascontiguousarray(flat[:, i]) for i, name in enumerate(PARTICLE_BRANCHES)}
    h = np.concatenate([h_minus, h_plus], axis=1)
    rest = {"w_a": w_a, "w_b": w_b, "alpha_b": alpha_b,
            **{name: h[:, i] for i, name in enumerate(POLARIMETRIC_BRANCHES)}}
    out.update({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in rest.items()})
    return out


@contextlib.contextmanager
def _writer(path: Path, *, compression: str | None, title: Mapping[str, Any]) -> Iterator[Callable[[dict], None]]:
    names = [*PARTICLE_BRANCHES, "w_a", "w_b", "alpha_b", *POLARIMETRIC_BRANCHES]
    if file_format(path) == "csv":
        with csv_writer(path, names) as write:
            yield write
    else:
        types = {n: np.float64 if n in PARTICLE_BRANCHES else np.float32 for n in names}
        with tree_writer(path, TREE, types, title=json.dumps(dict(title)), compression=compression) as extend:
            yield extend


def write_htautau(path: str | os.PathLike[str], events: Events, *,
                  compression: str | None = DEFAULT_COMPRESSION) -> Path:
    """Write H → ττ ``events`` (from :func:`generate` / :func:`read_htautau`) atomically.

    ``.root`` → TTree ``htautau``; ``.csv`` / ``.csv.gz`` → CSV with the same column names
    (module docstring). Four-vectors are stored as float64 (float32 cannot resolve the τ rest
    frames of forward, highly boosted Higgs bosons), weights and h as float32. ``compression`` (ROOT only)
    as in :func:`hepconditioning.io.write_root` (``"zstd:5"`` for archival files).
    """
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    missing = [c for c in ("particles", "w_a", "w_b", "h_minus", "h_plus") if c not in events.columns]
    if missing:
        raise MissingColumnError(missing[0], list(events.columns), where="Events columns (H→ττ sample expected)")
    path = check_output_path(path)
    c = events.columns
    with _writer(path, compression=compression, title=_FORMAT) as write:
        write(_record(c["particles"], c["w_a"], c["w_b"], events.mass, c["h_minus"], c["h_plus"]))
    return path


def write_generated(
    path: str | os.PathLike[str],
    n: int,
    *,
    alpha_b: float = np.pi / 2,
    selection: bool = True,
    seed: int | None = None,
    progress: bool = True,
    chunk_size: int = 200_000,
    compression: str | None = DEFAULT_COMPRESSION,
) -> Path:
    """Generate ``n`` events in chunks and write them (as :func:`write_htautau`), with a progress bar.

    Memory stays bounded by ``chunk_size``; the file appears only once complete. Used by
    ``hepconditioning generate htautau``.
    """
    path = check_output_path(path)
    file_format(path)
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive integer number of events, got {n!r}")
    rng = np.random.default_rng(seed)
    title = {**_FORMAT, "alpha_b": float(alpha_b), "selection": bool(selection), "seed": seed}
    with _writer(path, compression=compression, title=title) as write, \
            tqdm(total=n, unit="ev", disable=not progress, desc=f"H→ττ {path.name}") as bar:
        for start in range(0, n, chunk_size):
            k = min(chunk_size, n - start)
            pairs = generate_particles(k, selection=selection, seed=rng)
            w_a = spin_weight(pairs.h_minus, pairs.h_plus, 0.0)
            w_b = spin_weight(pairs.h_minus, pairs.h_plus, alpha_b)
            write(_record(pairs.particles, w_a, w_b, np.full(k, alpha_b), pairs.h_minus, pairs.h_plus))
            bar.update(k)
    return path


# -- reading ---------------------------------------------------------------------------------
def read_htautau(
    path: str | os.PathLike[str],
    *,
    spec: HtautauSpec | None = None,
    neutrinos: bool = False,
    derived: bool = False,
) -> Events:
    """Read an H → ττ sample (ROOT or CSV) into :class:`Events` (see ``make_events``).

    Raises :class:`~hepconditioning.errors.MissingColumnError` for a missing tree or particle
    column (with the nearest names), :class:`~hepconditioning.errors.NonFiniteError` for
    NaN/inf and ``UnphysicalMomentumError`` for E < |p⃗|.
    """
    spec = HtautauSpec() if spec is None else spec
    path = Path(path)
    optional = [*(spec.polarimetric or ()), *(n for n in (spec.w_a, spec.w_b) if n is not None)]
    alpha_column = [spec.alpha_b] if isinstance(spec.alpha_b, str) else []
    columns, available = read_columns(path, [*spec.particles, *alpha_column, *optional], tree=spec.tree)
    where = f"{'tree ' + repr(spec.tree) + ' of ' if file_format(path) == 'root' else ''}{str(path)!r}"
    for name in [*spec.particles, *alpha_column, *(n for n in (spec.w_a, spec.w_b) if n is not None)]:
        if name not in columns:
            hint = " (or give HtautauSpec(alpha_b=<value in rad>))" if name == spec.alpha_b else ""
            raise MissingColumnError(name, available, where=where + hint)
    n = len(columns[spec.particles[0]])
    if n == 0:
        raise EmptyInputError(f"{where} holds no events")
    particles = np.stack([columns[name] for name in spec.particles], axis=1).reshape(n, 6, 4) * spec.scale
    alpha_b = columns[spec.alpha_b] if alpha_column else float(spec.alpha_b)
    h_minus = h_plus = None
    if spec.polarimetric is not None and all(name in columns for name in spec.polarimetric):
        h = np.stack([columns[name] for name in spec.polarimetric], axis=1)
        h_minus, h_plus = h[:, :3], h[:, 3:]
    return make_events(particles, alpha_b=alpha_b, h_minus=h_minus, h_plus=h_plus,
                       w_a=columns.get(spec.w_a) if spec.w_a else None,
                       w_b=columns.get(spec.w_b) if spec.w_b else None,
                       neutrinos=neutrinos, derived=derived, where=where)
