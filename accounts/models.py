import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import ledger


class Department(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    LOGISTICS = "logistics", _("Logistics")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")
    RND = "rnd", _("R&D")
    FINANCE = "finance", _("Finance")
    MANAGEMENT = "management", _("Management")
    OTHER = "other", _("Other")


class User(AbstractUser):
    """Someone of our own company; the role decides which clients they see."""

    class Role(models.TextChoices):
        KAM = "kam", _("Key account manager")
        DIRECTOR = "director", _("Director")
        SPONSOR = "sponsor", _("Sponsor")
        CONTRIBUTOR = "contributor", _("Contributor")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.KAM)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, default=Department.SALES
    )
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code"))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def sees_all_clients(self) -> bool:
        return self.is_superuser or self.role in {self.Role.DIRECTOR, self.Role.ADMIN}


class Client(models.Model):
    """An existing customer, known from the ledger. A prospect is not a client."""

    name = models.CharField(_("name"), max_length=255)
    external_id = models.CharField(
        _("external id"), max_length=120, unique=True, help_text=_("Customer id in the ledger")
    )
    group = models.CharField(_("group"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, db_index=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True, db_index=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clients",
        limit_choices_to={"role": User.Role.KAM},
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executive sponsor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored_clients",
        limit_choices_to={"role": User.Role.SPONSOR},
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:client_detail", args=[self.pk])


class Contact(models.Model):
    """A person at a client."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    title = models.CharField(_("title"), max_length=150, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        if self.country and not ledger.country_code(self.country):
            raise ValidationError({"country": _("Use a two-letter country code such as FR or DE.")})


class LedgerImport(models.Model):
    """One uploaded ledger file, from upload through preview to the loaded lines."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Awaiting confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Layout(models.TextChoices):
        TABLE = "table", _("Table of invoice or order lines")
        FEC = "fec", _("French FEC (Fichier des écritures comptables)")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    file = models.FileField(_("file"), upload_to="ledgers/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    file_format = models.CharField(_("format"), max_length=4)  # csv or xlsx
    layout = models.CharField(
        _("layout"), max_length=10, choices=Layout.choices, default=Layout.TABLE
    )
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    decimal = models.CharField(_("decimal mark"), max_length=1, default=".")
    dayfirst = models.BooleanField(_("day first dates"), default=False)
    date_orders = models.JSONField(
        _("date orders"),
        default=dict,
        blank=True,
        help_text=_("date column → how its day/month order was decided"),
    )
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    sheets = models.JSONField(_("sheets"), default=list, blank=True)
    header_line = models.PositiveIntegerField(_("header line"), default=1)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    columns = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(
        _("mapping"), default=dict, blank=True, help_text=_("field → column")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    rows_read = models.PositiveIntegerField(_("lines read"), default=0)
    rows_imported = models.PositiveIntegerField(_("lines imported"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("lines already known"), default=0)
    rows_rejected = models.PositiveIntegerField(_("lines rejected"), default=0)
    rows_unconverted = models.PositiveIntegerField(
        _("lines without an exchange rate"),
        default=0,
        help_text=_("Imported, but not counted in the figures until their rate is entered"),
    )
    missing_rates = models.JSONField(
        _("missing exchange rates"),
        default=list,
        blank=True,
        help_text=_("[{currency, month (YYYY-MM), lines}] of the lines without a rate"),
    )
    clients_created = models.PositiveIntegerField(_("clients created"), default=0)
    clients_updated = models.PositiveIntegerField(_("clients updated"), default=0)
    entries_ignored = models.PositiveIntegerField(
        _("entries ignored"), default=0, help_text=_("FEC entries that are not sales")
    )
    entries_unbalanced = models.PositiveIntegerField(
        _("unbalanced entries"), default=0, help_text=_("FEC entries whose debit and credit differ")
    )
    notes = models.JSONField(
        _("notes"), default=list, blank=True, help_text=_("What the import left out, and why")
    )
    rejects = models.FileField(_("rejected lines"), upload_to="ledgers/rejects/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="ledger_imports",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_import_per_file",
                violation_error_message=_("This file is already being imported."),
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_max_100"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("accounts:ledger_import_detail", args=[self.pk])

    @property
    def duration(self) -> dt.timedelta | None:
        """How long the import job took, once it has finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class DateOrderPreference(models.Model):
    """How a date column of this name is written, as a director answered when nothing in the
    file decided it; later imports with a column of the same name reuse the answer."""

    class Order(models.TextChoices):
        DMY = ledger.DMY, _("day/month/year")
        MDY = ledger.MDY, _("month/day/year")

    column_key = models.CharField(_("column key"), max_length=255, unique=True)
    column = models.CharField(_("column"), max_length=255)
    order = models.CharField(_("order"), max_length=3, choices=Order.choices)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("date order")
        verbose_name_plural = _("date orders")
        ordering = ["column_key"]

    def __str__(self) -> str:
        return f"{self.column}: {self.get_order_display()}"


class LedgerLine(models.Model):
    """An invoice or order line. ``line_key`` makes re-imports idempotent."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="ledger_lines"
    )
    ledger_import = models.ForeignKey(
        LedgerImport,
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="lines",
        # Provenance only. A database check per line doubled the commit time of a bulk load;
        # deleting an import goes through Django, which sets this to NULL.
        db_constraint=False,
    )
    line_key = models.UUIDField(_("line key"), unique=True)
    order_ref = models.CharField(_("order"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    # The figures count ``amount`` and ``profit``, in the company's currency
    # (``KAM_DEFAULT_CURRENCY``): the line's own amounts times ``exchange_rate``. Without a rate
    # for the line's currency and date they are NULL, and the line is not counted until a
    # director enters the rate (the lines are then converted again).
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=4, null=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, null=True)
    profit = models.DecimalField(_("profit"), max_digits=18, decimal_places=4, null=True)
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO code of the currency the ledger gave")
    )
    original_amount = models.DecimalField(
        _("amount in the line's currency"), max_digits=18, decimal_places=4
    )
    original_profit = models.DecimalField(
        _("profit in the line's currency"), max_digits=18, decimal_places=4, null=True
    )
    exchange_rate = models.DecimalField(
        _("exchange rate"),
        max_digits=24,
        decimal_places=12,
        null=True,
        help_text=_("Company currency per unit of the line's currency; empty: no rate yet"),
    )
    due_date = models.DateField(_("due date"), null=True)
    paid_date = models.DateField(_("paid date"), null=True)
    days_late = models.IntegerField(_("days late"), null=True)
    disputed = models.BooleanField(_("disputed"), null=True)
    is_return = models.BooleanField(_("return"), default=False)
    country = models.CharField(_("country"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")

    def __str__(self) -> str:
        return f"{self.client_id} {self.date} {self.original_amount} {self.currency}"

    @property
    def is_converted(self) -> bool:
        return self.exchange_rate is not None


class ExchangeRate(models.Model):
    """One reference rate: 1 euro is worth ``rate`` units of ``currency`` on a day, or for a
    month (``date`` is then its first day), as the European Central Bank publishes them. Other
    conversions go through the euro (cross rates)."""

    class Period(models.TextChoices):
        DAY = "day", _("Daily")
        MONTH = "month", _("Monthly")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        ECB = "ecb", _("ECB reference rates file")

    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO code"))
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    date = models.DateField(_("date"), help_text=_("The day, or the first day of the month"))
    rate = models.DecimalField(
        _("rate"), max_digits=20, decimal_places=8, help_text=_("Units of the currency for 1 EUR")
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "currency", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "period", "date"],
                name="one_rate_per_currency_period_date",
                violation_error_message=_("There is already a rate for this currency and date."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="rate_positive",
                violation_error_message=_("A rate must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(period="day") | Q(date__day=1),
                name="monthly_rate_on_first_day",
                violation_error_message=_("A monthly rate is dated on the first day of its month."),
            ),
            models.CheckConstraint(
                condition=~Q(currency="EUR"),
                name="rate_not_for_the_euro",
                violation_error_message=_("Rates are for 1 EUR: the euro has no rate of its own."),
            ),
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.rate} {self.currency} ({self.date:%Y-%m-%d})"


class ClientYearMetric(models.Model):
    """Financial figures of one client for one calendar year, recomputed from the ledger."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="metrics"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revenue = models.DecimalField(_("revenue"), max_digits=18, decimal_places=2)
    volume = models.DecimalField(_("volume"), max_digits=16, decimal_places=3, null=True)
    gross_margin = models.DecimalField(
        _("gross margin"), max_digits=18, decimal_places=2, null=True
    )
    margin_pct = models.FloatField(_("margin %"), null=True)
    growth_pct = models.FloatField(_("growth vs previous year %"), null=True)
    share_pct = models.FloatField(_("share of total revenue %"))
    order_count = models.PositiveIntegerField(_("orders"))
    line_count = models.PositiveIntegerField(_("lines"))
    return_count = models.PositiveIntegerField(_("returns"), default=0)
    avg_days_to_pay = models.FloatField(_("average days to pay"), null=True)
    avg_days_late = models.FloatField(_("average days late"), null=True)
    dispute_rate = models.FloatField(_("dispute rate %"), null=True)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("client year metric")
        verbose_name_plural = _("client year metrics")
        ordering = ["client", "year"]
        constraints = [
            models.UniqueConstraint(fields=["client", "year"], name="one_metric_per_client_year")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.year}"
