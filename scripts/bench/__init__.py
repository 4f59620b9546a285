"""The benchmarks: `python -m scripts.bench.run_all` runs them all (see run_all.py)."""
