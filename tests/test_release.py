"""What a release ships: the wheel holds the package and no more, the sdist what the tests need.

``python -m build`` builds the sdist, then the wheel from the unpacked sdist,
so that the wheel a user installs is the one the sdist makes. With
``IC_DIST`` pointing at a folder that holds them (``dev.py release-check``
builds them once and also runs the embedding test on that wheel), they are
checked as they will be uploaded; otherwise they are built here.
"""

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import interview_coordinator
from tests.servers import ROOT


def built(test):
    """Marks a test of the built files: building them takes a while, so it is a slow one."""
    return pytest.mark.slow(pytest.mark.timeout(600)(test))


PACKAGE = ROOT / "src" / "interview_coordinator"
# What the tests and the docs build need besides the package: the example project
# runs in some tests and generates the API reference's schema (docs_hooks), and
# dev.py runs them all (`dev.py test`, `dev.py docs --build`). The benchmarks
# give docs/performance.md's figures, which that page tells how to rerun.
SDIST_TREES = ["src", "tests", "docs", "docs_hooks", "example_project", "bench"]
SDIST_FILES = [
    "pyproject.toml",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "tox.ini",
    "dev.py",
    "mkdocs.yml",
]


def project_version():
    """The version written in pyproject.toml, the one place it lives."""
    text = (ROOT / "pyproject.toml").read_text()
    (version,) = re.findall(r'^version = "([^"]+)"$', text, re.MULTILINE)
    return version


def source_files(tree):
    """The files a checkout holds under ``tree``, as git knows them (no caches, no local files)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", tree],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {line for line in listed.stdout.splitlines() if (ROOT / line).is_file()}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    prebuilt = os.environ.get("IC_DIST")
    if prebuilt:
        return Path(prebuilt)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def wheel_names(dist):
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def sdist_names(dist):
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [member.name for member in archive.getmembers() if member.isfile()]
    # Every path starts with the "name-version/" folder.
    return {name.split("/", 1)[1] for name in names}


def test_the_version_is_read_from_the_installed_metadata():
    assert interview_coordinator.__version__ == project_version()


@built
def test_both_files_carry_the_version(dist):
    version = project_version()
    assert sorted(path.name for path in dist.iterdir()) == [
        f"django_interview_coordinator-{version}-py3-none-any.whl",
        f"django_interview_coordinator-{version}.tar.gz",
    ]


@built
def test_the_wheel_holds_the_package_and_its_metadata_only(wheel_names):
    dist_info = f"django_interview_coordinator-{project_version()}.dist-info/"
    package = {name.removeprefix("src/") for name in source_files("src/interview_coordinator")}
    assert {name for name in wheel_names if not name.startswith(dist_info)} == package
    assert {name.removeprefix(dist_info) for name in wheel_names if name.startswith(dist_info)} == {
        "METADATA",
        "WHEEL",
        "RECORD",
        "licenses/LICENSE",
    }


@built
def test_the_wheel_ships_migrations_templates_and_type_information(wheel_names):
    assert "interview_coordinator/py.typed" in wheel_names
    assert "interview_coordinator/migrations/0001_initial.py" in wheel_names
    assert "interview_coordinator/templates/interview_coordinator/emails/reminder.html" in (
        wheel_names
    )
    assert any(name.startswith("interview_coordinator/accounts/templates/") for name in wheel_names)
    assert not any(name.endswith((".pyc", ".pyo")) for name in wheel_names)


@built
def test_the_wheel_metadata_names_the_supported_versions(dist):
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        headers = Parser().parsestr(archive.read(metadata).decode())
    assert headers["Version"] == project_version()
    assert headers["Requires-Python"] == ">=3.10"
    classifiers = headers.get_all("Classifier")
    for django in ("5.2", "6.0", "6.1"):
        assert f"Framework :: Django :: {django}" in classifiers
    assert "django<6.2,>=5.2" in [line.lower() for line in headers.get_all("Requires-Dist")]


@built
def test_the_sdist_holds_what_the_tests_need(sdist_names):
    needed = set(SDIST_FILES)
    for tree in SDIST_TREES:
        needed |= source_files(tree)
    assert needed - sdist_names == set()
    assert "PKG-INFO" in sdist_names
    assert not any(name.startswith((".ci/", ".venv")) for name in sdist_names)


# A Markdown link or image whose target is neither a URL nor an anchor of the page.
RELATIVE_LINK = re.compile(
    r"\]\((?!https?://|mailto:|#)([^)]*)\)|^\[[^\]]+\]:\s*(?!https?://)(\S+)", re.M
)


def test_the_readme_has_no_relative_links():
    """The README is the long description on an index, where a link to docs/... leads nowhere."""
    assert RELATIVE_LINK.findall((ROOT / "README.md").read_text()) == []


@built
def test_the_long_description_is_the_readme(dist):
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        headers = Parser().parsestr(archive.read(metadata).decode())
    assert headers["Description-Content-Type"] == "text/markdown"
    assert headers.get_payload().strip() == (ROOT / "README.md").read_text().strip()
    # No public home yet: no Project-URL is made up.
    assert headers.get_all("Project-URL") is None


# What the README says while the package is not on PyPI: on PyPI, where the
# README is the long description, a release must not say it.
UNPUBLISHED = re.compile(r"not\s+(?:yet\s+)?published", re.IGNORECASE)
DEV_VERSION = re.compile(r"\.dev\d*$")


def unreleased_wording(version, description):
    """The sentences of ``description`` that a release ``version`` must not publish."""
    if DEV_VERSION.search(version):
        return []
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(description.split()))
    return [sentence for sentence in sentences if UNPUBLISHED.search(sentence)]


def test_a_release_of_todays_readme_would_be_refused():
    """The check below would stop a release whose README still says it is unpublished."""
    readme = (ROOT / "README.md").read_text()
    assert unreleased_wording("0.1.0.dev0", readme) == []
    (sentence,) = unreleased_wording("1.0.0", readme)
    assert sentence.endswith("The package is not published on PyPI yet.")


@built
def test_a_release_does_not_say_it_is_unpublished(dist):
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        headers = Parser().parsestr(archive.read(metadata).decode())
    # docs/releasing.md, step "README": say how to install it from PyPI instead.
    assert unreleased_wording(headers["Version"], headers.get_payload()) == []
