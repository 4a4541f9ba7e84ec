"""One module per topic: a frozen config and a pure ``run(config) -> dict`` (JSON-ready) per experiment.

``experiments/<topic>.py`` computes, ``plotting/<topic>.py`` draws the same topic's stored results and
``paper_checks/<paper>/<claim>.py`` judges them against a paper. :mod:`~implicit_bias.experiments.fitting` holds
the curve-fitting helpers those judges share.
"""
