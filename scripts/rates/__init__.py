"""Measurements of how often the lessons' seed-dependent claims hold (scripts/measure_rates.py)."""
