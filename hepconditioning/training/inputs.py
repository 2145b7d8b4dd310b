"""Moved to :mod:`hepconditioning.nn.inputs` (``model.predict`` lives in :mod:`hepconditioning.nn`);
this name is kept for code that imports :func:`feature_matrix` from here."""

from __future__ import annotations

from hepconditioning.nn.inputs import feature_matrix

__all__ = ["feature_matrix"]
