"""Workflow: the one way a record moves from state to state (hazards, archive review, checklist approval, API
subscriptions; cases and licences next).

A model's workflow is a table of `Step`s in a small `Workflow` subclass. `perform()` takes one step, in one transaction:

  1. lock the row (SELECT ... FOR UPDATE): a second request for the same record waits, then sees the new state;
  2. the state must be one of the step's `sources` (ValidationError, code "state", in Chinese);
  3. the actor: `step.allowed(user, obj)` (PermissionDenied);
  4. the comment: required by `needs_comment` steps, at most 500 characters (ValidationError, code "comment"); then
     the model's own conditions, `check()` (ValidationError);
  5. `apply()`: the fields the step changes besides the state; then the state becomes `step.target` (None: unchanged);
  6. save, audited: one ChangeRecord with `step.audit` and `audit_message()`, attributed to `user` unless a request is;
  7. `record()`: one history row in the model's own table (HazardStep, ArchiveReview ...), or none where the change
     log is the history;
  8. once the transaction commits, the `performed` signal.

The state is checked before the actor so that someone who may take a step but arrives after a colleague took it (a
stale page) is told the state, not refused. Views that refuse the wrong role whatever the state (403) ask
`step.allowed` first. `available()` gives the buttons; `can()` answers for one step; `perform_many()` takes a step on
every row of a queryset where it may be taken (bulk approve/return) and returns the rows done and those skipped.

Notifications (a later issue) listen to `performed`; it is sent only for committed steps, with the model as sender:

    @receiver(workflow.performed, sender=Hazard)
    def notify(sender, workflow, obj, step, user, comment, source, **kwargs): ...

A new workflow (hazards/workflow.py is the full example, archive/review.py a short one):

    class LicenceFlow(Workflow):
        model = Licence
        steps = (Step("approve", "批准", (State.PENDING,), State.VALID, can_approve, audit=AuditAction.APPROVE),
                 Step("return", "退回", (State.PENDING,), State.RETURNED, can_approve, needs_comment=True))
        def record(self, licence, step, user, comment, source):
            LicenceStep.objects.create(licence=licence, action=step.action, source=source, target=licence.state, ...)

    FLOW = LicenceFlow()
    FLOW.perform(licence, "approve", request.user, comment)  # the view shows a ValidationError's messages

What the seeds leave to each deployment (a time limit, who approves a step among the options the module offers) the
module declares beside its steps with `declare()` and reads with `setting()` (core/workflow_settings.py: declared once,
edited on the 流程设置 page, cached so that reading costs no query per row):

    WARN_DAYS = workflow.declare("hazards.warn_days", "整改期限预警天数", "隐患排查治理", workflow.DAYS, 10, minimum=1, maximum=90)
    soon = today + datetime.timedelta(days=workflow.setting(WARN_DAYS))
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal

from . import audit
from .models import AuditAction
from .workflow_settings import CHOICE, DAYS, HOURS, NUMBER, declare, setting  # noqa: F401  (modules declare through the engine)

# Sent after the commit of each step taken: sender the model; workflow, obj, step, user, comment, source.
performed = Signal()

COMMENT_MAX = 500  # the history tables' comment columns


@dataclass(frozen=True)
class Step:
    action: str
    label: str  # the button's words, and the messages': 不能{label}
    sources: tuple  # the states it starts from
    target: str | None  # None: the state does not change
    allowed: Callable  # (user, obj) -> bool: who may
    needs_comment: bool = False
    audit: str = AuditAction.TRANSITION
    style: str = "primary"
    confirm: str = ""  # what the button asks before it posts
    offered: bool = True  # False: taken by the code (e.g. back to review after an edit), never a button


class Workflow:
    """One model's steps; subclasses set the attributes and override the hooks they need."""

    model = None
    field = "state"
    steps = ()  # display order
    related = ()  # select_related when locking: what `allowed`, `check` and `apply` read
    state_refused = "当前状态为“{state}”，不能{step}。"
    comment_missing = "{step}须填写原因。"

    # ---- asking ---------------------------------------------------------------------------------------------

    def step(self, action):
        """The step named `action`, or None."""
        return next((s for s in self.steps if s.action == action), None)

    def state(self, obj):
        return getattr(obj, self.field)

    def available(self, user, obj):
        """The steps `user` may take on `obj` now, in display order (the buttons)."""
        return [s for s in self.steps if s.offered and self.state(obj) in s.sources and s.allowed(user, obj)]

    def can(self, user, obj, action):
        step = self.step(action)
        return step is not None and self.state(obj) in step.sources and step.allowed(user, obj)

    # ---- taking ---------------------------------------------------------------------------------------------

    def perform(self, obj, action, user, comment=""):
        """Take step `action` on `obj` and return it as saved (a fresh, locked copy); ValidationError (Chinese) when
        the state, the comment or the record does not allow it, PermissionDenied when `user` may not."""
        step = self._step(action)
        comment = (comment or "").strip()
        with transaction.atomic():
            obj = self.lock(obj)
            self._take(obj, step, user, comment)
        return obj

    def perform_many(self, queryset, action, user, comment=""):
        """Take step `action` on every row of `queryset` (locked together) where the state and `user` allow it:
        (done, skipped), lists of objects. A missing or overlong comment refuses them all (ValidationError)."""
        step = self._step(action)
        comment = (comment or "").strip()
        self._check_comment(step, comment)
        done, skipped = [], []
        with transaction.atomic():
            for obj in self._locking(queryset):
                try:
                    self._take(obj, step, user, comment)
                except (ValidationError, PermissionDenied):
                    skipped.append(obj)
                else:
                    done.append(obj)
        return done, skipped

    def lock(self, obj):
        """`obj` read again under a row lock (inside the caller's transaction)."""
        return self._locking(self.model._default_manager.all()).get(pk=obj.pk)

    # ---- hooks ----------------------------------------------------------------------------------------------

    def check(self, obj, step, user, comment):
        """The model's own conditions of a step (raise ValidationError in Chinese), after state, actor and comment."""

    def apply(self, obj, step, user, comment):
        """The fields the step changes besides the state (and any rows it ends, e.g. a subscription's tokens)."""

    def audit_message(self, obj, step, comment):
        """The change log's message for the step."""
        return step.label + (f"：{comment}" if comment else "")

    def record(self, obj, step, user, comment, source):
        """Keep the step as a row of the model's history table (who, when, source → target, comment); none by
        default, where the change log is the history."""

    # ---- the engine -----------------------------------------------------------------------------------------

    def _step(self, action):
        step = self.step(action)
        if step is None:
            raise PermissionDenied
        return step

    def _locking(self, queryset):
        # of=self: lock only the record, not the rows joined for reading (nullable joins cannot be locked anyway).
        return queryset.select_for_update(of=("self",)).select_related(*self.related)

    def _check_comment(self, step, comment):
        if step.needs_comment and not comment:
            raise ValidationError(self.comment_missing.format(step=step.label), code="comment")
        if len(comment) > COMMENT_MAX:
            raise ValidationError(f"意见不能超过 {COMMENT_MAX} 字。", code="comment")

    def _take(self, obj, step, user, comment):
        source = self.state(obj)
        if source not in step.sources:
            state = getattr(obj, f"get_{self.field}_display")()
            raise ValidationError(self.state_refused.format(state=state, step=step.label), code="state")
        if not step.allowed(user, obj):
            raise PermissionDenied
        self._check_comment(step, comment)
        self.check(obj, step, user, comment)
        self.apply(obj, step, user, comment)
        if step.target is not None:
            setattr(obj, self.field, step.target)
        obj._audit_action, obj._audit_message = step.audit, self.audit_message(obj, step, comment)
        with audit.attributed_to(user):
            obj.save()
            self.record(obj, step, user, comment, source)
        transaction.on_commit(lambda: performed.send(sender=self.model, workflow=self, obj=obj, step=step, user=user,
                                                     comment=comment, source=source))
