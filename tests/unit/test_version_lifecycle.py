"""The Model aggregate enforces the version lifecycle and single promotion."""

from __future__ import annotations

import pytest

from perfledger.domain.errors import Conflict, NotFound
from perfledger.domain.registry.model import Model
from perfledger.domain.vocabulary import ALLOWED_TRANSITIONS, VersionStatus


def new_model() -> Model:
    return Model(
        organization_id="org",
        project_id="p",
        name="m",
        task="regression",
        labels=[],
        positive_label=None,
        inputs=[],
        description="",
    )


def model_with_version_in(status: VersionStatus) -> Model:
    model = new_model()
    model.create_version("v1", "", {})
    path = {
        VersionStatus.DRAFT: [],
        VersionStatus.TRAINING: [VersionStatus.TRAINING],
        VersionStatus.TRAINED: [VersionStatus.TRAINING, VersionStatus.TRAINED],
        VersionStatus.FAILED: [VersionStatus.TRAINING, VersionStatus.FAILED],
        VersionStatus.ARCHIVED: [
            VersionStatus.TRAINING,
            VersionStatus.TRAINED,
            VersionStatus.ARCHIVED,
        ],
    }[status]
    for step in path:
        model.change_version_status("v1", step)
    return model


ALL_PAIRS = [(a, b) for a in VersionStatus for b in VersionStatus]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_only_the_lifecycle_transitions_are_allowed(
    current: VersionStatus, target: VersionStatus
) -> None:
    model = model_with_version_in(current)
    allowed = target in ALLOWED_TRANSITIONS[current]
    if allowed:
        model.change_version_status("v1", target)
        assert model.version_of("v1").status is target
    else:
        events_before = len(model.collect_events())
        with pytest.raises(Conflict, match=f"cannot go from '{current}' to '{target}'"):
            model.change_version_status("v1", target)
        assert len(model.collect_events()) == 0 and events_before > 0


def test_the_lifecycle_is_draft_training_trained_or_failed_then_archived() -> None:
    assert {s: sorted(t) for s, t in ALLOWED_TRANSITIONS.items()} == {
        VersionStatus.DRAFT: [VersionStatus.TRAINING],
        VersionStatus.TRAINING: [VersionStatus.FAILED, VersionStatus.TRAINED],
        VersionStatus.TRAINED: [VersionStatus.ARCHIVED],
        VersionStatus.FAILED: [],
        VersionStatus.ARCHIVED: [],
    }


@pytest.mark.parametrize("status", [s for s in VersionStatus if s is not VersionStatus.TRAINED])
def test_only_a_trained_version_can_be_promoted(status: VersionStatus) -> None:
    model = model_with_version_in(status)
    with pytest.raises(Conflict, match="only a trained version"):
        model.promote_version("v1", "")
    assert model.promoted_version_id is None


def test_promoting_another_version_replaces_the_promoted_one() -> None:
    model = model_with_version_in(VersionStatus.TRAINED)
    model.create_version("v2", "", {})
    model.change_version_status("v2", VersionStatus.TRAINING)
    model.change_version_status("v2", VersionStatus.TRAINED)

    assert model.promote_version("v1", "first") is None
    assert model.promote_version("v2", "better") == "v1"

    assert model.promoted_version_id == "v2"
    with pytest.raises(Conflict, match="already promoted"):
        model.promote_version("v2", "")


def test_the_promoted_version_cannot_be_archived() -> None:
    model = model_with_version_in(VersionStatus.TRAINED)
    model.promote_version("v1", "")
    with pytest.raises(Conflict, match="promote another version"):
        model.change_version_status("v1", VersionStatus.ARCHIVED)


def test_duplicate_and_unknown_versions_are_refused() -> None:
    model = new_model()
    model.create_version("v1", "", {})
    with pytest.raises(Conflict, match="already exists"):
        model.create_version("v1", "", {})
    with pytest.raises(NotFound):
        model.change_version_status("v9", VersionStatus.TRAINING)
