"""The developer commands in dev.py: a failing step ends the command as the step did."""

import importlib.util
import sys

import pytest

from tests.servers import ROOT


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
