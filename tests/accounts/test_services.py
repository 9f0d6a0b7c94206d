"""accounts/services/imports.py and loading.py: ledger imports end to end on PostgreSQL; and
accounts/services/client_metrics.py."""

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from decimal import Decimal
from unittest import mock

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError
from django.db.models import Sum
from django.utils import translation

from accounts import ledger, metrics, signals
from accounts.models import (
    Client,
    ClientYearMetric,
    Contact,
    DateOrderPreference,
    LedgerImport,
    LedgerLine,
)
from accounts.services import client_metrics as metric_services
from accounts.services import clients as client_services
from accounts.services import imports as import_services
from accounts.services import loading as loading_services
from accounts.tasks import ledger_import_run_task
from tests.factories import ClientFactory, LedgerLineFactory

pytestmark = pytest.mark.django_db

FRENCH = (
    "N° client;Client;Date facture;Échéance;Date de règlement;Quantité;Prix unitaire;"
    "Montant HT;Coût;Pays;Segment;Litige;N° commande\r\n"
    "C1;Dupont SA;15/01/2023;14/02/2023;20/02/2023;10;10,00;100,00;60,00;France;Industrie;non;"
    "F1\r\n"
    "C1;Dupont SA;20/03/2024;19/04/2024;19/04/2024;20;10,00;200,00;150,00;France;Industrie;oui;"
    "F2\r\n"
    "C1;Dupont SA;21/03/2024;20/04/2024;30/04/2024;-1;10,00;-10,00;-6,00;France;Industrie;non;"
    "F3\r\n"
    "C2;Müller GmbH;05/06/2024;05/07/2024;;5;20,00;100,00;80,00;Allemagne;Négoce;non;F4\r\n"
)


def upload(text: str | bytes, name: str = "ledger.csv", encoding: str = "cp1252") -> ContentFile:
    raw = text.encode(encoding) if isinstance(text, str) else text
    return ContentFile(raw, name=name)


def run_import(user, text: str | bytes, name: str = "ledger.csv", **confirm) -> LedgerImport:
    ledger_import = import_services.ledger_import_create(user=user, upload=upload(text, name))
    mapping = confirm.pop("mapping", ledger_import.mapping)
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=user, mapping=mapping, **confirm
    )
    import_services.ledger_import_run(import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    return ledger_import


def test_ledger_import_create_detects_format_and_mapping(dana):
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    assert ledger_import.status == LedgerImport.Status.PREVIEW
    assert (ledger_import.encoding, ledger_import.delimiter) == ("cp1252", ";")
    assert (ledger_import.decimal, ledger_import.dayfirst) == (",", True)
    assert ledger_import.mapping["amount"] == "Montant HT"
    assert ledger_import.file_format == "csv"
    assert not LedgerLine.objects.exists()


def test_ledger_import_preview_shows_raw_and_parsed_lines(dana):
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    preview = import_services.ledger_import_preview(ledger_import=ledger_import)
    assert preview.problems == []
    assert preview.rows[0][:2] == ["C1", "Dupont SA"]
    assert preview.parsed[0]["date"] == "2023-01-15"
    assert preview.parsed[0]["profit"] == "40"
    assert preview.parsed[0]["is_return"] == "no"
    wrong = import_services.ledger_import_preview(
        ledger_import=ledger_import, mapping={"customer_name": "Client", "date": "Client"}
    )
    assert any("more than one field" in problem for problem in wrong.problems)


def test_ledger_import_confirm_queues_the_job_after_commit(
    dana, django_capture_on_commit_callbacks
):
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    with mock.patch.object(ledger_import_run_task, "apply_async") as send:
        with django_capture_on_commit_callbacks() as callbacks:
            import_services.ledger_import_confirm(
                ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
            )
        send.assert_not_called()  # not before the commit
        assert len(callbacks) == 1
        callbacks[0]()  # the commit
    send.assert_called_once_with((), {"import_id": ledger_import.pk})
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.QUEUED


def test_ledger_import_run_loads_clients_lines_and_metrics(dana):
    ledger_import = run_import(dana, FRENCH, currency="eur")
    assert ledger_import.status == LedgerImport.Status.DONE
    assert ledger_import.progress == 100
    assert (ledger_import.rows_read, ledger_import.rows_imported) == (4, 4)
    assert (ledger_import.clients_created, ledger_import.clients_updated) == (2, 0)
    dupont = Client.objects.get(external_id="C1")
    assert (dupont.name, dupont.country, dupont.segment, dupont.currency) == (
        "Dupont SA", "FR", "Industrie", "EUR",
    )  # fmt: skip
    assert Client.objects.get(external_id="C2").country == "DE"
    returns = LedgerLine.objects.get(order_ref="F3")
    assert returns.is_return
    assert returns.amount == Decimal("-10")
    metric_2024 = ClientYearMetric.objects.get(client=dupont, year=2024)
    assert metric_2024.revenue == Decimal("190.00")
    assert metric_2024.gross_margin == Decimal("46.00")
    assert metric_2024.margin_pct == pytest.approx(46 / 190 * 100)
    assert metric_2024.growth_pct == pytest.approx(90.0)
    assert metric_2024.share_pct == pytest.approx(190 / 290 * 100)
    assert (metric_2024.order_count, metric_2024.line_count, metric_2024.return_count) == (2, 2, 1)
    assert metric_2024.avg_days_to_pay == pytest.approx((30 + 40) / 2)
    assert metric_2024.avg_days_late == pytest.approx((0 + 10) / 2)
    assert metric_2024.dispute_rate == pytest.approx(50.0)
    assert ClientYearMetric.objects.get(client=dupont, year=2023).growth_pct is None
    muller = ClientYearMetric.objects.get(client__external_id="C2")
    assert muller.avg_days_to_pay is None  # not paid yet: unknown, not zero


def confirmed_import(user, text: str) -> LedgerImport:
    ledger_import = import_services.ledger_import_create(user=user, upload=upload(text))
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=user, mapping=ledger_import.mapping
    )
    return ledger_import


