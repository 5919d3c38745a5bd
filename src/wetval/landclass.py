"""Land-class catalogues: 三调 DLBM codes and the 用地用海 classification.

Two classification schemes are supported and the caller always names the
scheme; it is never guessed from the codes, because the same code means
different land in the two (``0501`` is 森林沼泽 forested swamp in the
land-and-sea-use classification and not a 三调 code at all; 三调 commercial
land is ``05H1``).

``sandiao``
    The Third National Land Survey working classification (三调工作分类, TD/T
    1055-2019), used by the DLTB (地类图斑) layer's DLBM field. The catalogue
    below is the complete working classification, including the ``K``
    (可调整, adjustable) and ``A`` (sub-type) suffixes.
``yongdi_yonghai``
    国土空间调查、规划、用途管制用地用海分类 (Ministry of Natural Resources,
    trial 2020, formal 2023) with first-level class 05 湿地 (codes 0501–0507)
    and 17 陆地水域. Third-level codes (six digits, e.g. ``070101``) are
    accepted and classified by their second-level parent.

Each class carries a category (``wetland`` / ``water`` / ``paddy`` /
``other``) and a *legal-wetland* flag following 湿地保护法 Art. 2, which
excludes "水田以及用于养殖的人工的水域和滩涂": paddy (0101) and aquaculture
water (1104A, 1104K) are wet but are not legal wetland and can never
generate or offset a 湿地占补平衡 quota.

Sources
-------
Code lists: ``shared/reference/land-classes.md`` §1–3 (two independent public
code lists of DLBM→DLMC pairs for 三调 [V]; two independent public code lists
for the 用地用海 classification [V]). Legal scope: 湿地保护法 (2021-12-24)
Art. 2 [V]. English names are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import numpy as np
import pandas as pd

__all__ = [
    "Category",
    "LandClass",
    "Scheme",
    "catalogue",
    "classify",
    "land_class",
    "normalise_codes",
    "wetland_codes",
]


class Scheme(StrEnum):
    """A land-classification scheme; see the module docstring."""

    SANDIAO = "sandiao"
    YONGDI_YONGHAI = "yongdi_yonghai"

    @classmethod
    def _missing_(cls, value: object) -> Scheme:
        raise ValueError(
            f"unknown land-classification scheme {value!r}; use 'sandiao' (三调 working "
            "classification) or 'yongdi_yonghai' (用地用海分类)"
        )


class Category(StrEnum):
    """Broad category of a land class as wetval uses it."""

    WETLAND = "wetland"
    WATER = "water"
    PADDY = "paddy"
    OTHER = "other"


@dataclass(frozen=True)
class LandClass:
    """One land class of a scheme.

    Attributes
    ----------
    code
        The class code as written in the data (upper-case suffixes).
    scheme
        The scheme the code belongs to.
    name_zh, name_en
        Names in Chinese (the official 地类名称) and English.
    group_zh
        Name of the first-level class it belongs to.
    category
        ``wetland``, ``water``, ``paddy`` or ``other``.
    legal_wetland
        True where the land is wetland under 湿地保护法 Art. 2.
    note
        Caveats (aquaculture status to verify, uncertain scope, ...).
    """

    code: str
    scheme: Scheme
    name_zh: str
    name_en: str
    group_zh: str
    category: Category
    legal_wetland: bool
    note: str = ""


_W, _A, _P, _O = Category.WETLAND, Category.WATER, Category.PADDY, Category.OTHER

_POND_NOTE = (
    "legal wetland unless used for aquaculture (湿地保护法 Art. 2); "
    "the field team must verify pond vs aquaculture pond"
)
_AQUACULTURE_NOTE = "aquaculture water: excluded from legal wetland by 湿地保护法 Art. 2"

# (code, name_zh, name_en, group_zh, category, legal_wetland, note)
_SANDIAO: tuple[tuple[str, str, str, str, Category, bool, str], ...] = (
    ("0101", "水田", "paddy field", "耕地", _P, False, "paddy: excluded by 湿地保护法 Art. 2"),
    ("0102", "水浇地", "irrigated dry land", "耕地", _O, False, ""),
    ("0103", "旱地", "dry land", "耕地", _O, False, ""),
    ("0201", "果园", "orchard", "园地", _O, False, ""),
    ("0201K", "可调整果园", "adjustable orchard", "园地", _O, False, ""),
    ("0202", "茶园", "tea garden", "园地", _O, False, ""),
    ("0202K", "可调整茶园", "adjustable tea garden", "园地", _O, False, ""),
    ("0203", "橡胶园", "rubber plantation", "园地", _O, False, ""),
    ("0203K", "可调整橡胶园", "adjustable rubber plantation", "园地", _O, False, ""),
    ("0204", "其他园地", "other garden land", "园地", _O, False, ""),
    ("0204K", "可调整其他园地", "adjustable other garden land", "园地", _O, False, ""),
    ("0301", "乔木林地", "arbor forest land", "林地", _O, False, ""),
    ("0301K", "可调整乔木林地", "adjustable arbor forest land", "林地", _O, False, ""),
    ("0302", "竹林地", "bamboo forest land", "林地", _O, False, ""),
    ("0302K", "可调整竹林地", "adjustable bamboo forest land", "林地", _O, False, ""),
    ("0303", "红树林地", "mangrove land", "湿地", _W, True, ""),
    ("0304", "森林沼泽", "forested swamp", "湿地", _W, True, ""),
    ("0305", "灌木林地", "shrub forest land", "林地", _O, False, ""),
    ("0306", "灌丛沼泽", "shrub swamp", "湿地", _W, True, ""),
    ("0307", "其他林地", "other forest land", "林地", _O, False, ""),
    ("0307K", "可调整其他林地", "adjustable other forest land", "林地", _O, False, ""),
    ("0401", "天然牧草地", "natural pasture", "草地", _O, False, ""),
    ("0402", "沼泽草地", "marsh grassland", "湿地", _W, True, ""),
    ("0403", "人工牧草地", "artificial pasture", "草地", _O, False, ""),
    ("0403K", "可调整人工牧草地", "adjustable artificial pasture", "草地", _O, False, ""),
    ("0404", "其他草地", "other grassland", "草地", _O, False, ""),
    ("05H1", "商业服务业设施用地", "commercial and service land", "商业服务业用地", _O, False, ""),
    ("0508", "物流仓储用地", "logistics and warehousing land", "商业服务业用地", _O, False, ""),
    ("0601", "工业用地", "industrial land", "工矿用地", _O, False, ""),
    ("0602", "采矿用地", "mining land", "工矿用地", _O, False, ""),
    ("0603", "盐田", "salt pan", "湿地", _W, True, "low confidence as a valuation class"),
    ("0701", "城镇住宅用地", "urban residential land", "住宅用地", _O, False, ""),
    ("0702", "农村宅基地", "rural homestead", "住宅用地", _O, False, ""),
    (
        "08H1",
        "机关团体新闻出版用地",
        "government and press land",
        "公共管理与公共服务用地",
        _O,
        False,
        "",
    ),
    (
        "08H2",
        "科教文卫用地",
        "science, education, culture and health land",
        "公共管理与公共服务用地",
        _O,
        False,
        "",
    ),
    (
        "08H2A",
        "高教用地",
        "higher-education land",
        "公共管理与公共服务用地",
        _O,
        False,
        "name recalled [R]; code seen in two code lists",
    ),
    ("0809", "公用设施用地", "public utility land", "公共管理与公共服务用地", _O, False, ""),
    ("0810", "公园与绿地", "park and green space", "公共管理与公共服务用地", _O, False, ""),
    ("0810A", "广场用地", "public square", "公共管理与公共服务用地", _O, False, ""),
    ("09", "特殊用地", "special-use land", "特殊用地", _O, False, ""),
    ("1001", "铁路用地", "railway land", "交通运输用地", _O, False, ""),
    ("1002", "轨道交通用地", "rail-transit land", "交通运输用地", _O, False, ""),
    ("1003", "公路用地", "highway land", "交通运输用地", _O, False, ""),
    ("1004", "城镇村道路用地", "urban and village road land", "交通运输用地", _O, False, ""),
    ("1005", "交通服务场站用地", "transport station land", "交通运输用地", _O, False, ""),
    ("1006", "农村道路", "rural road", "交通运输用地", _O, False, ""),
    ("1007", "机场用地", "airport land", "交通运输用地", _O, False, ""),
    ("1008", "港口码头用地", "port and wharf land", "交通运输用地", _O, False, ""),
    ("1009", "管道运输用地", "pipeline land", "交通运输用地", _O, False, ""),
    ("1101", "河流水面", "river surface", "水域及水利设施用地", _A, True, ""),
    ("1102", "湖泊水面", "lake surface", "水域及水利设施用地", _A, True, ""),
    ("1103", "水库水面", "reservoir surface", "水域及水利设施用地", _A, True, ""),
    ("1104", "坑塘水面", "pond surface", "水域及水利设施用地", _A, True, _POND_NOTE),
    ("1104A", "养殖坑塘", "aquaculture pond", "水域及水利设施用地", _A, False, _AQUACULTURE_NOTE),
    (
        "1104K",
        "可调整养殖坑塘",
        "adjustable aquaculture pond",
        "水域及水利设施用地",
        _A,
        False,
        _AQUACULTURE_NOTE,
    ),
    ("1105", "沿海滩涂", "coastal tidal flat", "湿地", _W, True, ""),
    ("1106", "内陆滩涂", "inland flat", "湿地", _W, True, ""),
    ("1107", "沟渠", "ditch", "水域及水利设施用地", _A, True, ""),
    (
        "1107A",
        "干渠",
        "main canal",
        "水域及水利设施用地",
        _A,
        True,
        "scope under DB36/T 2134 unclear",
    ),
    ("1108", "沼泽地", "marsh", "湿地", _W, True, ""),
    (
        "1109",
        "水工建筑用地",
        "hydraulic-structure land",
        "水域及水利设施用地",
        _O,
        False,
        "built land",
    ),
    (
        "1110",
        "冰川及永久积雪",
        "glacier and permanent snow",
        "水域及水利设施用地",
        _A,
        False,
        "none in Jiangxi",
    ),
    ("1201", "空闲地", "vacant land", "其他土地", _O, False, ""),
    ("1202", "设施农用地", "agricultural facility land", "其他土地", _O, False, ""),
    ("1203", "田坎", "field ridge", "其他土地", _O, False, ""),
    ("1204", "盐碱地", "saline-alkali land", "其他土地", _O, False, ""),
    ("1205", "沙地", "sandy land", "其他土地", _O, False, ""),
    ("1206", "裸土地", "bare soil", "其他土地", _O, False, ""),
    ("1207", "裸岩石砾地", "bare rock and gravel", "其他土地", _O, False, ""),
)

# Second-level codes of the land-and-sea-use classification; third-level
# codes (six digits) are classified by their first four digits.
_YONGDI_YONGHAI: tuple[tuple[str, str, str, str, Category, bool, str], ...] = (
    ("0101", "水田", "paddy field", "耕地", _P, False, "paddy: excluded by 湿地保护法 Art. 2"),
    ("0102", "水浇地", "irrigated dry land", "耕地", _O, False, ""),
    ("0103", "旱地", "dry land", "耕地", _O, False, ""),
    ("0201", "果园", "orchard", "园地", _O, False, ""),
    ("0202", "茶园", "tea garden", "园地", _O, False, ""),
    ("0203", "橡胶园地", "rubber plantation", "园地", _O, False, ""),
    ("0204", "油料园地", "oil-crop garden", "园地", _O, False, ""),
    ("0205", "其他园地", "other garden land", "园地", _O, False, ""),
    ("0301", "乔木林地", "arbor forest land", "林地", _O, False, ""),
    ("0302", "竹林地", "bamboo forest land", "林地", _O, False, ""),
    ("0303", "灌木林地", "shrub forest land", "林地", _O, False, ""),
    ("0304", "其他林地", "other forest land", "林地", _O, False, ""),
    ("0401", "天然牧草地", "natural pasture", "草地", _O, False, ""),
    ("0402", "人工牧草地", "artificial pasture", "草地", _O, False, ""),
    ("0403", "其他草地", "other grassland", "草地", _O, False, ""),
    ("0501", "森林沼泽", "forested swamp", "湿地", _W, True, ""),
    ("0502", "灌丛沼泽", "shrub swamp", "湿地", _W, True, ""),
    ("0503", "沼泽草地", "marsh grassland", "湿地", _W, True, ""),
    ("0504", "其他沼泽地", "other marsh", "湿地", _W, True, ""),
    ("0505", "沿海滩涂", "coastal tidal flat", "湿地", _W, True, ""),
    ("0506", "内陆滩涂", "inland flat", "湿地", _W, True, ""),
    ("0507", "红树林地", "mangrove land", "湿地", _W, True, ""),
    ("0601", "农村道路", "rural road", "农业设施建设用地", _O, False, ""),
    ("0602", "设施农用地", "agricultural facility land", "农业设施建设用地", _O, False, ""),
    ("0701", "城镇住宅用地", "urban residential land", "居住用地", _O, False, ""),
    ("0702", "城镇社区服务设施用地", "urban community service land", "居住用地", _O, False, ""),
    ("0703", "农村宅基地", "rural homestead", "居住用地", _O, False, ""),
    ("0704", "农村社区服务设施用地", "rural community service land", "居住用地", _O, False, ""),
    ("0801", "机关团体用地", "government land", "公共管理与公共服务用地", _O, False, ""),
    ("0802", "科研用地", "research land", "公共管理与公共服务用地", _O, False, ""),
    ("0803", "文化用地", "cultural land", "公共管理与公共服务用地", _O, False, ""),
    ("0804", "教育用地", "education land", "公共管理与公共服务用地", _O, False, ""),
    ("0805", "体育用地", "sports land", "公共管理与公共服务用地", _O, False, ""),
    ("0806", "医疗卫生用地", "health-care land", "公共管理与公共服务用地", _O, False, ""),
    ("0807", "社会福利用地", "social-welfare land", "公共管理与公共服务用地", _O, False, ""),
    ("0901", "商业用地", "commercial land", "商业服务业用地", _O, False, ""),
    ("0902", "商务金融用地", "business and finance land", "商业服务业用地", _O, False, ""),
    ("0903", "娱乐用地", "entertainment land", "商业服务业用地", _O, False, ""),
    ("0904", "其他商业服务业用地", "other commercial land", "商业服务业用地", _O, False, ""),
    ("1001", "工业用地", "industrial land", "工矿用地", _O, False, ""),
    ("1002", "采矿用地", "mining land", "工矿用地", _O, False, ""),
    ("1003", "盐田", "salt pan", "工矿用地", _O, False, "盐田 is mining land in this scheme"),
    ("1101", "物流仓储用地", "logistics and warehousing land", "仓储用地", _O, False, ""),
    ("1102", "储备库用地", "strategic reserve depot land", "仓储用地", _O, False, ""),
    ("1201", "铁路用地", "railway land", "交通运输用地", _O, False, ""),
    ("1202", "公路用地", "highway land", "交通运输用地", _O, False, ""),
    ("1203", "机场用地", "airport land", "交通运输用地", _O, False, ""),
    ("1204", "港口码头用地", "port and wharf land", "交通运输用地", _O, False, ""),
    ("1205", "管道运输用地", "pipeline land", "交通运输用地", _O, False, ""),
    ("1206", "城市轨道交通用地", "urban rail-transit land", "交通运输用地", _O, False, ""),
    ("1207", "城镇村道路用地", "urban and village road land", "交通运输用地", _O, False, ""),
    ("1208", "交通场站用地", "transport station land", "交通运输用地", _O, False, ""),
    ("1209", "其他交通设施用地", "other transport land", "交通运输用地", _O, False, ""),
    ("1301", "供水用地", "water-supply land", "公用设施用地", _O, False, ""),
    ("1302", "排水用地", "drainage land", "公用设施用地", _O, False, ""),
    ("1303", "供电用地", "power-supply land", "公用设施用地", _O, False, ""),
    ("1304", "供燃气用地", "gas-supply land", "公用设施用地", _O, False, ""),
    ("1305", "供热用地", "heat-supply land", "公用设施用地", _O, False, ""),
    ("1306", "通信用地", "telecommunications land", "公用设施用地", _O, False, ""),
    ("1307", "邮政用地", "postal land", "公用设施用地", _O, False, ""),
    ("1308", "广播电视设施用地", "broadcasting land", "公用设施用地", _O, False, ""),
    ("1309", "环卫用地", "sanitation land", "公用设施用地", _O, False, ""),
    ("1310", "消防用地", "fire-service land", "公用设施用地", _O, False, ""),
    ("1311", "水工设施用地", "hydraulic-facility land", "公用设施用地", _O, False, "built land"),
    ("1312", "其他公用设施用地", "other utility land", "公用设施用地", _O, False, ""),
    ("1401", "公园绿地", "park green space", "绿地与开敞空间用地", _O, False, ""),
    ("1402", "防护绿地", "protective green space", "绿地与开敞空间用地", _O, False, ""),
    ("1403", "广场用地", "public square", "绿地与开敞空间用地", _O, False, ""),
    ("1501", "军事设施用地", "military land", "特殊用地", _O, False, ""),
    ("1502", "使领馆用地", "diplomatic land", "特殊用地", _O, False, ""),
    ("1503", "宗教用地", "religious land", "特殊用地", _O, False, ""),
    ("1504", "文物古迹用地", "heritage-site land", "特殊用地", _O, False, ""),
    ("1505", "监教场所用地", "correctional land", "特殊用地", _O, False, ""),
    ("1506", "殡葬用地", "funeral land", "特殊用地", _O, False, ""),
    ("1507", "其他特殊用地", "other special-use land", "特殊用地", _O, False, ""),
    ("16", "留白用地", "reserved (unallocated) land", "留白用地", _O, False, ""),
    ("1701", "河流水面", "river surface", "陆地水域", _A, True, ""),
    ("1702", "湖泊水面", "lake surface", "陆地水域", _A, True, ""),
    ("1703", "水库水面", "reservoir surface", "陆地水域", _A, True, ""),
    ("1704", "坑塘水面", "pond surface", "陆地水域", _A, True, _POND_NOTE),
    ("1705", "沟渠", "ditch", "陆地水域", _A, True, ""),
    (
        "1706",
        "冰川及常年积雪",
        "glacier and permanent snow",
        "陆地水域",
        _A,
        False,
        "none in Jiangxi",
    ),
    ("1801", "渔业基础设施用海", "fishery infrastructure sea use", "渔业用海", _O, False, ""),
    ("1802", "增养殖用海", "mariculture sea use", "渔业用海", _O, False, _AQUACULTURE_NOTE),
    ("1803", "捕捞海域", "fishing sea area", "渔业用海", _O, False, ""),
    ("1804", "农林牧业用岛", "agricultural island use", "渔业用海", _O, False, ""),
    ("1901", "工业用海", "industrial sea use", "工矿通信用海", _O, False, ""),
    ("1902", "盐田用海", "salt-pan sea use", "工矿通信用海", _O, False, ""),
    ("1903", "固体矿产用海", "solid-mineral sea use", "工矿通信用海", _O, False, ""),
    ("1904", "油气用海", "oil and gas sea use", "工矿通信用海", _O, False, ""),
    ("1905", "可再生能源用海", "renewable-energy sea use", "工矿通信用海", _O, False, ""),
    (
        "1906",
        "海底电缆管道用海",
        "submarine cable and pipeline sea use",
        "工矿通信用海",
        _O,
        False,
        "",
    ),
    ("2001", "港口用海", "port sea use", "交通运输用海", _O, False, ""),
    ("2002", "航运用海", "shipping sea use", "交通运输用海", _O, False, ""),
    ("2003", "路桥隧道用海", "road, bridge and tunnel sea use", "交通运输用海", _O, False, ""),
    ("2004", "机场用海", "airport sea use", "交通运输用海", _O, False, ""),
    ("2005", "其他用海", "other transport sea use", "交通运输用海", _O, False, ""),
    ("2101", "风景旅游用海", "scenic tourism sea use", "游憩用海", _O, False, ""),
    ("2102", "文体休闲娱乐用海", "leisure sea use", "游憩用海", _O, False, ""),
    ("2201", "军事用海", "military sea use", "特殊用海", _O, False, ""),
    ("2202", "科研教育用海", "research and education sea use", "特殊用海", _O, False, ""),
    (
        "2203",
        "海洋保护修复及海岸防护工程用海",
        "marine protection and coastal defence sea use",
        "特殊用海",
        _O,
        False,
        "",
    ),
    ("2204", "排污倾倒用海", "discharge and dumping sea use", "特殊用海", _O, False, ""),
    ("2205", "水下文物保护用海", "underwater heritage sea use", "特殊用海", _O, False, ""),
    ("2206", "其他特殊用海", "other special sea use", "特殊用海", _O, False, ""),
    ("2301", "空闲地", "vacant land", "其他土地", _O, False, ""),
    ("2302", "后备耕地", "reserve cropland", "其他土地", _O, False, ""),
    ("2303", "田坎", "field ridge", "其他土地", _O, False, ""),
    ("2304", "盐碱地", "saline-alkali land", "其他土地", _O, False, ""),
    ("2305", "沙地", "sandy land", "其他土地", _O, False, ""),
    ("2306", "裸土地", "bare soil", "其他土地", _O, False, ""),
    ("2307", "裸岩石砾地", "bare rock and gravel", "其他土地", _O, False, ""),
    ("24", "其他海域", "other sea area", "其他海域", _O, False, ""),
)


@cache
def _classes(scheme: Scheme) -> dict[str, LandClass]:
    rows = _SANDIAO if scheme is Scheme.SANDIAO else _YONGDI_YONGHAI
    return {
        code: LandClass(code, scheme, zh, en, group, category, legal, note)
        for code, zh, en, group, category, legal, note in rows
    }


def _lookup_code(code: str, scheme: Scheme) -> LandClass | None:
    classes = _classes(scheme)
    found = classes.get(code)
    if found is None and scheme is Scheme.YONGDI_YONGHAI and len(code) == 6 and code.isdigit():
        found = classes.get(code[:4])
    return found


def normalise_codes(codes: pd.Series | np.ndarray | list[str]) -> pd.Series:
    """Normalise land-class codes as written in survey exports.

    Strips white space and upper-cases letter suffixes (``"1104k "`` →
    ``"1104K"``). Codes must be text: a number such as ``101`` has already
    lost the leading zero of ``0101`` and cannot be repaired safely.

    Parameters
    ----------
    codes
        Codes as text.

    Returns
    -------
    pandas.Series
        Normalised codes (missing values stay missing).
    """
    series = pd.Series(codes, dtype="object") if not isinstance(codes, pd.Series) else codes
    return series.astype("string").str.strip().str.upper().astype("object")


def land_class(code: str, scheme: Scheme | str) -> LandClass:
    """Look up one land class.

    Parameters
    ----------
    code
        The class code, e.g. ``"1104A"``.
    scheme
        ``"sandiao"`` or ``"yongdi_yonghai"``; never guessed.

    Returns
    -------
    LandClass

    Raises
    ------
    KeyError
        If the code is not in the scheme's catalogue.
    """
    scheme = Scheme(scheme)
    found = _lookup_code(str(code).strip().upper(), scheme)
    if found is None:
        raise KeyError(f"{code!r} is not a land-class code of the {scheme.value} scheme")
    return found


def catalogue(scheme: Scheme | str) -> pd.DataFrame:
    """The whole catalogue of a scheme as a table indexed by code.

    Parameters
    ----------
    scheme
        ``"sandiao"`` or ``"yongdi_yonghai"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``name_zh``, ``name_en``, ``group_zh``, ``category``,
        ``legal_wetland`` and ``note``.
    """
    scheme = Scheme(scheme)
    records = [
        {
            "code": c.code,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "group_zh": c.group_zh,
            "category": c.category.value,
            "legal_wetland": c.legal_wetland,
            "note": c.note,
        }
        for c in _classes(scheme).values()
    ]
    return pd.DataFrame.from_records(records).set_index("code")


def wetland_codes(scheme: Scheme | str) -> frozenset[str]:
    """Codes of the first-level class 湿地 of a scheme.

    For ``sandiao`` these are the eight codes 0303, 0304, 0306, 0402, 0603,
    1105, 1106 and 1108, which come from different numeric groups: select
    wetland by this set, never by a code prefix.
    """
    scheme = Scheme(scheme)
    return frozenset(c.code for c in _classes(scheme).values() if c.category is Category.WETLAND)


def classify(codes: pd.Series | np.ndarray | list[str], scheme: Scheme | str) -> pd.DataFrame:
    """Classify many codes at once (vectorised over the distinct codes).

    Parameters
    ----------
    codes
        Normalised codes (see :func:`normalise_codes`).
    scheme
        ``"sandiao"`` or ``"yongdi_yonghai"``.

    Returns
    -------
    pandas.DataFrame
        One row per input code, in input order, with columns ``known``
        (bool), ``category``, ``legal_wetland``, ``name_zh`` and ``name_en``;
        unknown codes have ``known = False``, category ``"other"`` and
        ``legal_wetland = False``.
    """
    scheme = Scheme(scheme)
    values = pd.Series(codes, dtype="object") if not isinstance(codes, pd.Series) else codes
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    found = [_lookup_code(str(u), scheme) for u in uniques]
    known = np.array([f is not None for f in found] + [False], dtype=bool)
    category = np.array(
        [f.category.value if f else Category.OTHER.value for f in found] + ["other"], dtype=object
    )
    legal = np.array([bool(f and f.legal_wetland) for f in found] + [False], dtype=bool)
    name_zh = np.array([f.name_zh if f else None for f in found] + [None], dtype=object)
    name_en = np.array([f.name_en if f else None for f in found] + [None], dtype=object)
    # index -1 (missing code) picks the trailing "unknown" entry
    return pd.DataFrame(
        {
            "known": known[positions],
            "category": category[positions],
            "legal_wetland": legal[positions],
            "name_zh": name_zh[positions],
            "name_en": name_en[positions],
        }
    )
