"""The developer commands in dev.py: a failing step ends the command as the step did, and
the demo makes its PostgreSQL database or says in one line how to."""

import importlib.util
import sys
import uuid

import psycopg
import pytest

from tests.servers import ROOT, pg_params


@pytest.fixture
def dev(monkeypatch):
    """dev.py loaded as a module, with a command whose child exits with status 3."""
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up while they are defined.
    monkeypatch.setitem(sys.modules, "dev", module)
    spec.loader.exec_module(module)

    def failing(args):
        module.run(sys.executable, "-c", "raise SystemExit(3)")

    monkeypatch.setitem(module.COMMANDS, "test", failing)
    monkeypatch.setattr(sys, "argv", ["dev.py", "test"])
    return module


def test_a_failing_child_ends_the_command_with_its_status_and_one_line(dev, capsys):
    with pytest.raises(SystemExit) as stopped:
        dev.main()

    assert stopped.value.code == 3
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1, errors
    assert "exited with status 3" in errors[0]
    assert "raise SystemExit(3)" in errors[0]


def database_exists(name):
    with psycopg.connect(dbname="postgres", autocommit=True, **pg_params()) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


@pytest.fixture
def missing_database(monkeypatch):
    """A DB_NAME that names no database yet; dropped again after the test."""
    name, params = f"ic_demo_{uuid.uuid4().hex[:10]}", pg_params()
    monkeypatch.setenv("DB_NAME", name)
    yield name
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_demo_creates_its_postgresql_database_when_it_is_missing(dev, missing_database):
    assert not database_exists(missing_database)

    dev.ensure_database(dev.venv_env())
    dev.ensure_database(dev.venv_env())  # a second run finds it

    assert database_exists(missing_database)


def test_a_database_that_cannot_be_created_is_one_line_saying_how(
    dev, missing_database, monkeypatch, capfd
):
    server = pg_params()
    monkeypatch.setenv("DB_USER", "ic_no_such_role")

    with pytest.raises(SystemExit) as stopped:
        dev.ensure_database(dev.venv_env())

    assert stopped.value.code == 1
    errors = capfd.readouterr().err.strip().splitlines()
    assert len(errors) == 1, errors
    assert "'ic_no_such_role'" in errors[0]
    createdb = f"createdb -h {server['host']} -p {server['port']} -U postgres {missing_database}"
    assert createdb in errors[0]
    monkeypatch.delenv("DB_USER")
    assert not database_exists(missing_database)


@pytest.mark.parametrize(
    ("args", "options"),
    [
        ([], ["-n", "3", "--dist", "loadgroup"]),
        (["-q", "-m", "not slow"], ["-n", "3", "--dist", "loadgroup"]),
        (["tests/test_dev.py", "-q"], []),
        (
            [
                "tests/test_dev.py::test_a_failing_child_ends_the_command_with_its_status_and_one_line"
            ],
            [],
        ),
        (["-n", "0"], []),
        (["-n4"], []),
        (["--pdb"], []),
        (["-p", "no:xdist"], []),
    ],
)
def test_the_whole_suite_runs_in_three_workers_unless_the_arguments_choose(dev, args, options):
    assert dev.parallel(args) == options