def test_ledger_import_run_announces_the_import_once_committed(
    dana, django_capture_on_commit_callbacks
):
    ledger_import = confirmed_import(dana, FRENCH)
    with mock.patch.object(signals.ledger_imported, "send") as send:
        with django_capture_on_commit_callbacks() as callbacks:
            import_services.ledger_import_run(import_id=ledger_import.pk)
        send.assert_not_called()  # not before the lines are committed
        for callback in callbacks:
            callback()
    clients = Client.objects.filter(external_id__in=["C1", "C2"]).order_by("pk")
    send.assert_called_once_with(
        sender=LedgerImport,
        ledger_import_id=ledger_import.pk,
        client_ids=[company.pk for company in clients],
    )


def test_a_ledger_imported_again_is_announced_with_the_clients_it_names(
    dana, django_capture_on_commit_callbacks
):
    run_import(dana, FRENCH)
    again = confirmed_import(dana, FRENCH)
    with (
        mock.patch.object(signals.ledger_imported, "send") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        import_services.ledger_import_run(import_id=again.pk)
    again.refresh_from_db()
    assert (again.rows_imported, again.rows_duplicate) == (0, 4)
    assert send.call_args.kwargs["ledger_import_id"] == again.pk
    assert len(send.call_args.kwargs["client_ids"]) == 2


def test_ledger_import_run_is_idempotent_for_the_same_and_overlapping_files(dana):
    run_import(dana, FRENCH)
    again = run_import(dana, FRENCH)
    assert (again.rows_imported, again.rows_duplicate) == (0, 4)
    assert (again.clients_created, again.clients_updated) == (0, 0)
    header, *lines = FRENCH.splitlines(keepends=True)
    overlap = header + lines[3] + "C3;Rossi SpA;01/07/2024;;;1;50,00;50,00;;Italie;;;F5\r\n"
    overlapping = run_import(dana, overlap)
    assert (overlapping.rows_imported, overlapping.rows_duplicate) == (1, 1)
    assert LedgerLine.objects.count() == 5
    renamed = header + lines[1].replace("Dupont SA", "Dupont Group SA")
    assert run_import(dana, renamed).clients_updated == 1
    assert Client.objects.get(external_id="C1").name == "Dupont Group SA"


def test_ledger_import_keeps_identical_lines_of_one_file_apart(dana):
    text = "Customer,Date,Amount\nA,2024-01-01,5\nA,2024-01-01,5\nB,2024-01-01,5\n"
    assert run_import(dana, text).rows_imported == 3
    assert run_import(dana, text).rows_imported == 0
    overlapping = "Customer,Date,Amount\nB,2024-01-01,5\nC,2024-01-02,7\n"
    assert run_import(dana, overlapping).rows_duplicate == 1
    assert LedgerLine.objects.count() == 4


def test_ledger_import_run_twice_is_a_no_op(dana):
    ledger_import = run_import(dana, FRENCH)
    import_services.ledger_import_run(import_id=ledger_import.pk)
    assert LedgerLine.objects.count() == 4
    import_services.ledger_import_run(import_id=999_999)  # deleted meanwhile: nothing to do


def test_ledger_import_run_writes_rejected_lines_with_reasons(dana):
    text = (
        FRENCH
        + ";Sans client;01/01/2024;;;1;1,00;1,00;;;;;\r\nC4;X;32/13/2024;;;1;1,00;1,00;;;;;\r\n"
    )
    ledger_import = run_import(dana, text)
    assert (ledger_import.rows_imported, ledger_import.rows_rejected) == (4, 2)
    with ledger_import.rejects.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert [(row["line"], row["Client"]) for row in rows] == [("6", "Sans client"), ("7", "X")]
    assert "No customer" in rows[0]["reason"]
    assert "date" in rows[1]["reason"]


def test_ledger_import_in_french_writes_rejected_lines_with_semicolons(dana):
    text = FRENCH + ";Sans client;01/01/2024;;;1;1,00;1,00;;;;;\r\n"
    with translation.override("fr"):
        ledger_import = run_import(dana, text)
    with ledger_import.rejects.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
    (row,) = list(reader)
    assert (row["line"], row["Client"]) == ("6", "Sans client")
    assert "client" in row["reason"].lower()  # the reason, in French, in its own column


def test_ledger_import_keeps_decimal_amounts_exact(dana):
    text = "Customer,Date,Sales\nA,2024-01-01,16.448\nA,2024-01-02,0.444\nA,2024-01-03,22638.48\n"
    run_import(dana, text)
    assert LedgerLine.objects.aggregate(total=Sum("amount"))["total"] == Decimal("22655.372")


BAD_FILES = [
    (b"", "empty.csv", "empty"),
    (b"Customer;Date;Amount\r\n", "header.csv", "header but no lines"),
    (b"%PDF-1.4 ...", "ledger.pdf", "not a CSV or XLSX"),
    ("Client;Montant\nA;1\n".encode("utf-16"), "utf16.csv", "encoding"),
]


@pytest.mark.parametrize(("raw", "name", "message"), BAD_FILES)
def test_ledger_import_create_refuses_bad_files_and_writes_nothing(dana, raw, name, message):
    with pytest.raises(ValidationError, match=message):
        import_services.ledger_import_create(user=dana, upload=upload(raw, name))
    assert not LedgerImport.objects.exists()


def test_ledger_import_create_refuses_files_over_the_size_limit(dana, settings):
    settings.KAM_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="limit is"):
        import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    assert not LedgerImport.objects.exists()


