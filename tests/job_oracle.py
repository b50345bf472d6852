"""Expected job metrics, computed apart from perfledger: plain Python and scikit-learn."""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

ORDER = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}
MISSING = object()


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Recorded:
    """What a test sent: events, every feedback in order, and each training's snapshot."""

    decisions: list[str]
    minutes_per_event: float = 0.25
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    feedback: list[tuple[str, str, str]] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    knowledge_bases: dict[str, dict[str, str]] = field(default_factory=dict)
    changed_at: dict[str, int] = field(default_factory=dict)

    def add_events(self, events: list[dict[str, Any]], event_ids: list[str],
                   active_model: str | None) -> None:
        for event, event_id in zip(events, event_ids, strict=True):
            sent = event.get("timestamp")
            self.events[event_id] = {
                "ts": instant(sent) if sent else datetime.now(UTC), "decision": event["decision"],
                "model_id": event.get("model_id", active_model),
                "bucket_id": event.get("bucket_id"), "fields": event.get("fields", {})}

    def add_feedback(self, event_id: str, user: str, label: str) -> None:
        before = self.consensus(event_id)
        self.feedback.append((event_id, user, label))
        if self.consensus(event_id) != before:
            self.changed_at[event_id] = len(self.feedback)

    def consensus(self, event_id: str) -> str | None:
        """Most frequent of each user's latest label; a tie goes to the most recently given."""
        latest: dict[str, tuple[int, str]] = {}
        for order, (target, user, label) in enumerate(self.feedback):
            if target == event_id:
                latest[user] = (order, label)
        counts: dict[str, list[int]] = {}
        for order, label in latest.values():
            count_and_last = counts.setdefault(label, [0, -1])
            count_and_last[0] += 1
            count_and_last[1] = max(count_and_last[1], order)
        if not counts:
            return None
        return max(counts, key=lambda label: (counts[label][0], counts[label][1]))

    def train(self, model_id: str) -> None:
        self.models.append(model_id)
        self.knowledge_bases[model_id] = {
            event_id: label for event_id in self.events
            if (label := self.consensus(event_id)) is not None}

    def value(self, event_id: str, name: str) -> Any:
        event = self.events[event_id]
        active = self.knowledge_bases.get(self.models[-1], {}) if self.models else {}
        if name == "arcanna.result_label":
            return event["decision"]
        if name == "arcanna.consensus":
            return self.consensus(event_id)
        if name in ("arcanna.model_id", "arcanna.bucket_id"):
            return event[name.split(".")[1]]
        if name == "arcanna.knowledge_base_state":
            if event_id in active:
                return "in_kb"
            return "new" if self.consensus(event_id) is not None else None
        if name == "timestamp":
            return event["ts"]
        found: Any = event["fields"]
        for segment in name.split("."):
            found = found.get(segment) if isinstance(found, dict) else None
        return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def passes(recorded: Recorded, event_id: str, spec: dict[str, Any]) -> bool:
    op = spec["operator"]
    negated = op.startswith("not ") or op in ("is not", "is not one of")
    positive = {"is not": "is", "is not one of": "is one of"}.get(op, op.removeprefix("not "))
    value = recorded.value(event_id, spec["field"])
    wanted = spec.get("value", MISSING)
    if spec["field"] == "timestamp" and wanted is not MISSING:
        wanted = [instant(v) for v in wanted] if isinstance(wanted, list) else instant(wanted)
    result = value is not None and _positive(positive, value, wanted)
    return not result if negated else result


def _positive(op: str, value: Any, wanted: Any) -> bool:
    if op == "exists":
        return True
    if isinstance(value, datetime):
        return value in wanted if op == "is one of" else (
            value == wanted if op == "is" else ORDER[op](value, wanted))
    if isinstance(value, dict | list):
        return False
    if op == "is":
        return _text(value) == _text(wanted)
    if op == "is one of":
        return _text(value) in [_text(w) for w in wanted]
    if op == "starts with":
        return _text(value).startswith(_text(wanted))
    if op == "contains":
        return _text(wanted) in _text(value)
    if isinstance(wanted, int | float) and not isinstance(wanted, bool):
        return isinstance(value, int | float) and not isinstance(value, bool) and bool(
            ORDER[op](value, wanted))
    return bool(ORDER[op](_text(value), _text(wanted)))


