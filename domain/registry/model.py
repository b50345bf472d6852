"""The Model aggregate: registration, versions, their lifecycle, promotion and registry entry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.inputs.baselines import MAX_BASELINES_PER_MODEL
from perfledger.domain.limits import MAX_LABELS_PER_MODEL, MAX_TAGS_PER_MODEL
from perfledger.domain.vocabulary import ALLOWED_TRANSITIONS, Task, VersionStatus


@dataclass
class Version:
    version_id: str
    status: VersionStatus


@stored_as("domain.model")
class Model(Aggregate):
    """One deployable model; versions live inside it so promotion stays atomic."""

    class Registered(Aggregate.Created):
        organization_id: str
        project_id: str
        name: str
        task: str
        labels: list[str]
        positive_label: str | None
        inputs: list[str]
        description: str

    class VersionCreated(Aggregate.Event):
        version_id: str
        description: str
        params: dict[str, Any]

    class VersionStatusChanged(Aggregate.Event):
        version_id: str
        status: str

    class VersionPromoted(Aggregate.Event):
        version_id: str
        previous_version_id: str | None
        reason: str
        # The gate it passed: the thresholds, each metric's value, the rows they came from
        # and the event-store position the summary showed. None: promoted without a gate.
        evidence: dict[str, Any] | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("evidence", None)

    class LabelsSeen(Aggregate.Event):
        labels: list[str]

    class TagNamesSeen(Aggregate.Event):
        names: list[str]

    class Onboarded(Aggregate.Event):
        entry: dict[str, Any]

    class EntryUpdated(Aggregate.Event):
        changes: dict[str, Any]

    class Deleted(Aggregate.Event):
        pass

    class ArtifactRecorded(Aggregate.Event):
        file_id: str
        digest: str
        files: list[dict[str, Any]]

    class SurrogateRequested(Aggregate.Event):
        env_id: str | None
        params: dict[str, Any]

    class ColumnsDeclared(Aggregate.Event):
        columns: list[dict[str, Any]]  # each a ColumnSpec's JSON, replacing its name's spec

    class BaselineCreated(Aggregate.Event):
        baseline_id: str
        name: str
        definition: dict[str, Any]  # a BaselineDefinition's JSON
        is_default: bool

    class BaselineDeleted(Aggregate.Event):
        baseline_id: str

    @event(Registered)
    def __init__(
        self,
        organization_id: str,
        project_id: str,
        name: str,
        task: str,
        labels: list[str],
        positive_label: str | None,
        inputs: list[str],
        description: str,
        actor: str = "",
    ) -> None:
        self.organization_id = organization_id
        self.project_id = project_id
        self.name = name
        self.task = Task(task)
        self.labels = labels
        self.positive_label = positive_label
        self.inputs = inputs
        self.description = description
        self.versions: dict[str, Version] = {}
        self.promoted_version_id: str | None = None
        self.entry: dict[str, Any] | None = None  # what the v3 registry says about it
        self.deleted = False
        self.created_by = actor
        self.updated_by = actor
        # Labels of a model that declares none, in the order batches first brought them.
        self.labels_seen: list[str] = []
        # Tag names its rows have carried, in the order batches first brought them.
        self.tag_names: list[str] = []
        self.columns: list[dict[str, Any]] = []  # the columns it declares (ColumnSpec JSON)
        self.baselines: dict[str, str] = {}  # baseline id -> name

    def version_of(self, version_id: str) -> Version:
        try:
            return self.versions[version_id]
        except KeyError:
            raise NotFound(f"Version '{version_id}' not found") from None

    # Commands: check the rule, then record the event.

    def create_version(self, version_id: str, description: str, params: dict[str, Any]) -> None:
        if version_id in self.versions:
            raise Conflict(f"Version '{version_id}' already exists")
        self._version_created(version_id, description, params)

    def change_version_status(self, version_id: str, status: VersionStatus) -> None:
        current = self.version_of(version_id).status
        if status not in ALLOWED_TRANSITIONS[current]:
            raise Conflict(
                f"Version '{version_id}' cannot go from '{current}' to '{status}'",
                {"from": str(current), "to": str(status)},
            )
        if status is VersionStatus.ARCHIVED and version_id == self.promoted_version_id:
            raise Conflict(
                f"Version '{version_id}' is promoted; promote another version before archiving it"
            )
        self._version_status_changed(version_id, str(status))

    def promote_version(self, version_id: str, reason: str,
                        evidence: dict[str, Any] | None = None) -> str | None:
        status = self.version_of(version_id).status
        if status is not VersionStatus.TRAINED:
            raise Conflict(
                f"Version '{version_id}' is '{status}'; only a trained version can be promoted"
            )
        if version_id == self.promoted_version_id:
            raise Conflict(f"Version '{version_id}' is already promoted")
        previous = self.promoted_version_id
        self._version_promoted(version_id, previous, reason, evidence)
        return previous

    def see_labels(self, labels: Iterable[str | None]) -> None:
        """Counts the labels a batch brings to a model that declares none: a confusion matrix
        is labels x labels, so their number is capped. Declared labels need no count (rows
        are checked against them)."""
        if self.labels or not self.task.is_classification:
            return
        new = _new_within_cap(self, ("labels", "labels"), self.labels_seen, labels,
                              MAX_LABELS_PER_MODEL, "Declare the labels when registering the model")
        if new:
            self._labels_seen(new)

    def see_tag_names(self, names: Iterable[str]) -> None:
        """Counts the tag names a batch brings: each name is a dimension users slice by, so a
        model has at most MAX_TAGS_PER_MODEL of them."""
        new = _new_within_cap(self, ("tag names", "tags"), self.tag_names, names,
                              MAX_TAGS_PER_MODEL, f"Known: {sorted(self.tag_names)}")
        if new:
            self._tag_names_seen(new)

    # The registry entry (v3): schema, spec, task parameters, artifacts; and soft deletion.

    def onboard(self, entry: dict[str, Any]) -> None:
        self._onboarded(entry)

    def update_entry(self, changes: dict[str, Any]) -> None:
        if changes:
            self._entry_updated(changes)

    def delete(self) -> None:
        if self.deleted:
            raise NotFound(f"Model '{self.id}' not found")
        self._deleted()

    def declare_columns(self, columns: list[dict[str, Any]]) -> None:
        self._columns_declared(columns)

    def create_baseline(self, baseline_id: str, name: str, definition: dict[str, Any],
                        make_default: bool) -> None:
        if name in self.baselines.values():
            raise Conflict(f"Model '{self.id}' has a baseline named {name!r} already",
                           {"field": "name"})
        if len(self.baselines) >= MAX_BASELINES_PER_MODEL:
            raise Conflict(f"A model has at most {MAX_BASELINES_PER_MODEL} baselines; delete"
                           " one first")
        self._baseline_created(baseline_id, name, definition, make_default or not self.baselines)

    def delete_baseline(self, baseline_id: str) -> None:
        if baseline_id not in self.baselines:
            raise NotFound(f"Baseline '{baseline_id}' not found")
        self._baseline_deleted(baseline_id)

    def record_artifact(self, file_id: str, digest: str, files: list[dict[str, Any]]) -> None:
        self._artifact_recorded(file_id, digest, files)

    def record_surrogate(self, env_id: str | None, params: dict[str, Any]) -> None:
        self._surrogate_requested(env_id, params)

    # Events: apply the change; never fail.

    @event(VersionCreated)
    def _version_created(self, version_id: str, description: str, params: dict[str, Any]
                         ) -> None:
        self.versions[version_id] = Version(version_id, VersionStatus.DRAFT)

    @event(VersionStatusChanged)
    def _version_status_changed(self, version_id: str, status: str) -> None:
        self.versions[version_id].status = VersionStatus(status)

    @event(VersionPromoted)
    def _version_promoted(self, version_id: str, previous_version_id: str | None, reason: str,
                          evidence: dict[str, Any] | None) -> None:
        self.promoted_version_id = version_id

    @event(LabelsSeen)
    def _labels_seen(self, labels: list[str]) -> None:
        self.labels_seen = [*self.labels_seen, *labels]

    @event(TagNamesSeen)
    def _tag_names_seen(self, names: list[str]) -> None:
        self.tag_names = [*self.tag_names, *names]

    @event(Onboarded)
    def _onboarded(self, entry: dict[str, Any], actor: str = "") -> None:
        self.updated_by = actor
        self.entry = dict(entry)

    @event(EntryUpdated)
    def _entry_updated(self, changes: dict[str, Any], actor: str = "") -> None:
        self.updated_by = actor
        self.entry = {**(self.entry or {}), **changes}

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True

    @event(ColumnsDeclared)
    def _columns_declared(self, columns: list[dict[str, Any]]) -> None:
        given = {column["name"] for column in columns}
        self.columns = [c for c in self.columns if c["name"] not in given] + columns

    @event(BaselineCreated)
    def _baseline_created(self, baseline_id: str, name: str, definition: dict[str, Any],
                          is_default: bool) -> None:
        self.baselines = {**self.baselines, baseline_id: name}

    @event(BaselineDeleted)
    def _baseline_deleted(self, baseline_id: str) -> None:
        self.baselines = {k: v for k, v in self.baselines.items() if k != baseline_id}

    @event(ArtifactRecorded)
    def _artifact_recorded(self, file_id: str, digest: str, files: list[dict[str, Any]],
                           actor: str = "") -> None:
        self.updated_by = actor
        changes = {"artifact_status": "user_uploaded", "artifact_files": files}
        self.entry = {**(self.entry or {}), **changes}

    @event(SurrogateRequested)
    def _surrogate_requested(self, env_id: str | None, params: dict[str, Any], actor: str = ""
                             ) -> None:
        self.updated_by = actor
        surrogate = {"env_id": env_id, "deployment_params": params}
        self.entry = {**(self.entry or {}), "artifact_status": "surrogate", "surrogate": surrogate}


def _new_within_cap(model: Model, named: tuple[str, str], known: list[str],
                    seen: Iterable[str | None], limit: int, hint: str) -> list[str]:
    """The names in `seen` not yet `known`, in first-seen order; refused past `limit`.
    `named` is what they are called in the message, and the field the error names."""
    what, field = named
    have = set(known)
    new = [name for name in dict.fromkeys(seen) if name is not None and name not in have]
    if len(have) + len(new) > limit:
        raise InvalidInput(
            f"Model '{model.id}' would have {len(have) + len(new)} {what}; a model has at most"
            f" {limit}. {hint}",
            {"field": field, "limit": limit, "known": len(have), "new": len(new)},
        )
    return new
