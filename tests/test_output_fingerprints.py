"""Generation outputs are bit-identical across refactors (issue 19): SHA-256 of every array that
``python -m inference`` writes and that the sidebar's worker path hands to the bake, on the bundled clip,
three shared speech clips and a 320 s clip of shared speech that is generated window by window
(tools/eval/output_fingerprint.py computes them; run ``python -m tools.eval.output_fingerprint --long`` to print).

The fingerprints were first recorded from commit 643ddc8 (before the one-entry-point refactor) and
proved the refactor bit-identical (the worker's long clip pinned to the windowed output of 643ddc8, which
every front end now gives through ``inference.generate_file``). They were re-recorded once, on purpose,
when two reviewed behaviour changes landed together after it (issue 17 items 4-5: the lips part on
every non-bilabial and the network output's ``part_lips``, changing ``arkit``/``expressions``; issue 18
item 2: the talking head, changing the head and neck rows of ``poses``/``smplx_poses``), and again for
issue 18 item 5 (the other hand follows one-handed strokes, lower rests: only ``poses``/``smplx_poses``
changed); with numpy 1.26 and the CPU onnxruntime of the dev venv. Re-pin only with such a reason, said in the commit
(``python -m tools.eval.output_fingerprint --long`` prints the values).
Shared-data cases skip when ../shared/data (or $SPEECHANIM_SHARED_DATA) is absent.
"""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA
from tools.eval import output_fingerprint as fp

