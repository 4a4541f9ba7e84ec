"""One module per paper figure or claim: a frozen config, a pure ``run(config) -> dict`` (JSON-ready)."""
