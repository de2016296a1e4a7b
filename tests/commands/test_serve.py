"""``crosscam serve`` refuses bad starts with one line, before it listens or writes anything."""

import socket

import pytest

from crosscam.cli import main


@pytest.fixture
def busy_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_a_missing_index(tmp_path, capsys):
    assert main(["serve", "--index", str(tmp_path / "nowhere"), "--port", "0"]) == 2
    assert error_line(capsys) == f"crosscam: error: {tmp_path / 'nowhere'}: no such run folder"


def test_an_incomplete_index(tmp_path, capsys):
    (tmp_path / "index.sqlite").write_bytes(b"")
    assert main(["serve", "--index", str(tmp_path), "--port", "0"]) == 2
    assert "incomplete run folder (missing embeddings.npy)" in error_line(capsys)
    assert (tmp_path / "index.sqlite").read_bytes() == b""


def test_another_host_needs_a_token(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CROSSCAM_TOKEN", raising=False)
    assert main(["serve", "--index", str(tmp_path), "--host", "0.0.0.0"]) == 2
    assert "give --token T (or set CROSSCAM_TOKEN)" in error_line(capsys)


def test_a_second_server_on_the_same_port(tmp_path, capsys, busy_port):
    assert main(["serve", "--index", str(tmp_path), "--port", str(busy_port)]) == 2
    assert f"127.0.0.1:{busy_port}: cannot listen there (Address already in use)" in error_line(capsys)
