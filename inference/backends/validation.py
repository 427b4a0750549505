"""Backend-specific options: each backend's ``OPTION_DEFAULTS`` and ``validate_options``, checked up front.

A backend declares the keys it reads from ``GenerateOptions.backend_options[name]`` with their
defaults; a given value must have the default's type (an int is accepted for a float, a bool never
for a number; a ``None`` default accepts anything).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import BackendError
from ..options import GenerateOptions
from . import discovery, registry


def option_defaults(kind: str, name: str) -> dict:
    """``OPTION_DEFAULTS`` of backend ``name`` (``{}`` when it declares none)."""
    defaults = getattr(registry.factory(kind, name), "OPTION_DEFAULTS", None)
    return dict(defaults) if isinstance(defaults, Mapping) else {}


def options_for(kind: str, name: str, options: GenerateOptions) -> dict:
    """The options of backend ``name``: its ``OPTION_DEFAULTS`` updated by ``options.backend_options[name]``.

    Raises:
        BackendError: see :func:`check_options`.
    """
    resolved = registry.resolve_name(kind, name)
    given = options.backend_options.get(resolved, {})
    _validate(kind, resolved, given)
    out = option_defaults(kind, resolved)
    out.update(given)
    return out


def _validate(kind: str, name: str, given: Mapping) -> None:
    defaults = option_defaults(kind, name)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise BackendError(f"backend_options[{name!r}]: unknown option(s) {unknown}; "
                           f"{kind} backend {name!r} accepts {sorted(defaults) or 'no options'}")
    for key, value in given.items():
        want = defaults[key]
        if want is None:
            continue
        ok = isinstance(value, type(want)) or (isinstance(want, float) and isinstance(value, int)
                                                and not isinstance(value, bool))
        if isinstance(want, (int, float)) and isinstance(value, bool) and not isinstance(want, bool):
            ok = False
        if not ok:
            raise BackendError(f"backend_options[{name!r}][{key!r}]: expected a {type(want).__name__} "
                               f"(default {want!r}), found {value!r}")
    validate = getattr(registry.factory(kind, name), "validate_options", None)
    if callable(validate):
        validate(dict(given))


def check_options(options: GenerateOptions) -> None:
    """Check, before any work, that the chosen backends exist and accept their ``backend_options``.

    Loads ``options.backend_modules`` first. Front ends call this to reject bad arguments up front.

    Raises:
        BackendError: an unknown backend name, module reference, backend in ``backend_options``,
            option key (the message lists the valid keys) or option value.
    """
    discovery.load_backend_modules(options.backend_modules)
    if options.face:
        registry.resolve_name("face", options.face_model)
    if options.body:
        registry.resolve_name("body", options.body_model)
    names = {kind: registry.backend_names(kind) for kind in ("face", "body")}
    for name, given in options.backend_options.items():
        kinds = [k for k in ("face", "body") if name in names[k]]
        if not kinds:
            raise BackendError(f"backend_options: {name!r} is not a registered backend; expected some of "
                               f"{sorted(set(names['face']) | set(names['body']))}")
        for kind in kinds:
            _validate(kind, name, given)
