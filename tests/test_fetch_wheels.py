"""tools/packaging/fetch_wheels.py: only the manifest's wheels list is rewritten; the cache check follows pins."""

from tools.packaging import fetch_wheels as fw

MANIFEST = '''schema_version = "1.0.0"
id = "x"
# comment kept
wheels = [
  "./wheels/old-1.0-py3-none-any.whl",
]

[permissions]
files = "Read audio"
'''


def test_rewrites_only_the_wheels_list(tmp_path, monkeypatch):
    path = tmp_path / "blender_manifest.toml"
    path.write_text(MANIFEST)
    monkeypatch.setattr(fw, "MANIFEST", path)
    assert fw.write_manifest_wheels(["a-1-py3-none-any.whl", "b-2-cp311-cp311-win_amd64.whl"])
    text = path.read_text()
    assert fw.manifest_wheels(text) == ["a-1-py3-none-any.whl", "b-2-cp311-cp311-win_amd64.whl"]
    assert text.replace(text[text.index("wheels = ["):text.index("]\n") + 2], "") == \
        MANIFEST.replace(MANIFEST[MANIFEST.index("wheels = ["):MANIFEST.index("]\n") + 2], "")
    assert not fw.write_manifest_wheels(["a-1-py3-none-any.whl", "b-2-cp311-cp311-win_amd64.whl"])


def test_cache_check_follows_runtime_pins(tmp_path, monkeypatch):
    req = tmp_path / "runtime.txt"
    req.write_text("numpy<2\nfoo-bar==1.2.0\n")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setattr(fw, "RUNTIME_TXT", req)
    monkeypatch.setattr(fw, "WHEEL_DIR", wheels)
    names = ["foo_bar-1.2.0-cp311-cp311-win_amd64.whl", "foo_bar-1.2.0-cp313-cp313-win_amd64.whl"]
    assert not fw.cached_ok(names)  # files missing
    for n in names:
        (wheels / n).write_bytes(b"")
    assert fw.cached_ok(names)
    assert not fw.cached_ok(names[:1])  # no wheel for Python 3.13 (Blender 5.1+)
    req.write_text("numpy<2\nfoo-bar==1.3.0\n")
    assert not fw.cached_ok(names)  # pin changed
    req.write_text("numpy<2\nfoo-bar==1.2.0\nnew-dep==0.1\n")
    assert not fw.cached_ok(names)  # new requirement
    assert fw.requirement_lines() == ["numpy<2", "foo-bar==1.2.0", "new-dep==0.1"]


def test_blender_bundled_and_tool_only_packages_are_not_bundled():
    assert "numpy" in fw.BLENDER_BUNDLED
    assert fw.wheel_project("onnxruntime-1.20.1-cp311-cp311-win_amd64.whl") == "onnxruntime"
    assert fw.wheel_project("praat_parselmouth-0.4.7-cp311-cp311-win_amd64.whl") == "praat-parselmouth"


def test_transcript_aligner_is_bundled_for_every_platform_without_its_microphone_dependency():
    """pocketsphinx (transcript mode) is a runtime requirement with a wheel for each Blender platform."""
    assert any(fw.normalize(r.split("==")[0]) == "pocketsphinx" for r in fw.requirement_lines())
    assert "sounddevice" in fw.NOT_NEEDED_AT_RUNTIME
    wheels = [n for n in fw.manifest_wheels(fw.MANIFEST.read_text()) if fw.wheel_project(n) == "pocketsphinx"]
    tags = " ".join(wheels)
    assert "manylinux" in tags and "win_amd64" in tags, wheels
    assert "universal2" in tags or ("arm64" in tags and "macosx" in tags and "x86_64" in tags.replace("manylinux", "")), wheels
    assert not any(fw.wheel_project(n) == "sounddevice" for n in fw.manifest_wheels(fw.MANIFEST.read_text()))


def test_python_versions_served_by_a_wheel_name():
    assert fw.PYTHON_VERSIONS == ("3.11", "3.13")
    assert fw.wheel_python_tags("a-1-cp311-cp311-win_amd64.whl") == {"3.11"}
    assert fw.wheel_python_tags("a-1-cp313-cp313-win_amd64.whl") == {"3.13"}
    assert fw.wheel_python_tags("soxr-0.5.0.post1-cp312-abi3-win_amd64.whl") == {"3.13"}
    assert fw.wheel_python_tags("soundfile-0.13.1-py2.py3-none-win_amd64.whl") == {"3.11", "3.13"}
    assert fw.wheel_python_tags("a-1-cp310-cp310-win_amd64.whl") == set()


def _platform_of(name: str) -> set[str]:
    tag = name[:-4].split("-")[-1]
    if tag == "any":
        return set(fw.PLATFORM_TAGS)
    if "manylinux" in tag:
        return {"linux-x64"}
    if "win_amd64" in tag:
        return {"windows-x64"}
    if "universal2" in tag:
        return {"macos-arm64", "macos-x64"}
    return {"macos-arm64"} if "arm64" in tag else {"macos-x64"}


def test_manifest_has_a_wheel_of_every_project_for_every_platform_and_python():
    """Blender 4.2 LTS .. 5.0 run CPython 3.11, 5.1 and 5.2 LTS 3.13: each platform needs both."""
    names = fw.manifest_wheels(fw.MANIFEST.read_text())
    projects = {fw.wheel_project(n) for n in names}
    assert {"onnxruntime", "soundfile", "soxr", "praat-parselmouth", "webrtcvad-wheels", "pocketsphinx"} <= projects
    missing = []
    for project in sorted(projects):
        for platform in fw.PLATFORM_TAGS:
            for version in fw.PYTHON_VERSIONS:
                if not any(fw.wheel_project(n) == project and platform in _platform_of(n)
                           and version in fw.wheel_python_tags(n) for n in names):
                    missing.append((project, platform, version))
    assert not missing, missing
    assert not projects & fw.BLENDER_BUNDLED, "Blender's own packages (numpy...) must not be bundled"


def test_blender_bundled_pins_are_left_out_of_the_wheel_resolution(monkeypatch):
    """numpy<2 pins the dev venv; Blender 5.1+ ships numpy 2.x, so it must not reach pip download."""
    seen = {}

    class Proc:
        returncode, stdout, stderr = 0, "", ""

    def fake_run(cmd, **_kw):
        seen["cmd"] = cmd
        return Proc()

    monkeypatch.setattr(fw.subprocess, "run", fake_run)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        assert fw.download("linux-x64", "3.13", Path(tmp)) == []
    cmd = seen["cmd"]
    assert cmd[cmd.index("--python-version") + 1] == "3.13" and "cp313" in cmd and "abi3" in cmd
    assert not any(c.startswith("numpy") for c in cmd)
    assert "onnxruntime==1.20.1" in cmd
