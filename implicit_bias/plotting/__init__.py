"""Result -> matplotlib Figure. Plotting never computes: it draws stored results only.

One module per topic, named as the experiment it draws: ``plotting/<topic>.py`` draws the results of
``experiments/<topic>.py`` (``sparse_recovery``, ``regularizer_shapes``, ``wide_network``, ``matrix_completion``,
``relu_nets``).
"""
