"""Download the extension's runtime wheels for every platform and sync the manifest's ``wheels``.

Reads ``requirements/runtime.txt``, resolves it (with dependencies) for CPython 3.11 (Blender 4.2 LTS,
4.5 LTS, 5.0) and CPython 3.13 (Blender 5.1, 5.2 LTS) on Linux x86_64, Windows amd64 and macOS
arm64/x86_64 with ``pip download --only-binary=:all:`` (stable-ABI ``abi3`` wheels accepted),
drops the packages Blender already ships and the ones no runtime import needs, saves the wheels
in ``wheels/`` (git-ignored, also the cache) and rewrites only the ``wheels = [...]`` list of
``blender_manifest.toml``.

Usage::

    .venv/bin/python -m tools.packaging.fetch_wheels            # download what is missing, sync the manifest
    .venv/bin/python -m tools.packaging.fetch_wheels --check    # exit 1 if the manifest list is out of date

Package sets (checked against the bpy 5.0.1 wheel's ``Requires-Dist`` and Blender 4.2's bundled
``site-packages``): Blender ships numpy (<2), requests (+ certifi, charset_normalizer, idna,
urllib3), zstandard and cython. onnxruntime's declared dependencies coloredlogs/humanfriendly,
flatbuffers, protobuf, sympy/mpmath and packaging are only used by its tools and converters, not
by ``import onnxruntime`` + ``InferenceSession`` (verified by importing with them blocked).
pocketsphinx's declared dependency sounddevice is imported only by ``pocketsphinx.AudioFile`` /
``Segmenter`` for microphone input, never by ``Decoder`` (forced alignment); the installed-zip test
runs transcript alignment with it blocked.

Blender's installer derives the extension's ``python_versions`` from the wheel tags
(``blender_ext.py: python_versions_from_wheels``; an ``abi3`` wheel counts as "3", so the cp311 and
cp313 wheels make it "3.11, 3.13") and at install time unpacks only the wheels that match the
running Python, so one zip per platform serves both.

Every pin must have a wheel for all four platforms and both Pythons (pip fails the fetch otherwise). pocketsphinx
5.0.4 has one for each (macOS: one universal2 wheel for arm64 and x86_64), about 29 MB apiece,
23.5 MB of it the US English word language model that forced alignment does not load.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_TXT = ROOT / "requirements" / "runtime.txt"
MANIFEST = ROOT / "blender_manifest.toml"
WHEEL_DIR = ROOT / "wheels"
#: CPython versions of the supported Blender releases (4.2 LTS .. 5.0: 3.11; 5.1, 5.2 LTS: 3.13).
PYTHON_VERSIONS = ("3.11", "3.13")

#: Packages inside Blender's own Python (never bundled; bundling numpy would shadow Blender's).
BLENDER_BUNDLED = frozenset({
    "numpy", "requests", "certifi", "charset-normalizer", "idna", "urllib3", "zstandard", "cython",
})
#: Declared dependencies that no runtime code path imports (onnxruntime tooling only; sounddevice is
#: pocketsphinx's microphone input).
NOT_NEEDED_AT_RUNTIME = frozenset({
    "coloredlogs", "humanfriendly", "flatbuffers", "protobuf", "sympy", "mpmath", "packaging", "sounddevice",
})
#: pip ``--platform`` tags per Blender platform (Blender 4.2+: glibc >= 2.28, macOS >= 11).
PLATFORM_TAGS: dict[str, tuple[str, ...]] = {
    "linux-x64": ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
                  "manylinux2014_x86_64", "manylinux1_x86_64"),
    "windows-x64": ("win_amd64",),
    "macos-arm64": tuple(f"macosx_{v}_0_arm64" for v in (14, 13, 12, 11))
    + tuple(f"macosx_{v}_universal2" for v in ("14_0", "13_0", "12_0", "11_0", "10_9")),
    "macos-x64": tuple(f"macosx_{v}_x86_64" for v in ("14_0", "13_0", "12_0", "11_0", "10_15", "10_9"))
    + tuple(f"macosx_{v}_universal2" for v in ("14_0", "13_0", "12_0", "11_0", "10_9")),
}
_WHEELS_BLOCK = re.compile(r"^wheels = \[\n(?:.*\n)*?\]\n", re.MULTILINE)


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines() -> list[str]:
    """Requirement specifiers of ``runtime.txt`` (comments and blank lines removed)."""
    out = []
    for line in RUNTIME_TXT.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def wheel_project(filename: str) -> str:
    """Normalized project name of a wheel file name."""
    return normalize(filename.split("-", 1)[0])


def download(platform: str, python_version: str, dest: Path) -> list[str]:
    """Resolve and download runtime wheels for one Blender platform and one CPython ``"3.X"``;
    return the kept file names.

    Raises:
        RuntimeError: pip failed (its output is included).
    """
    abi = "cp" + python_version.replace(".", "")
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
           "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
           "--abi", abi, "--abi", "abi3", "--abi", "none", "-d", str(dest)]
    for tag in PLATFORM_TAGS[platform]:
        cmd += ["--platform", tag]
    # Blender's own packages are not bundled; their dev-venv pins (numpy<2) do not apply to
    # Blender 5.1+ (numpy 2.x), so they are left out of the resolution.
    cmd += [r for r in requirement_lines() if normalize(re.split(r"[<>=!~;\s\[]", r, maxsplit=1)[0]) not in BLENDER_BUNDLED]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip download for {platform}, Python {python_version} failed:\n{proc.stdout}\n{proc.stderr}")
    kept = []
    for whl in sorted(dest.glob("*.whl")):
        project = wheel_project(whl.name)
        if project in BLENDER_BUNDLED or project in NOT_NEEDED_AT_RUNTIME:
            continue
        kept.append(whl.name)
    return kept


def manifest_wheels(text: str) -> list[str]:
    """The ``./wheels/...`` entries of the manifest's ``wheels`` list."""
    m = _WHEELS_BLOCK.search(text)
    if not m:
        raise ValueError(f"{MANIFEST}: expected a multi-line 'wheels = [' ... ']' list, found none")
    return re.findall(r'"\./wheels/([^"]+)"', m.group(0))


