"""wetval: wetland ecosystem valuation and wetland-quota pricing.

wetval turns a county's wetland data (Third National Land Survey parcels and
monitoring indicators) into condition grades, ecosystem-service values,
quota accounts and quota prices that an expert panel can review. Methods are
pluggable and read cited, versioned *method cards*.

The public names are re-exported here; everything else lives in submodules
(:mod:`wetval.landclass`, :mod:`wetval.cards`, :mod:`wetval.datasets`, ...).
"""

from wetval._version import __version__
from wetval.cards import Card, list_cards, load_card
from wetval.errors import ValidationError, WetvalError
from wetval.indicators import CATALOGUE, Indicator, IndicatorCatalogue
from wetval.io import read_indicators, read_parcels, read_table, write_table
from wetval.plugins import Method, get_method, list_methods
from wetval.provenance import Provenance
from wetval.tables import IndicatorTable, ParcelTable

__all__ = [
    "CATALOGUE",
    "Card",
    "Indicator",
    "IndicatorCatalogue",
    "IndicatorTable",
    "Method",
    "ParcelTable",
    "Provenance",
    "ValidationError",
    "WetvalError",
    "__version__",
    "get_method",
    "list_cards",
    "list_methods",
    "load_card",
    "read_indicators",
    "read_parcels",
    "read_table",
    "write_table",
]
