"""Printable PDFs from HTML templates that extend print_base.html (WeasyPrint, the embedded CJK font).

A long document (a batch of 2,000 placards) is laid out in parts, so a job can report progress between them, and the
parts' pages are written as one PDF (`join`): WeasyPrint combines pages of several rendered documents, sharing one
embedded font subset, so the file is as small as the same pages laid out at once.
"""
from django.template.loader import render_to_string


def render_pdf(template, context):
    return render_document(template, context).write_pdf()


def render_document(template, context):
    """The laid-out document (weasyprint.Document): its pages can be joined with other documents' (`join`)."""
    from weasyprint import HTML  # imported on use: it loads Pango, which the pages that never print don't need

    return HTML(string=render_to_string(template, context)).render()


def join(documents):
    """One PDF of the pages of `documents` (laid out by render_document), in order."""
    documents = list(documents)
    return documents[0].copy([page for document in documents for page in document.pages]).write_pdf()
