"""The modules of Origin: one package each, pure and deterministic (no I/O)."""

__all__: list[str] = []
