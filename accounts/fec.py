"""Reading a French FEC (Fichier des Écritures Comptables) into ledger lines.

A FEC is the general ledger every French company must be able to export (article A47 A-1 of the
Livre des procédures fiscales): one line per accounting line, 18 columns separated by a pipe or a
tab, ``AAAAMMJJ`` dates, decimal commas, ISO-8859-15 or UTF-8. KAM keeps what it says about
customers: the revenue lines (class 70 accounts) of the sales entries, net of credit notes, each
given the customer of its entry (the customer control account ``411…``, with its auxiliary
account when the file has one), the invoice date, the due date when the file has one, and the
date the customer line was matched (lettrage) with its payment. Every other entry is counted and
ignored.

Plain bytes in, the same per-line frame as ``accounts.ledger.parse`` out (plus ``currency`` and
``original_amount``); no models and no database. Problems a person can fix are ``LedgerError``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.ledger import LedgerError, Parsed, per_unique
from kam import lazy

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # loaded on first use: reading a FEC needs them, starting a process does not
    np = lazy.module("numpy")
    pd = lazy.module("pandas")

# The official columns, in order. Debit and Credit may be replaced by Montant and Sens.
COLUMNS = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
    "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
    "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
)  # fmt: skip

# Field code → header names seen in exports, normalised (lower case, no accent, letters and
# digits only). The first name of each is the official one.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "journal": ("journalcode", "codejournal", "journal", "jnl"),
    "journal_lib": ("journallib", "libellejournal", "journallibelle", "libjournal"),
    "entry_num": ("ecriturenum", "numecriture", "numeroecriture", "ecriturenumero", "nuecriture"),
    "entry_date": ("ecrituredate", "dateecriture", "datecomptable"),
    "account": ("comptenum", "numcompte", "numerocompte", "comptegeneral", "compte"),
    "account_lib": ("comptelib", "libellecompte", "comptelibelle", "libcompte", "intitulecompte"),
    "aux": (
        "compauxnum", "compteauxnum", "comptauxnum", "numcompteaux", "compteauxiliaire",
        "numcompteauxiliaire", "auxnum", "comptetiers", "tiers",
    ),
    "aux_lib": (
        "compauxlib", "compteauxlib", "comptauxlib", "libcompteaux", "libellecompteauxiliaire",
        "libelletiers", "auxlib",
    ),
    "piece_ref": ("pieceref", "refpiece", "referencepiece", "numpiece", "numeropiece", "piece"),
    "piece_date": ("piecedate", "datepiece"),
    "label": ("ecriturelib", "libelleecriture", "ecriturelibelle", "libelle"),
    "debit": ("debit", "montantdebit", "debitmontant"),
    "credit": ("credit", "montantcredit", "creditmontant"),
    "amount": ("montant",),
    "direction": ("sens",),
    "letter": ("ecriturelet", "lettrage", "codelettrage", "lettre", "let"),
    "letter_date": ("datelet", "datelettrage", "letdate"),
    "valid_date": ("validdate", "datevalidation", "datevalid"),
    "currency_amount": ("montantdevise", "montantendevise", "devisemontant", "mtdevise"),
    "currency": ("idevise", "devise", "codedevise", "iddevise"),
    "due_date": ("dateecheance", "echeancedate", "echeance", "dateech", "duedate"),
}  # fmt: skip
REQUIRED = ("journal", "entry_num", "entry_date", "account")
SEPARATORS = ("|", "\t", ";")
CUSTOMER_PREFIX = "411"  # customer control accounts (clients et comptes rattachés)
REVENUE_PREFIX = "70"  # sales of goods and services
SHOWN_LINES = 10  # line numbers named in a message
# The fields KAM reads, and those compared as text (dates and amounts are trimmed as parsed).
USED = frozenset(SYNONYMS) - {"journal_lib", "label", "valid_date"}
STRIPPED = frozenset(
    {"journal", "entry_num", "account", "account_lib", "aux", "aux_lib", "piece_ref", "letter",
     "currency", "direction"}
)  # fmt: skip


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


_BY_NAME = {name: code for code, names in SYNONYMS.items() for name in names}


@dataclass
class FecFile:
    """A FEC split into cells: one string column per field code, and each line's number."""

    frame: pd.DataFrame  # field codes as columns, plus ``line`` (the file's line number)
    header: list[str]  # the file's own column names
    encoding: str
    delimiter: str
    raw_rows: list[list[str]]  # the first lines as the file has them, for the preview
    codes: set[str] = field(default_factory=set)  # the field codes the header names


