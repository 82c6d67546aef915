"""The audit trail: every change to a registered model becomes a ChangeRecord.

Instances remember their field values when loaded (post_init: a shallow copy of the instance's dict, cheap enough
for a thousand loaded rows; they are turned into JSON only when the instance is saved); on save the difference is
recorded with the acting user taken from the request context. Bulk writes (imports, API uploads) bypass signals and
call `record()` themselves, with `before()` of what they loaded.
"""
import contextvars
import copy
import datetime
import decimal
import uuid
from contextlib import contextmanager, nullcontext

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_init, post_save, pre_delete

_context = contextvars.ContextVar("audit_context", default=None)
_registry = {}  # model -> (enterprise_of, excluded attnames, label)


@contextmanager
def acting_as(user, request_id=None, name=None):
    """Attribute the changes made inside the block to `user`, or, for a system acting without an account (an API
    subscriber, the staging import), to `name`."""
    token = _context.set((user, request_id or uuid.uuid4().hex, name))
    try:
        yield
    finally:
        _context.reset(token)


def attributed_to(user):
    """Attribute the changes made inside the block to `user` unless a request already does (keeping its request id):
    for code that runs both in views and outside them (commands, tests)."""
    return nullcontext() if current_user() is not None else acting_as(user)


def current_user():
    ctx = _context.get()
    return ctx[0] if ctx else None


def current_request_id():
    """The id the changes made now are recorded with (the request's, or one per acting_as block), or None."""
    ctx = _context.get()
    return ctx[1] if ctx else None


def acting_name(user=None):
    """The name the change log gives the actor: the account's username, the name given to acting_as, or 系统."""
    ctx = _context.get()
    return user.get_username() if user else (ctx[2] if ctx and ctx[2] else "系统")


PLAIN = (str, int, bool, type(None))


def _json(field, value):
    if type(value) in PLAIN:  # most values: nothing to convert (checked first, it is most of the cost of a snapshot)
        return value
    if isinstance(value, FieldFile):
        return value.name or ""  # a file field records the stored file's name
    if isinstance(value, decimal.Decimal) and getattr(field, "decimal_places", None) is not None:
        # As stored: 46631.7 typed into a 2-place field is 46631.70, not a change.
        value = value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(obj):
    """The audited field values of `obj`, JSON-ready; deferred fields (.only()/.defer()) are left out, since
    reading one would load the row again (and run post_init, and this, again)."""
    exclude = _registry[type(obj)][1] | obj.get_deferred_fields()
    return {
        f.attname: _json(f, f.value_from_object(obj)) for f in obj._meta.concrete_fields if f.attname not in exclude
    }


def before(obj):
    """The audited field values `obj` had when it was loaded (or last saved), JSON-ready; None for a new object."""
    raw = getattr(obj, "_audit_raw", None)
    if raw is None:
        return None
    exclude = _registry[type(obj)][1]
    return {f.attname: _json(f, raw[f.attname]) for f in obj._meta.concrete_fields
            if f.attname not in exclude and f.attname in raw}


def _raw(obj):
    """The instance's field values as they are now: JSON values copied (a form may change them in place), files by
    the stored name (saving a new file changes the FieldFile in place)."""
    return {k: v.name if isinstance(v, FieldFile) else copy.deepcopy(v) if isinstance(v, (dict, list)) else v
            for k, v in obj.__dict__.items() if k[0] != "_"}


