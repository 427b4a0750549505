"""Building, packaging and release checks: the extension zip and its wheels (``build_extension``,
``fetch_wheels``), clean Blender environments and the release matrix (``blender_env``,
``release_matrix``, ``check_blender42``) and the numpy 1/2 parity run (``numpy_parity``)."""
