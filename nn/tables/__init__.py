"""The table application: CSV files in, trained models and predictions out.

``columns`` reads a table once into columns (``csvfile`` reads rows of numbers, for plain
networks), ``preprocess`` learns how each column becomes inputs, ``table_model`` holds
``TableModel`` (the network with those rules, fitted, saved and loaded as one), ``tabular``
maps a plain network's outputs to predictions, ``serialize`` saves and loads model files,
``regular_file`` reads files safely (``autograd.files`` writes them).
"""
