"""Printable PDFs from HTML templates that extend print_base.html (WeasyPrint, the embedded CJK font)."""
from django.template.loader import render_to_string


def render_pdf(template, context):
    from weasyprint import HTML  # imported on use: it loads Pango, which the pages that never print don't need

    return HTML(string=render_to_string(template, context)).write_pdf()
