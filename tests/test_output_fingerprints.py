"""Generation outputs are bit-identical across refactors (issue 19): SHA-256 of every array that
``python -m inference`` writes and that the sidebar's worker path hands to the bake, on the bundled clip,
three shared speech clips and a 320 s clip of shared speech that is generated window by window
(tools/output_fingerprint.py computes them; run ``python -m tools.output_fingerprint --long`` to print).

The fingerprints were recorded from commit 643ddc8 (before the one-entry-point refactor), the three
transcript cases (``:transcript``, ``:transcript-fast``, ``:wrong-transcript``) from c92212a, before
transcript mode became a step of generate() (the face and transcript code were still those of 643ddc8); with numpy
1.26 and the CPU onnxruntime of the dev venv, except ``worker:long_speech.wav``: at 643ddc8 the worker
generated long clips in one piece (smplx_poses e7ba14ce..., not windowed), so its pinned values are the
windowed output of ``inference.batch.longaudio.generate_file`` at 643ddc8 on the same clip and options,
which the worker path must give now that every front end goes through ``inference.generate_file``
(its ``arkit`` and ``transl`` hashes equal the CLI case's ``arkit`` and ``trans``).
Shared-data cases skip when ../shared/data (or $SPEECHANIM_SHARED_DATA) is absent.
"""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA
from tools import output_fingerprint as fp

