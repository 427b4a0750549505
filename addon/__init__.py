"""Everything that imports ``bpy``: properties, operators, panels, baking, headless CLI."""


def register() -> None:
    """Register all modules in order (called by the package root)."""
    from . import registration

    registration.register()


def unregister() -> None:
    """Unregister in reverse order."""
    from . import registration

    registration.unregister()
