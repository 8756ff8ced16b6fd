"""The steps of ``make demo`` (``deploy/demo.py``), one module per part of the story."""
