"""Reads for the selection of key accounts, one module a subject; callers import the module
they mean. Who sees which client's scores is decided by ``accounts.selectors.client_list``, and
only there."""