def expected_metrics(recorded: Recorded, filters: list[dict[str, Any]] | None = None,
                     start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Every field of the job metrics answer, with scikit-learn for the scores."""
    chosen = [event_id for event_id, event in recorded.events.items()
              if (start is None or event["ts"] >= instant(start))
              and (end is None or event["ts"] < instant(end))
              and all(passes(recorded, event_id, spec) for spec in filters or [])]
    labelled = [e for e in chosen if recorded.consensus(e) is not None]
    y_true = [recorded.consensus(e) for e in labelled]
    y_pred = [recorded.events[e]["decision"] for e in labelled]
    decisions = recorded.decisions
    matrix = confusion_matrix(y_true, y_pred, labels=decisions) if labelled else np.zeros(
        (len(decisions), len(decisions)), dtype=int)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=decisions, average=None, zero_division=0) if labelled else (
        np.zeros(len(decisions)),) * 4
    tp = np.diag(matrix)
    fp, fn = matrix.sum(axis=0) - tp, matrix.sum(axis=1) - tp
    tn = len(labelled) - tp - fp - fn
    active = recorded.models[-1] if recorded.models else None
    kb = recorded.knowledge_bases.get(active, {}) if active else {}
    changed = sorted((e for e in chosen if e in kb and recorded.consensus(e) != kb[e]),
                     key=lambda e: (-recorded.changed_at[e], e))
    buckets: list[str] = []
    for e in changed:
        bucket = recorded.events[e]["bucket_id"]
        if bucket is not None and bucket not in buckets:
            buckets.append(bucket)
    times = [recorded.events[e]["ts"] for e in chosen]
    return {
        "confusion_matrix": matrix.tolist(),
        "overall_accuracy": float(np.trace(matrix) / len(labelled)) if labelled else None,
        "overall_f1_score": float(np.mean(f1)) if labelled else None,
        "overall_recall": float(np.mean(recall)) if labelled else None,
        "overall_precision": float(np.mean(precision)) if labelled else None,
        "metrics_per_decision": {
            label: {"precision": float(precision[i]), "recall": float(recall[i]),
                    "f1_score": float(f1[i]), "true_positives": int(tp[i]),
                    "true_negatives": int(tn[i]), "false_positives": int(fp[i]),
                    "false_negatives": int(fn[i])}
            for i, label in enumerate(decisions)},
        "start_time": iso(instant(start)) if start else (iso(min(times)) if times else None),
        "end_time": iso(instant(end)) if end else (iso(max(times)) if times else None),
        "time_saved_minutes": recorded.minutes_per_event * int(np.trace(matrix)),
        "active_model_id": active,
        "all_model_ids": list(recorded.models),
        "total_events": len(chosen),
        "total_events_in_knowledge_base": sum(e in kb for e in chosen),
        "total_events_with_consensus": len(labelled),
        "changed_consensus_after_training": {
            "total_events": len(changed), "top_events_ids": changed[:10],
            "top_buckets_ids": buckets[:10]},
    }


def assert_same_metrics(actual: dict[str, Any], expected: dict[str, Any], case: str) -> None:
    """Every field, in the seed's order; floats within 1e-12."""
    assert list(actual) == list(expected), case
    for name, want in expected.items():
        got = actual[name]
        if isinstance(want, float) and got is not None:
            assert abs(got - want) < 1e-12, f"{case}: {name} {got} != {want}"
        elif name == "metrics_per_decision":
            assert list(got) == list(want), case
            for label, fields in want.items():
                for key, number in fields.items():
                    assert abs(got[label][key] - number) < 1e-12, f"{case}: {label}.{key}"
        else:
            assert got == want, f"{case}: {name} {got!r} != {want!r}"
