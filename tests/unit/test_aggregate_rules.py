"""The aggregates' rules, checked on the aggregates alone: no database, no HTTP."""

from __future__ import annotations

import uuid

import pytest

from perfledger.domain.aggregate import acting
from perfledger.domain.application import PerfLedger
from perfledger.domain.catalog.claims import NameClaim
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.catalog.project import Project
from perfledger.domain.catalog.project_gate import ProjectGate
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.jobs.aggregates import Job, JobDirectory
from perfledger.domain.limits import MAX_LABELS_PER_MODEL, MAX_TAGS_PER_MODEL
from perfledger.domain.performance.batches import PredictionBatch
from perfledger.domain.recompute import RecomputeRequest, RecomputeSlot, scope_key
from perfledger.domain.registry.model import Model


def multiclass_model(labels: list[str] | None = None) -> Model:
    return Model("org", "p", "m", "multiclass_classification", labels or [], None, [], "")


def test_every_event_names_who_acted_without_any_method_taking_it() -> None:
    with acting("ana"):
        model = multiclass_model()
    with acting("bob"):
        model.create_version("v1", "", {})
    assert [event.actor for event in model.pending_events] == ["ana", "bob"]
    assert model.created_by == "ana"


def test_a_recompute_slot_holds_one_pending_request_and_releases_only_that_one() -> None:
    key = scope_key("performance", {"model_id": "m", "version_id": None, "dataset_split": None})
    slot = RecomputeSlot(key)
    first, second = uuid.uuid4(), uuid.uuid4()
    slot.take(first)
    slot.release(second)  # another request's release does not free the slot
    assert slot.pending == first
    slot.release(first)
    assert slot.pending is None
    assert RecomputeSlot.create_id(key) == RecomputeSlot.create_id(key)


def test_a_recompute_request_moves_queued_started_finished_and_refuses_a_second_start() -> None:
    request = RecomputeRequest("org", "performance", {"model_id": "m"})
    assert request.is_pending and request.status == "queued"
    request.start("worker-1")
    assert (request.status, request.attempts) == ("in_progress", 1)
    request.start("worker-2")  # a request left in progress by a dead worker is taken again
    assert request.attempts == 2
    request.complete({"drifted": False})
    with pytest.raises(Conflict, match="already completed"):
        request.start("worker-3")


def test_scope_keys_are_canonical_whatever_the_order_and_none_means_any() -> None:
    one = scope_key("job_model", {"model_id": "m", "job_key": "j"})
    other = scope_key("job_model", {"job_key": "j", "model_id": "m"})
    assert one == other == "job_model:job_key=j;model_id=m"
    assert scope_key("performance", {"version_id": None}) == "performance:version_id=*"


def test_a_name_claim_is_held_by_one_holder_until_released() -> None:
    holder, other = uuid.uuid4(), uuid.uuid4()
    claim = NameClaim("project", "org", "fraud", holder)
    claim.take(holder, "Project 'fraud'")  # the holder taking it again changes nothing
    with pytest.raises(Conflict, match="Project 'fraud' already exists") as refused:
        claim.take(other, "Project 'fraud'")
    assert refused.value.details == {"existing_id": str(holder)}
    claim.release(other)  # not the holder: nothing happens
    assert claim.holder == holder
    claim.release(holder)
    claim.take(other, "Project 'fraud'")
    assert claim.holder == other
    assert NameClaim.create_id("project", "org", "x") != NameClaim.create_id("project", "o2", "x")


def test_a_project_gate_closes_and_its_ids_follow_the_project() -> None:
    project_id = uuid.uuid4()
    gate = ProjectGate(project_id)
    assert not gate.closed and gate.id == ProjectGate.create_id(project_id)
    gate.trigger_event(ProjectGate.ModelAdded, model_id="m1")
    assert not gate.closed
    gate.trigger_event(ProjectGate.Closed)
    assert gate.closed and gate.version == 3


def test_a_project_is_visible_to_its_organization_alone_and_not_after_deletion() -> None:
    project = Project("org", "fraud")
    project.check_visible_to("org")
    with pytest.raises(NotFound):
        project.check_visible_to("another org")
    project.delete()
    with pytest.raises(NotFound):
        project.check_visible_to("org")


