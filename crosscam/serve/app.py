"""The web application of ``crosscam serve``: server-rendered pages over one run folder.

Pages: ``/`` overview, ``/identities`` gallery, ``/identities/{id}`` one person, ``/search``, ``/corrections``.
Files: ``/files/...`` (thumbnails, videos) and ``/clips/{tracklet id}`` (cut on first request).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from crosscam.associate.ground_plane import GroundCalibration
from crosscam.embed.base import Embedder, l2_normalize
from crosscam.errors import CrosscamError
from crosscam.serve import corrections, security
from crosscam.serve.clips import clip_source, make_clip
from crosscam.serve.data import RunData
from crosscam.serve.ground import ground_plot
from crosscam.serve.search import Searcher, decode_image, default_embedder_factory
from crosscam.serve.view import (
    SORTS,
    Clock,
    GalleryIndex,
    GalleryQuery,
    IdentityView,
    build_identities,
    select_identities,
    tick_digits,
    timeline_lanes,
)

HERE = Path(__file__).parent
TIMELINE_ROWS = 25


class Server:
    """The run, its corrected identities and the loaded search model, shared by every request."""

    def __init__(self, run: RunData, make_embedder: Callable[[], Embedder]):
        self.run = run
        self.clock = Clock(run.origin)
        self.searcher = Searcher(run, make_embedder)
        self.lock = threading.Lock()
        self.log = corrections.read_log(run.folder)
        self._set(*build_identities(run, self.log))
        self.span = (
            min(a.start for i in self.identities.values() for a in i.appearances) if self.identities else 0.0,
            max(a.end for i in self.identities.values() for a in i.appearances) if self.identities else 1.0,
        )

    def correct(self, action: str, payload: dict, user: str | None) -> None:
        """Log one correction and rebuild the identities with it."""
        with self.lock:
            correction = corrections.Correction(action, payload, user or None)
            identities, replayed = build_identities(self.run, [*self.log, correction])
            self.log.append(corrections.append(self.run.folder, correction, replayed))
            self._set(identities, replayed)

    def _set(self, identities: dict[int, IdentityView], replayed: corrections.Replayed) -> None:
        self.identities, self.replayed = identities, replayed
        self.owners = {a.row: (i, a) for i in identities.values() for a in i.appearances}
        self.gallery = GalleryIndex(identities)

    def keys_of(self, global_id: int) -> list[list]:
        return [list(a.tracklet.key) for a in self.identity(global_id).appearances]

    def identity(self, global_id: int):
        if global_id not in self.identities:
            raise LookupError(f"no person {global_id} in this run")
        return self.identities[global_id]

    def owner(self, tracklet_id: int):
        """(identity, appearance) of a tracklet id."""
        found = self.owners.get(self.run.row_of.get(tracklet_id, -1))
        if found is None:
            raise LookupError(f"no appearance {tracklet_id} in this run")
        return found


def create_app(
    run: RunData,
    token: str | None = None,
    make_embedder: Callable[[], Embedder] | None = None,
    assets: str | None = None,
    grounds: Mapping[str, GroundCalibration] | None = None,
    allowed_hosts: set[str] | None = None,
) -> FastAPI:
    """The application over ``run``; ``token`` (if given) is required on every request; ``grounds``: ground-plane
    calibrations by camera name, to draw where each person walked; ``allowed_hosts``: the host names requests may
    address (None: any), which stops a DNS-rebinding page from reading a token-less server on loopback."""
    server = Server(run, make_embedder or default_embedder_factory(run, assets))
    csrf_token = security.new_csrf_token()
    app = FastAPI(title="crosscam", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server = server
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescapes .html templates
    templates.env.globals.update(clock=server.clock, run=run, csrf_token=csrf_token, clip_source=clip_source)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if allowed_hosts is not None and security.host_name(request.headers.get("host", "")) not in allowed_hosts:
            return PlainTextResponse("unexpected Host header", 400)
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and security.same_secret(given, token):
                query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), status_code=303)
                response.set_cookie(security.TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            carried = request.headers.get(security.TOKEN_HEADER) or request.cookies.get(security.TOKEN_COOKIE)
            if not security.same_secret(carried, token):
                return PlainTextResponse("access token missing or wrong: open the link with ?token=...", 401)
        if request.method not in ("GET", "HEAD") and security.cross_site(request.headers, request.url.netloc):
            return PlainTextResponse("cross-site request refused", 403)
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def check_csrf(request: Request, form_value: str) -> None:
        if not security.same_secret(request.headers.get(security.CSRF_HEADER) or form_value, csrf_token):
            raise PermissionError("CSRF token missing or wrong: reload the page and try again")

    @app.exception_handler(PermissionError)
    async def forbidden(request: Request, error: PermissionError):
        return PlainTextResponse(str(error), 403)

    @app.exception_handler(LookupError)
    async def not_found(request: Request, error: LookupError):
        return page(request, "error.html", {"message": str(error)}, 404)

    @app.exception_handler(CrosscamError)
    async def bad_input(request: Request, error: CrosscamError):
        return page(request, "error.html", {"message": str(error)}, 400)

    def page(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request, page_number: int = 1):
        shown, count = select_identities(
            server.gallery, GalleryQuery(sort="first_seen", page=page_number, per_page=TIMELINE_ROWS)
        )
        names = [camera.name for camera in run.cameras]
        rows = [(i, timeline_lanes(i, server.span, names)) for i in shown]
        cameras = []
        for camera in run.cameras:
            offset = run.offsets.get(camera.name, 0.0)
            cameras.append((camera, offset, offset + camera.frames / camera.fps if camera.fps else offset))
        ticks = [server.span[0] + (server.span[1] - server.span[0]) * k / 4 for k in range(5)]
        context = {"cameras": cameras, "rows": rows, "ticks": ticks, "count": count, "page_number": page_number}
        context["tick_digits"] = tick_digits(server.span[1] - server.span[0])
        context["camera_index"] = {name: n for n, name in enumerate(names)}
        context["pages"] = max(1, -(-count // TIMELINE_ROWS))
        return page(request, "overview.html", context)

    @app.get("/identities", response_class=HTMLResponse)
    def gallery(
        request: Request,
        camera: str = "",
        after: str = "",
        before: str = "",
        min_cameras: int = 1,
        min_similarity: str = "",
        sort: str = "id",
        order: str = "asc",
        page_number: int = 1,
    ):
        problem = None
        try:
            query = GalleryQuery(
                camera=camera or None,
                after=server.clock.parse(after),
                before=server.clock.parse(before),
                min_cameras=min_cameras,
                min_similarity=float(min_similarity) if min_similarity.strip() else None,
                sort=sort if sort in SORTS else "id",
                descending=order == "desc",
                page=page_number,
            )
            shown, total = select_identities(server.gallery, query)
        except ValueError as error:  # shown inside the gallery, which htmx swaps in
            query, shown, total, problem = GalleryQuery(), [], 0, f"filter: {error}"
        filters = {"camera": camera, "after": after, "before": before, "min_cameras": min_cameras}
        filters |= {"min_similarity": min_similarity, "sort": query.sort, "order": order}
        context = {"shown": shown, "total": total, "query": query, "filters": filters, "sorts": SORTS}
        context["problem"] = problem
        context["pages"] = max(1, -(-total // query.per_page))
        context["page_link"] = lambda n: "/identities?" + urlencode({**filters, "page_number": n})
        return page(request, "gallery.html", context)

    @app.get("/identities/{global_id}", response_class=HTMLResponse)
    def identity(request: Request, global_id: int):
        person = server.identity(global_id)
        plot = ground_plot(run, person, grounds) if grounds else None
        return page(request, "identity.html", {"person": person, "ground": plot})

    @app.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, tracklet: int | None = None):
        context = {"ranking": None, "query_appearance": None, "query_person": None}
        if tracklet is not None:
            person, appearance = server.owner(tracklet)
            vector = run.embeddings[appearance.row]
            context |= {"ranking": server.searcher.rank(vector, server.owners), "query_appearance": appearance}
            context["query_person"] = person
        return page(request, "search.html", context)

    @app.post("/search", response_class=HTMLResponse)
    async def search_photo(request: Request, photo: Annotated[UploadFile, File()], csrf: str = Form("")):
        check_csrf(request, csrf)
        image = decode_image(await photo.read(), photo.filename or "upload")
        vector = l2_normalize(server.searcher.embed(image)[None])[0]
        ranking = server.searcher.rank(vector, server.owners)
        context = {"ranking": ranking, "query_appearance": None, "query_person": None, "photo_name": photo.filename}
        return page(request, "search.html", context)

    @app.post("/corrections/merge")
    def merge(
        request: Request, keep: int = Form(...), other: int = Form(...), user: str = Form(""), csrf: str = Form("")
    ):
        check_csrf(request, csrf)
        if keep == other:
            raise CrosscamError(f"person {keep} cannot be merged with itself")
        payload = {"moved": server.keys_of(other), "into": server.keys_of(keep)}
        server.correct("merge", payload, user.strip())
        return RedirectResponse(f"/identities/{server.replayed.assignment[tuple(payload['into'][0])]}", 303)

    @app.post("/corrections/split")
    def split(request: Request, tracklet: int = Form(...), user: str = Form(""), csrf: str = Form("")):
        check_csrf(request, csrf)
        person, appearance = server.owner(tracklet)
        if len(person.appearances) < 2:
            raise CrosscamError(f"person {person.global_id} has one appearance only: nothing to split off")
        others = [list(a.tracklet.key) for a in person.appearances if a is not appearance]
        server.correct("split", {"tracklet": list(appearance.tracklet.key), "from": others}, user.strip())
        return RedirectResponse(f"/identities/{server.replayed.assignment[tuple(others[0])]}", 303)

    @app.post("/corrections/not-this-person")
    def not_this_person(
        request: Request, tracklet: int = Form(...), person: int = Form(...), user: str = Form(""), csrf: str = Form("")
    ):
        check_csrf(request, csrf)
        _, appearance = server.owner(tracklet)
        them = [k for k in server.keys_of(person) if tuple(k) != appearance.tracklet.key]
        if not them:
            raise CrosscamError(f"person {person} has no other appearance to compare with")
        server.correct("not_this_person", {"tracklet": list(appearance.tracklet.key), "person": them}, user.strip())
        return RedirectResponse(f"/identities/{server.replayed.assignment[tuple(them[0])]}", 303)

    @app.get("/corrections", response_class=HTMLResponse)
    def correction_log(request: Request):
        return page(request, "corrections.html", {"log": list(reversed(server.log)), "replayed": server.replayed})

    @app.get("/files/{relative:path}")
    def files(relative: str):
        path = security.served_file(run.folder, relative)
        if path is None:
            return PlainTextResponse("not found", 404)
        return FileResponse(path)

    @app.get("/clips/{tracklet_id}")
    def clip(tracklet_id: int):
        _, appearance = server.owner(tracklet_id)
        relative, _ = make_clip(run, appearance.tracklet)
        return FileResponse(run.folder / relative, media_type="video/mp4")

    @app.get("/healthz")
    def health() -> Response:
        return PlainTextResponse("ok")

    return app
