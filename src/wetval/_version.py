"""Version of the wetval package."""

__version__ = "0.1.0"
