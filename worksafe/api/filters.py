"""The subscription list's filters: 状态, 订阅接口, 关键字 (system name, organisation, enterprise name or USCC)."""
import django_filters
from django import forms
from django.db.models import Q

from worksafe.core.filters import FastSelect, enterprise_search_q

from .models import ApiSubscription, Interface, SubscriptionState


class SubscriptionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label="状态", choices=SubscriptionState.choices, widget=FastSelect)
    interface = django_filters.ChoiceFilter(label="订阅接口", choices=Interface.choices, method="with_interface", widget=FastSelect)
    q = django_filters.CharFilter(label="关键字", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "系统名称、企业名称或统一社会信用代码"}))

    class Meta:
        model = ApiSubscription
        fields = []

    def with_interface(self, queryset, name, value):
        # The list is stored as JSON text (["risks", "checks"]); a quoted value matches one element exactly, on both
        # databases (JSONField's `contains` is PostgreSQL-only).
        return queryset.filter(interfaces__icontains=f'"{value}"')

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(system_name__icontains=value) | Q(organization__name__contains=value)
                               | (Q(enterprise__isnull=False) & enterprise_search_q(value, "enterprise")))