def test_a_job_directory_counts_job_ids_up_and_keeps_titles_unique() -> None:
    directory = JobDirectory("org")
    assert directory.next_job_id == 1
    directory.add_job(1, "Phishing")
    assert directory.next_job_id == 2
    with pytest.raises(Conflict, match="job_id 1"):
        directory.add_job(2, "Phishing")


def test_a_job_names_new_models_by_slug_id_and_second_and_never_twice() -> None:
    job = Job("org", 7, "Phishing triage!", ["Drop", "Escalate"], 0.25)
    first = job.next_model_id(1_700_000_000)
    assert first == "phishing-triage-7-model-1700000000"
    job.train(first, 3)
    assert job.next_model_id(1_700_000_000) == "phishing-triage-7-model-1700000001"
    assert job.active_model_id == first
    with pytest.raises(InvalidInput, match="decisions"):
        job.check_decision("Ignore")


def test_labels_a_model_does_not_declare_are_counted_up_to_the_cap() -> None:
    model = multiclass_model()
    model.see_labels(["a", "b", None, "a"])
    model.see_labels(["b"])  # nothing new: no event
    assert model.labels_seen == ["a", "b"]
    assert [type(e).__name__ for e in model.pending_events] == ["Registered", "LabelsSeen"]
    with pytest.raises(InvalidInput) as refused:
        model.see_labels(f"l{i}" for i in range(MAX_LABELS_PER_MODEL))
    assert refused.value.details["limit"] == MAX_LABELS_PER_MODEL
    declared = multiclass_model(["x", "y", "z"])
    declared.see_labels(["w"])  # declared labels are checked on the rows, not counted here
    assert declared.labels_seen == []


def test_tag_names_are_counted_per_model_up_to_the_cap() -> None:
    model = multiclass_model()
    model.see_tag_names(["region", "plan", "region"])
    model.see_tag_names(["plan"])  # nothing new: no event
    assert model.tag_names == ["region", "plan"]
    assert [type(e).__name__ for e in model.pending_events] == ["Registered", "TagNamesSeen"]
    with pytest.raises(InvalidInput) as refused:
        model.see_tag_names(f"t{i}" for i in range(MAX_TAGS_PER_MODEL - 1))
    assert refused.value.details == {"field": "tags", "limit": MAX_TAGS_PER_MODEL, "known": 2,
                                     "new": MAX_TAGS_PER_MODEL - 1}
    model.see_tag_names(f"t{i}" for i in range(MAX_TAGS_PER_MODEL - 2))
    assert len(model.tag_names) == MAX_TAGS_PER_MODEL


def test_a_prediction_batch_stored_before_tags_reads_back_without_tags() -> None:
    ledger = PerfLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    batch = PredictionBatch("org", uuid.uuid4(), "v1", "test", "b1", ["r1", "r2"],
                            ["a", "b"], [None, None], [None, None], [], [None, None],
                            [None, None], [None, None], [None, None], [None, None],
                            [{"region": "eu"}, None])
    (event,) = batch.collect_events()
    mapper = ledger.mapper
    stored = mapper.to_stored_event(event)
    compressor, transcoder = mapper.compressor, mapper.transcoder
    assert compressor is not None
    state = transcoder.decode(compressor.decompress(stored.state))
    assert state.pop("class_version") == 2 and state.pop("tags")
    older = type(stored)(stored.originator_id, stored.originator_version, stored.topic,
                         compressor.compress(transcoder.encode(state)))

    read_back = mapper.to_domain_event(older)
    assert read_back.tags == [None, None]
    assert mapper.to_domain_event(stored).tags == [{"region": "eu"}, None]


def test_an_operation_succeeds_or_fails_with_its_reason() -> None:
    done = Operation("org", "Delete model m v1", None, {"model_id": "m"})
    done.succeed({"rows": 3})
    assert (done.status, done.info) == ("SUCCESS", {"model_id": "m", "rows": 3})
    failed = Operation("org", "Publish f.csv", None, {})
    failed.fail("BadFile", "no rows")
    assert (failed.status, failed.error_reason, failed.error_message) == (
        "FAILURE", "BadFile", "no rows")
