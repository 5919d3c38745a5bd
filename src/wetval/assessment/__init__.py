"""The steps of :func:`wetval.assess`, one job per module.

:mod:`wetval.assess` keeps the user's entry (``assess``, ``check_spec``,
:class:`~wetval.assess.Assessment`) and reads as the sequence of steps; the
work of each step that is not a method's lives here:

- :mod:`~wetval.assessment.steps`: the step runner (timing, warnings);
- :mod:`~wetval.assessment.cards`: loading the cards the project names;
- :mod:`~wetval.assessment.data`: loading the project's files (parcels,
  indicators, projects, ledger or registry balances) and their hashes;
- :mod:`~wetval.assessment.preflight`: the checks run before computing;
- :mod:`~wetval.assessment.overlay`: the footprints' overlay (压占分析);
- :mod:`~wetval.assessment.selection`: which parcels the project accounts
  for, its restoration plans, the wetland level priced;
- :mod:`~wetval.assessment.methods`: the method steps, each run through the
  one dispatcher :func:`wetval.plugins.run`;
- :mod:`~wetval.assessment.sale`: the proposed sale and its fund split;
- :mod:`~wetval.assessment.record`: the assessment's provenance.

Nothing here is the user's path: import from :mod:`wetval.assess`.
"""