def write_manifest_wheels(names: list[str]) -> bool:
    """Rewrite only the manifest's ``wheels`` list; return True if it changed."""
    text = MANIFEST.read_text()
    body = "".join(f'  "./wheels/{n}",\n' for n in names)
    new = _WHEELS_BLOCK.sub(lambda _m: "wheels = [\n" + body + "]\n", text, count=1)
    if new != text:
        MANIFEST.write_text(new)
        return True
    return False


def wheel_python_tags(filename: str) -> set[str]:
    """CPython versions ``"3.X"`` a wheel file name serves, for the versions in :data:`PYTHON_VERSIONS`.

    ``cp311-cp311`` serves 3.11; ``cp312-abi3`` every version from 3.12; ``py3-none`` every version.
    """
    parts = filename[:-len(".whl")].split("-")
    python_tag, abi_tag = parts[-3], parts[-2]
    out = set()
    for version in PYTHON_VERSIONS:
        minor = int(version.split(".")[1])
        for tag in python_tag.split("."):
            m = re.fullmatch(r"(cp|py)(\d)(\d*)", tag)
            if not m:
                continue
            tag_minor = int(m.group(3)) if m.group(3) else None
            if tag_minor is None or tag_minor == minor or (abi_tag == "abi3" and tag_minor <= minor) \
                    or (abi_tag == "none" and tag_minor <= minor):
                out.add(version)
    return out


def cached_ok(names: list[str]) -> bool:
    """True when the manifest list matches runtime.txt's pins, every project has a wheel for each
    of :data:`PYTHON_VERSIONS`, and every wheel is in ``wheels/``."""
    if not names or not all((WHEEL_DIR / n).is_file() for n in names):
        return False
    served: dict[str, set[str]] = {}
    for n in names:
        served.setdefault(wheel_project(n), set()).update(wheel_python_tags(n))
    if any(versions != set(PYTHON_VERSIONS) for versions in served.values()):
        return False
    listed = {wheel_project(n): n.split("-")[1] for n in names}
    for req in requirement_lines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)", req)
        if not m:
            continue  # ranges like numpy<2 are not bundled
        project, version = normalize(m.group(1)), m.group(2)
        if project in BLENDER_BUNDLED:
            continue
        if listed.get(project) != version:
            return False
    return True


def fetch(force: bool = False) -> list[str]:
    """Make ``wheels/`` and the manifest match ``runtime.txt``; return the wheel file names."""
    current = manifest_wheels(MANIFEST.read_text())
    if not force and cached_ok(current):
        return current
    WHEEL_DIR.mkdir(exist_ok=True)
    names: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for platform in PLATFORM_TAGS:
            for version in PYTHON_VERSIONS:
                dest = Path(tmp) / f"{platform}-{version}"
                dest.mkdir()
                for name in download(platform, version, dest):
                    names.add(name)
                    if not (WHEEL_DIR / name).is_file():
                        shutil.copy2(dest / name, WHEEL_DIR / name)
    result = sorted(names)
    for stale in WHEEL_DIR.glob("*.whl"):
        if stale.name not in names:
            stale.unlink()  # the builder would otherwise pack wheels the manifest does not list
    write_manifest_wheels(result)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--force", action="store_true", help="re-resolve even when the cache looks complete")
    ap.add_argument("--check", action="store_true",
                    help="only check that the manifest list matches runtime.txt and wheels/ (exit 1 if not)")
    args = ap.parse_args(argv)
    if args.check:
        ok = cached_ok(manifest_wheels(MANIFEST.read_text()))
        print("wheels up to date" if ok else "wheels out of date: run python -m tools.packaging.fetch_wheels")
        return 0 if ok else 1
    for name in fetch(force=args.force):
        print(os.path.join("wheels", name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
