"""`GET /files/{blob_id}`: media by capability id, with single-range HTTP `Range` support.

Ids are validated by the blob store (never a path, S6); unknown ids are a plain 404.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from songsmith.api.state import app_state

router = APIRouter(tags=["media"])

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _not_found() -> Response:
    return JSONResponse({"detail": "Not Found"}, status_code=404)


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """[start, end) for one `bytes=` range; None: serve the whole blob; "unsatisfiable": 416."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # multi-range or another unit: RFC 9110 allows ignoring it
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size
    start = int(first)
    end = size if not last else min(size, int(last) + 1)
    if start >= size or end <= start:
        return "unsatisfiable"
    return start, end


@router.head("/files/{blob_id}", include_in_schema=False)
@router.get(
    "/files/{blob_id}",
    summary="Download a media file (supports Range)",
    responses={200: {"content": {"audio/mpeg": {}}}, 206: {"description": "Partial content"}},
)
def get_file(blob_id: str, request: Request) -> Response:
    blobs = app_state(request).blobs
    try:
        size = blobs.size(blob_id)
        if size is None:
            return _not_found()
        content_type = blobs.content_type(blob_id)
    except ValueError:  # an id the store could never have issued
        return _not_found()
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000",
        "X-Content-Type-Options": "nosniff",
    }
    header = request.headers.get("range")
    wanted = parse_range(header, size) if header else None
    if wanted == "unsatisfiable":
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if isinstance(wanted, tuple):
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    else:
        start, end, status = 0, size, 200
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=content_type)
    try:
        chunks = blobs.read(blob_id, start, end)
    except FileNotFoundError:
        return _not_found()
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=content_type)
