"""Readers and writers: files ⇄ :class:`~hepconditioning.events.Events`."""

from __future__ import annotations

from hepconditioning.io.atomic import atomic_path, check_output_path

__all__ = ["atomic_path", "check_output_path"]
