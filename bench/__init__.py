"""The measuring instrument: ``python -m bench [--quick]`` prints one table of ratios, each
against a baseline measured in the same run (these machines are noisy)."""
