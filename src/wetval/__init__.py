"""wetval: wetland ecosystem valuation and wetland-quota pricing.

wetval turns a county's wetland data (Third National Land Survey parcels and
monitoring indicators) into condition grades, ecosystem-service values,
quota accounts and quota prices that an expert panel can review. Methods are
pluggable and read cited, versioned *method cards*.

The user's path is at the top level, one verb per step::

    import wetval

    spec = wetval.load_spec("project.toml")      # or wetval.datasets.sample_project()
    result = wetval.assess(spec)
    wetval.write_reports(result, "out")

and each step alone: :func:`score` (condition), :func:`value` (service
values), :func:`screen` (reserve resources), :func:`balance`,
:func:`price`, :func:`monte_carlo`.

Every name here is imported on first use (PEP 562), so ``import wetval`` loads
no pandas and no method package. ``wetval.assess`` is the module
:mod:`wetval.assess` *and* callable as the function
:func:`wetval.assess.assess` (the module is callable), so
``wetval.assess(spec)``, ``wetval.assess.assess(spec)`` and
``from wetval.assess import AssessmentSpec`` all work, whatever was imported
first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from wetval._version import __version__

if TYPE_CHECKING:  # what a type checker sees; at run time __getattr__ imports these
    from wetval import datasets as datasets
    from wetval.assess import Assessment as Assessment
    from wetval.assess import assess as assess
    from wetval.assess import check_spec as check_spec
    from wetval.cards import Card as Card
    from wetval.cards import list_cards as list_cards
    from wetval.cards import load_card as load_card
    from wetval.condition import score as score
    from wetval.errors import ValidationError as ValidationError
    from wetval.errors import WetvalError as WetvalError
    from wetval.indicators import CATALOGUE as CATALOGUE
    from wetval.indicators import Indicator as Indicator
    from wetval.indicators import IndicatorCatalogue as IndicatorCatalogue
    from wetval.io import read_indicators as read_indicators
    from wetval.io import read_parcels as read_parcels
    from wetval.io import read_table as read_table
    from wetval.io import write_table as write_table
    from wetval.plugins import Method as Method
    from wetval.plugins import get_method as get_method
    from wetval.plugins import list_methods as list_methods
    from wetval.pricing import price_quota as price
    from wetval.provenance import Provenance as Provenance
    from wetval.quota import balance as balance
    from wetval.report import write_reports as write_reports
    from wetval.screening import screen as screen
    from wetval.spec import AssessmentSpec as AssessmentSpec
    from wetval.spec import load_spec as load_spec
    from wetval.tables import IndicatorTable as IndicatorTable
    from wetval.tables import ParcelTable as ParcelTable
    from wetval.uncertainty import monte_carlo as monte_carlo
    from wetval.valuation import value as value

#: Public name → "module:attribute" (":" alone: the module itself).
_NAMES: dict[str, str] = {
    # the user's path, one verb per step
    "AssessmentSpec": "wetval.spec:AssessmentSpec",
    "load_spec": "wetval.spec:load_spec",
    "check_spec": "wetval.assess:check_spec",
    "assess": "wetval.assess:",  # the callable module (see the module docstring)
    "Assessment": "wetval.assess:Assessment",
    "score": "wetval.condition:score",
    "value": "wetval.valuation:value",
    "screen": "wetval.screening:screen",
    "balance": "wetval.quota:balance",
    "price": "wetval.pricing:price_quota",
    "monte_carlo": "wetval.uncertainty:monte_carlo",
    "write_reports": "wetval.report:write_reports",
    "datasets": "wetval.datasets:",
    # data, cards and methods
    "CATALOGUE": "wetval.indicators:CATALOGUE",
    "Card": "wetval.cards:Card",
    "Indicator": "wetval.indicators:Indicator",
    "IndicatorCatalogue": "wetval.indicators:IndicatorCatalogue",
    "IndicatorTable": "wetval.tables:IndicatorTable",
    "Method": "wetval.plugins:Method",
    "ParcelTable": "wetval.tables:ParcelTable",
    "Provenance": "wetval.provenance:Provenance",
    "ValidationError": "wetval.errors:ValidationError",
    "WetvalError": "wetval.errors:WetvalError",
    "get_method": "wetval.plugins:get_method",
    "list_cards": "wetval.cards:list_cards",
    "list_methods": "wetval.plugins:list_methods",
    "load_card": "wetval.cards:load_card",
    "read_indicators": "wetval.io:read_indicators",
    "read_parcels": "wetval.io:read_parcels",
    "read_table": "wetval.io:read_table",
    "write_table": "wetval.io:write_table",
}

__all__ = [
    "CATALOGUE",
    "Assessment",
    "AssessmentSpec",
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
    "assess",
    "balance",
    "check_spec",
    "datasets",
    "get_method",
    "list_cards",
    "list_methods",
    "load_card",
    "load_spec",
    "monte_carlo",
    "price",
    "read_indicators",
    "read_parcels",
    "read_table",
    "score",
    "screen",
    "value",
    "write_reports",
    "write_table",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it (PEP 562)."""
    target = _NAMES.get(name)
    if target is None:
        raise AttributeError(f"module 'wetval' has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    found = importlib.import_module(module)
    value = getattr(found, attribute) if attribute else found
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMES})
