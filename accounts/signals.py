"""What accounts announces to the apps above it, which connect their receivers in
``AppConfig.ready()``: accounts imports none of them (STYLE §16)."""

from django.dispatch import Signal

ledger_imported = Signal()
"""A ledger import's lines are committed. Sent with ``client_ids``, the clients the ledger names
(a re-imported ledger names them again, though it adds no line), by the sender ``LedgerImport``
with ``ledger_import_id``."""

client_reassigned = Signal()
"""A client was given another key account manager, inside the transaction that changed it (a
receiver's writes commit or roll back with it). Sent by the sender ``Client`` with
``client_id``, ``old_kam_id`` and ``new_kam_id`` (``None``: no KAM)."""

ledger_converted = Signal()
"""Ledger lines were converted again into the company's currency after exchange rates changed,
and the client figures recomputed; sent once committed, by the sender ``LedgerLine`` with
``client_ids``, the clients whose lines changed."""
