"""Per-kind field tables: the target fields of an import and the Chinese headers that name them.

A kind (``residents``, ``party-members``, ``center-households``) declares its fields once here:
key, Chinese label, level (household or person) and synonyms. Column mapping matches a header
cell exactly against the synonyms first, then by the longest synonym it contains.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


from commdesk.importers.normalise import TAG_WORDS


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    synonyms: tuple[str, ...]
    household: bool = False      # household-level: filled down over the member rows
    multi: bool = False          # several columns may map to it (joined)
    ignore: bool = False         # recognised but not imported (序号, 户主姓名 …)
    exact_only: bool = False     # matched by the whole header only (低保 names a tick column; 低保金额 does not)


@dataclass(frozen=True)
class KindSpec:
    key: str
    label: str
    fields: tuple[FieldSpec, ...]
    anchors: tuple[str, ...]     # a header row must map at least one of these
    by_key: dict[str, FieldSpec] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_key.update({f.key: f for f in self.fields})


RESIDENT_FIELDS = (
    FieldSpec("seq", "序号", ("序号", "编号", "顺序号", "序", "no", "no.", "行号"), ignore=True),
    FieldSpec("grid", "网格", ("网格", "所属网格", "网格名称", "网格名", "所在网格", "网格号", "网格编号", "片区",
                               "所属片区", "组别", "村民小组", "居民小组", "所属小组", "组", "所属村民小组"),
              household=True),
    FieldSpec("household_no", "户号", ("户号", "户编号", "户籍编号", "户口编号", "家庭编号", "户代码", "户序号",
                                      "户主编号", "住户编号", "户籍号", "户口簿编号", "户口本编号", "户编码"),
              household=True),
    FieldSpec("head_name", "户主姓名", ("户主姓名", "户主", "户主名字"), household=True, ignore=True),
    # another person's details (the head's ID on every member's row, a landlord's or an emergency
    # contact's phone): recognised so that they never become the resident's own
    FieldSpec("others", "他人信息", ("户主身份证号", "户主身份证号码", "户主证件号码", "户主公民身份号码",
                                    "房东电话", "房东联系电话", "房东手机", "房东姓名", "联系人电话", "联系人手机",
                                    "紧急联系人", "紧急联系人电话", "紧急联系电话", "紧急联系方式", "监护人电话",
                                    "监护人联系电话", "监护人姓名", "联系人姓名", "配偶姓名", "配偶身份证号",
                                    "配偶身份证号码", "配偶电话", "子女姓名", "子女电话", "房东", "房东身份证号",
                                    "房东身份证号码", "房东住址", "出租人", "出租人姓名", "出租人电话", "出租人身份证号",
                                    "出租人联系电话", "房主姓名", "房主电话", "业主姓名", "业主电话", "居住证号",
                                    "居住证号码", "居住证编号", "居住证件号码", "暂住证号", "暂住证号码", "居住证",
                                    "居住证有效期", "居住证有效期至", "居住证签发日期", "居住证办理日期"),
              multi=True, ignore=True),
    FieldSpec("name", "姓名", ("姓名", "名字", "居民姓名", "成员姓名", "人员姓名", "家庭成员姓名", "家庭成员",
                               "姓 名")),
    FieldSpec("former_name", "曾用名", ("曾用名",)),
    FieldSpec("relation", "与户主关系", ("与户主关系", "与户主的关系", "关系", "称谓", "户内关系", "家庭关系",
                                       "与户主关系称谓", "家庭成员关系")),
    FieldSpec("gender", "性别", ("性别",)),
    FieldSpec("ethnicity", "民族", ("民族", "族别")),
    FieldSpec("birth_date", "出生日期", ("出生日期", "出生年月", "出生年月日", "生日", "出生时间", "出生")),
    FieldSpec("id_number", "身份证号", ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "身份证件号码",
                                       "证件号", "居民身份证号", "居民身份证号码", "公民身份证号", "公民身份证号码",
                                       "身份号码", "身份证件号")),
    FieldSpec("political", "政治面貌", ("政治面貌", "政治面目", "党派")),
    FieldSpec("education", "文化程度", ("文化程度", "学历", "文化", "受教育程度")),
    FieldSpec("work_unit", "工作单位", ("工作单位", "工作单位及职务", "单位", "工作单位或学校", "工作(学习)单位",
                                       "工作学习单位", "服务处所", "职业")),
    FieldSpec("phone", "联系电话", ("联系电话", "手机号码", "联系方式", "电话", "手机", "电话号码", "手机号",
                                    "联系手机", "移动电话", "固定电话", "家庭电话", "本人电话", "本人联系电话"),
              multi=True),
    FieldSpec("address", "住址", ("住址", "现住址", "家庭住址", "地址", "居住地址", "现居住地址", "详细地址",
                                 "现居住地", "居住地", "家庭地址", "现住地址", "实际居住地址", "门牌地址",
                                 "房屋地址"), household=True),
    FieldSpec("hukou_address", "户籍地址", ("户籍地址", "户籍地", "户口所在地", "户籍所在地", "籍贯",
                                           "户籍地详址"), ignore=True),
    FieldSpec("estate", "小区", ("小区", "小区名称", "村组", "小区/村组", "所属小区", "小区(村组)", "街路巷"),
              household=True),
    FieldSpec("building", "楼栋", ("楼栋", "楼号", "栋", "幢", "楼栋号", "栋号", "楼", "楼幢", "幢号"),
              household=True),
    FieldSpec("unit", "单元", ("单元", "单元号"), household=True),
    FieldSpec("room", "室", ("门牌", "门牌号", "室", "房号", "房间号", "户室号", "室号", "房屋号", "门牌号码"),
              household=True),
    FieldSpec("housing", "住房性质", ("住房性质", "房屋性质", "住房情况", "居住性质", "房屋产权", "产权性质"),
              household=True),
    FieldSpec("tags", "重点人群", ("重点人群", "人员类别", "标签", "特殊人群类别", "特殊人群", "人群类别",
                                  "重点人群类别", "重点对象", "人员类型", "特殊群体", "困难类别", "重点人员类别",
                                  "人群分类", "特殊人员类别", "关爱对象")),
    # a column per key group ticked with √ / 是 (低保 | 残疾人 | 独居老人): the header is the tag
    FieldSpec("tag_flag", "重点人群（勾选列）", TAG_WORDS, multi=True, exact_only=True),
    # 是否党员 | 党员 with 是/√: a member when the register has no 政治面貌 saying otherwise
    FieldSpec("party_flag", "是否党员（勾选列）", ("是否党员", "是否中共党员", "党员", "中共党员"), exact_only=True),
    FieldSpec("hukou_type", "户籍类型", ("户籍类型", "人口类型", "户口类型", "户籍性质", "人户状态", "居住类型",
                                        "户口性质", "常住类型", "人口类别")),
    FieldSpec("notes", "备注", ("备注", "说明", "其他", "备注说明")),
    # 年龄 is never a birth date (a birth year from it would be a guess): recognised, not imported
    FieldSpec("age", "年龄", ("年龄", "岁数", "周岁", "实际年龄"), ignore=True),
)

# -- the Party registers (党员花名册, 党员中心户联系户台账) ----------------------------------------
PARTY_MEMBER_SEQ = FieldSpec("seq", "序号", ("序号", "编号", "序", "no"), ignore=True)
PARTY_MEMBER_FIELDS = (
    PARTY_MEMBER_SEQ,
    FieldSpec("name", "姓名", ("姓名", "党员姓名", "名字")),
    FieldSpec("gender", "性别", ("性别",)),
    FieldSpec("ethnicity", "民族", ("民族",)),
    FieldSpec("birth_date", "出生年月", ("出生年月", "出生日期", "出生年月日", "生日")),
    FieldSpec("id_number", "身份证号", ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证")),
    FieldSpec("education", "学历", ("学历", "文化程度"), ignore=True),
    FieldSpec("join_date", "入党时间", ("入党时间", "入党日期", "入党年月", "加入党组织时间", "入党时间(年月)")),
    FieldSpec("full_date", "转正时间", ("转正时间", "转正日期", "转正年月", "转为正式党员时间")),
    FieldSpec("membership", "党员类别", ("党员类别", "党员身份", "党籍状态", "党内状态", "正式/预备", "人员类别",
                                       "类别")),
    FieldSpec("branch", "所在党支部", ("所在党支部", "党支部", "所属党支部", "所在支部", "支部", "所属支部",
                                      "党组织", "所在党组织")),
    FieldSpec("group", "党小组", ("党小组", "所在党小组")),
    FieldSpec("party_post", "党内职务", ("党内职务", "职务", "党内职务(务)")),
    FieldSpec("category", "党员类型", ("党员类型", "组织关系状态", "组织状态", "管理类型")),
    FieldSpec("phone", "联系电话", ("联系电话", "电话", "手机", "手机号码", "联系方式"), multi=True),
    FieldSpec("household_no", "户号", ("户号", "户编号")),
    FieldSpec("address", "住址", ("住址", "家庭住址", "现住址", "居住地址", "联系地址")),
    FieldSpec("work_unit", "工作单位", ("工作单位", "单位", "工作单位及职务")),
    FieldSpec("notes", "备注", ("备注", "说明")),
)
PARTY_MEMBERS = KindSpec("party-members", "党员花名册", PARTY_MEMBER_FIELDS, anchors=("name", "join_date", "branch"))

CENTER_HOUSEHOLD_FIELDS = (
    PARTY_MEMBER_SEQ,
    FieldSpec("grid", "网格", ("网格", "所属网格", "网格名称", "所在网格")),
    FieldSpec("center_member", "党员中心户", ("党员中心户", "中心户", "党员中心户姓名", "中心户党员", "中心户户主",
                                           "党员中心户户主", "联系党员", "党员姓名")),
    FieldSpec("center_address", "中心户住址", ("中心户住址", "中心户地址", "党员中心户住址", "中心户家庭住址")),
    FieldSpec("head", "联系户户主", ("联系户户主", "联系户", "联系户姓名", "户主姓名", "户主", "联系户户主姓名",
                                    "群众户户主")),
    FieldSpec("address", "联系户住址", ("联系户住址", "联系户地址", "住址", "家庭住址", "地址")),
    FieldSpec("household_no", "户号", ("联系户户号", "户号")),
    FieldSpec("phone", "联系电话", ("联系电话", "电话"), ignore=True),
    FieldSpec("notes", "备注", ("备注",), ignore=True),
)
CENTER_HOUSEHOLDS = KindSpec("center-households", "党员中心户联系户台账", CENTER_HOUSEHOLD_FIELDS, anchors=("center_member", "head"))

KINDS: dict[str, KindSpec] = {
    "residents": KindSpec("residents", "居民信息", RESIDENT_FIELDS, anchors=("name", "id_number")),
    PARTY_MEMBERS.key: PARTY_MEMBERS,
    CENTER_HOUSEHOLDS.key: CENTER_HOUSEHOLDS,
}

_DROP_PARENS = re.compile(r"[（(][^）)]*(必填|选填|可选|可不填|格式|如|例|填写|请|注|yyyy|年月日|多选|可多选|顿号)"
                          r"[^）)]*[）)]")
_PUNCT = re.compile(r"[\s*＊:：#№、．.\-_/\\|（）()【】\[\]]+")


def clean_label(text: object) -> str:
    """Header text as compared with synonyms: NFKC, no spaces, hints like （必填） removed."""
    if text is None:
        return ""
    label = unicodedata.normalize("NFKC", str(text)).strip().lower()
    label = _DROP_PARENS.sub("", label)
    return _PUNCT.sub("", label)


def _build_index(kind: KindSpec) -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    contains: list[tuple[str, str]] = []
    for spec in kind.fields:
        exact.setdefault(clean_label(spec.label), spec.key)
        for syn in spec.synonyms:
            cleaned = clean_label(syn)
            exact.setdefault(cleaned, spec.key)
            if len(cleaned) >= 2 and not spec.exact_only:
                contains.append((cleaned, spec.key))
    contains.sort(key=lambda item: -len(item[0]))
    return exact, contains


_INDEX: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {}


#: what joins the parts of a combined label: 户主姓名/成员姓名, 姓名（户主）, 联系电话、手机
_PART_SPLIT = re.compile(r"[/／、（）()\n\r]+")
_MATCHED: dict[tuple[str, str], tuple[str | None, int]] = {}


def _match_clean(kind: KindSpec, cleaned: str) -> tuple[str | None, int]:
    if not cleaned or len(cleaned) > 30:
        return None, 0
    if kind.key not in _INDEX:
        _INDEX[kind.key] = _build_index(kind)
    exact, contains = _INDEX[kind.key]
    if cleaned in exact:
        return exact[cleaned], 3
    if cleaned.isdigit():
        return None, 0
    for syn, key in contains:
        if syn in cleaned:
            return key, 2
    return None, 0


def _match_parts(kind: KindSpec, parts: list[str]) -> tuple[str | None, int]:
    """A combined label by its parts: another person's field first (房东姓名/电话) makes the
    column that person's; a part naming the person (户主姓名/成员姓名) makes it the name column;
    otherwise the strongest part that is imported (the first of equals) wins."""
    found = [m for m in (_match_clean(kind, p) for p in parts) if m[0]]
    if not found:
        return None, 0
    if found[0][0] == "others":
        return found[0]
    named = [m for m in found if m[0] == "name"]
    if named:
        return named[0]
    imported = [m for m in found if not kind.by_key[m[0]].ignore] or found
    return max(imported, key=lambda m: m[1])


def match_field(kind: KindSpec, label: object) -> tuple[str | None, int]:
    """(field key, strength) for a header cell: 3 exact, 2 contained synonym, 0 none. A label of
    several parts (split on / ／ 、 brackets and line breaks) is matched part by part."""
    raw = "" if label is None else str(label)
    key = (kind.key, raw)
    got = _MATCHED.get(key)
    if got is not None:
        return got
    cleaned = clean_label(raw)
    got = _match_clean(kind, cleaned)
    if got[1] < 3:
        folded = _DROP_PARENS.sub("", unicodedata.normalize("NFKC", raw).strip().lower())
        if _PART_SPLIT.search(folded):
            parts = [p for p in (clean_label(part) for part in _PART_SPLIT.split(folded)) if p]
            if len(parts) > 1:
                by_parts = _match_parts(kind, parts)
                if by_parts[0]:
                    got = by_parts
    if len(_MATCHED) < 20_000:
        _MATCHED[key] = got
    return got


def get_kind(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        from commdesk.errors import UserError
        from commdesk.i18n import _

        raise UserError(_("不支持的导入类型：{kind}（可用：{kinds}）").format(kind=kind, kinds="、".join(KINDS))) \
            from None