def test_ledger_import_create_refuses_abnormal_workbooks(dana, settings):
    settings.KAM_XLSX_MAX_UNCOMPRESSED_BYTES = 10_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 5_000)
    with pytest.raises(ValidationError, match="abnormal size"):
        import_services.ledger_import_create(user=dana, upload=upload(bomb.getvalue(), "bomb.xlsx"))
    assert not LedgerImport.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Reference;Date;Amount\nX;2024-01-01;1\n", "no column for the customer was found"),
        ("Customer;Date;Label\nX;2024-01-01;one\n", "no column for the amount was found"),
        ("Customer;Date;Amount\nX;soon;1\nY;later;2\nZ;2024-01-01;3\n", "cannot be read"),
    ],
)
def test_ledger_import_confirm_refuses_unusable_mappings_and_writes_nothing(dana, text, message):
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(text))
    with pytest.raises(ValidationError, match=message):
        import_services.ledger_import_confirm(
            ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
        )
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW
    assert not LedgerLine.objects.exists()
    assert not Client.objects.exists()


def test_ledger_import_refuses_a_concurrent_second_import_of_the_same_file(dana):
    first = import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    second = import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    import_services.ledger_import_confirm(ledger_import=first, user=dana, mapping=first.mapping)
    with pytest.raises(ValidationError, match="already being imported"):
        import_services.ledger_import_confirm(
            ledger_import=second, user=dana, mapping=second.mapping
        )
    with pytest.raises(ValidationError, match="already being imported"):
        import_services.ledger_import_create(user=dana, upload=upload(FRENCH))
    second.refresh_from_db()
    assert second.status == LedgerImport.Status.PREVIEW
    with pytest.raises(ValidationError, match="already been confirmed"):
        import_services.ledger_import_confirm(ledger_import=first, user=dana, mapping=first.mapping)


