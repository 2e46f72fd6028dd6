"""SIE (Standard Import Export, SIE filformat utgåva 4B): the Swedish exchange format for
accounting data.

- ``records``: the record lexer (quotes, escapes, object lists);
- ``encoding``: which character set a file is really in;
- ``checksum``: ``#KSUMMA``, the format's CRC-32;
- ``document``: a file read into accounts, balances and vouchers;
- ``check``: what is wrong with a file (``bergslaget sie check``);
- ``writer``: the books as a SIE 4 file (``bergslaget sie export``);
- ``to_beancount``: a SIE 4 file as Beancount books (``bergslaget sie import``);
- ``command``: the ``bergslaget sie`` command.
"""
