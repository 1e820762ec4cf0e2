"""The ``videomatte`` command line. Nothing in the package imports from here."""
