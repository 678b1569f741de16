"""Export a scored round as tables: CSV, XLSX, JSON and SQLite.

Work in progress (issue 6, "Exports").
"""
