"""The demo company: a seeded generator and loading it into a store."""

from salesvelocity.demo.generator import generate
from salesvelocity.demo.load import load_demo, write_files

__all__ = ["generate", "load_demo", "write_files"]
