"""Reference data shipped by migration: Henan's regions, the industries of 表1, GB 6441 accident categories."""
import pytest

from worksafe.core.models import AccidentCategory, Industry, Region, RegionLevel
from worksafe.core.scoping import region_q

pytestmark = pytest.mark.django_db


def test_henan_is_loaded_with_its_18_city_level_divisions():
    henan = Region.objects.get(code="410000")
    assert henan.name == "河南省" and henan.level == RegionLevel.PROVINCE and henan.parent is None
    cities = Region.objects.filter(level=RegionLevel.CITY, parent=henan)
    assert cities.count() == 18
    assert {"410100", "410300", "411700", "419001"} <= set(cities.values_list("code", flat=True))
    jiyuan = Region.objects.get(code="419001")
    assert jiyuan.name == "济源示范区" and jiyuan.level == RegionLevel.CITY


def test_counties_include_the_functional_zones():
    zone = Region.objects.get(code="410171")
    assert zone.name == "郑州经济技术开发区" and zone.level == RegionLevel.COUNTY and zone.parent_id == "410100"
    assert zone.is_zone and not Region.objects.get(code="410105").is_zone
    assert Region.objects.get(code="411003").name == "建安区"  # 许昌县 since 2016
    assert Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="41").count() > 150


def test_townships_hang_under_their_counties():
    township = Region.objects.get(code="410105001")
    assert township.level == RegionLevel.TOWNSHIP and township.parent_id == "410105"
    assert township.full_name == "河南省郑州市金水区经八路街道"
    assert Region.objects.filter(parent_id="419001", level=RegionLevel.TOWNSHIP).exists()  # 济源's own towns


@pytest.mark.parametrize("code,inside,outside", [
    ("410000", ["410105", "419001001", "411700"], ["420100"]),
    ("410100", ["410105", "410171", "410105001"], ["410200", "419001"]),
    ("410105", ["410105", "410105001"], ["410106", "410103"]),
    ("419001", ["419001", "419001100"], ["410100"]),
])
def test_region_subtrees_are_code_prefixes(code, inside, outside):
    q = region_q(Region.objects.get(code=code), "code")
    found = set(Region.objects.filter(q).values_list("code", flat=True))
    parents = dict(Region.objects.values_list("code", "parent_id"))
    assert set(inside) & set(parents) <= found
    assert not set(outside) & found
    assert found == {r for r in parents if _descends(parents, r, code)}  # the prefix range is exactly the tree


def _descends(parents, code, ancestor):
    while code is not None:
        if code == ancestor:
            return True
        code = parents[code]
    return False


def test_industries_have_kinds_for_mines_and_chemicals():
    assert list(Industry.objects.filter(parent="02").values_list("name", flat=True)) == [
        "金属非金属地下矿山", "金属非金属露天矿山", "尾矿库", "陆上石油天然气开采"
    ]
    assert set(Industry.objects.filter(parent="03").values_list("name", flat=True)) == {"危险化学品生产", "危险化学品经营", "危险化学品使用"}
    assert Industry.objects.get(code="02").name == "非煤矿山" and Industry.objects.get(code="03").name == "危险化学品"
    assert Industry.objects.filter(parent=None).count() == 11


def test_the_20_gb_6441_accident_categories():
    categories = list(AccidentCategory.objects.values_list("code", "name"))
    assert len(categories) == 20
    assert [c for c, _ in categories] == [f"{i:02}" for i in range(1, 21)]
    assert dict(categories)["01"] == "物体打击" and dict(categories)["15"] == "瓦斯爆炸" and dict(categories)["19"] == "中毒和窒息"
    assert str(AccidentCategory.objects.get(code="17")) == "17 容器爆炸"
