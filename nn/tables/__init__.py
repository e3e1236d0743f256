"""The table application: CSV files in, trained models and predictions out.

``csvfile`` reads a table, ``tabular`` turns it into a task (inputs, targets, scaling),
``serialize`` saves and loads model files, ``regular_file`` and ``atomic`` read and write files
safely.
"""
