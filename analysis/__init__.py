"""Analysis scripts, one per paper table or figure; run them as modules from the repository root
(``python -m analysis.interpolation``). They use the public API of :mod:`hepconditioning` only."""
