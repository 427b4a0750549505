"""Optional GPU runtime (onnxruntime-gpu): pinned wheels, install in a background process, offline route.

No ``bpy`` here (tested without Blender); :mod:`addon.preferences` draws it and runs it from a modal
operator whose timer polls :class:`PipInstall`.

Rules followed (Blender extension guidelines): the manifest declares the ``network`` permission with
its reason; nothing is downloaded unless ``bpy.app.online_access`` is on (see :func:`blockers`); pip
runs in a child process, never on Blender's main thread, with progress and cancel; the version is
pinned and every wheel's SHA-256 is required (``pip --require-hashes``). Offline route: download the
wheel elsewhere (``pip download onnxruntime-gpu==1.20.2 --no-deps --only-binary=:all:
--python-version 3.11 --platform <tag> -d DIR``) and pick it with "Install GPU Runtime from File";
its SHA-256 is checked against the same pins before pip installs it with ``--no-index``.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading

#: onnxruntime-gpu release installed (CUDA 12 build; the newest 1.20.x on PyPI, the CPU runtime is 1.20.1).
GPU_VERSION: str = "1.20.2"
#: SHA-256 of the CPython 3.11 wheels on PyPI, by platform (from ``pip install --dry-run --report``).
GPU_WHEEL_SHA256: dict[str, str] = {
    "linux-x64": "85057c7006457bee14fc2a57417b7e4f396f10d9c1b08b11aae08ac2b825eeda",
    "windows-x64": "d0eafd873e4336949c89e6c7429a68e7e1d0233d9cb363e9780ca76c3c6f865c",
}
#: Wheel file names those hashes belong to.
GPU_WHEELS: dict[str, str] = {
    "linux-x64": f"onnxruntime_gpu-{GPU_VERSION}-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "windows-x64": f"onnxruntime_gpu-{GPU_VERSION}-cp311-cp311-win_amd64.whl",
}


def platform_key() -> str:
    """``"linux-x64"``, ``"windows-x64"``, ``"macos-arm64"``, ... (the manifest's platform names)."""
    import platform

    machine = platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "x64"
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    return f"{system}-{arch}"


def blockers(online_access: bool, target_dir: str, platform: str | None = None) -> str:
    """Why the online install cannot run now (``""`` when it can); the message says what to do."""
    platform = platform or platform_key()
    if platform not in GPU_WHEEL_SHA256:
        return (f"No GPU runtime for {platform}: onnxruntime-gpu ships CUDA builds for "
                f"{', '.join(sorted(GPU_WHEEL_SHA256))} only")
    if not target_dir:
        return "Only available when installed as an extension"
    if not online_access:
        return ("Online access is off: enable Preferences > System > Network > Allow Online Access, "
                "or download the wheel elsewhere and use Install GPU Runtime from File")
    return ""


def requirement_line(platform: str | None = None) -> str:
    """``onnxruntime-gpu==<version> --hash=sha256:...`` (every pinned hash; pip accepts any of them)."""
    hashes = " ".join(f"--hash=sha256:{h}" for h in GPU_WHEEL_SHA256.values())
    return f"onnxruntime-gpu=={GPU_VERSION} {hashes}"


def pip_command(target_dir: str, requirements_file: str, *, wheel: str = "") -> list[str]:
    """The pip command line: pinned, hashes required, binary only, no dependencies, into ``target_dir``.

    With ``wheel`` (offline route) the requirements file names that local file and the index is not used.
    """
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--only-binary=:all:", "--require-hashes",
           "--no-input", "--disable-pip-version-check", "--progress-bar", "raw" if _pip_raw_progress() else "off",
           "--target", target_dir, "-r", requirements_file]
    if wheel:
        cmd.insert(4, "--no-index")
    return cmd


def _pip_raw_progress() -> bool:
    """pip >= 24.1 prints machine-readable ``Progress N of M`` lines with ``--progress-bar raw``."""
    try:
        from importlib.metadata import version

        major, minor = (int(x) for x in version("pip").split(".")[:2])
        return (major, minor) >= (24, 1)
    except Exception:  # pip missing or odd version string: plain output
        return False


