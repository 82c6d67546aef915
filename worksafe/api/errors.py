"""Pydantic's validation errors, said in Chinese with the field they concern: [{"field", "message"}]."""
import datetime


def _path(loc):
    """("history", 0, "time") → "history[0].time"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _label(model, loc):
    """The Chinese titles along `loc`, e.g. "处理记录[1] 时间" (items counted from 1)."""
    names, current = [], model
    for part in loc:
        if isinstance(part, int):
            names.append(f"第{part + 1}项")
            continue
        field = getattr(current, "model_fields", {}).get(part) if current is not None else None
        names.append(field.title if field is not None and field.title else str(part))
        current = _inner_model(field.annotation) if field is not None else None
    return " ".join(names)


def _inner_model(annotation):
    """The pydantic model inside list[X] / X | None, if any."""
    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _message(e):
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "只能由可见的 ASCII 字符组成（字母、数字、- _ . 等，不含空格和中文）"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind in ("too_long",):
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("too_short",):
        return f"至少 {ctx.get('min_length')} 项"
    if kind.startswith("date") and not kind.startswith("datetime"):
        return "应为日期，格式 YYYY-MM-DD"
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return "应为时间，格式 YYYY-MM-DDTHH:MM:SS+08:00"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"不能早于 {bound}" if isinstance(bound, (datetime.date, str)) and "-" in str(bound) else f"不能小于 {bound}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "decimal_max_places":
        return f"最多 {ctx.get('decimal_places')} 位小数"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "数值过大"
    if kind.startswith("decimal") or kind.startswith("float") or kind in ("finite_number",):
        return "应为数字"
    if kind.startswith("int"):
        return "应为整数"
    if kind.startswith("bool"):
        return "应为 true 或 false"
    if kind in ("string_type", "string_unicode", "string_sub_type"):
        return "应为字符串"
    if kind in ("list_type", "tuple_type"):
        return "应为数组"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "应为对象"
    if kind == "extra_forbidden":
        return "不认识的字段（请对照接口文档）"
    if kind in ("literal_error", "enum"):
        return f"应为以下之一：{ctx.get('expected', '')}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", e.get("msg", "")))
    return e.get("msg", "格式不正确")


def translate(exc, model=None, prefix=()):
    """[{"field": "history[0].time", "message": "处理记录 第1项 时间：应为时间…"}] for a pydantic ValidationError."""
    out = []
    for e in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(e["loc"])
        label = _label(model, tuple(e["loc"])) if model is not None else _path(loc)
        out.append({"field": _path(loc), "message": f"{label}：{_message(e)}" if label else _message(e)})
    return out


def field_error(field, message):
    return {"field": field, "message": message}


SOURCES = {"query": "查询参数", "body": "请求体", "path": "路径参数", "form": "表单字段", "file": "文件", "header": "请求头"}


def translate_ninja(errors):
    """django-ninja's request validation errors (dicts whose loc starts with the parameter source), in Chinese."""
    out = []
    for e in errors:
        loc = tuple(e.get("loc", ()))
        source, rest = (SOURCES.get(loc[0], loc[0]), loc[1:]) if loc else ("", ())
        path = _path(rest)
        out.append({"field": path, "message": f"{source} {path}：{_message(e)}".strip()})
    return out
