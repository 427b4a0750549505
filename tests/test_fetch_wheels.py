"""tools/fetch_wheels.py: only the manifest's wheels list is rewritten; the cache check follows pins."""

from tools import fetch_wheels as fw

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
    names = ["foo_bar-1.2.0-cp311-cp311-win_amd64.whl"]
    assert not fw.cached_ok(names)  # file missing
    (wheels / names[0]).write_bytes(b"")
    assert fw.cached_ok(names)
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
