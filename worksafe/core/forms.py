from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from stdnum.cn import uscc

from . import roles
from .models import Role, Side, User
from .passwords import one_time_password_expired
from .scoping import organizations_for
from .uploads import UploadField
from .validators import validate_mobile, validate_username_not_uscc

# A date picked in the browser's own picker, shown back as ISO (the one format every form takes).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.CharField(label="用户名", help_text="企业用户请输入统一社会信用代码", widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": "用户名或密码错误。连续多次输错后账号将被临时锁定。",
        "inactive": "该账号已停用。",
    }

    def clean_username(self):
        return self.normalize(self.cleaned_data["username"])

    @staticmethod
    def normalize(username):
        # USCCs are printed in upper case; people type them in any case (other usernames are left as typed).
        username = username.strip()
        return uscc.compact(username) if uscc.is_valid(username) else username

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if one_time_password_expired(user):
            raise forms.ValidationError(
                f"一次性密码已过期（签发后 {settings.ONE_TIME_PASSWORD_HOURS} 小时内有效），请联系管理员重新签发。",
                code="one_time_password_expired")


class TokenForm(forms.Form):
    """The second factor: a 6-digit code from the authenticator app, or one of the recovery codes."""

    token = forms.CharField(label="验证码", max_length=16, widget=forms.TextInput(attrs={
        "autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric", "placeholder": "6 位数字或恢复码"}),
        error_messages={"required": "请输入验证码"})


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise forms.ValidationError("新密码不能与当前密码相同。")
        return new


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "mobile", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].validators.append(validate_mobile)


class UserCreateForm(forms.ModelForm):
    """A government account created by a regulator administrator; it gets a one-time password."""

    class Meta:
        model = User
        fields = ["username", "full_name", "mobile", "organization", "role"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_for(actor).filter(is_active=True)
        self.fields["username"].validators.append(validate_username_not_uscc)
        self.fields["mobile"].validators.append(validate_mobile)
        self.fields["organization"].required = True
        self.fields["role"] = forms.ChoiceField(label="角色", choices=[(r.code, r.name) for r in roles.assignable(actor, Side.GOVERNMENT)])


class StaffCreateForm(forms.ModelForm):
    """An enterprise staff account, created by the enterprise's administrator; it gets a one-time password."""

    class Meta:
        model = User
        fields = ["username", "full_name", "mobile"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["full_name"].required = True
        self.fields["username"].validators.append(validate_username_not_uscc)
        self.fields["mobile"].validators.append(validate_mobile)

    def save(self, commit=True):
        self.instance.role = Role.ENTERPRISE_STAFF
        self.instance.enterprise = self.actor.enterprise
        return super().save(commit)


class UserEditForm(forms.ModelForm):
    """An administrator's edit of an account it manages (core.views_users): 姓名, 手机, 邮箱, its role (of the account's
    side, among those the administrator may give: roles.assignable) and, for a government account, its organisation
    (among those the administrator manages: 移动到其他单位). The role of an enterprise's own login account stays
    企业管理员; a role the administrator may not give is shown, not offered."""

    class Meta:
        model = User
        fields = ["full_name", "mobile", "email", "organization", "role"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        from .accounts import is_enterprise_login

        account = self.instance
        self.fields["mobile"].validators.append(validate_mobile)
        choices = [(r.code, r.name) for r in roles.assignable(actor, account.side)] if account.side else []
        self.fields["role"] = forms.ChoiceField(label="角色", choices=choices, error_messages={
            "invalid_choice": "不能授予该角色：只能选择本账号一方、且不超出您本人权限的角色。"})
        if account.role not in dict(choices) or is_enterprise_login(account):
            self.fields["role"].choices = [(account.role, account.role_info.name)]
            self.fields["role"].disabled = True
            self.fields["role"].help_text = ("企业登录账号（统一社会信用代码）的角色固定为企业管理员。" if is_enterprise_login(account)
                                             else "该账号的角色超出您可授予的范围，不能修改。")
        if account.is_regulator:
            self.fields["organization"].queryset = organizations_for(actor).filter(is_active=True)
            self.fields["organization"].required = True
            self.fields["organization"].label = "所属单位"
            self.fields["organization"].help_text = "改选其他单位即将账号移动到该单位。"
        else:
            del self.fields["organization"]


class UnlockForm(forms.Form):
    reason = forms.CharField(label="解锁原因", max_length=200, error_messages={"required": "请填写解锁原因（将记入操作日志）。"},
                             widget=forms.TextInput(attrs={"placeholder": "如：本人来电确认，已核实身份"}))


class ItemCheckForm(forms.Form):
    """One item of an item-by-item check on a phone (a patrol's control measure, a checklist item): the good or the bad
    result, or none (the item is not part of this check); a note, required for the bad result; a photo.
    Subclasses name the results: GOOD / BAD (values), LABELS (their labels), BAD_MESSAGE, RESULT_LABEL.
    Rendered by includes/check_result.html."""

    GOOD, BAD = "yes", "no"
    LABELS = ("落实", "未落实")
    RESULT_LABEL = "检查结果"
    BAD_MESSAGE = "未落实，请填写说明（发现的问题）"

    result = forms.ChoiceField(required=False, widget=forms.RadioSelect)
    note = forms.CharField(label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = UploadField(label="照片", kinds=("image",), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        good, bad = self.LABELS
        self.fields["result"].label = self.RESULT_LABEL
        self.fields["result"].choices = [(self.GOOD, good), (self.BAD, bad)]
        self.fields["note"].widget.attrs["placeholder"] = f"{bad}时必填：发现的问题"

    def clean(self):
        data = super().clean()
        result, note = data.get("result"), (data.get("note") or "").strip()
        data["note"] = note
        if result == self.BAD and not note and "note" not in self.errors:
            self.add_error("note", self.BAD_MESSAGE)
        if not result and (note or data.get("photo")) and "result" not in self.errors:
            self.add_error("result", "请选择“{}”或“{}”".format(*self.LABELS))
        return data

    @property
    def answered(self):
        """Valid and part of this check."""
        return self.is_valid() and bool(self.cleaned_data.get("result"))

    @property
    def passed(self):
        return self.cleaned_data["result"] == self.GOOD
