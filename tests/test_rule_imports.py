"""Loading the books imports the rules, and nothing a load does not use: Markdown and Markup
(for the annual report's texts), the year-opening command and difflib (for the hint of a
misspelled word, role or account in an error) are imported only where they are used."""

from __future__ import annotations

import subprocess
import sys

NOT_FOR_A_LOAD = ("markdown_it", "markupsafe", "difflib", "bergslaget_plugins.new_year", "bergslaget_plugins.atomic_file")


def test_importing_the_rules_leaves_out_what_only_reports_and_commands_use():
    script = ("import importlib, sys\nfrom bergslaget_plugins.rules import RULES\n"
              "for name in RULES:\n    importlib.import_module(name)\n"
              f"print(sorted(name for name in {NOT_FOR_A_LOAD!r} if name in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_the_annual_reports_texts_still_render_markdown():
    from bergslaget_plugins.report_texts import markdown_as_html

    assert str(markdown_as_html("# Rubrik\n\n<b>fet</b> *text*")) == "<h3>Rubrik</h3>\n<p>&lt;b&gt;fet&lt;/b&gt; <em>text</em></p>\n"