@dataclass
class Reading:
    """What a FEC holds for KAM: the ledger lines, and what was left out and why."""

    parsed: Parsed
    lines_read: int
    entries: int
    sales_entries: int
    credit_notes: int
    not_sales: int  # entries without revenue: purchases, bank, payroll…
    no_customer: int  # entries with revenue but no customer account (cash sales)
    unbalanced: list[tuple[str, str, int, float]] = field(default_factory=list)
    # (journal, entry number, first line, debit minus credit) of each entry that does not balance
    customers: int = 0
    revenue: float = 0.0
    open_items: int = 0  # sales entries not (fully) matched with a payment

    @property
    def ignored(self) -> int:
        return self.not_sales + self.no_customer

    def notes(self) -> list[str]:
        """What the summary says beyond the counts, as translated sentences."""
        notes = []
        if self.not_sales:
            notes.append(
                ngettext(
                    "%(count)s entry that is not a sale (purchases, bank, payroll…) was ignored.",
                    "%(count)s entries that are not sales (purchases, bank, payroll…) were "
                    "ignored.",
                    self.not_sales,
                )
                % {"count": self.not_sales}
            )
        if self.no_customer:
            notes.append(
                ngettext(
                    "%(count)s entry with revenue but no customer account (411…) was ignored.",
                    "%(count)s entries with revenue but no customer account (411…) were ignored.",
                    self.no_customer,
                )
                % {"count": self.no_customer}
            )
        if self.unbalanced:
            shown = ", ".join(
                _("%(journal)s %(number)s (line %(line)s, %(difference)s)")
                % {
                    "journal": journal,
                    "number": number,
                    "line": line,
                    "difference": f"{difference:+.2f}".replace(".", ","),
                }
                for journal, number, line, difference in self.unbalanced[:SHOWN_LINES]
            )
            more = len(self.unbalanced) - SHOWN_LINES
            notes.append(
                ngettext(
                    "%(count)s entry does not balance (debit minus credit): %(entries)s. It was "
                    "imported as read; check it in the accounting software.",
                    "%(count)s entries do not balance (debit minus credit): %(entries)s. They "
                    "were imported as read; check them in the accounting software.",
                    len(self.unbalanced),
                )
                % {
                    "count": len(self.unbalanced),
                    "entries": shown
                    + (_(" and %(more)s more") % {"more": more} if more > 0 else ""),
                }
            )
        return notes


# --- detection and reading ----------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("iso-8859-15"), "iso-8859-15"


def _header_codes(names: Iterable[str]) -> list[str | None]:
    codes: list[str | None] = []
    for name in names:
        code = _BY_NAME.get(_normalise(name))
        codes.append(code if code not in codes else None)
    return codes


def _first_line(raw: bytes) -> str:
    head = raw[:4096].split(b"\n", 1)[0].rstrip(b"\r")
    return _decode(head)[0].lstrip("\ufeff")


def _split_header(line: str) -> tuple[str, list[str], list[str | None]]:
    """The separator giving the most known FEC names, its names and their field codes."""
    best = ("", [line], [_BY_NAME.get(_normalise(line))])
    best_known = -1
    for separator in SEPARATORS:
        names = [name.strip().strip('"').strip() for name in line.split(separator)]
        codes = _header_codes(names)
        known = sum(code is not None for code in codes)
        if known > best_known:
            best, best_known = (separator, names, codes), known
    return best