def record(obj, action, before=None, after=None, message="", enterprise=None, user=None):
    """Build (unsaved) and return the ChangeRecord for one change; callers bulk_create or save it."""
    from .models import ChangeRecord

    ctx = _context.get()
    user = user or (ctx[0] if ctx else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    name = acting_name(user)
    enterprise_of, _, label = _registry.get(type(obj), (lambda o: None, (), str))
    if enterprise is None:
        enterprise = enterprise_of(obj)
    return ChangeRecord(
        user_id=user.pk if user else None,
        user_name=name[:150],
        request_id=ctx[1] if ctx else "",
        action=action,
        content_type_id=ContentType.objects.get_for_model(obj).pk,
        object_id=str(obj.pk),
        object_repr=label(obj)[:200],
        enterprise_id=enterprise.pk if enterprise else None,
        region_code=enterprise.region_id if enterprise else "",
        message=message[:500],
        before=before,
        after=after,
    )


def follow_region(enterprise_pk, region_code):
    """After 属地调整 an archive's history moves to the new jurisdiction (regulators' change lists scope on
    `region_code`): the old one no longer sees it, the new one sees all of it. Bulk writes that change an
    enterprise's region call this themselves."""
    from .models import ChangeRecord

    ChangeRecord.objects.filter(enterprise_id=enterprise_pk).exclude(region_code=region_code).update(region_code=region_code)


def register(model, enterprise=lambda obj: None, exclude=(), label=str):
    """Audit `model`; `enterprise(obj)` gives the Enterprise a change belongs to (or None), `label(obj)` what the
    change list shows of the object."""
    _registry[model] = (enterprise, set(exclude), label)
    post_init.connect(_remember, sender=model, weak=False)
    post_save.connect(_saved, sender=model, weak=False)
    pre_delete.connect(_deleting, sender=model, weak=False)
    post_delete.connect(_deleted, sender=model, weak=False)
    return model


def registered_models():
    return list(_registry)


def _remember(sender, instance, **kwargs):
    instance._audit_raw = _raw(instance) if instance.pk else None


def _saved(sender, instance, created, raw=False, **kwargs):
    from .models import AuditAction

    if raw:
        return
    after = snapshot(instance)
    old = None if created else before(instance)
    action = getattr(instance, "_audit_action", None)
    if old is not None:
        changed = {k for k in after if old.get(k) != after[k]}
        if not changed and not action:
            return
        old = {k: old.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    action = action or (AuditAction.CREATE if created else AuditAction.UPDATE)
    message = getattr(instance, "_audit_message", None) or ""
    change = record(instance, action, old, after, message)
    change.save()
    if old is not None and "region_id" in after and _registry[type(instance)][0](instance) is instance:
        follow_region(instance.pk, change.region_code)
    instance._audit_raw = _raw(instance)
    instance._audit_action = instance._audit_message = None


def _deleting(sender, instance, **kwargs):
    # Resolve the enterprise while it still exists: in a cascade (deleting an enterprise deletes its units and
    # accounts) every pre_delete runs before the first row goes, the post_deletes only after.
    instance._audit_enterprise = _registry[sender][0](instance)


def _deleted(sender, instance, **kwargs):
    from .models import AuditAction

    enterprise = getattr(instance, "_audit_enterprise", None)
    message = getattr(instance, "_audit_message", None) or ""  # e.g. 数据对接撤回
    record(instance, AuditAction.DELETE, snapshot(instance), None, message, enterprise=enterprise).save()


# Exports ---------------------------------------------------------------------------------------------------------
# A download of many rows (a list, an enterprise's ledger, a batch of placards) changes nothing, but who took which
# rows is part of the trail (the enterprise list carries legal representatives' phones): one EXPORT record each.

NOT_FILTERS = {"page", "per_page", "sort", "csrfmiddlewaretoken", "next", "selected", "pk"}


class Counted:
    """The rows an export writes, counted as they are consumed: the audit gives the number really written, without
    a second COUNT query."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def record_export(request, model, title, rows, filters=None, enterprise=None):
    """Record that `request.user` exported `rows` rows of `title` (a list of `model`) with the request's filter.

    Whose record it is decides who sees it (scoping.change_q): an export of one enterprise's records (`enterprise`)
    belongs to that enterprise, any other export by an enterprise user to the user's enterprise, a regulator's list
    export to the regulator's jurisdiction (`region_code`, no enterprise). `filters`: the FilterSet that filtered the
    rows (its labels and cleaned values read better than parameter names) or {label: value}; by default the request's
    query parameters as they are.
    """
    from .models import AuditAction, ChangeRecord

    user = getattr(request, "real_user", None) or request.user  # the regulator behind 快速登录企业端's stand-in
    own = enterprise or (user.enterprise if user.is_enterprise_user else None)
    region = own.region_id if own else (user.organization.region_id if user.is_regulator else "")
    ctx = _context.get()
    text = describe_filter(request, filters)
    if request.method == "POST" and request.POST.get("selected") == "1":
        text = f"勾选的行（{text}）" if text else "勾选的行"
    suffix = f"；导出 {rows} 行"
    text = f"筛选条件：{text or '无（全部）'}"
    if len(text) + len(suffix) > 500:
        text = text[: 500 - len(suffix) - 1] + "…"
    return ChangeRecord.objects.create(
        user=user, user_name=acting_name(user)[:150], request_id=ctx[1] if ctx else "", action=AuditAction.EXPORT,
        content_type=ContentType.objects.get_for_model(model), object_id="",
        object_repr=(f"{title}（{enterprise.name}）" if enterprise else title)[:200],
        enterprise=own, region_code=region, message=text + suffix,
    )


def describe_filter(request, filters=None):
    """"label：value，…" for the filter an export applied (empty values left out)."""
    if isinstance(filters, dict):
        return "，".join(f"{k}：{_readable(None, v)}" for k, v in filters.items() if _given(v))
    form = getattr(filters, "form", None)
    fields = form.fields if form is not None else {}
    cleaned = {name: list(v) if isinstance(v, QuerySet) else v for name, v in getattr(form, "cleaned_data", {}).items()}
    parts = [f"{fields[name].label or name}：{_readable(fields[name], value)}"
             for name, value in cleaned.items() if _given(value)]
    params = request.GET
    for key in params:  # what the FilterSet does not know (its own fields may come as key_after, key_min …)
        values = [v for v in params.getlist(key) if v.strip()]
        if values and key not in NOT_FILTERS and not any(key == f or key.startswith(f"{f}_") for f in fields):
            parts.append(f"{key}：{'、'.join(values)}")
    return "，".join(parts)


def _given(value):
    if isinstance(value, slice):
        return value.start is not None or value.stop is not None
    return value not in (None, "", [], ())


def _readable(field, value):
    """A cleaned filter value as a person reads it: names of objects, labels of choices, 是/否, ranges."""
    from django import forms

    if isinstance(value, slice):
        return f"{_readable(field, value.start) if value.start is not None else ''}至{_readable(field, value.stop) if value.stop is not None else ''}"
    if isinstance(value, (list, tuple)):
        return "、".join(_readable(field, v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(_choice_labels(field.choices).get(value, value))
    return str(value)


def _choice_labels(choices):
    labels = {}
    for key, label in choices:
        if isinstance(label, (list, tuple)):  # an option group
            labels.update(_choice_labels(label))
        else:
            labels[str(key)] = label
    return labels
