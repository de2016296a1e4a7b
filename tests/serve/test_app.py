"""The server's pages and its security, through FastAPI's TestClient on a small drawn run (tests/serve/conftest.py)."""

import re
import sqlite3

import cv2
import pytest
from fastapi.testclient import TestClient

from crosscam.embed.registry import create_embedder
from crosscam.serve.app import create_app
from crosscam.serve.corrections import export_corrections
from crosscam.serve.data import RunData

from .conftest import HALL, person_photo


def client_for(folder, token=None, **headers) -> TestClient:
    app = create_app(RunData.open(folder), token=token, make_embedder=lambda: create_embedder("hsv-stripes"))
    return TestClient(app, headers=headers)


def csrf_of(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/identities/0").text).group(1)


def photo_bytes(person: str) -> bytes:
    return cv2.imencode(".png", person_photo(person))[1].tobytes()


def table_names(folder) -> set[str]:
    with sqlite3.connect(folder / "index.sqlite") as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_every_page_renders_with_wall_clock_times_and_escaped_names(run_folder):
    client = client_for(run_folder)
    overview = client.get("/")
    assert overview.status_code == 200
    assert '<strong id="identity-count">4</strong>' in overview.text
    # Times on one wall clock: the second camera started 3 s after the first.
    assert "08:00:00.0" in overview.text and "08:00:03.0" in overview.text
    # The camera name "hall <b>&amp;" is shown as text, never as markup.
    assert "<b>" not in overview.text and "hall &lt;b&gt;&amp;amp;" in overview.text
    # Person A in lab_a: one row, one lane per camera.
    row = overview.text.split('id="row-0"')[1].split('class="person-row"')[0]
    assert row.count('class="lane"') == 1
    for path in ("/identities", "/identities/2", "/search", "/search?tracklet=1", "/corrections"):
        assert client.get(path).status_code == 200, path
    assert client.get("/identities/99").status_code == 404


def test_gallery_filters_and_sorts(run_folder):
    client = client_for(run_folder)

    def cards(**params) -> list[str]:
        return re.findall(r'id="card-(\d+)"', client.get("/identities", params=params).text)

    assert cards() == ["0", "1", "2", "3"]
    assert cards(camera="lab_a") == ["0", "1"]
    assert cards(camera=HALL, sort="id", order="desc") == ["3", "2"]
    assert cards(after="08:00:03.5") == ["2", "3"]  # lab_a's people were last seen at 08:00:01.56
    assert cards(before="2") == ["0", "1"]  # seconds on the shared clock work too
    assert cards(min_cameras=2) == []
    refused = client.get("/identities", params={"after": "soon"})
    assert refused.status_code == 200 and "filter: &#39;soon&#39;: expected HH:MM:SS" in refused.text
    assert cards(after="soon") == []


def test_photo_search_ranks_the_right_person_first(run_folder):
    client = client_for(run_folder)
    for person, expected in (("A", {"0", "2"}), ("B", {"1"}), ("C", {"3"})):
        response = client.post(
            "/search", files={"photo": ("p.png", photo_bytes(person))}, data={"csrf": csrf_of(client)}
        )
        ranked = re.findall(r'data-person="(\d+)"', response.text)
        assert set(ranked[: len(expected)]) == expected, (person, ranked)


def test_a_clip_is_h264_and_starts_at_the_appearance(run_folder):
    import av

    client = client_for(run_folder)
    page = client.get("/identities/0").text
    assert 'data-start="0.0"' in page  # the appearance starts at frame 0: no lead-in
    response = client.get("/clips/1")
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    clip = next((run_folder / "serve_clips").glob("*.mp4"))
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.frames == 40


def test_merge_persists_and_is_exported_as_must_links(run_folder):
    client = client_for(run_folder)
    response = client.post("/corrections/merge", data={"keep": 0, "other": 2, "user": "ana", "csrf": csrf_of(client)})
    assert response.status_code == 200 and "Person P0" in response.text
    assert re.findall(r'id="card-(\d+)"', client.get("/identities").text) == ["0", "1", "3"]
    # A new server over the same folder sees the merge.
    again = client_for(run_folder)
    assert "Seen by hall &lt;b&gt;&amp;amp;, lab_a" in again.get("/identities/0").text
    exported = export_corrections(run_folder)
    assert [(c["action"], c["user"]) for c in exported["log"]] == [("merge", "ana")]
    assert exported["must_link"] == [[[HALL, 7], ["lab_a", 1]]] and exported["cannot_link"] == []


def test_split_and_not_this_person_leave_cannot_links(run_folder):
    client = client_for(run_folder)
    csrf = csrf_of(client)
    client.post("/corrections/merge", data={"keep": 0, "other": 3, "csrf": csrf})  # a wrong merge: A with C
    assert client.get("/identities/3").status_code == 404
    # Split C (tracklet 4) off again: a new person, never to be merged with A's lab_a appearance.
    assert client.post("/corrections/split", data={"tracklet": 4, "csrf": csrf}).status_code == 200
    assert re.findall(r'id="card-(\d+)"', client.get("/identities").text) == ["0", "1", "2", "4"]
    # "Not this person": B (tracklet 2) is not A (person 0); B stays where it is.
    client.post("/corrections/not-this-person", data={"tracklet": 2, "person": 0, "csrf": csrf})
    exported = export_corrections(run_folder)
    assert [c["action"] for c in exported["log"]] == ["merge", "split", "not_this_person"]
    assert exported["must_link"] == []
    assert exported["cannot_link"] == [[[HALL, 8], ["lab_a", 1]], [["lab_a", 1], ["lab_a", 2]]]
    assert "3 corrections" in client.get("/corrections").text


def test_bad_upload_is_a_clear_message_and_writes_nothing(run_folder):
    client = client_for(run_folder)
    before = table_names(run_folder)
    response = client.post("/search", files={"photo": ("notes.txt", b"not a picture")}, data={"csrf": csrf_of(client)})
    assert response.status_code == 400
    assert "notes.txt: not an image" in response.text
    assert client.post("/corrections/merge", data={"keep": 1, "other": 1, "csrf": csrf_of(client)}).status_code == 400
    assert table_names(run_folder) == before and "corrections" not in before


@pytest.mark.parametrize(
    "path",
    [
        "/files/%2e%2e/index.sqlite",
        "/files/thumbnails/..%2f..%2findex.sqlite",
        "/files/index.sqlite",
        "/files/embeddings.npy",
        "/files/thumbnails/%2fetc%2fpasswd",
        "/files/sources/camera0.mp4",
    ],
)
def test_no_file_outside_the_served_folders(run_folder, path):
    response = client_for(run_folder).get(path)
    assert response.status_code == 404 and b"SQLite" not in response.content


def test_a_link_out_of_the_thumbnails_folder_is_not_followed(run_folder):
    (run_folder / "thumbnails" / "escape.jpg").symlink_to(run_folder / "sources" / "camera0.mp4")
    assert client_for(run_folder).get("/files/thumbnails/escape.jpg").status_code == 404
    assert client_for(run_folder).get("/files/thumbnails/camera0_1.jpg").status_code == 200


def test_state_changes_need_the_csrf_token_and_the_same_origin(run_folder):
    client = client_for(run_folder)
    csrf = csrf_of(client)
    assert client.post("/corrections/merge", data={"keep": 0, "other": 2}).status_code == 403
    assert client.post("/corrections/merge", data={"keep": 0, "other": 2, "csrf": "guess"}).status_code == 403
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        response = client.post("/corrections/merge", data={"keep": 0, "other": 2, "csrf": csrf}, headers=headers)
        assert response.status_code == 403, headers
    assert export_corrections(run_folder)["log"] == []
    same_site = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    ok = client.post("/corrections/merge", data={"keep": 0, "other": 2, "csrf": csrf}, headers=same_site)
    assert ok.status_code == 200 and len(export_corrections(run_folder)["log"]) == 1


def test_the_token_is_required_on_every_request(run_folder):
    client = client_for(run_folder, token="s3cret")
    for path in ("/", "/identities/0", "/files/thumbnails/camera0_1.jpg", "/clips/1", "/static/app.js"):
        assert client.get(path).status_code == 401, path
    assert client.get("/", params={"token": "wrong"}).status_code == 401
    assert client.get("/", headers={"X-Crosscam-Token": "s3cret"}).status_code == 200
    # A first visit with ?token= sets a cookie and drops the token from the address.
    first = client.get("/identities", params={"token": "s3cret", "camera": "lab_a"}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/identities?camera=lab_a"
    assert "httponly" in first.headers["set-cookie"].lower()
    assert client.get("/identities/0").status_code == 200  # the cookie now carries it


def test_without_the_source_the_page_plays_the_runs_video_seeked_to_the_appearance(run_folder):
    import shutil

    source = run_folder / "sources" / "camera0.mp4"  # lab_a's
    (run_folder / "videos").mkdir()
    shutil.move(source, run_folder / "videos" / "lab_a.mp4")
    client = client_for(run_folder)
    page = client.get("/identities/1").text  # B, in lab_a from 0 s to 1.56 s
    assert 'src="/files/videos/lab_a.mp4#t=0.0,1.56"' in page
    assert client.get("/files/videos/lab_a.mp4").status_code == 200
    assert "source is a stream or is not here any more" in client.get("/clips/2").text
    (run_folder / "videos" / "lab_a.mp4").unlink()
    assert "no video: the source is not here" in client.get("/identities/1").text


def test_a_rebound_host_name_is_refused(run_folder):
    app = create_app(RunData.open(run_folder), allowed_hosts={"127.0.0.1", "localhost", "::1"})
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://[::1]:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://attacker.example:8000").get("/").status_code == 400
