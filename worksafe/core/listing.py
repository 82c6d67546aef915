"""List pages: sorting from ?sort=, pagination from ?page= / ?per_page=, the same for every list."""
from django.core.paginator import Paginator

PER_PAGE_CHOICES = (20, 50, 100)


def paginate(request, queryset, per_page=20):
    try:
        per_page = int(request.GET.get("per_page", per_page))
    except ValueError:
        pass
    per_page = per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def sort(request, queryset, columns, default):
    """Order by ?sort=<column> or ?sort=-<column>, where `columns` maps column names to model orderings."""
    key = request.GET.get("sort", default)
    name = key.lstrip("-")
    if name not in columns:
        key, name = default, default.lstrip("-")
    fields = columns[name] if isinstance(columns[name], (list, tuple)) else [columns[name]]
    prefix = "-" if key.startswith("-") else ""
    return queryset.order_by(*[prefix + f for f in fields], f"{prefix}pk"), key