def test_ledger_import_is_for_directors_and_admins_only(alice, sam, carl, ada):
    for user in (alice, sam, carl):
        with pytest.raises(PermissionDenied, match="Only directors"):
            import_services.ledger_import_create(user=user, upload=upload(FRENCH))
    assert import_services.ledger_import_create(user=ada, upload=upload(FRENCH)).pk


def test_ledger_import_refuses_a_malformed_currency(dana):
    with pytest.raises(ValidationError, match="not a currency code"):
        import_services.ledger_import_create(user=dana, upload=upload(FRENCH), currency="euro")


def test_client_metrics_recompute_marks_unknown_margin_and_shares_per_year():
    known, unknown = ClientFactory(), ClientFactory()
    LedgerLineFactory(client=known, amount=Decimal("300"), profit=Decimal("30"))
    LedgerLineFactory(client=unknown, amount=Decimal("100"), profit=None)
    LedgerLineFactory(client=unknown, amount=Decimal("100"), profit=Decimal("10"))
    assert metric_services.client_metrics_recompute() == 2
    assert ClientYearMetric.objects.get(client=unknown).gross_margin is None
    assert ClientYearMetric.objects.get(client=unknown).margin_pct is None
    assert ClientYearMetric.objects.get(client=known).margin_pct == pytest.approx(10.0)
    assert ClientYearMetric.objects.get(client=known).share_pct == pytest.approx(60.0)
    LedgerLineFactory(client=known, amount=Decimal("500"), date=dt.date(2024, 5, 1))
    metric_services.client_metrics_recompute(client_ids=[known.pk])
    assert ClientYearMetric.objects.get(client=known).revenue == Decimal("800.00")
    assert ClientYearMetric.objects.count() == 2


def test_client_metrics_recompute_in_sql_gives_the_figures_of_the_pandas_reference():
    """The figures summed up in PostgreSQL are those ``metrics.yearly_metrics`` computes from
    the same lines: order keys, days late, means that leave out missing values, shares."""
    first, second = ClientFactory(), ClientFactory()
    day = dt.date
    shapes = [
        (first, day(2023, 3, 1), "120.50", "3", "20", None, None, None, None, "A-1", False),
        (first, day(2023, 3, 1), "79.50", None, "5", day(2023, 4, 1), day(2023, 4, 11), None, True,
         "A-1", False),
        (first, day(2023, 3, 2), "-40", "-1", "-8", day(2023, 4, 1), day(2023, 3, 20), None, False,
         "", True),
        (first, day(2023, 3, 2), "60", "2", "12", day(2023, 4, 1), None, 7, None, "", False),
        (first, day(2024, 1, 5), "300", "4", "33.33", day(2024, 2, 5), day(2024, 3, 5), None,
         False, "B-7", False),
        (second, day(2024, 2, 29), "99.99", None, None, None, day(2024, 3, 30), 0, None, "", False),
        (second, day(2024, 6, 1), "0.01", "1", "0.01", day(2024, 6, 30), day(2024, 6, 1), None,
         True, "C-3", False),
    ]  # fmt: skip
    for client, date, amount, quantity, profit, due, paid, late, disputed, ref, ret in shapes:
        LedgerLineFactory(
            client=client,
            date=date,
            amount=Decimal(amount),
            quantity=None if quantity is None else Decimal(quantity),
            profit=None if profit is None else Decimal(profit),
            due_date=due,
            paid_date=paid,
            days_late=late,
            disputed=disputed,
            order_ref=ref,
            is_return=ret,
        )
    LedgerLineFactory(  # waits for a rate: not counted
        client=second, date=day(2024, 7, 1), amount=None, original_amount=Decimal("5")
    )
    assert metric_services.client_metrics_recompute() == 3

    columns = ["client_id", "date", "amount", "quantity", "profit", "due_date", "paid_date",
               "days_late", "disputed", "is_return", "order_ref"]  # fmt: skip
    lines = pd.DataFrame(
        list(LedgerLine.objects.filter(amount__isnull=False).values_list(*columns)),
        columns=columns,
    )
    for name in ("date", "due_date", "paid_date"):
        lines[name] = pd.to_datetime(lines[name])
    for name in ("amount", "quantity", "profit", "days_late"):
        lines[name] = lines[name].astype(float)
    lines["disputed"] = lines["disputed"].astype(float)
    lines["is_return"] = lines["is_return"].astype(int)
    totals = lines.groupby(lines["date"].dt.year)["amount"].sum().to_dict()
    expected = metrics.yearly_metrics(lines, year_totals=totals)
    stored = list(
        ClientYearMetric.objects.order_by("client_id", "year").values(*expected[0].keys())
    )
    assert len(stored) == len(expected) == 3
    for got, want in zip(stored, expected, strict=True):
        for name, value in want.items():
            if isinstance(value, float):
                assert got[name] == pytest.approx(value), name
            else:
                assert got[name] == value, name
    assert stored[0]["order_count"] == 2  # A-1, and the two lines without a reference: one day
    assert stored[0]["avg_days_late"] == pytest.approx((10 + 0 + 7) / 3)


