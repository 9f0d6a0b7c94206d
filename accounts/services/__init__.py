"""Writes for clients, ledger imports, exchange rates and client metrics, one module a subject;
callers import the module they mean."""
