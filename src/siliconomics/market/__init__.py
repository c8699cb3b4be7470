"""Market layer: the sourced market dataset (DuckDB), the capex-to-tokens chain, scenarios,
Monte Carlo and backtests. Sits after econ, before api."""