def test_import_ledger_command_prints_a_summary_and_accepts_mappings(dana, tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text("Account;When;Total\nA1;2024-01-01;10\nA2;2024-01-02;20\n")
    call_command("import_ledger", str(path), "--map", "Account=customer_id", "--map", "When=date")
    output = capsys.readouterr().out
    assert "Lines read: 2" in output
    assert "Imported: 2" in output
    assert "Clients created: 2" in output
    with pytest.raises(CommandError, match="COLUMN=FIELD"):
        call_command("import_ledger", str(path), "--map", "Account=nonsense")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_ledger", str(tmp_path / "missing.csv"))


# --- dates of mixed shapes and undecided orders ------------------------------------------------

RETAIL = (
    "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,6,12-01-10 08:26,2.55,17850,United Kingdom\n"
    "536366,22633,6,12/1/2010 8:28,1.85,17850,United Kingdom\n"
    "581587,22613,12,12-09-11 12:50,0.85,12680,France\n"
    "581475,22596,36,11/25/11 11:02,0.29,13069,United Kingdom\n"
    "581476,23084,2,2011-12-09 12:55,2.08,12433,Norway\n"
)


def test_a_retail_export_with_two_month_first_shapes_imports_every_line(dana):
    ledger_import = run_import(dana, RETAIL)
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    assert (ledger_import.rows_imported, ledger_import.rows_rejected) == (5, 0)
    assert ledger_import.date_orders["InvoiceDate"] == {
        "order": "mdy",
        "how": "evidence",
        "value": "11/25/11 11:02",
    }
    dates = sorted(LedgerLine.objects.values_list("date", flat=True))
    assert dates == [
        dt.date(2010, 12, 1),
        dt.date(2010, 12, 1),
        dt.date(2011, 11, 25),
        dt.date(2011, 12, 9),
        dt.date(2011, 12, 9),
    ]


def test_a_conflicting_column_is_read_in_its_majority_order_and_the_rest_rejected(dana):
    text = "Customer;Date;Amount\nA;25/11/2011;1\nB;13/01/2012;2\nC;01/14/2012;3\nD;02/03/2012;4\n"
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(text))
    preview = import_services.ledger_import_preview(ledger_import=ledger_import)
    assert preview.problems == []
    (warning,) = preview.warnings
    assert "line 4: 01/14/2012" in warning
    assert "will be rejected" in warning
    done = run_import(dana, text.replace("A;", "Z;"))
    assert (done.rows_imported, done.rows_rejected) == (3, 1)


def test_a_confirmed_order_the_file_contradicts_is_refused_and_nothing_written(dana):
    text = "Customer;Date;Amount\nA;03/04/2011;1\nB;25/11/2011;2\nC;13/12/2011;2\n"
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(text))
    preview = import_services.ledger_import_preview(
        ledger_import=ledger_import, date_orders={"Date": "mdy"}
    )
    assert [reading.impossible for reading in preview.dates] == [
        [(3, "25/11/2011"), (4, "13/12/2011")]
    ]
    with pytest.raises(ValidationError, match=r"line 3: 25/11/2011, line 4: 13/12/2011"):
        import_services.ledger_import_confirm(
            ledger_import=ledger_import,
            user=dana,
            mapping=ledger_import.mapping,
            date_orders={"Date": "mdy"},
        )
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW
    assert not LedgerLine.objects.exists()
    assert not DateOrderPreference.objects.exists()


