"""Plausible people, mobile numbers and trade-name words for the demo data, tests and benchmarks.

Every app's fake.py names the people on its records (a hazard's finder, an accident's reporter, a table's contact)
from these, drawing on the caller's seeded random.Random, so a seed gives the same data whichever apps take part.
"""
WORDS = "宏达 华兴 中原 金源 恒泰 鑫盛 东方 永安 瑞丰 天成 豫龙 嵩山 黄河 伏牛 汇通 新亚 正大 安泰 国泰 盛世 长青 博远 利民 光明".split()
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
GIVEN = "伟 芳 娜 敏 静 强 磊 军 洋 勇 艳 杰 涛 明 超 秀 霞 平 刚 华".split()


def mobile(rng):
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
