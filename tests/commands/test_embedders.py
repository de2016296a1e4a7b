from crosscam.cli import main
from crosscam.embed.registry import EMBEDDERS


def test_lists_every_embedder_and_marks_the_default(assets_dir, capsys):
    assert main(["embedders", "--assets", str(assets_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line[2:].split()[0]: line for line in lines[1:] if not line.startswith("* default")}
    assert list(rows) == list(EMBEDDERS)
    assert rows["openvino-0277"].startswith("* ") and "256x128" in rows["openvino-0277"]
    assert "available" in rows["osnet-x0.25-msmt17"] and " 512 " in rows["osnet-x0.25-msmt17"]
    assert lines[-1] == "* default: openvino-0277"


def test_missing_assets_are_shown_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CROSSCAM_ASSETS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["embedders", "--assets", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "missing: asset 'osnet_x0_25_msmt17' is missing" in out
    assert "* default: openvino-0277" not in out
