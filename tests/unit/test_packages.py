"""The committed Lambda zips are current, contain exactly the sources, and rebuild byte for byte."""

from __future__ import annotations

import os
import zipfile

import build_lambdas
import pytest

SOURCES = build_lambdas.package_dirs(build_lambdas.LAMBDA_SRC)
STALE_HINT = "lambda_src changed without a rebuild: run python scripts/build_lambdas.py and commit the zip"


def test_the_retraining_package_exists():
    assert "retraining" in [d.name for d in SOURCES]


@pytest.mark.parametrize("src", SOURCES, ids=lambda d: d.name)
def test_committed_zip_matches_a_fresh_build(src, tmp_path):
    committed = build_lambdas.PACKAGES / f"{src.name}.zip"
    assert committed.is_file(), STALE_HINT
    built = build_lambdas.build_package(src, tmp_path / committed.name)
    assert built.read_bytes() == committed.read_bytes(), STALE_HINT


@pytest.mark.parametrize("src", SOURCES, ids=lambda d: d.name)
def test_zip_holds_exactly_the_python_sources(src):
    expected = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.py") if "__pycache__" not in p.parts)
    with zipfile.ZipFile(build_lambdas.PACKAGES / f"{src.name}.zip") as archive:
        assert archive.namelist() == expected
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert archive.read(info) == (src / info.filename).read_bytes().replace(b"\r\n", b"\n")


def test_build_is_reproducible(tmp_path):
    src = tmp_path / "src" / "fn"
    src.mkdir(parents=True)
    (src / "b.py").write_text("B = 2\n")
    (src / "a.py").write_text("A = 1\n")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (src / "test_a.py").write_text("def test(): pass\n")
    (src / "notes.txt").write_text("not packaged\n")

    first = build_lambdas.build_package(src, tmp_path / "1.zip").read_bytes()
    os.utime(src / "a.py", (0, 0))  # a different mtime and mode must not leak into the zip
    (src / "b.py").chmod(0o755)
    second = build_lambdas.build_package(src, tmp_path / "2.zip").read_bytes()

    assert first == second
    assert zipfile.ZipFile(tmp_path / "1.zip").namelist() == ["a.py", "b.py"]


def test_package_dirs_skips_packages_caches_and_dirs_without_python(tmp_path):
    for name, files in {
        "fn_b": ["handler.py"],
        "fn_a": ["handler.py"],
        "packages": ["stray.py"],
        "__pycache__": ["x.py"],
        "docs": ["README.md"],
    }.items():
        (tmp_path / name).mkdir()
        for file in files:
            (tmp_path / name / file).write_text("")
    assert [d.name for d in build_lambdas.package_dirs(tmp_path)] == ["fn_a", "fn_b"]


def test_check_reports_stale_packages(tmp_path, capsys):
    assert build_lambdas.main(["--check", "--out", str(tmp_path)]) == 1
    assert "run python scripts/build_lambdas.py" in capsys.readouterr().err

    assert build_lambdas.main(["--out", str(tmp_path)]) == 0
    assert build_lambdas.main(["--check", "--out", str(tmp_path)]) == 0

    (tmp_path / "retraining.zip").write_bytes(b"stale")
    assert build_lambdas.main(["--check", "--out", str(tmp_path)]) == 1
    assert "retraining.zip is stale" in capsys.readouterr().err
