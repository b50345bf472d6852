"""v3 file uploads: the bytes stored by content under the data directory, the upload an event."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from perfledger.api.auth import Principal, requires
from perfledger.api.services.catalog import Catalog, Upload
from perfledger.api.uploads.tables import file_type_of
from perfledger.api.v3.envelope import Normal, normal
from perfledger.api.v3.people import User, user
from perfledger.domain.catalog.files import StoredFile
from perfledger.domain.errors import InvalidInput
from perfledger.domain.timestamps import format_timestamp

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


class FileOut(msgspec.Struct):
    id: str
    filename: str
    name: str
    status: str
    type: str
    size: int
    created_at: str
    updated_at: str
    created_by: User
    updated_by: User


def file_out(stored: StoredFile) -> FileOut:
    at = format_timestamp(stored.created_on)
    who = user(stored.created_by)
    return FileOut(str(stored.id), stored.filename, stored.filename, "SUCCESSFUL",
                   stored.file_type, stored.size, at, at, who, who)


def upload_in(form: dict[str, Any]) -> Upload:
    """The multipart body's `file` part, read and typed but not stored yet."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("The multipart body needs a file part named 'file'")
    content = upload.file.read()
    if not content:
        raise InvalidInput(f"'{upload.filename}' is empty")
    filename = upload.filename or "upload"
    return Upload(filename, file_type_of(filename, content[:1024]), content)


class FileController(Controller):
    path = "/files"
    tags = ["v3 files"]

    @post("/upload", guards=[requires("dataset:write")], operation_id="v3UploadFile",
          status_code=200)
    async def upload_file(self, data: Form, principal: Principal, catalog: Catalog
                          ) -> Normal[FileOut]:
        return normal(file_out(await catalog.upload(principal.caller, upload_in(data))))
