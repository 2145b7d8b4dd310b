"""The study of Anzalone et al. 2022 (arXiv:2202.00424): ``python -m analysis.anzalone22.run``."""
