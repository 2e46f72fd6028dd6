"""Intresseföreningen Bergslagets bokföring: Beancount plugins, reports and the Fava extension.

Every figure the association publishes is computed here once and rendered by the CLI
(`bergslaget`), by saved BQL queries and by the Fava extension.
"""