def test_import_ledger_command_asks_for_the_order_of_an_undecidable_column(dana, tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text("Customer,Order date,Amount\nA,03/04/2024,10\nB,05/06/2024,20\n")
    with pytest.raises(CommandError, match="03/04/2024 could be either"):
        call_command("import_ledger", str(path))
    assert not LedgerLine.objects.exists()
    call_command("import_ledger", str(path), "--date-order", "mdy")
    assert "Imported: 2" in capsys.readouterr().out
    assert sorted(LedgerLine.objects.values_list("date", flat=True)) == [
        dt.date(2024, 3, 4),
        dt.date(2024, 5, 6),
    ]
    assert DateOrderPreference.objects.get().order == "mdy"


# --- big files, read in chunks -------------------------------------------------------------------


def test_a_file_read_in_chunks_imports_as_one_with_duplicates_rejects_and_totals(dana, monkeypatch):
    monkeypatch.setattr(ledger, "CHUNK_ROWS", 3)
    rows = [f"C{n % 4};Client {n % 4};{13 + n % 15}/03/2024;{10 + n},50" for n in range(10)]
    rows[4] = rows[1]  # the same line twice in one file, in two chunks: both kept
    rows[7] = "C9;Client 9;31/02/2024;5,00"  # no such day: rejected
    text = "Ventes mars 2024\r\n\r\nN° client;Client;Date facture;Montant HT\r\n"
    text += "\r\n".join(rows) + "\r\nTotal;;;999,00\r\n"
    streamed = run_import(dana, text)
    assert streamed.status == LedgerImport.Status.DONE, streamed.error
    assert (streamed.rows_read, streamed.rows_imported, streamed.rows_rejected) == (10, 9, 1)
    with streamed.rejects.open("rb") as handle:
        (reject,) = csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig")), delimiter=",")
    assert reject["line"] == "11"  # its line in the file, under the titles
    expected = {f"C{n}": Decimal(0) for n in range(4)}
    for row in rows[:7] + rows[8:]:
        customer, _name, _date, amount = row.split(";")
        expected[customer] += Decimal(amount.replace(",", "."))
    loaded = dict(
        LedgerLine.objects.values_list("client__external_id").annotate(total=Sum("amount"))
    )
    assert loaded == expected
    assert Client.objects.count() == 4
    again = run_import(dana, text)
    assert (again.rows_imported, again.rows_duplicate) == (0, 9)


def test_clients_read_in_several_chunks_take_their_latest_values_and_are_counted_once(
    dana, monkeypatch
):
    monkeypatch.setattr(ledger, "CHUNK_ROWS", 2)
    Client.objects.create(external_id="C1", name="Old name", country="FR", segment="Retail")
    Client.objects.create(external_id="C2", name="Kept", country="DE", segment="Health")
    rows = [
        "C3;First name;21/03/2024;10,00;;",
        "C1;Old name;22/03/2024;11,00;;",
        "C2;Kept;23/03/2024;12,00;DE;Health",
        "C3;Latest name;24/03/2024;13,00;BE;",  # a later chunk renames a client it created
        "C1;New name;25/03/2024;14,00;;",  # and an existing one
    ]
    text = "N° client;Client;Date facture;Montant HT;Pays;Segment\r\n" + "\r\n".join(rows)
    ledger_import = run_import(dana, text + "\r\n")
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    assert (ledger_import.clients_created, ledger_import.clients_updated) == (1, 1)
    values = Client.objects.order_by("external_id").values_list(
        "external_id", "name", "country", "segment"
    )
    assert list(values) == [
        ("C1", "New name", "FR", "Retail"),  # an empty country or segment keeps the known one
        ("C2", "Kept", "DE", "Health"),
        ("C3", "Latest name", "BE", ""),
    ]
    assert LedgerLine.objects.count() == ledger_import.rows_imported == 5
    assert set(LedgerLine.objects.values_list("client__external_id", flat=True)) == {
        "C1",
        "C2",
        "C3",
    }


def test_a_failure_in_a_later_chunk_writes_nothing(dana, monkeypatch):
    monkeypatch.setattr(ledger, "CHUNK_ROWS", 2)
    staged = []
    real = loading_services._stage_lines

    def fail_on_the_third_chunk(stager, lines, clients):
        staged.append(len(lines))
        if len(staged) == 3:
            raise ValidationError("disk full")
        real(stager, lines, clients)

    monkeypatch.setattr(loading_services, "_stage_lines", fail_on_the_third_chunk)
    failed = run_import(dana, FRENCH + FRENCH.split("\r\n", 1)[1].replace("C1;", "C7;"))
    assert failed.status == LedgerImport.Status.FAILED
    assert "disk full" in failed.error
    assert staged == [2, 2, 2]
    assert not LedgerLine.objects.exists()
    assert not Client.objects.exists()


def test_a_chunk_that_postgresql_refuses_on_the_staging_thread_writes_nothing(dana, monkeypatch):
    monkeypatch.setattr(ledger, "CHUNK_ROWS", 2)
    rows = [f"C{n};Client {n};1{n}/03/2024;{10 + n},50" for n in range(6)]
    rows[4] = "C4;Client 4;14/03/2024;1000000000000000,00"  # above numeric(18, 4): refused
    text = "N° client;Client;Date facture;Montant HT\r\n" + "\r\n".join(rows) + "\r\n"
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload(text))
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    with pytest.raises(DataError):  # Django's error, raised in the job as any other
        import_services.ledger_import_run(import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.FAILED
    assert "numeric" in ledger_import.error
    assert not LedgerLine.objects.exists()
    assert not Client.objects.exists()


# --- the real public sample ledgers ----------------------------------------------------------

REAL_FILES = [
    # file, encoding, customer column, amount column, delimiter, decimal comma
    ("superstore.csv", "utf-8-sig", "Customer ID", "Sales", ",", False),
    ("superstore_eu.csv", "cp1252", "Customer Name", "Sales", ";", True),
    ("sales_data_sample.csv", "cp850", "CUSTOMERNAME", "SALES", ",", False),
]


def raw_totals(path, encoding, customer, amount, delimiter, decimal_comma):
    """Per customer totals straight from the file with the csv module, independent of pandas."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(encoding=encoding, newline="") as handle:
        for row in csv.DictReader(handle, delimiter=delimiter):
            value = row[amount].replace(",", ".") if decimal_comma else row[amount]
            totals[" ".join(row[customer].split())] += Decimal(value)
    return totals


@pytest.mark.parametrize("spec", REAL_FILES, ids=[spec[0] for spec in REAL_FILES])
def test_real_ledgers_import_untouched_with_exact_totals(dana, sample_data, spec):
    name, *shape = spec
    path = sample_data / name
    ledger_import = import_services.ledger_import_from_path(path=path, user=dana)
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    expected = raw_totals(path, *shape)
    assert ledger_import.rows_rejected == 0
    assert ledger_import.rows_imported == ledger_import.rows_read
    assert ledger_import.clients_created == len(expected)
    loaded = dict(
        LedgerLine.objects.values_list("client__external_id").annotate(total=Sum("amount"))
    )
    assert loaded == expected
    metric_total = ClientYearMetric.objects.aggregate(total=Sum("revenue"))["total"]
    assert metric_total == pytest.approx(
        sum(expected.values()), abs=Decimal("0.01") * len(loaded) * 4
    )
    again = import_services.ledger_import_from_path(path=path, user=dana)
    assert (again.rows_imported, again.clients_created) == (0, 0)


# --- clients and contacts ----------------------------------------------------------------------


def test_client_update_assigns_kam_sponsor_and_group(dana, alice, sam):
    company = ClientFactory()
    client_services.client_update(user=dana, client=company, kam=alice, sponsor=sam, group=" Acme ")
    company.refresh_from_db()
    assert (company.kam, company.sponsor, company.group) == (alice, sam, "Acme")


def test_client_update_refuses_wrong_roles_and_non_directors(dana, alice, bob, sam):
    company = ClientFactory(kam=alice)
    with pytest.raises(ValidationError, match="not an active key account manager"):
        client_services.client_update(user=dana, client=company, kam=sam, sponsor=None)
    with pytest.raises(ValidationError, match="not an active executive sponsor"):
        client_services.client_update(user=dana, client=company, kam=alice, sponsor=bob)
    with pytest.raises(PermissionDenied, match="Only directors"):
        client_services.client_update(user=alice, client=company, kam=alice, sponsor=None)
    company.refresh_from_db()
    assert (company.kam, company.sponsor) == (alice, None)


def test_contact_save_lets_the_kam_and_directors_edit_and_no_one_else(alice, bob, dana, sam):
    company = ClientFactory(kam=alice)
    contact = client_services.contact_save(
        user=alice, client=company, last_name="Durand", title="Buyer", country="fr"
    )
    assert (contact.client, contact.country) == (company, "FR")
    client_services.contact_save(user=dana, client=company, contact=contact, last_name="Durand-Roy")
    contact.refresh_from_db()
    assert contact.last_name == "Durand-Roy"
    for outsider in (bob, sam):
        with pytest.raises(PermissionDenied, match="key account manager or a director"):
            client_services.contact_save(user=outsider, client=company, last_name="Intrus")
        with pytest.raises(PermissionDenied, match="key account manager or a director"):
            client_services.contact_delete(user=outsider, contact=contact)
    client_services.contact_delete(user=alice, contact=contact)
    assert not company.contacts.exists()


def test_contact_save_refuses_bad_input_and_writes_nothing(alice):
    company = ClientFactory(kam=alice)
    with pytest.raises(ValidationError) as error:
        client_services.contact_save(
            user=alice, client=company, last_name="X", email="not-an-email"
        )
    assert "email" in error.value.message_dict
    with pytest.raises(ValidationError, match="two-letter country code"):
        client_services.contact_save(user=alice, client=company, last_name="X", country="Narnia")
    with pytest.raises(ValidationError) as error:
        client_services.contact_save(user=alice, client=company, last_name="  ")
    assert "last_name" in error.value.message_dict
    other = client_services.contact_save(user=alice, client=ClientFactory(kam=alice), last_name="Y")
    with pytest.raises(ValidationError, match="another client"):
        client_services.contact_save(user=alice, client=company, contact=other, last_name="Z")
    assert not company.contacts.exists()


def test_contact_delete_refuses_a_plan_stakeholder_and_keeps_them(alice):
    from tests.planning.factories import PlanFactory, StakeholderFactory

    plan = PlanFactory(client=ClientFactory(kam=alice))
    stakeholder = StakeholderFactory(plan=plan)
    with pytest.raises(ValidationError, match="Take them out of the plan first"):
        client_services.contact_delete(user=alice, contact=stakeholder.contact)
    assert Contact.objects.filter(pk=stakeholder.contact_id).exists()


def test_ledger_import_keeps_each_lines_currency_and_counts_only_converted_lines(dana, settings):
    settings.KAM_DEFAULT_CURRENCY = "EUR"
    text = (
        "Customer,Date,Amount,Profit,Currency\n"
        "A,2024-03-01,100.50,10,EUR\n"
        "A,2024-03-02,200,20,USD\n"
        "A,2024-03-03,300,30,€\n"
        "B,2024-04-04,400,40,usd\n"
        "B,2024-04-05,500,50,Zorkmids\n"
    )
    ledger_import = run_import(dana, text)
    assert ledger_import.status == LedgerImport.Status.DONE
    assert (ledger_import.rows_imported, ledger_import.rows_rejected) == (4, 1)
    lines = {
        (line.client.external_id, line.original_amount): line
        for line in LedgerLine.objects.select_related("client")
    }
    eur = lines["A", Decimal("100.5")]
    assert (eur.currency, eur.amount, eur.exchange_rate) == ("EUR", Decimal("100.5"), 1)
    usd = lines["A", Decimal("200")]
    assert (usd.currency, usd.amount, usd.profit, usd.original_profit, usd.exchange_rate) == (
        "USD",
        None,
        None,
        Decimal("20"),
        None,
    )
    assert ledger_import.rows_unconverted == 2
    assert ledger_import.missing_rates == [
        {"currency": "USD", "month": "2024-03", "lines": 1},
        {"currency": "USD", "month": "2024-04", "lines": 1},
    ]
    # The figures count the euro lines only; the dollar lines wait for their rate.
    revenue = {
        (metric.client.external_id, metric.year): (metric.revenue, metric.line_count)
        for metric in ClientYearMetric.objects.select_related("client")
    }
    assert revenue == {("A", 2024): (Decimal("400.50"), 2)}


def test_a_foreign_currency_line_is_not_the_same_line_as_in_the_company_currency(dana):
    run_import(dana, "Customer,Date,Amount,Currency\nA,2024-03-01,100,EUR\n")
    again = run_import(dana, "Customer,Date,Amount,Currency\nA,2024-03-01,100,USD\n")
    assert again.rows_imported == 1
    same = run_import(dana, "Customer,Date,Amount\nA,2024-03-01,100\n", name="other.csv")
    assert (same.rows_imported, same.rows_duplicate) == (0, 1)
