"""The enterprise's risk list (安全风险辨识清单): the tree page, and adding, editing, deleting at every level."""
from collections import Counter
from typing import NamedTuple

from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.decorators import login_required
from django.db import router, transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse

from worksafe.core import permissions
from worksafe.core.access import require, save_in_scope, scoped_enterprise, scoped_or_404

from .forms import ControlMeasureForm, HazardSourceForm, RiskEventForm, RiskObjectForm, RiskUnitForm
from .models import ControlMeasure, HazardSource, PatrolItem, RiskEvent, RiskObject, RiskUnit


class Kind(NamedTuple):
    model: type
    form: type
    parent: str | None  # the parent's kind; None: the enterprise
    parent_field: str


KINDS = {
    "object": Kind(RiskObject, RiskObjectForm, None, "enterprise"),
    "unit": Kind(RiskUnit, RiskUnitForm, "object", "object"),
    "source": Kind(HazardSource, HazardSourceForm, "unit", "unit"),
    "event": Kind(RiskEvent, RiskEventForm, "source", "source"),
    "measure": Kind(ControlMeasure, ControlMeasureForm, "event", "event"),
}


def risk_tree(enterprise):
    """The enterprise's objects with units, sources, events and measures prefetched (five queries)."""
    events = RiskEvent.objects.select_related("accident_category").prefetch_related("measures")
    return enterprise.risk_objects.prefetch_related(
        Prefetch("units", RiskUnit.objects.prefetch_related(
            Prefetch("sources", HazardSource.objects.prefetch_related(Prefetch("events", events))))),
    )


@login_required
def register(request, pk):
    """安全风险辨识清单: the whole list of one enterprise, as a tree."""
    enterprise = scoped_enterprise(request, pk)
    context = {
        "e": enterprise,
        "objects": risk_tree(enterprise),
        "can_edit": permissions.can_edit_risks(request.user, enterprise),
    }
    return render(request, "risks/register.html", context)


def _scoped_node(request, kind, pk):
    """A node of the tree, 404 unless its enterprise is in the user's reach; and its enterprise."""
    model = KINDS[kind].model
    obj = scoped_or_404(request, model, pk=pk)
    return obj, scoped_enterprise(request, obj.enterprise_id)


def _back(enterprise, obj=None):
    url = reverse("risks:register_detail", args=[enterprise.pk])
    return f"{url}#{type(obj).__name__.lower()}-{obj.pk}" if obj is not None and obj.pk else url


def _path(obj):
    """[(verbose name, node)] from the analysis object down to `obj`'s parent: where a form's node sits."""
    parents = {k.model: k.parent_field for k in KINDS.values() if k.parent}
    chain, node = [], obj
    while type(node) in parents:
        node = getattr(node, parents[type(node)])
        chain.append((node._meta.verbose_name, node))
    return chain[::-1]


def _form_page(request, kind, instance, enterprise):
    require(permissions.can_edit_risks(request.user, enterprise))
    form = KINDS[kind].form(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            if isinstance(obj, ControlMeasure) and obj.pk:
                # A patrol recorded while the form was open moved these: never write the form's stale copy back.
                obj.last_checked_at, obj.next_due_at = (
                    ControlMeasure.objects.select_for_update().values_list("last_checked_at", "next_due_at").get(pk=obj.pk))
            save_in_scope(request, obj)
        messages.success(request, f"{obj._meta.verbose_name}“{obj}”已保存。")
        return redirect(_back(enterprise, obj))
    context = {
        "e": enterprise, "form": form, "kind": kind, "obj": instance, "path": _path(instance),
        "title": instance._meta.verbose_name, "back": _back(enterprise, instance),
    }
    if kind == "event":
        context["bands"] = RiskEventForm.bands()
    return render(request, "risks/node_form.html", context)


@login_required
def node_add(request, kind, parent):
    """Add a `kind` node under the parent node (for an analysis object: under the enterprise)."""
    spec = KINDS[kind]
    if spec.parent is None:
        enterprise = scoped_enterprise(request, parent)
        instance = spec.model(enterprise=enterprise)
    else:
        parent_obj, enterprise = _scoped_node(request, spec.parent, parent)
        instance = spec.model(**{spec.parent_field: parent_obj, "enterprise": enterprise})
    return _form_page(request, kind, instance, enterprise)


@login_required
def node_edit(request, kind, pk):
    obj, enterprise = _scoped_node(request, kind, pk)
    return _form_page(request, kind, obj, enterprise)


def deletion_summary(obj):
    """What deleting `obj` takes with it: [(verbose name, count)] for every other row that goes."""
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    counts = Counter()
    for model, instances in collector.data.items():
        counts[model._meta.verbose_name] += len(instances)
    counts[obj._meta.verbose_name] -= 1
    kept = PatrolItem.objects.filter(measure__in=collector.data.get(ControlMeasure, ())).count()
    return [(name, n) for name, n in counts.items() if n], kept


@login_required
def node_delete(request, kind, pk):
    """GET: what would go (the whole subtree, counted); POST: delete it."""
    obj, enterprise = _scoped_node(request, kind, pk)
    require(permissions.can_edit_risks(request.user, enterprise))
    if request.method == "POST":
        with transaction.atomic():
            obj.delete()
        messages.success(request, f"已删除{obj._meta.verbose_name}“{obj}”。")
        return redirect(_back(enterprise))
    goes, kept_patrol_items = deletion_summary(obj)
    context = {"e": enterprise, "obj": obj, "title": obj._meta.verbose_name, "goes": goes, "kept": kept_patrol_items,
               "path": _path(obj), "back": _back(enterprise, obj)}
    return render(request, "risks/node_delete.html", context)
