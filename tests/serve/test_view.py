"""The gallery's column index agrees with the plain definition."""

from crosscam.serve.data import RunData
from crosscam.serve.view import GalleryIndex, GalleryQuery, build_identities, select_identities


def test_gallery_selection_matches_the_definition(run_folder):
    run = RunData.open(run_folder)
    identities, _ = build_identities(run, [])
    index = GalleryIndex(identities)
    for query in (
        GalleryQuery(camera="lab_a", sort="weakest", descending=True),
        GalleryQuery(after=3.5, before=4.0),
        GalleryQuery(min_similarity=1.01),
        GalleryQuery(per_page=3, page=2),
    ):
        shown, total = select_identities(index, query)
        expected = [
            i
            for i in identities.values()
            if any(
                (query.camera is None or a.tracklet.camera == query.camera)
                and (query.after is None or a.end >= query.after)
                and (query.before is None or a.start <= query.before)
                for a in i.appearances
            )
            and (query.min_similarity is None or i.weakest >= query.min_similarity)
        ]
        assert total == len(expected)
        start = (query.page - 1) * query.per_page
        if query.sort == "id":
            assert [i.global_id for i in shown] == [i.global_id for i in expected][start : start + query.per_page]
        else:
            assert {i.global_id for i in shown} == {i.global_id for i in expected}


def test_one_clock_shown_and_read_back():
    from datetime import datetime

    import pytest

    from crosscam.serve.view import Clock, tick_digits

    clock = Clock(datetime(2026, 11, 25, 8, 0, 0))
    assert (
        clock.show(5.26) == "08:00:05.3" and clock.show(5.26, 2) == "08:00:05.26" and clock.show(65.4, 0) == "08:01:05"
    )
    assert clock.parse("08:00:05.5") == 5.5 and clock.parse("08:01") == 60 and clock.parse("12") == 12
    assert clock.parse("2026-11-25T09:00:00") == 3600 and clock.parse("") is None
    with pytest.raises(ValueError, match="expected HH:MM:SS"):
        clock.parse("noon")
    assert Clock(None).show(5.26) == "5.3 s"
    with pytest.raises(ValueError, match="no start times"):
        Clock(None).parse("08:00")
    assert [tick_digits(s) for s in (0.4, 5, 3600)] == [2, 1, 0]
