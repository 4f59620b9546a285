"""wow-rag's dev scripts: the bundle build and the benchmarks."""
