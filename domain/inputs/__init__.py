"""Inputs and outputs of models: columns, baselines."""
