"""Storage URLs: a string that names no usable storage is one ValueError, naming ``storage``, the URL
without its password and the accepted forms, raised before anything connects or any file is made;
every URL that opens a storage keeps opening it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.storages import InMemoryStorage, RDBStorage, RedisStorage, get_storage
from parzen.storages._retry import hide_password
from parzen.storages._urls import ACCEPTED_FORMS, check_storage_url

BAD_URLS = [
    ("mp.db", "is not a storage URL (for the SQLite file 'mp.db', write 'sqlite:///mp.db')"),
    ("", "is not a storage URL"),
    ("foo://bar", "names an unknown kind of database, 'foo'"),
    ("mysql://x:pw@127.0.0.1/db", "needs the driver module 'MySQLdb', which is not installed"),
    ("postgresql+psycopg_async://x:pw@127.0.0.1/db", "uses the asynchronous driver 'psycopg_async'"),
    ("sqlite:///:memory:", "names no SQLite file"),
    ("sqlite://", "names no SQLite file"),
    ("sqlite://parzen.db", "names no SQLite file (a file 'parzen.db' in this folder is 'sqlite:///parzen.db'"),
]


@pytest.mark.parametrize("url, why", BAD_URLS)
@pytest.mark.parametrize("entry", ["create_study", "load_study", "get_all_study_names", "delete_study"])
def test_a_bad_url_is_one_value_error_before_any_work(url: str, why: str, entry: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    call = {"create_study": lambda: parzen.create_study(storage=url, study_name="mp"),
            "load_study": lambda: parzen.load_study(study_name="mp", storage=url),
            "get_all_study_names": lambda: parzen.get_all_study_names(url),
            "delete_study": lambda: parzen.delete_study("mp", storage=url)}[entry]
    with pytest.raises(ValueError) as raised:
        call()
    message = str(raised.value)
    assert message.startswith(f"`storage` {hide_password(url)!r} {why}")
    assert message.endswith(f"; expected {ACCEPTED_FORMS}")
    assert "pw@" not in message
    assert os.listdir(tmp_path) == []  # nothing was created, not even an SQLite file


def test_the_accepted_forms_name_every_kind_of_storage() -> None:
    for form in ("sqlite:///", "postgresql+psycopg://", "redis://"):
        assert form in ACCEPTED_FORMS


def test_a_missing_extra_of_an_accepted_form_is_an_import_error_saying_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r"needs the driver 'psycopg': pip install 'parzen\[postgres\]'"):
        parzen.create_study(storage="postgresql+psycopg://ann:pw@127.0.0.1/db")
    with pytest.raises(ImportError, match=r"needs the redis client: pip install 'parzen\[redis\]'"):
        parzen.create_study(storage="redis://:pw@127.0.0.1:1/0")


def test_the_command_line_name_is_used_when_given() -> None:
    with pytest.raises(ValueError, match=r"^--storage 'mp.db' is not a storage URL"):
        check_storage_url("mp.db", "--storage")


def test_urls_that_open_a_storage_still_do(tmp_path: Path, postgres_server: Any, redis_url: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'a.db'}"
    postgres_url = postgres_server.new_url()
    plain_postgres = postgres_server.new_url().replace("postgresql+psycopg://", "postgresql://")  # the default driver
    for url, kind in [(sqlite_url, RDBStorage), (f"sqlite+pysqlite:///{tmp_path / 'b.db'}", RDBStorage),
                      (postgres_url, RDBStorage), (plain_postgres, RDBStorage), (redis_url, RedisStorage)]:
        study = parzen.create_study(storage=url, study_name="kept")
        assert isinstance(study.storage, kind)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        assert parzen.get_all_study_names(url) == ["kept"]
        assert len(parzen.load_study("kept", storage=url).trials) == 1
    assert isinstance(get_storage(None), InMemoryStorage)


def test_a_storage_that_is_neither_url_nor_storage_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="`storage` must be None, a database URL or a parzen storage"):
        get_storage(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("name, error", [(5, TypeError), (b"mp", TypeError), ("", ValueError)])
def test_a_bad_study_name_fails_before_the_storage_opens(name: object, error: type[Exception],
                                                          tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    for call in (lambda: parzen.create_study(storage=url, study_name=name),
                 lambda: parzen.load_study(study_name=name, storage=url),
                 lambda: parzen.delete_study(name, storage=url)):
        with pytest.raises(error, match="`study_name` must be a"):
            call()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg_async://ann:s3cret@h/db", "postgresql+psycopg_async://ann:***@h/db"),  # "_": urllib gives up
    ("mysql://ann:s3cret@[h/db", "mysql://ann:***@[h/db"),  # urllib raises ValueError
    ("postgresql+psycopg://ann:s3c@ret@h:5432/db", "postgresql+psycopg://ann:***@h:5432/db"),
    ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a:b@c.db"),  # a path is no password
])
def test_passwords_are_hidden_even_where_urllib_cannot_split_the_url(url: str, shown: str) -> None:
    assert hide_password(url) == shown


@pytest.mark.parametrize("url, message", [
    ("mp.db", r"^`url` 'mp.db' is not a storage URL"),
    ("sqlite:///:memory:", r"^`url` 'sqlite:///:memory:' names no SQLite file"),
    ("redis://:pw@127.0.0.1:1/0", r"^`url` 'redis://:\*\*\*@127.0.0.1:1/0' names a Redis storage, not an SQL database"),
])
def test_rdbstorage_checks_its_url_the_same_way(url: str, message: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        RDBStorage(url)
    assert os.listdir(tmp_path) == []
