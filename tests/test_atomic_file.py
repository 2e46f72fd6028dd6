"""Files written whole or not at all (atomic_file), the one implementation the commands share."""

from __future__ import annotations

import stat

from bergslaget_plugins.atomic_file import create_atomically, write_atomically


def test_create_atomically_writes_a_new_file_and_never_overwrites(tmp_path):
    target = tmp_path / "bank.beancount"
    assert create_atomically(target, b"; ny\n") is True
    assert target.read_bytes() == b"; ny\n"
    assert create_atomically(target, b"; annat\n") is False
    assert target.read_bytes() == b"; ny\n"
    assert [path.name for path in tmp_path.iterdir()] == ["bank.beancount"]


def test_both_give_an_ordinary_files_mode_not_the_temporary_files(tmp_path):
    created, written = tmp_path / "a.pdf", tmp_path / "b.se"
    create_atomically(created, b"a")
    write_atomically(written, b"b")
    assert stat.S_IMODE(created.stat().st_mode) == stat.S_IMODE(written.stat().st_mode) == 0o644
