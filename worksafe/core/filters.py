import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from . import audit
from .models import AuditAction, ChangeRecord

DATE = {"type": "date", "class": "form-control"}


class ChangeRecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键字", method="search", help_text="对象、操作用户或说明")
    action = django_filters.MultipleChoiceFilter(label="操作类型", choices=AuditAction.choices)
    content_type = django_filters.ModelChoiceFilter(label="对象类型", queryset=ContentType.objects.none())
    enterprise_id = django_filters.NumberFilter(label="企业ID")
    time = django_filters.DateFromToRangeFilter(label="日期范围", widget=django_filters.widgets.DateRangeWidget(attrs=DATE))

    class Meta:
        model = ChangeRecord
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = ContentType.objects.get_for_models(*audit.registered_models()).values()
        self.filters["content_type"].queryset = ContentType.objects.filter(pk__in=[t.pk for t in types])

    def search(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(user_name__icontains=value) | Q(message__icontains=value))
