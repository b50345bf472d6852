"""Evidently's DataDriftPreset on the rows `bench/inputs.py` sent perfledger, for its side
by side: wall time and peak memory of one report. Runs in a virtualenv of its own (Evidently
0.7 needs pandas < 3; it is never a dependency of perfledger):

    python -m venv /tmp/evidently && /tmp/evidently/bin/pip install "evidently>=0.7,<0.8" "pandas<3"
    /tmp/evidently/bin/python bench/evidently_drift.py rows.npz

`rows.npz` holds `reference_numeric`, `reference_categorical`, `current_numeric` and
`current_categorical` (rows x columns); it prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def frame(numeric: np.ndarray, categorical: np.ndarray) -> pd.DataFrame:
    columns = {f"x{j}": numeric[:, j] for j in range(numeric.shape[1])}
    columns.update({f"c{j}": categorical[:, j] for j in range(categorical.shape[1])})
    return pd.DataFrame(columns)


def main() -> None:
    arrays = np.load(sys.argv[1], allow_pickle=False)
    began = time.perf_counter()
    reference = frame(arrays["reference_numeric"], arrays["reference_categorical"])
    current = frame(arrays["current_numeric"], arrays["current_categorical"])
    snapshot = Report([DataDriftPreset()]).run(current, reference)
    drifted = snapshot.dict()["metrics"][0]["value"]
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"reference_rows": len(reference), "current_rows": len(current),
                      "columns": reference.shape[1], "seconds": round(seconds, 1),
                      "peak_mb": round(peak_mb), "drifted_columns": drifted}))


if __name__ == "__main__":
    main()