#: Arrays every ``cli`` case writes the same (ARKit names, betas, gender, model tag).
_NPZ_SAME: dict[str, str] = {
    'arkit_names': '92d5231d52e5e38f7d90bfd451cca87b2312018815e322003a39f3741db57150',
    'betas': '48c2a6b84c7b19ef420f2a0261dbf75179e91460cc8cfded96825afe21985d60',
    'gender': 'e3e4bc97fac0b2db63c86e68ace97f6d19fd679f231e9972eb25333d7d2816d7',
    'model': '7c4bf0ad28e83111a7fd93f99682e811c78b80ded780e73e192963d4ba4fd821',
}
PINNED: dict[str, dict[str, str]] = {
    'cli:demo_speech.flac': { **_NPZ_SAME,
        'arkit': 'ae053191fa32fa17a836cb7ce18c77e2d587384dda73a3fe37f5b8f4fa59b324',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '53f8de0ec98b616f9f8e448a54d46cca9bf0c6355d0085513391a474c8cb0c87',
        'trans': '56e98e99bbc515adfb528389b7a7d7b09ffa3f1cc189867f51362b1cf2136d07',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:demo_speech.flac:face-24fps': { **_NPZ_SAME,
        'arkit': '13498c0335ac3cf20ccd061eed64a28f3bd72783d40efab8d68997ed91d91808',
        'expressions': '7ec21f652016a5b55fa4111b24164577d1f00203fc16259c280d85da4b75c731',
        'mocap_frame_rate': '748bf99973ab3a5171b8d76f8dc620d45b9099dd723046561bd30491323f84ed',
        'poses': '0323c1837d0c88333a4d338dd3e4cf894d0069a64098b81ace7df9cdd2a06f6d',
        'trans': 'd15e68b0dcea217762d5fada6010d825ae40f4c845d60fa250f93c8fa8330083',
        'transl_origin': '3f8820945bdac6d49fdfa91c47605710964127fe1958bf177fe394c212ff6194',
    },
    'cli:demo_speech.flac:transcript': { **_NPZ_SAME,
        'arkit': 'f6f091bc1147edb737f978a2491ddb58d0b5e227491513424c4a5528e416370f',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '7f1edfc94919f519d85ca42c8dd6cb49dcf2e497309d31d070b33898ff532d44',
        'trans': '56e98e99bbc515adfb528389b7a7d7b09ffa3f1cc189867f51362b1cf2136d07',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:demo_speech.flac:transcript-fast': { **_NPZ_SAME,
        'arkit': '1a2522207a5d4fc4c365b546719c2ae379648c8d730b760910b23d7562b35ed3',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '241b20ec0296982aa24da3dbbbeb68f5762682db5e5676a8123ca43f847b2021',
        'trans': 'a39561cd22628676c4a488982223963b89bba4f6d45708c3bdfd12fbd7bc41f0',
        'transl_origin': '3f8820945bdac6d49fdfa91c47605710964127fe1958bf177fe394c212ff6194',
    },
    'cli:demo_speech.flac:wrong-transcript': { **_NPZ_SAME,
        'arkit': 'ae053191fa32fa17a836cb7ce18c77e2d587384dda73a3fe37f5b8f4fa59b324',
        'expressions': 'e5451a48885142b33246fbca3fd51eb64c0f9f4fcaeca863d19b2ae2746dffa8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '241b20ec0296982aa24da3dbbbeb68f5762682db5e5676a8123ca43f847b2021',
        'trans': 'a39561cd22628676c4a488982223963b89bba4f6d45708c3bdfd12fbd7bc41f0',
        'transl_origin': '3f8820945bdac6d49fdfa91c47605710964127fe1958bf177fe394c212ff6194',
    },
    'cli:jfk_inaugural_1961.flac': { **_NPZ_SAME,
        'arkit': '08338de79ff0da59a49ec4e4506f4aa3e9004420ef3c2ebfc5bedd95b4aef601',
        'expressions': '6831119725b90f3609e1b28f1b51fea34228b5aef4993e16c68200c018bc38a2',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': 'fc2dcabbcb5f994dda3e84d3f1a0c023debb4af5ef681f0f38e79d1515abf112',
        'trans': '01c6be75c9cd8c5dd4409512c043165e93c716ade453ce400c8960e7ebbbd7a0',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:librispeech_3436-172162-0000.ogg': { **_NPZ_SAME,
        'arkit': '1863a4aefafb81aa37d34fbf787ca46edb61b89a02e045630416a0636c286033',
        'expressions': 'df018fd832daeed6a9e0f69936597ddedd2db78856590de2c90f2b3778cd47f8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': 'f2a604a16f646eb884354d72f8d2b0eab50fe7296c7bff5ec229eea92dc961ac',
        'trans': '9401300c4f355c40546581fe2bfb308d7fdf4207d1742d9b7018d5a3e634550c',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:ljspeech_LJ001-0001.wav': { **_NPZ_SAME,
        'arkit': 'e02b44aeef0bf3119b45d7dae01e84441c026e1a0669c928d4544b239017dea0',
        'expressions': '6200ed638078a0e4f7c026059b712e5b3289c104551e08e722e4e8895c27fa1b',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '05e374101e87daf6f9050618b63ef5ff1504a7c71bad1e47acc6bf2f7d29852c',
        'trans': 'da9f00428d8d4313e050ec7b302d00f353f9a75c90a37580524a8d91ff70d0d6',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'cli:long_speech.wav': { **_NPZ_SAME,
        'arkit': 'b1132a1d001d8df13c235d85b288fb553d1db7385a8ef0e21f6ef6ec80158316',
        'expressions': 'bf13a22156341ec74ae1980b63e2e28a0aaab3e3e0d6a304244bc2b9dc5f22f8',
        'mocap_frame_rate': 'fc54e24d8576b0c5eef37305e0ee6e6156ec5b35d68dd193ed5fcdf141bc730e',
        'poses': '25a517a9def9414ed6297bbeecd22b8a16ebdb0458893d84be1ae16f412b0ff0',
        'trans': 'ee71c6de255c51a6fc4db00db0d883ebfad151f431fd2a62f062c99b34e5e174',
        'transl_origin': '8b9b57f855e9bea81d787d65913801bafef38e19c08ae1616a3fd1f9a9e2c23f',
    },
    'worker:demo_speech.flac': {
        'arkit': 'ae053191fa32fa17a836cb7ce18c77e2d587384dda73a3fe37f5b8f4fa59b324',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=350 fps=30 origin=rest',
        'smplx_poses': '944e2bdefcc1d3784fb0b2c0d3e582f229d7ead04cc69aeda62bee183b4fba37',
        'transl': '56e98e99bbc515adfb528389b7a7d7b09ffa3f1cc189867f51362b1cf2136d07',
    },
    'worker:demo_speech.flac:prompt': {
        'arkit': '209a7bf113cdaac968441ea734158ab7e3cc868e00f59e41d7d6eaed268c7826',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=280 fps=24 origin=rest',
        'smplx_poses': 'f1f2015ae098808c45df275d29e10a5a2910dab0f9cc63740d9d38008ce08589',
        'transl': 'd8ac88794fbd083d1cbfa47d181a150f3f17cda9b49a0b3ec2aa90201f996c27',
    },
    'worker:jfk_inaugural_1961.flac': {
        'arkit': '08338de79ff0da59a49ec4e4506f4aa3e9004420ef3c2ebfc5bedd95b4aef601',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=330 fps=30 origin=rest',
        'smplx_poses': '06e62a69793c6f64d572f1faf2f41cc6ee694eb27acdda36a6d0c18b40fcc1c9',
        'transl': '01c6be75c9cd8c5dd4409512c043165e93c716ade453ce400c8960e7ebbbd7a0',
    },
    'worker:librispeech_3436-172162-0000.ogg': {
        'arkit': '1863a4aefafb81aa37d34fbf787ca46edb61b89a02e045630416a0636c286033',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=503 fps=30 origin=rest',
        'smplx_poses': '4c30f7b950fee1d57f80c75febca2f7006b2b013042b30a52d928805b3c55800',
        'transl': '9401300c4f355c40546581fe2bfb308d7fdf4207d1742d9b7018d5a3e634550c',
    },
    'worker:ljspeech_LJ001-0001.wav': {
        'arkit': 'e02b44aeef0bf3119b45d7dae01e84441c026e1a0669c928d4544b239017dea0',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=290 fps=30 origin=rest',
        'smplx_poses': 'c3d360b6ecd2afbb7810f95b77b5b227b37cbf2db94f02781fa401eb36435b63',
        'transl': 'da9f00428d8d4313e050ec7b302d00f353f9a75c90a37580524a8d91ff70d0d6',
    },
    'worker:long_speech.wav': {
        'arkit': 'b1132a1d001d8df13c235d85b288fb553d1db7385a8ef0e21f6ef6ec80158316',
        'expression': 'none',
        'jaw_pose': 'none',
        'meta': 'frames=9600 fps=30 origin=rest',
        'smplx_poses': '3740f0ce6ab4336576785d163c384a4e857c01a066b008b11bb37eaef5d90608',
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