def looks_like_fec(raw: bytes) -> bool:
    """Whether the first line is a FEC header: the official names, or close variants of them."""
    _separator, _names, codes = _split_header(_first_line(raw))
    known = {code for code in codes if code}
    return _is_fec(known) or (len(known) >= 8 and "entry_num" in known)


def _is_fec(known: set[str]) -> bool:
    amounts = {"debit", "credit"} <= known or {"amount", "direction"} <= known
    return amounts and set(REQUIRED) <= known


def read(raw: bytes) -> FecFile:
    """Split a FEC into cells; refuse one whose lines do not all have the header's columns."""
    text, encoding = _decode(raw)
    text = text.lstrip("\ufeff")
    separator, names, codes = _split_header(text.split("\n", 1)[0].rstrip("\r"))
    known = {code for code in codes if code}
    if not _is_fec(known):
        missing = [
            COLUMNS[index]
            for index, code in enumerate(
                ("journal", "journal_lib", "entry_num", "entry_date", "account")
            )
            if code in REQUIRED and code not in known
        ]
        if not ({"debit", "credit"} <= known or {"amount", "direction"} <= known):
            missing += ["Debit", "Credit"]
        raise LedgerError(
            _(
                "This file looks like a FEC but KAM cannot find its columns %(columns)s. Export "
                "the FEC again with the official column names (%(official)s)."
            )
            % {"columns": ", ".join(missing), "official": "|".join(COLUMNS)}
        )
    width = len(names)
    while width > 1 and not names[width - 1]:
        width -= 1  # a header ending with a separator
    # Columns per line, counted on the bytes (the separators and line feeds are single bytes in
    # both encodings); blank lines are skipped, as the parser below skips them.
    data = np.frombuffer(raw[3:] if encoding == "utf-8-sig" else raw, dtype=np.uint8)
    feeds = np.flatnonzero(data == 10)
    starts = np.concatenate(([0], feeds + 1))
    ends = np.concatenate((feeds, [len(data)]))
    lengths = ends - starts
    carriage = (lengths > 0) & (data[np.maximum(ends - 1, 0)] == 13)
    lengths = lengths - carriage
    separators = np.flatnonzero(data == ord(separator))
    counts_all = np.searchsorted(separators, ends) - np.searchsorted(separators, starts) + 1
    body_mask = lengths > 0
    body_mask[0] = False  # the header
    numbers = pd.Index(np.flatnonzero(body_mask) + 1)  # the header is line 1
    if numbers.empty:
        raise LedgerError(_("The file has a header but no lines."))
    counts = pd.Series(counts_all[body_mask])
    extra = counts - width
    # A header ending with separators allows lines ending with as many (empty) columns.
    wrong = (extra < 0) | (extra > len(names) - width)
    if wrong.any():
        bad = [
            _("line %(line)s (%(count)s columns)") % {"line": line, "count": count}
            for line, count in zip(
                numbers[wrong.to_numpy()][:SHOWN_LINES],
                counts[wrong][:SHOWN_LINES],
                strict=True,
            )
        ]
        more = int(wrong.sum()) - SHOWN_LINES
        raise LedgerError(
            ngettext(
                "%(count)s line does not have the %(width)s columns of the header: %(lines)s. "
                "A label holding the separator often causes this: correct the line or export the "
                "FEC again. Nothing was imported.",
                "%(count)s lines do not have the %(width)s columns of the header: %(lines)s. "
                "A label holding the separator often causes this: correct the lines or export "
                "the FEC again. Nothing was imported.",
                int(wrong.sum()),
            )
            % {
                "count": int(wrong.sum()),
                "width": width,
                "lines": ", ".join(bad)
                + (_(" and %(more)s more") % {"more": more} if more > 0 else ""),
            }
        )
    # Every line now has the header's columns (and maybe empty ones after): the C parser reads
    # them, taking every character literally.
    cells = pd.read_csv(
        io.StringIO(text),
        sep=separator,
        header=None,
        skiprows=1,
        skip_blank_lines=True,
        names=list(range(int(counts.max()))),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        quoting=csv.QUOTE_NONE,
        engine="c",
    ).iloc[:, :width]
    if len(cells) != len(numbers):  # a line of spaces only, which the parser skips
        raise LedgerError(_("The file has lines holding only spaces: remove them and try again."))
    frame = pd.DataFrame({"line": numbers.to_numpy()})
    quoted = '"' in text
    for index, code in enumerate(codes[:width]):
        if code is None or code not in USED:
            continue
        column = pd.Series(cells[index].to_numpy(), dtype=object)
        if quoted or code in STRIPPED:
            column = per_unique(column, lambda uniques: _clean(uniques, quoted=quoted))
        frame[code] = column.to_numpy()
    for code in SYNONYMS:
        if code not in frame:
            frame[code] = ""
    raw_rows = cells.head(SHOWN_LINES).astype(str).to_numpy().tolist()
    return FecFile(
        frame=frame,
        header=names[:width],
        encoding=encoding,
        delimiter=separator,
        raw_rows=raw_rows,
        codes=known,
    )


