"""The regulators' enterprise list as a query other pages reuse.

The list's export, the QR-code placards (codes) and the registration tables' export (registrations) work on exactly
the enterprises the list shows, filtered and sorted the same way, or on the rows ticked on it: they call
`filtered_enterprises` and `selected_rows` here rather than restating the list's query.
"""
from worksafe.core.listing import sort

from .filters import EnterpriseFilter
from .models import Enterprise

LIST_COLUMNS = {
    "name": "name",
    "uscc": "uscc",
    "region": ("region_id", "name"),
    "industry": ("industry_id", "name"),
    "staff_count": "staff_count",
    "review_state": ("review_state", "region_id"),
    "updated_at": "updated_at",
}


def enterprise_filter(user, data):
    """The list's filterset for `user` and the filter values `data` (a QueryDict): also what a background job started
    on the filtered list evaluates again, as its owner, from the query string it was given."""
    base = Enterprise.objects.for_user(user).select_related("industry", "region")
    return EnterpriseFilter(data, base, user=user)


def filtered_enterprises(request):
    """The list page's query (filters and sort), shared with the export."""
    filterset = enterprise_filter(request.user, request.GET)
    qs, sort_key = sort(request, filterset.qs, LIST_COLUMNS, "region")
    return filterset, qs, sort_key


def selected_rows(request, qs):
    """The ticked rows (POST selected=1 with pk=…) of `qs`, or None when none were ticked."""
    ids = [int(i) for i in request.POST.getlist("pk") if i.isdigit()]
    if request.POST.get("selected") != "1" or not ids:
        return None
    return qs.filter(pk__in=ids)
