"""Wheel smoke, run by `.ci/release.py check` in a venv with only this wheel and its deps.

The embedded datasets are package data: this proves they are in the wheel.
"""

from finbot.data import DEFAULT_DATASET, load_dataset

data = load_dataset(DEFAULT_DATASET)
assert data.instrument_ids, "the embedded default dataset has no instruments"
assert all(len(data.bars(iid)) > 0 for iid in data.instrument_ids)
