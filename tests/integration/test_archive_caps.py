"""Archive bombs are refused with a 400 before they are unpacked, and leave no trace."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
import zipfile
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.api.uploads.archives import (
    MAX_ARCHIVE_MEMBERS,
    MAX_HEADER_BYTES,
    MAX_MEMBER_NAME_BYTES,
)
from tests.v3 import create_model, create_project, model_body


@pytest.fixture
def model(client: TestClient[Any], admin: dict[str, str]) -> dict[str, Any]:
    return dict(create_model(client, admin, model_body(create_project(client, admin))))


def tar_bytes(files: dict[str, bytes], mode: str = "w", fmt: int = tarfile.GNU_FORMAT) -> bytes:
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode=mode, format=fmt) as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return sink.getvalue()


def long_name_header(declared: int) -> bytes:
    """A GNU long-name header claiming `declared` bytes of name, and nothing after it."""
    info = tarfile.TarInfo("././@LongLink")
    info.type, info.size = tarfile.GNUTYPE_LONGNAME, declared
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def deploy(client: TestClient[Any], admin: dict[str, str], model: dict[str, Any],
           container: Container, content: bytes, name: str = "model.tar.gz") -> str:
    head = container.engine.log.head()
    answer = client.post(f"/v3/models/{model['id']}/deploy-artifact",
                         files={"file": (name, content)}, headers=admin)
    assert answer.status_code == 400, answer.text
    assert container.engine.log.head() == head, "a refused artifact was recorded"
    return str(answer.json()["error"]["message"])


def test_an_archive_compressed_with_bzip2_is_refused_unread(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    bomb = bz2.compress(tar_bytes({"weights.bin": b"\0" * 1_000_000}))
    assert "bzip2" in deploy(client, admin, model, container, bomb, "model.tar")


def test_a_long_name_header_past_the_cap_is_refused_before_it_is_read(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    bomb = gzip.compress(long_name_header(512 * 1024 * 1024))
    message = deploy(client, admin, model, container, bomb)
    assert "extended header" in message and str(MAX_HEADER_BYTES) in message


def test_a_gzip_stream_that_unpacks_past_the_ratio_is_refused(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    bomb = gzip.compress(tar_bytes({"zeros.bin": b"\0" * 64_000_000}), 1)
    assert len(bomb) < 640_000
    assert "unpacks to more than" in deploy(client, admin, model, container, bomb)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_an_archive_with_too_many_members_is_refused(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container,
    kind: str,
) -> None:
    names = [f"f{i}" for i in range(MAX_ARCHIVE_MEMBERS + 1)]
    if kind == "tar":
        content = tar_bytes(dict.fromkeys(names, b""), "w:gz")
    else:
        sink = io.BytesIO()
        with zipfile.ZipFile(sink, "w") as archive:
            for name in names:
                archive.writestr(name, b"")
        content = sink.getvalue()
    message = deploy(client, admin, model, container, content, f"model.{kind}")
    assert f"more than {MAX_ARCHIVE_MEMBERS} entries" in message


def test_a_member_name_past_the_cap_is_refused(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    content = tar_bytes({"d/" + "n" * MAX_MEMBER_NAME_BYTES: b"x"}, "w:gz")
    assert "name is longer than" in deploy(client, admin, model, container, content)


def test_an_archive_within_every_cap_is_listed(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    names = {f"f{i}.txt": b"x" * i for i in range(MAX_ARCHIVE_MEMBERS)}
    content = tar_bytes(names, "w:gz")
    answer = client.post(f"/v3/models/{model['id']}/deploy-artifact",
                         files={"file": ("model.tar.gz", content)}, headers=admin)
    assert answer.status_code == 200, answer.text
    got = client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"]
    assert len(got["artifact_files"]) == MAX_ARCHIVE_MEMBERS