#: Arrays every ``cli`` case writes the same (ARKit names, betas, gender, model tag).
_NPZ_SAME: dict[str, str] = {
    'arkit_names': '92d5231d52e5e38f7d90bfd451cca87b2312018815e322003a39f3741db57150',
    'betas': '48c2a6b84c7b19ef420f2a0261dbf75179e91460cc8cfded96825afe21985d60',
    'gender': 'e3e4bc97fac0b2db63c86e68ace97f6d19fd679f231e9972eb25333d7d2816d7',
    'model': '7c4bf0ad28e83111a7fd93f99682e811c78b80ded780e73e192963d4ba4fd821',
}
PINNED: dict[str, dict[str, str]] = {
    'cli:demo_speech.flac': { **_NPZ_SAME,
        'arkit': '4ff3a106cc410312ffe41caaf7202b38baf418f0a2d36bb86e63615fd94f715f',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': 'd600c5a81296db2e263a3368fa1eff651076f72ab431023b310e07fe7e917fdc',
        'trans': '56e98e99bbc515adfb528389b7a7d7b09ffa3f1cc189867f51362b1cf2136d07',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:demo_speech.flac:face-24fps': { **_NPZ_SAME,
        'arkit': '4cd144862850b1f2c4b1c5048da7bbc02f7f4ef99c2c88130607eeb4c9e65a4f',
        'expressions': '7ec21f652016a5b55fa4111b24164577d1f00203fc16259c280d85da4b75c731',
        'mocap_frame_rate': '748bf99973ab3a5171b8d76f8dc620d45b9099dd723046561bd30491323f84ed',
        'poses': '0323c1837d0c88333a4d338dd3e4cf894d0069a64098b81ace7df9cdd2a06f6d',
        'trans': 'd15e68b0dcea217762d5fada6010d825ae40f4c845d60fa250f93c8fa8330083',
        'transl_origin': '3f8820945bdac6d49fdfa91c47605710964127fe1958bf177fe394c212ff6194',
    },
    'cli:demo_speech.flac:transcript': { **_NPZ_SAME,
        'arkit': '83d2175dd9b4848d1a6cfc5d9d724676306f3cf857112e2072093ecd60671ea0',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '5cb29126b609ab27a32dbc9cb0c7e3da3b96172bb92d2f2250fb7cea777c7c0f',
        'trans': '56e98e99bbc515adfb528389b7a7d7b09ffa3f1cc189867f51362b1cf2136d07',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:demo_speech.flac:transcript-fast': { **_NPZ_SAME,
        'arkit': 'dc558c9313154bc10f50411768d218e3153c0b1b4ae6a22f41667fdf7bfb67f4',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '241b20ec0296982aa24da3dbbbeb68f5762682db5e5676a8123ca43f847b2021',
        'trans': 'a39561cd22628676c4a488982223963b89bba4f6d45708c3bdfd12fbd7bc41f0',
        'transl_origin': '3f8820945bdac6d49fdfa91c47605710964127fe1958bf177fe394c212ff6194',
    },
    'cli:demo_speech.flac:wrong-transcript': { **_NPZ_SAME,
        'arkit': '4ff3a106cc410312ffe41caaf7202b38baf418f0a2d36bb86e63615fd94f715f',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '241b20ec0296982aa24da3dbbbeb68f5762682db5e5676a8123ca43f847b2021',
        'trans': 'a39561cd22628676c4a488982223963b89bba4f6d45708c3bdfd12fbd7bc41f0',
        'transl_origin': '3f8820945bdac6d49fdfa91c47605710964127fe1958bf177fe394c212ff6194',
    },
    'cli:jfk_inaugural_1961.flac': { **_NPZ_SAME,
        'arkit': '2e3058a04508c48b2f47528e1e240f151ac1532a59d72dc21e3045e410b937fd',
        'expressions': '6831119725b90f3609e1b28f1b51fea34228b5aef4993e16c68200c018bc38a2',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': 'fd526a8a114e015436ebcb592bcddaa53244c68e3fa947404e24e0dab4fe209e',
        'trans': '01c6be75c9cd8c5dd4409512c043165e93c716ade453ce400c8960e7ebbbd7a0',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:librispeech_3436-172162-0000.ogg': { **_NPZ_SAME,
        'arkit': 'edf17c6858be1dd1893d5c0f2815e67ee8736cc30412cd47ef22b04503537c09',
        'expressions': 'df018fd832daeed6a9e0f69936597ddedd2db78856590de2c90f2b3778cd47f8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '999a3d05b88157c50ab8fcf3fbf2da764795d3390f24b21c14bde6a082842172',
        'trans': '9401300c4f355c40546581fe2bfb308d7fdf4207d1742d9b7018d5a3e634550c',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:ljspeech_LJ001-0001.wav': { **_NPZ_SAME,
        'arkit': '27bc2a796addf4ce47ed5bd4cd25256ed3e205683c9cdd0584432dbe3d9c0124',
        'expressions': '6200ed638078a0e4f7c026059b712e5b3289c104551e08e722e4e8895c27fa1b',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '130efb900496bcbc94f12712d2a90d0530fa8b5848f2065e3d9ae769ecea8dcf',
        'trans': 'da9f00428d8d4313e050ec7b302d00f353f9a75c90a37580524a8d91ff70d0d6',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:long_speech.wav': { **_NPZ_SAME,
        'arkit': '4c060ebe6243ff46c0a7dea5de57b53dd38373288d335d510b3f538d70b95c47',
        'expressions': 'bf13a22156341ec74ae1980b63e2e28a0aaab3e3e0d6a304244bc2b9dc5f22f8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '5586d308b0fd5f9fba777e6ee0a7aea7053f36f13f50827f38aab06dcfdd5ad1',
        'trans': 'ee71c6de255c51a6fc4db00db0d883ebfad151f431fd2a62f062c99b34e5e174',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'worker:demo_speech.flac': {
        'arkit': '4ff3a106cc410312ffe41caaf7202b38baf418f0a2d36bb86e63615fd94f715f',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=350 fps=30 origin=rest',
        'smplx_poses': 'fc2ed2505acbdd09fbe2c72162db449ea85ccc2c383d68cecb0043693f0f30ef',
        'transl': '56e98e99bbc515adfb528389b7a7d7b09ffa3f1cc189867f51362b1cf2136d07',
    },
    'worker:demo_speech.flac:prompt': {
        'arkit': 'eb0ecebeafdd4179b0a421a4ecf7b653ffd7befac17e76cc704dd777e9db7125',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=280 fps=24 origin=rest',
        'smplx_poses': '6775942a7af6d285ce0d87baab680be5f8a1451f16ec86cf1dc453e69d89c2a6',
        'transl': 'd8ac88794fbd083d1cbfa47d181a150f3f17cda9b49a0b3ec2aa90201f996c27',
    },
    'worker:jfk_inaugural_1961.flac': {
        'arkit': '2e3058a04508c48b2f47528e1e240f151ac1532a59d72dc21e3045e410b937fd',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=330 fps=30 origin=rest',
        'smplx_poses': '663b312fe661d8e11817738532d7b106adbce32a52a01a4a945bdd26a1d4bec4',
        'transl': '01c6be75c9cd8c5dd4409512c043165e93c716ade453ce400c8960e7ebbbd7a0',
    },
    'worker:librispeech_3436-172162-0000.ogg': {
        'arkit': 'edf17c6858be1dd1893d5c0f2815e67ee8736cc30412cd47ef22b04503537c09',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=503 fps=30 origin=rest',
        'smplx_poses': '8ac842b3c0630d2b3d07eeb5d851c3faaaa4f811482bab615a050bb0ab92fa9a',
        'transl': '9401300c4f355c40546581fe2bfb308d7fdf4207d1742d9b7018d5a3e634550c',
    },
    'worker:ljspeech_LJ001-0001.wav': {
        'arkit': '27bc2a796addf4ce47ed5bd4cd25256ed3e205683c9cdd0584432dbe3d9c0124',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=290 fps=30 origin=rest',
        'smplx_poses': 'ebaac8b4f1cc8052185e7ab3b64817aab04813c6efd047f3cab085634bb14c1e',
        'transl': 'da9f00428d8d4313e050ec7b302d00f353f9a75c90a37580524a8d91ff70d0d6',
    },
    'worker:long_speech.wav': {
        'arkit': '4c060ebe6243ff46c0a7dea5de57b53dd38373288d335d510b3f538d70b95c47',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=9600 fps=30 origin=rest',
        'smplx_poses': '5c4d7f3e3bb345b4755d5612f88b498d8c2cc80974f389478550f5315fcab868',
        'transl': 'ee71c6de255c51a6fc4db00db0d883ebfad151f431fd2a62f062c99b34e5e174',
    },
}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fingerprints")


def test_every_pinned_case_is_a_case():
    assert sorted(fp.case_names(SHARED_DATA, long=True)) == sorted(PINNED) or not SHARED_DATA.is_dir()
    assert set(fp.case_names(None, long=True)) <= set(PINNED)


@pytest.mark.parametrize("case", sorted(PINNED))
def test_outputs_bit_identical(case, work):
    shared = SHARED_DATA if (SHARED_DATA / "speech" / "en").is_dir() else None
    if case not in fp.case_names(shared, long=True):
        pytest.skip(f"shared data not available: {SHARED_DATA / 'speech' / 'en'}")
    got = fp.compute_case(case, shared, work)
    changed = {k: (PINNED[case].get(k), v) for k, v in got.items() if PINNED[case].get(k) != v}
    assert not changed and set(got) == set(PINNED[case]), f"{case}: arrays changed: {sorted(changed)}"


def test_fingerprint_sees_one_bit():
    import numpy as np

    a = np.zeros((3, 52), np.float32)
    b = a.copy()
    b.view(np.uint32)[1, 7] ^= 1  # the smallest float32 change
    assert fp.array_fingerprint(a) != fp.array_fingerprint(b)
    assert fp.array_fingerprint(a) != fp.array_fingerprint(a.reshape(52, 3))
    assert fp.array_fingerprint(a) != fp.array_fingerprint(a.astype(np.float64))
