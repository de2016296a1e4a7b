import pytest

from crosscam.assets import resolve_dataset
from crosscam.errors import CrosscamError
from crosscam.reid.datasets import CUHK01_NUM_TEST_IDS, CUHK01_NUM_VAL_IDS, CUHK03_VAL_PID_OFFSET, load_dataset

MARKET_NAMES = [
    "bounding_box_train/0002_c1s1_000101_01.jpg",
    "bounding_box_train/0002_c3s1_000201_01.jpg",
    "query/0001_c1s1_000001_00.jpg",
    "bounding_box_test/0001_c2s1_000002_00.jpg",
    "bounding_box_test/0000_c4s2_000010_02.jpg",
    "bounding_box_test/-1_c5s1_000003_00.jpg",
]


# --- Market-1501 ----------------------------------------------------------------------------


def test_market_drops_junk_keeps_distractors_in_gallery(tmp_path, write_images):
    split = load_dataset("market1501", write_images(tmp_path, MARKET_NAMES))
    assert [(s.pid, s.camid) for s in split.query] == [(1, 1)]
    assert sorted((s.pid, s.camid) for s in split.gallery) == [(0, 4), (1, 2)]  # -1 junk gone, 0000 kept
    assert [(s.pid, s.camid) for s in split.train] == [(2, 1), (2, 3)]


def test_market_wrong_name_names_the_file(tmp_path, write_images):
    write_images(tmp_path, [*MARKET_NAMES, "query/person7.jpg"])
    with pytest.raises(CrosscamError, match="person7.jpg"):
        load_dataset("market1501", tmp_path)


def test_market_missing_folder_names_it(tmp_path, write_images):
    write_images(tmp_path, [n for n in MARKET_NAMES if not n.startswith("query/")])
    with pytest.raises(CrosscamError, match=r"query.*no such directory"):
        load_dataset("market1501", tmp_path)


def test_market_empty_query_is_an_error(tmp_path, write_images):
    write_images(tmp_path, [n for n in MARKET_NAMES if not n.startswith("query/")])
    (tmp_path / "query").mkdir()
    with pytest.raises(CrosscamError, match=str(tmp_path)):
        load_dataset("market1501", tmp_path)


# --- CUHK01 (real data) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def cuhk01_root(assets_dir):
    return resolve_dataset("cuhk01", assets_dir)


def test_cuhk01_split_is_seeded(cuhk01_root):
    first, again, other = (load_dataset("cuhk01", cuhk01_root, seed) for seed in (0, 0, 1))
    assert first == again
    assert {s.pid for s in first.query} != {s.pid for s in other.query}


def test_cuhk01_split_sizes_views_and_disjoint_ids(cuhk01_root):
    split = load_dataset("cuhk01", cuhk01_root, split_seed=3)
    train_ids, query_ids, gallery_ids = ({s.pid for s in part} for part in (split.train, split.query, split.gallery))
    assert len(train_ids) == 485 and len(query_ids) == CUHK01_NUM_TEST_IDS == 486
    assert query_ids == gallery_ids and not train_ids & query_ids
    assert len(split.query) == len(split.gallery) == 2 * 486 and len(split.train) == 4 * 485
    assert all(int(s.path.stem[4:]) in (1, 2) and s.camid == 0 for s in split.query)  # view A
    assert all(int(s.path.stem[4:]) in (3, 4) and s.camid == 1 for s in split.gallery)  # view B


def test_cuhk01_val_splits_the_train_ids_and_never_the_test_ids(cuhk01_root):
    split = load_dataset("cuhk01", cuhk01_root, split_seed=2)
    val = load_dataset("cuhk01_val", cuhk01_root, split_seed=2)
    val_ids = {s.pid for s in val.query}
    assert val_ids == {s.pid for s in val.gallery} and len(val_ids) == CUHK01_NUM_VAL_IDS
    assert set(val.train) | set(val.query) | set(val.gallery) == set(split.train)
    assert not val_ids & {s.pid for s in val.train}


def test_cuhk01_wrong_name_and_empty_folder(tmp_path, write_images):
    with pytest.raises(CrosscamError, match=str(tmp_path)):
        load_dataset("cuhk01", tmp_path)
    write_images(tmp_path, ["0001001.png", "0001_003.png"])
    with pytest.raises(CrosscamError, match="0001_003.png"):
        load_dataset("cuhk01", tmp_path)


# --- CUHK03 pair 1 (real data) --------------------------------------------------------------


def test_cuhk03_pair1_counts(assets_dir):
    split = load_dataset("cuhk03_pair1", resolve_dataset("cuhk03_pair1", assets_dir))
    assert (len(split.train), split.num_train_pids) == (7239, 743)
    assert (len(split.query), len(split.gallery)) == (451, 487)  # val camera A / camera B
    assert len({s.pid for s in split.query}) == len({s.pid for s in split.gallery}) == 100
    assert all(s.pid >= CUHK03_VAL_PID_OFFSET for s in split.query + split.gallery)
    assert {s.camid for s in split.query} == {0} and {s.camid for s in split.gallery} == {1}


def test_cuhk03_missing_val_names_it(tmp_path, write_images):
    write_images(tmp_path, ["labeled_train/0000_00.jpg"])
    with pytest.raises(CrosscamError, match=r"val: no such directory"):
        load_dataset("cuhk03_pair1", tmp_path)


# --- plain folders ----------------------------------------------------------------------------


def test_folder_layout_identities_and_cameras_shared_across_parts(tmp_path, write_images):
    names = [
        "query/alice/entrance_1.jpg",
        "gallery/alice/lobby_7.png",
        "gallery/bob/lobby_2.jpg",
        "train/carol/x_1.jpg",
    ]
    split = load_dataset("folder", write_images(tmp_path, names))
    pid = {s.path.parent.name: s.pid for s in split.train + split.query + split.gallery}
    assert len(set(pid.values())) == 3
    assert split.query[0].pid == pid["alice"] == next(s.pid for s in split.gallery if s.path.parent.name == "alice")
    cameras = {s.path.stem.split("_")[0]: s.camid for s in split.query + split.gallery}
    assert cameras["entrance"] != cameras["lobby"]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["gallery/bob/lobby_2.jpg"], "query: no such directory"),
        (["query/alice/entrance1.jpg", "gallery/bob/lobby_2.jpg"], "entrance1.jpg"),
        (["query/alice/notes.txt", "gallery/bob/lobby_2.jpg"], "holds no image"),
    ],
)
def test_folder_layout_errors_name_the_problem(tmp_path, write_images, names, message):
    write_images(tmp_path, names)
    with pytest.raises(CrosscamError, match=message):
        load_dataset("folder", tmp_path)


def test_unknown_dataset_and_missing_root(tmp_path):
    with pytest.raises(CrosscamError, match="unknown dataset 'duke'"):
        load_dataset("duke", tmp_path)
    with pytest.raises(CrosscamError, match=str(tmp_path / "nope")):
        load_dataset("cuhk01", tmp_path / "nope")
