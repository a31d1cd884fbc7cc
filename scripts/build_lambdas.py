#!/usr/bin/env python3
"""Build the Lambda deployment packages: lambda_src/<dir>/*.py -> lambda_src/packages/<dir>.zip.

The zips are committed, so that Terraform consumers plan with nothing but terraform and the aws provider.
Builds are byte-for-byte reproducible: sorted entries, fixed timestamps and permissions, fixed compression.

    python scripts/build_lambdas.py            # (re)write every package, print path, size and sha256
    python scripts/build_lambdas.py --check    # exit 1 if a committed package is stale or missing
    python scripts/build_lambdas.py --out DIR  # write (or check) the packages in DIR instead
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_SRC = ROOT / "lambda_src"
PACKAGES = LAMBDA_SRC / "packages"

SKIP_DIRS = {"packages", "__pycache__", "tests"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESSLEVEL = 9
FIX_HINT = "run python scripts/build_lambdas.py"


def package_dirs(root: Path = LAMBDA_SRC) -> list[Path]:
    """The subdirectories of ``root`` that hold a Lambda's .py files, sorted by name."""
    return sorted(
        d
        for d in root.iterdir()
        if d.is_dir() and d.name not in SKIP_DIRS and not d.name.startswith(".") and source_files(d)
    )


def source_files(src_dir: Path) -> list[str]:
    """The .py files to package, as sorted POSIX paths relative to ``src_dir`` (no caches, no tests)."""
    names = []
    for path in src_dir.rglob("*.py"):
        rel = path.relative_to(src_dir)
        is_test = rel.name.startswith("test_") or rel.name == "conftest.py"
        if not is_test and not SKIP_DIRS.intersection(rel.parts[:-1]):
            names.append(rel.as_posix())
    return sorted(names)


def package_bytes(src_dir: Path) -> bytes:
    """The reproducible zip of ``src_dir``'s sources, files at the zip root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source_files(src_dir):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, whatever the building OS, so that the mode bits are honoured
            info.external_attr = FILE_MODE << 16
            # Normalise line endings so that a Windows checkout (core.autocrlf) builds the same bytes.
            data = (src_dir / name).read_bytes().replace(b"\r\n", b"\n")
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL)
    return buffer.getvalue()


def build_package(src_dir: Path, dest_zip: Path) -> Path:
    """Write the package of ``src_dir`` to ``dest_zip`` and return ``dest_zip``."""
    dest_zip = Path(dest_zip)
    dest_zip.parent.mkdir(parents=True, exist_ok=True)
    dest_zip.write_bytes(package_bytes(Path(src_dir)))
    return dest_zip


def check(out: Path, root: Path = LAMBDA_SRC) -> list[str]:
    """Problems with the packages in ``out``: stale, missing, or without a source directory."""
    problems = []
    expected = {f"{d.name}.zip": d for d in package_dirs(root)}
    for zip_name, src_dir in expected.items():
        dest = out / zip_name
        if not dest.is_file():
            problems.append(f"{dest} is missing (sources: {src_dir}); {FIX_HINT}")
        elif dest.read_bytes() != package_bytes(src_dir):
            problems.append(f"{dest} is stale: it does not match {src_dir}; {FIX_HINT}")
    if out.is_dir():
        for orphan in sorted(p for p in out.glob("*.zip") if p.name not in expected):
            problems.append(f"{orphan} has no source directory in {root}; delete it")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a package is stale; write nothing")
    parser.add_argument("--out", type=Path, default=PACKAGES, help=f"package directory (default: {PACKAGES})")
    args = parser.parse_args(argv)

    if args.check:
        problems = check(args.out)
        for problem in problems:
            print(f"build_lambdas: {problem}", file=sys.stderr)
        if not problems:
            print(f"build_lambdas: {len(package_dirs())} package(s) in {args.out} are up to date")
        return 1 if problems else 0

    for src_dir in package_dirs():
        dest = build_package(src_dir, args.out / f"{src_dir.name}.zip")
        data = dest.read_bytes()
        print(f"{dest} {len(data)} bytes sha256={hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
