"""The built-in backends. Each module registers itself through the `factdesk.plugins`
entry point named in pyproject.toml, exactly as a third-party plugin would; nothing
here imports them."""