def sha256_of(path: str) -> str:
    """Hex SHA-256 of a file (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_wheel(path: str) -> str:
    """Refuse a local wheel that is not one of the pinned files; return ``""`` when it is.

    Returns:
        The reason, naming the file, the expected hashes and the one found.
    """
    if not os.path.isfile(path):
        return f"{path}: no such file"
    digest = sha256_of(path)
    if digest not in GPU_WHEEL_SHA256.values():
        return (f"{os.path.basename(path)}: SHA-256 {digest} is not a pinned onnxruntime-gpu {GPU_VERSION} "
                f"wheel (expected one of {', '.join(f'{n} {h}' for n, h in zip(GPU_WHEELS.values(), GPU_WHEEL_SHA256.values()))})")
    return ""


_PROGRESS = re.compile(r"Progress (\d+) of (\d+)")


class PipInstall:
    """pip in a child process into ``<target>.partial``, renamed onto ``target`` when it succeeds.

    A reader thread only fills a queue; :meth:`poll` (called from Blender's timer) drains it and
    returns ``(state, fraction, message)`` with state ``"running"``, ``"done"``, ``"failed"`` or
    ``"cancelled"``. :meth:`cancel` terminates pip and removes the partial folder; the installed
    runtime (if any) is only replaced after a successful install.

    Args:
        target_dir: the extension's ``gpu_runtime`` folder.
        wheel: a local wheel (offline route, checked by :func:`check_wheel` first) or ``""``.
        command: override of the command (tests); ``{target}`` and ``{req}`` are substituted.
    """

    def __init__(self, target_dir: str, wheel: str = "", command: list[str] | None = None):
        self.target = target_dir
        self.partial = target_dir.rstrip("/\\") + ".partial"
        self.wheel = wheel
        self._lines: queue.Queue = queue.Queue()
        self.fraction, self.message, self.state = 0.0, "starting pip", "running"
        self.log: list[str] = []
        shutil.rmtree(self.partial, ignore_errors=True)
        os.makedirs(self.partial, exist_ok=True)
        fd, self.req_file = tempfile.mkstemp(prefix="speechanim-gpu-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write((f"{wheel} --hash=sha256:{sha256_of(wheel)}" if wheel else requirement_line()) + "\n")
        cmd = command or pip_command(self.partial, self.req_file, wheel=wheel)
        cmd = [c.replace("{target}", self.partial).replace("{req}", self.req_file) for c in cmd]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     stdin=subprocess.DEVNULL, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line.rstrip())
        self._lines.put(None)

    def poll(self) -> tuple[str, float, str]:
        """Drain pip's output; finish (rename, clean up) when it exited. Main thread only."""
        ended = False
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                ended = True
                break
            self.log.append(line)
            m = _PROGRESS.search(line)
            if m and int(m.group(2)) > 0:
                self.fraction = min(0.95, 0.95 * int(m.group(1)) / int(m.group(2)))
                self.message = f"downloading {int(m.group(1)) / 2**20:.0f} of {int(m.group(2)) / 2**20:.0f} MiB"
            elif line.strip() and not m:
                self.message = line.strip()[:120]
        if self.state == "running" and ended:
            code = self.proc.wait()
            if code == 0:
                try:
                    shutil.rmtree(self.target, ignore_errors=True)
                    os.replace(self.partial, self.target)
                    self.state, self.fraction, self.message = "done", 1.0, f"installed into {self.target}"
                except OSError as exc:  # the old runtime is loaded (Windows keeps its DLLs open)
                    self.state = "failed"
                    self.message = f"{self.target}: cannot replace the installed runtime ({exc}); restart Blender first"
            else:
                self.state = "failed"
                self.message = f"pip failed (exit {code}): " + " | ".join(self.log[-3:])[-400:]
            self._cleanup()
        return self.state, self.fraction, self.message

    def cancel(self) -> None:
        """Stop pip (terminate, then kill after 5 s) and remove the partial folder."""
        if self.state != "running":
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.state, self.message = "cancelled", "cancelled; nothing was changed"
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)
        try:
            os.unlink(self.req_file)
        except FileNotFoundError:
            pass
