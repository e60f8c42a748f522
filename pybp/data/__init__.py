"""Data files shipped with pybp; see pybp.datasets for loaders."""
