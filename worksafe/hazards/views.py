"""Placeholder until the enterprise's hazard pages land (helper H1 replaces this module)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from worksafe.archive.views import scoped_enterprise


@login_required
def hazard_list(request, pk):
    scoped_enterprise(request, pk)
    return HttpResponse("")


urlpatterns = [path("enterprises/<int:pk>/", hazard_list, name="list")]
