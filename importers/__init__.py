"""Importers: bank statements and Bankgiro payments into the books.

Two files come from the bank, and each has its importer:

* **Swedbank account statement** (CSV, ``importers/swedbank.py``): every movement on
  the bank account ``Assets:1930-Företagskonto``, booked in verification series
  ``A`` with counter-postings from the accountant's rules in
  ``ledger/importregler.csv``, and a balance assertion from the statement's running
  balance (Saldo).
* **Bankgiro Inbetalningar** (BgMax, ``importers/bgmax.py``): every payment to the
  association's bankgiro 5844-9216, with payer and OCR reference, booked in series
  ``BG`` against the invoice it pays (``Assets:1510-Kundfordringar``) or, when
  it cannot be placed, on ``Liabilities:2999-OBS-konto`` with flag ``!``.

A third importer moves books in from another bookkeeping program:

* **SIE 4 files** (``importers/sie_importer.py``): the verifications of a SIE 4 file,
  read, checked and converted by ``bergslaget_plugins/sie/`` as ``bergslaget sie
  import`` does. An importer module is named after its format (``swedbank``,
  ``bgmax``); this one is ``sie_importer`` because ``sie`` is the SIE package in
  ``bergslaget_plugins``, and one last name means one module.

How the two fit together
------------------------
Bankgirot pays a day's incoming payments into the bank account as one lump sum: one
row on the bank statement for each BgMax deposit (TK15). The two imports meet on the
clearing account ``Assets:1938-Bankgiroinbetalningar``:

* the BgMax import debits 1938 with each payment (and credits it with each
  deduction): 1938 / 1510 per payment;
* the bank-statement import books the lump-sum row from 1930 against 1938, through
  the rule for the bankgiro text in ``ledger/importregler.csv``: 1930 / 1938.

When both files of a day are imported, 1938 is back at zero: the money is counted
once, on 1930, and each payment is credited to its member's invoice. A balance on
1938 means that one side is missing: a BgMax file not yet imported (1938 negative)
or a deposit not yet on the statement (1938 positive).

Using them
----------
``bergslaget import extract -e ledger/main.beancount -o nya.beancount FILER...``
writes the new transactions to ``nya.beancount`` for review; transactions already in
the books (the same ``bank_id`` or ``bgc_id``) are written commented out as
duplicates, so importing a file twice adds nothing. ``bergslaget import identify``
shows which importer takes which file; ``bergslaget import archive -o MAPP FILER...``
files the documents by account and date. A file that cannot be read is refused with
the line and the rule broken, and nothing from it is written. The same
configuration (``importers/config.py``) serves Fava's import page.

Every new transaction gets the next verification number of its series and year
(``ver: "A12"``, ``ver: "BG3"``), after the highest number already in the books.
"""
