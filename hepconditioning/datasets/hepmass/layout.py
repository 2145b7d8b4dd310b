"""The HEPMASS file layout: feature names, column order and the signal mass grid, defined once.

The UCI HEPMASS files (Baldi et al. 2016, arXiv:1601.07913) hold one comment header
``# label, f0, f1, …, f26, mass`` (or none) then numeric rows; the HEPMASS-IMB files (Anzalone
et al. 2022, arXiv:2202.00424) name their columns (``type`` for the label). Both store the signal
masses on the grid :data:`MASSES` (500 as 499.999). :data:`CSV_LAYOUT` reads either with
:func:`hepconditioning.io.read_csv`.
"""

from __future__ import annotations

from hepconditioning.io.csv.layout import CsvLayout

__all__ = ["COLUMNS", "CSV_LAYOUT", "HEPMASS_FEATURES", "MASSES"]

HEPMASS_FEATURES: tuple[str, ...] = tuple(f"f{i}" for i in range(27))
"""The 27 HEPMASS feature names ``f0 … f26`` (meanings: ``FEATURE_MEANINGS``)."""
MASSES: tuple[float, ...] = (500.0, 750.0, 1000.0, 1250.0, 1500.0)
"""The HEPMASS signal mass points m_X in GeV."""
COLUMNS: tuple[str, ...] = ("label", *HEPMASS_FEATURES, "mass")
"""Column order of the real HEPMASS files."""
CSV_LAYOUT = CsvLayout("auto", columns=COLUMNS, points=MASSES)
"""HEPMASS and HEPMASS-IMB CSV files: header detected, headerless files in :data:`COLUMNS`
order, masses within 1 GeV of :data:`MASSES` set to it (``read_csv(mass_points="auto")``)."""
