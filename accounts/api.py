# Placeholder until the API views land.
from rest_framework.views import APIView


class ClientListApi(APIView): ...


class ClientDetailApi(APIView): ...


class LedgerImportCreateApi(APIView): ...


class LedgerImportDetailApi(APIView): ...


class LedgerImportConfirmApi(APIView): ...
