"""Speed and memory measurements, printed next to a reference measured in the same run; run them
as modules from the repository root (``python -m benchmarks.training``)."""
