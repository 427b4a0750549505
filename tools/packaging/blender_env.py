"""Clean-Blender environments: a venv with ``bpy==X`` alone and the extension installed by Blender.

What a user has after downloading Blender X and installing the zip: Blender's own Python and its
packages (the ``bpy`` wheel's dependencies: numpy, requests, zstandard, cython, ...), nothing from
``requirements/dev.txt``. Each environment lives in ``.blender-envs/bpy-X/`` (git-ignored):

- ``venv/``: ``python -m venv`` on the CPython that Blender X runs (3.11 for bpy < 5.1, 3.13 for
  5.1+) with ``pip install bpy==X`` and nothing else (plus :data:`BUNDLED_PINS`: the numpy that
  Blender 4.2 bundles, which its bpy wheel leaves unpinned);
- ``dist/``: the zips built by THAT bpy's ``blender_ext.py build --split-platforms`` and checked
  by its ``blender_ext.py validate``;
- ``user/``: ``BLENDER_USER_RESOURCES`` of the env; the linux_x64 zip is installed there by
  ``bpy.ops.extensions.package_install_files(repo="user_default", enable_on_install=True)`` and
  the preferences saved (``bpy.ops.wm.save_userpref``), so a later bpy process started with
  ``BLENDER_USER_RESOURCES=user/`` finds the extension in ``user/extensions/user_default/``. The
  ``bpy`` module does not load the saved preferences at startup (checked on bpy 5.0.1 and 5.2.3:
  the extension is not in ``preferences.addons``); ``bpy.ops.wm.read_userpref()`` loads them and
  enables it, as a Blender executable does at startup (``tests/installed/scenarios/installed.py``
  does that, and enables it by module name :data:`MODULE` only if that failed, or on bpy 4.2, whose
  module crashes in ``read_userpref``);
- ``state.json``: the bpy version, Python, and the hash of the installed zip's contents (member
  names + CRC-32): when the shipped files change, the next :func:`ensure` rebuilds and reinstalls.

The interpreter for each Python is found by :func:`find_python`: the env var
``SPEECHANIM_PYTHON_3_11`` / ``SPEECHANIM_PYTHON_3_13`` (a path), then ``python3.X`` on ``PATH``,
then ``$(pyenv root)/versions/3.X*/bin/python3.X``, then ``/usr/bin``, ``/usr/local/bin``; every
candidate is run to check its version and its ``venv`` module.

Usage::

    python -m tools.packaging.blender_env 5.2.3            # create/refresh; prints the env as JSON
    python -m tools.packaging.blender_env 5.0.1 --force    # rebuild the zip and reinstall
    make blender-env BPY=5.2.3
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENVS_DIR = Path(os.environ.get("SPEECHANIM_BLENDER_ENVS", ROOT / ".blender-envs"))
#: Module name of the installed extension (repository ``user_default``).
MODULE = "bl_ext.user_default.speech_animator"
PLATFORM_ZIP = "linux_x64"
#: Packages pinned beside ``bpy`` to match what the Blender release itself bundles, where the bpy
#: wheel's ``Requires-Dist`` leaves it open. Blender 4.2 LTS bundles NumPy 1.26.4 (its release notes,
#: "Python 3.11, NumPy 1.26"); the bpy 4.2 wheel says only ``numpy``, so pip would take numpy 2.x.
#: From 4.5 the wheel pins it (4.5, 5.0: ``numpy<2.0,>=1.26``; 5.2: ``numpy<3.0,>=2.2``).
BUNDLED_PINS: dict[str, tuple[str, ...]] = {"4.2": ("numpy==1.26.4",)}


class EnvUnavailable(RuntimeError):
    """The environment cannot be made here (its Python is missing); the message says why."""


class EnvError(RuntimeError):
    """Making the environment failed (pip, Blender's builder or installer); output included."""


def python_for(bpy_version: str) -> str:
    """CPython ``"3.X"`` of Blender ``bpy_version`` (``"5.0.1"``): 3.11 before 5.1, 3.13 from 5.1.

    Raises:
        ValueError: ``bpy_version`` is not ``MAJOR.MINOR[.PATCH]`` or is older than 4.2.
    """
    try:
        major, minor = (int(p) for p in bpy_version.split(".")[:2])
    except ValueError:
        raise ValueError(f"bpy version: expected MAJOR.MINOR[.PATCH] like '5.2.3', found {bpy_version!r}") from None
    if (major, minor) < (4, 2):
        raise ValueError(f"bpy version: the extension supports Blender 4.2 and later, found {bpy_version!r}")
    return "3.11" if (major, minor) < (5, 1) else "3.13"


def _probe(python: str, version: str) -> bool:
    try:
        proc = subprocess.run([python, "-c", "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.strip() == version


def find_python(version: str) -> tuple[str | None, list[str]]:
    """An interpreter of CPython ``version`` (``"3.13"``) with ``venv``; return ``(path or None, tried)``."""
    exe = f"python{version}"
    candidates: list[str] = []
    override = os.environ.get("SPEECHANIM_PYTHON_" + version.replace(".", "_"))
    if override:
        candidates.append(override)
    if (found := shutil.which(exe)):
        candidates.append(found)
    pyenv_root = os.environ.get("PYENV_ROOT")
    if not pyenv_root and shutil.which("pyenv"):
        proc = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        pyenv_root = proc.stdout.strip() if proc.returncode == 0 else None
    for root in filter(None, (pyenv_root, os.path.expanduser("~/.pyenv"))):
        candidates += sorted(glob.glob(os.path.join(root, "versions", f"{version}*", "bin", exe)), reverse=True)
    candidates += [f"/usr/bin/{exe}", f"/usr/local/bin/{exe}"]
    if "%d.%d" % sys.version_info[:2] == version:
        candidates.append(sys.executable)
    tried = []
    for cand in dict.fromkeys(candidates):
        tried.append(cand)
        if os.path.exists(cand) and _probe(cand, version):
            return cand, tried
    return None, tried


@dataclass(frozen=True)
class BlenderEnv:
    """One clean environment. Paths are absolute; ``python`` is the venv's interpreter."""

    bpy_version: str
    python_version: str
    dir: Path

    @property
    def version(self) -> str:
        """Alias of :attr:`bpy_version`."""
        return self.bpy_version

    @property
    def users(self) -> Path:
        """Alias of :attr:`user_dir`."""
        return self.user_dir

    @property
    def python(self) -> Path:
        return self.dir / "venv" / "bin" / "python"

    @property
    def user_dir(self) -> Path:
        """``BLENDER_USER_RESOURCES`` of this env."""
        return self.dir / "user"

    @property
    def dist_dir(self) -> Path:
        return self.dir / "dist"

    @property
    def zip_path(self) -> Path:
        return self.dist_dir / f"speech_animator-{_manifest_version()}-{PLATFORM_ZIP}.zip"

    @property
    def site_packages(self) -> Path:
        """Where Blender's installer unpacks the bundled wheels."""
        return self.user_dir / "extensions" / ".local" / "lib" / f"python{self.python_version}" / "site-packages"

    def environ(self) -> dict:
        """Environment variables for a bpy process of this env (``os.environ`` + the user folder)."""
        env = dict(os.environ)
        for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(var, None)
        env["BLENDER_USER_RESOURCES"] = str(self.user_dir)
        env["PYTHONNOUSERSITE"] = "1"  # no ~/.local site-packages: the venv's bpy and its dependencies only
        return env

    def as_dict(self) -> dict:
        return {"bpy": self.bpy_version, "python_version": self.python_version, "dir": str(self.dir),
                "python": str(self.python), "user": str(self.user_dir), "zip": str(self.zip_path),
                "site_packages": str(self.site_packages), "module": MODULE}


def _manifest_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "blender_manifest.toml").read_text())["version"]


def _run(cmd: list, what: str, env: dict | None = None, timeout: float = 1800) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        raise EnvError(f"{what} failed (exit {proc.returncode}):\n--- stdout\n{proc.stdout[-4000:]}\n"
                       f"--- stderr\n{proc.stderr[-4000:]}")
    return proc


def _state(env: BlenderEnv) -> dict:
    try:
        return json.loads((env.dir / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_state(env: BlenderEnv, state: dict) -> None:
    (env.dir / "state.json").write_text(json.dumps(state, indent=1, sort_keys=True))


def make_venv(bpy_version: str) -> BlenderEnv:
    """Create (once) the venv with ``bpy==bpy_version`` alone; return the env.

    Raises:
        EnvUnavailable: no CPython of the matching version was found (the message lists the tries).
        EnvError: venv or pip failed.
    """
    version = python_for(bpy_version)
    env = BlenderEnv(bpy_version, version, ENVS_DIR / f"bpy-{bpy_version}")
    requirements = [f"bpy=={bpy_version}", *BUNDLED_PINS.get(".".join(bpy_version.split(".")[:2]), ())]
    state = _state(env)
    if state.get("bpy") == bpy_version and state.get("requirements") == requirements and env.python.exists():
        return env
    base, tried = find_python(version)
    if base is None:
        raise EnvUnavailable(f"bpy {bpy_version} needs CPython {version} with venv; none found (tried: "
                             f"{', '.join(tried) or 'nothing'}; set SPEECHANIM_PYTHON_{version.replace('.', '_')})")
    if env.dir.exists():
        shutil.rmtree(env.dir)
    env.dir.mkdir(parents=True)
    _run([base, "-m", "venv", env.dir / "venv"], f"venv on {base}")
    _run([env.python, "-m", "pip", "install", "--disable-pip-version-check", "-q", *requirements],
         f"pip install {' '.join(requirements)}")
    freeze = _run([env.python, "-m", "pip", "freeze"], "pip freeze").stdout.split()
    _write_state(env, {"bpy": bpy_version, "python": version, "base_python": base, "requirements": requirements,
                       "packages": freeze})
    return env


def blender_ext(env: BlenderEnv) -> Path:
    """``blender_ext.py`` (Blender's extension builder/validator) of the env's bpy.

    Raises:
        EnvError: the bpy module has none.
    """
    found = sorted((env.dir / "venv" / "lib").glob(
        "python3.*/site-packages/bpy/*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise EnvError(f"{env.dir}: bpy ships no scripts/addons_core/bl_pkg/cli/blender_ext.py")
    return found[-1]


def build_zips(env: BlenderEnv) -> list[Path]:
    """Fetch the wheels, build every platform's zip with the env's own builder and validate each.

    Raises:
        EnvError: the builder or the validator failed.
        RuntimeError: a wheel download failed.
    """
    from tools.packaging import fetch_wheels

    fetch_wheels.fetch()
    tool = blender_ext(env)
    if env.dist_dir.exists():
        shutil.rmtree(env.dist_dir)
    env.dist_dir.mkdir(parents=True)
    _run([env.python, tool, "build", "--source-dir", ROOT, "--output-dir", env.dist_dir, "--split-platforms"],
         f"blender_ext.py build (bpy {env.bpy_version})", env=env.environ())
    zips = sorted(env.dist_dir.glob("*.zip"))
    if env.zip_path not in zips:
        raise EnvError(f"the builder of bpy {env.bpy_version} wrote {[z.name for z in zips]}, "
                       f"expected {env.zip_path.name}")
    for z in zips:
        _run([env.python, tool, "validate", z], f"blender_ext.py validate {z.name}", env=env.environ())
    return zips


def zip_hash(path: Path) -> str:
    """SHA-256 over the zip's sorted member names and CRC-32s (independent of timestamps)."""
    h = hashlib.sha256()
    with zipfile.ZipFile(path) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            h.update(f"{info.filename}\0{info.CRC:08x}\n".encode())
    return h.hexdigest()


INSTALL_CODE = r"""
import json, os, sys
import bpy
zip_path = sys.argv[1]
result = bpy.ops.extensions.package_install_files(filepath=zip_path, repo="user_default", enable_on_install=True)
bpy.ops.wm.save_userpref()
print("RESULT:" + json.dumps({"result": sorted(result), "enabled": %r in bpy.context.preferences.addons,
      "python": "%%d.%%d" %% sys.version_info[:2], "numpy": __import__("numpy").__version__}), flush=True)
sys.stdout.flush(); os._exit(0)
""" % MODULE


def install(env: BlenderEnv, force: bool = False) -> dict:
    """Build the zips and install the linux_x64 one into ``env.user_dir`` unless the installed
    zip has the same contents; return the install record (also in ``state.json``).

    Raises:
        EnvError: build or installation failed, or the extension was not enabled after install.
    """
    build_zips(env)
    digest = zip_hash(env.zip_path)
    state = _state(env)
    if not force and state.get("installed", {}).get("hash") == digest and env.user_dir.is_dir():
        return state["installed"]
    if env.user_dir.exists():
        shutil.rmtree(env.user_dir)
    env.user_dir.mkdir(parents=True)
    proc = _run([env.python, "-c", INSTALL_CODE, env.zip_path], f"install into bpy {env.bpy_version}",
                env=env.environ(), timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT:")]
    record = json.loads(lines[-1][len("RESULT:"):]) if lines else {}
    if record.get("result") != ["FINISHED"] or not record.get("enabled"):
        raise EnvError(f"Blender {env.bpy_version}'s installer did not install and enable {env.zip_path.name}: "
                       f"{record}\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    if not env.site_packages.is_dir():
        raise EnvError(f"installed, but the bundled wheels are not in {env.site_packages}")
    record.update(hash=digest, zip=env.zip_path.name, wheels=sorted(p.name for p in env.site_packages.iterdir()))
    state["installed"] = record
    _write_state(env, state)
    return record


def ensure(bpy_version: str, force: bool = False) -> BlenderEnv:
    """:func:`make_venv` then :func:`install`; return the ready env.

    Raises:
        EnvUnavailable: the Python for this bpy is missing.
        EnvError: a step failed.
    """
    env = make_venv(bpy_version)
    install(env, force=force)
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Make a clean bpy-only environment with the extension installed.")
    ap.add_argument("bpy", help="bpy version, e.g. 5.2.3")
    ap.add_argument("--force", action="store_true", help="rebuild and reinstall even when unchanged")
    args = ap.parse_args(argv)
    try:
        env = ensure(args.bpy, force=args.force)
    except EnvUnavailable as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 2
    except (EnvError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({**env.as_dict(), "installed": _state(env).get("installed")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
