from django.http import HttpResponse


def enterprise_stats(request):
    return HttpResponse(status=501)
