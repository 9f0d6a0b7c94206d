"""Writes for the selection of key accounts, one module per subject: ``ratings``, ``weights``,
``overrides``, ``runs`` (scoring runs), ``selection`` (programme, cost to serve, shortlist) and
``criteria``. Nothing is re-exported: import the module you mean
(``from scoring.services import overrides`` → ``overrides.override_set(...)``)."""