def _clean(values: pd.Series, *, quoted: bool) -> pd.Series:
    text = values.astype(str).str.strip()
    if quoted:
        text = text.str.replace(r'^"(.*)"$', r"\1", regex=True).str.replace('""', '"')
    return text


# --- values -------------------------------------------------------------------------------------


def parse_amounts(values: pd.Series) -> pd.Series:
    """Amounts as FEC exports write them: ``1234,50``, ``000001234,50``, ``  -12,00``,
    ``12,00-``, ``+5``, ``1234.50``; an empty cell is zero; NaN where unreadable."""
    return per_unique(values, _parse_amounts)


def _parse_amounts(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    trailing_minus = text.str.fullmatch(r"[0-9.,]+-")
    text = text.where(~trailing_minus, "-" + text.str[:-1])
    comma = text.str.contains(",", regex=False)
    text = text.where(~comma, text.str.replace(".", "", regex=False).str.replace(",", "."))
    text = text.where(text != "", "0")
    text = text.where(text.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)"), "nan")
    return pd.to_numeric(text, errors="coerce")


DATE_SHAPES = (
    (r"\d{8}", "%Y%m%d"),
    (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
    (r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y"),
    (r"\d{2}\.\d{2}\.\d{4}", "%d.%m.%Y"),
)


def parse_dates(values: pd.Series) -> pd.Series:
    """``AAAAMMJJ`` dates (and ISO or day-first ones, as some packages write them); NaT where
    empty or unreadable."""
    return per_unique(values, _parse_dates)


def _parse_dates(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip().str.split(r"[ T]", n=1, regex=True).str[0]
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for pattern, fmt in DATE_SHAPES:
        matches = text.str.fullmatch(pattern)
        if matches.any():
            result.loc[matches] = pd.to_datetime(text[matches], format=fmt, errors="coerce")
    result.loc[result.dt.year < 1900] = pd.NaT
    return result


# --- from accounting lines to ledger lines ------------------------------------------------------


def _codes(first: pd.Series, second: pd.Series) -> np.ndarray:
    """One integer per distinct pair of values."""
    pairs = pd.DataFrame({"first": first, "second": second})
    return pairs.groupby(["first", "second"], sort=False).ngroup().to_numpy()


def parse(fec: FecFile) -> Reading:
    """The sales entries' revenue lines, one ledger line each, with their customer, invoice,
    due and payment dates; every other entry counted."""
    f = fec.frame
    size = len(f)
    if {"debit", "credit"} <= fec.codes or "amount" not in fec.codes:
        debit, credit = parse_amounts(f["debit"]), parse_amounts(f["credit"])
        balance = debit - credit  # positive on the debit side
    else:
        amount = parse_amounts(f["amount"])
        sign = per_unique(f["direction"], lambda uniques: uniques.str.upper().str[:1]).map(
            {"D": 1.0, "C": -1.0}
        )
        balance = amount * sign
    entry_date = parse_dates(f["entry_date"])
    piece_date = parse_dates(f["piece_date"])
    letter_date = parse_dates(f["letter_date"])
    due_date = parse_dates(f["due_date"])
    currency_amount = parse_amounts(f["currency_amount"])

    # An entry is a journal's entry number (or, without one, its piece and date). Keys are
    # integer codes, computed once, so that grouping does not hash strings again and again.
    journal = f["journal"]
    number = f["entry_num"].copy()
    unnumbered = number == ""
    if unnumbered.any():
        number[unnumbered] = (
            "\x1f" + f["piece_ref"][unnumbered] + "\x1f" + f["entry_date"][unnumbered]
        )
    entry = _codes(journal, number)
    accounts, account_codes = pd.factorize(f["account"])
    is_customer = pd.Series(
        pd.Index(account_codes).str.startswith(CUSTOMER_PREFIX)[accounts], index=f.index
    )
    is_revenue = pd.Series(
        pd.Index(account_codes).str.startswith(REVENUE_PREFIX)[accounts], index=f.index
    )
    customer = f["aux"].where(f["aux"] != "", f["account"])
    customer_name = f["aux_lib"].where(f["aux"] != "", f["account_lib"])
    customer_name = per_unique(
        customer_name.where(customer_name != "", customer),
        lambda uniques: uniques.str.replace(r"\s+", " ", regex=True),
    )
    currency = per_unique(f["currency"], lambda uniques: uniques.str.upper())

    # Revenue and customer in separate entries sharing a journal and a piece: link by the piece.
    has_revenue = is_revenue.groupby(entry).transform("any")
    has_customer = is_customer.groupby(entry).transform("any")
    incomplete = (has_revenue ^ has_customer) & (f["piece_ref"] != "")
    link_part = number.copy()
    if incomplete.any():
        link_part[incomplete] = "\x1f#" + f["piece_ref"][incomplete]
        link = _codes(journal, link_part)
    else:
        link = entry
    link_revenue = is_revenue.groupby(link).transform("any")
    link_customer = is_customer.groupby(link).transform("any")
    sale = link_revenue & link_customer
    customer_code = pd.Series(pd.factorize(customer)[0], index=f.index)
    customers_per_link = customer_code.where(is_customer).groupby(link).transform("nunique")

    # Matching: a customer's lines with the same letter that balance are settled.
    lettered = is_customer & (f["letter"] != "")
    group = _codes(customer[lettered], f["letter"][lettered])
    group_balance = balance[lettered].groupby(group).transform("sum").round(2)
    settled_on = entry_date[lettered].groupby(group).transform("max")
    settled = letter_date[lettered].fillna(settled_on).where(group_balance == 0)
    paid = settled.reindex(f.index)

    # One row per sale: its customer, due date and payment date (all its customer lines paid).
    customer_lines = pd.DataFrame(
        {
            "link": link,
            "external_id": customer,
            "name": customer_name,
            "due_date": due_date,
            "paid_date": paid,
            "unpaid": paid.isna(),
            "balance": balance,
            "currency_amount": currency_amount.abs(),
            "currency": currency,
        }
    )[is_customer & sale]
    sales = customer_lines.groupby("link", sort=False).agg(
        external_id=("external_id", "first"),
        name=("name", "first"),
        due_date=("due_date", "max"),
        paid_date=("paid_date", "max"),
        unpaid=("unpaid", "any"),
        balance=("balance", "sum"),
        currency_amount=("currency_amount", "sum"),
        currency=("currency", "first"),
    )
    sales.loc[sales["unpaid"], "paid_date"] = pd.NaT

    # The revenue lines, with what their sale says.
    chosen = is_revenue & sale
    lines = pd.DataFrame(
        {
            "line": f["line"],
            "link": link,
            "date": piece_date.fillna(entry_date),
            "amount": (-balance).round(4),
            "order_ref": f["piece_ref"]
            .where(f["piece_ref"] != "", f["entry_num"])
            .str.slice(0, 100),
            "line_currency": currency,
            "line_currency_amount": currency_amount.abs(),
        }
    )[chosen]
    reasons = pd.Series("", index=lines.index, dtype=object)

    def reject(mask: pd.Series, message: str) -> None:
        reasons[mask & (reasons == "")] = message

    reject(customers_per_link[chosen] > 1, _("The entry names more than one customer."))
    reject(lines["date"].isna(), _("The entry's date is not a date KAM can read."))
    reject(lines["amount"].isna(), _("The debit or credit is not a number."))
    lines = lines.join(sales, on="link")
    reject(lines["external_id"].fillna("") == "", _("No customer on this line."))

    out = pd.DataFrame(index=lines.index)
    out["external_id"] = lines["external_id"].fillna("").str.slice(0, 120)
    out["name"] = lines["name"].fillna("").str.slice(0, 255)
    out["date"] = lines["date"]
    out["amount"] = lines["amount"]
    out["quantity"] = float("nan")
    out["profit"] = float("nan")
    out["days_late"] = pd.array([pd.NA] * len(lines), dtype="Int64")
    out["due_date"] = lines["due_date"].astype("datetime64[us]")
    out["paid_date"] = lines["paid_date"].astype("datetime64[us]")
    out["disputed"] = pd.NA
    out["country"] = ""
    out["segment"] = ""
    out["order_ref"] = lines["order_ref"]
    out["is_return"] = lines["amount"].fillna(0) < 0
    # The original amount: the line's own, else its share of the customer line's.
    own = lines["line_currency"] != ""
    share = lines["amount"] / (-lines["balance"]).where(lines["balance"] != 0)
    out["currency"] = lines["line_currency"].where(own, lines["currency"].fillna(""))
    sign = pd.Series(np.where(lines["amount"] < 0, -1.0, 1.0), index=lines.index)
    original = (lines["line_currency_amount"] * sign).where(own, lines["currency_amount"] * share)
    out["original_amount"] = original.where(out["currency"] != "").round(4)
    out["ordinal"] = lines["line"].astype(int)

    rejected = reasons != ""
    originals = fec.frame.loc[rejected[rejected].index].drop(columns=["line"])
    rejects = originals.loc[:, [code for code in SYNONYMS if (originals[code] != "").any()]]
    rejects.insert(0, "reason", reasons[rejected])
    rejects.insert(0, "line", lines.loc[rejected, "line"].astype(int))
    kept = out[~rejected].reset_index(drop=True)
    problems = []
    if size and kept.empty:
        problems.append(
            _(
                "No sales entry of this FEC could be read: KAM looks for entries with a revenue "
                "line (class 70 account) and a customer line (411… account)."
            )
        )

    entry_codes = pd.Series(entry, index=f.index)
    entries = entry_codes.nunique()
    sale_entries = entry_codes[sale].nunique()
    no_customer = entry_codes[is_revenue & ~sale].nunique()
    balances = balance.groupby(entry, sort=False).sum().round(2)
    first = pd.Series(np.arange(size)).groupby(entry, sort=False).min().to_dict()
    wrong = balances[balances != 0]
    unbalanced: list[tuple[str, str, int, float]] = []
    for key, difference in wrong.items():
        row = f.iloc[first[key]]
        line = int(row["line"])
        unbalanced.append((str(row["journal"]), str(row["entry_num"]), line, float(difference)))
    unbalanced.sort(key=lambda item: item[2])
    return Reading(
        parsed=Parsed(lines=kept, rejects=rejects.reset_index(drop=True), problems=problems),
        lines_read=size,
        entries=int(entries),
        sales_entries=int(sale_entries),
        credit_notes=int((sales["balance"] < 0).sum()),
        not_sales=max(0, int(entries - sale_entries - no_customer)),
        no_customer=int(no_customer),
        unbalanced=unbalanced,
        customers=int(kept["external_id"].nunique()),
        revenue=float(kept["amount"].sum()),
        open_items=int(sales.loc[sales["balance"] > 0, "unpaid"].sum()),
    )
