"""``bergslaget serve`` exposes the books' views and nothing else: no import, no file
outside the books, no answer to a foreign Host header. With the real Fava app (test
client) and, where the transport matters, a real server process."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from conftest import LEDGER, REPOSITORY

from bergslaget_plugins.serve import make_app

PORT = 5000


@pytest.fixture(scope="module")
def served():
    app = make_app(LEDGER, port=PORT)
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    return client, quote(slug)


def _get(served, path: str, host: str = f"127.0.0.1:{PORT}"):
    client, slug = served
    return client.get(f"/{slug}/{path}", headers={"Host": host})


def test_extract_endpoint_does_not_read_a_file_outside_the_books(served):
    response = _get(served, "api/extract?filename=/etc/passwd&importer=importers.bgmax.BgMaxImporter")
    assert response.status_code == 404
    assert "root:" not in response.get_data(as_text=True)


def test_extract_endpoint_does_not_read_dev_zero(served):
    response = _get(served, "api/extract?filename=/dev/zero&importer=importers.swedbank.SwedbankImporter")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["api/imports", "import/", "api/extract?filename=x&importer=y"])
def test_import_views_are_not_served(served, path):
    assert _get(served, path).status_code == 404


def test_document_endpoint_serves_only_documents_of_the_books(served, tmp_path):
    documents = sorted((REPOSITORY / "ledger" / "dokument").rglob("*.txt"))
    assert documents, "the books archive BgMax files as documents"
    assert _get(served, f"document/?filename={quote(str(documents[0]))}").status_code == 200
    for outside in ("/etc/passwd", "/dev/zero", str(REPOSITORY / "pyproject.toml"),
                    str(REPOSITORY / "ledger" / "dokument" / ".." / ".." / "pyproject.toml")):
        response = _get(served, f"document/?filename={quote(outside)}")
        assert response.status_code == 404, outside
        assert "root:" not in response.get_data(as_text=True)


def test_source_endpoint_serves_only_the_books_files(served):
    response = _get(served, "api/source?filename=/etc/passwd")
    assert "root:" not in response.get_data(as_text=True)
    assert response.status_code != 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1:5001", "localhost.evil.example:5000",
                                  "", "127.0.0.1:5000@evil.example"])
def test_foreign_host_headers_are_refused(served, host):
    response = _get(served, "extension/Arsredovisning/", host=host)
    assert response.status_code == 400, host
    assert "Resultaträkning" not in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "LOCALHOST:5000"])
def test_own_host_headers_are_answered(served, host):
    assert _get(served, "extension/Arsredovisning/", host=host).status_code == 200


def test_real_server_refuses_extract_and_foreign_host():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bergslaget_plugins.cli", "serve", str(LEDGER), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPOSITORY,
    )
    try:
        assert f"http://127.0.0.1:{port}/" in process.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            slug = response.url.split("/")[3]
        for path in (f"/{slug}/api/extract?filename=/etc/passwd&importer=importers.bgmax.BgMaxImporter",
                     f"/{slug}/api/extract?filename=/dev/zero&importer=importers.swedbank.SwedbankImporter",
                     f"/{slug}/document/?filename=/etc/passwd"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)
            assert refused.value.code == 404
            assert b"root:" not in refused.value.read()
        foreign = urllib.request.Request(f"http://127.0.0.1:{port}/{slug}/extension/Arsredovisning/",
                                         headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(foreign, timeout=30)
        assert refused.value.code == 400
    finally:
        process.terminate()
        process.wait()
        process.stdout.close()
        process.stderr.close()


@pytest.mark.parametrize("port", ["-1", "0", "70000"])
def test_serve_refuses_a_port_that_does_not_exist(port, capsys):
    from bergslaget_plugins.cli import main

    assert main(["serve", str(LEDGER), "--port", port]) == 1
    assert "Porten" in capsys.readouterr().err
