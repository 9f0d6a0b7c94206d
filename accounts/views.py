# Placeholder until the HTML views land.
def _todo(*args, **kwargs):
    raise NotImplementedError


client_list = client_detail = ledger_import_list = ledger_import_create = _todo
ledger_import_detail = ledger_import_rejects = _todo
