"""The gallery's column index and the search's partial sort agree with the plain definitions."""

import numpy as np

from crosscam.serve.data import RunData
from crosscam.serve.search import best_first
from crosscam.serve.view import GalleryIndex, GalleryQuery, build_identities, select_identities


def test_best_first_is_a_full_sort_by_similarity_then_row():
    rng = np.random.default_rng(0)
    similarity = np.round(rng.uniform(size=500), 2)  # many ties
    assert list(best_first(similarity, 3)) == np.lexsort((np.arange(500), -similarity)).tolist()


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
