"""Small integer codes for a model's labels, kept in declared then first-seen order."""

from __future__ import annotations

from perfledger.projections.database import Tx
from perfledger.projections.keys import require_keys
from perfledger.projections.projection import Tables


class LabelCodes:
    """Caches codes for one page's transaction and records the new ones it hands out."""

    def __init__(self, tx: Tx, t: Tables) -> None:
        self._tx = tx
        self._t = t
        self._by_model: dict[str, dict[str, int]] = {}

    def of_model(self, model_id: str) -> dict[str, int]:
        codes = self._by_model.get(model_id)
        if codes is None:
            rows = self._tx.rows(
                f"SELECT label, code FROM {self._t.perf_labels} WHERE model_id = ?", (model_id,)
            )
            codes = self._by_model[model_id] = {label: int(code) for label, code in rows}
        return codes

    def code(self, model_id: str, label: str | None) -> int | None:
        return None if label is None else self.code_of(model_id, label)

    def codes_of(self, model_id: str, labels: list[str | None]) -> list[int | None]:
        """Codes for a whole column at once (new labels get theirs first)."""
        known = self.of_model(model_id)
        for label in dict.fromkeys(labels):  # first-seen order, whatever the hash seed
            if label is not None and label not in known:
                self.code_of(model_id, label)
        return [None if label is None else known[label] for label in labels]

    def code_of(self, model_id: str, label: str) -> int:
        codes = self.of_model(model_id)
        code = codes.get(label)
        if code is None:
            require_keys("label", [label])
            code = codes[label] = len(codes)
            self._tx.execute(
                f"INSERT INTO {self._t.perf_labels} (model_id, label, code) VALUES (?, ?, ?)",
                (model_id, label, code),
            )
            # Every confusion matrix of the model gains a row and a column.
            self._tx.execute(
                f"UPDATE {self._t.perf_series} SET dirty = 1 WHERE model_id = ?", (model_id,)
            )
        return code

    def forget(self, model_id: str) -> None:
        """Drops the cached codes of a model whose rows were purged."""
        self._by_model.pop(model_id, None)
