"""xlsx export and import of enterprises (filled in by the import/export work)."""
from django.http import HttpResponse


def enterprise_export(request):
    return HttpResponse(status=501)


def enterprise_import(request):
    return HttpResponse(status=501)


def enterprise_import_template(request):
    return HttpResponse(status=501)
