from django import forms
from django.contrib.auth import forms as auth_forms
from stdnum.cn import uscc

from .models import Role, User
from .scoping import organizations_for
from .validators import validate_mobile


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.CharField(label="用户名", help_text="企业用户请输入统一社会信用代码", widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": "用户名或密码错误。连续多次输错后账号将被临时锁定。",
        "inactive": "该账号已停用。",
    }

    def clean_username(self):
        # USCCs are printed in upper case; people type them in any case (other usernames are left as typed).
        username = self.cleaned_data["username"].strip()
        return uscc.compact(username) if uscc.is_valid(username) else username


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
        self.fields["organization"].queryset = organizations_for(actor)
        self.fields["mobile"].validators.append(validate_mobile)
        self.fields["organization"].required = True
        self.fields["role"].choices = [(Role.REGULATOR, Role.REGULATOR.label), (Role.REGULATOR_ADMIN, Role.REGULATOR_ADMIN.label)]


class StaffCreateForm(forms.ModelForm):
    """An enterprise staff account, created by the enterprise's administrator; it gets a one-time password."""

    class Meta:
        model = User
        fields = ["username", "full_name", "mobile"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["full_name"].required = True
        self.fields["mobile"].validators.append(validate_mobile)

    def clean_username(self):
        # 18-character codes are how enterprise administrators log in; a staff name must not look like one.
        username = self.cleaned_data["username"]
        if uscc.is_valid(username):
            raise forms.ValidationError("员工账号不能使用统一社会信用代码，请另取用户名。")
        return username

    def save(self, commit=True):
        self.instance.role = Role.ENTERPRISE_STAFF
        self.instance.enterprise = self.actor.enterprise
        return super().save(commit)
