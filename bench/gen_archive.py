#!/usr/bin/env python3
"""Generate a company archive to import: customers and units, N rows each.

    python3 bench/gen_archive.py                 # 100,000 rows each into bench/archive/
    python3 bench/gen_archive.py --rows 1000 --out /tmp/archive --seed 7

Writes, with Chinese headers:

    customers.csv            UTF-8 with a byte-order mark, dates and codes as text
    customers-gb18030.csv    the same rows in GB18030, as Excel saves "CSV" on a
                             Chinese Windows
    customers.xlsx           the same rows in a workbook (shared strings, dates as
                             Excel dates, some serial numbers stored as numbers)
    units.csv, units-gb18030.csv, units.xlsx
    models.csv               the product models the units use (import them first)
    bad-rows.tsv             every deliberately bad row: file, row, field, what is wrong

The units name customers of the customer file and models of models.csv, so import
the models and the customers first:

    sanbao import models bench/archive/models.csv
    sanbao import customers bench/archive/customers.xlsx
    sanbao import units bench/archive/units-gb18030.csv
 A few
rows of each file are bad on purpose (a missing name, a bad date, an unknown model, a
duplicate serial number...); they are listed in bad-rows.tsv with their row numbers
(the header is row 1; one blank row in each file is skipped but counted). Salespeople
are given by username or by display name (--salespeople, default the demo's).

Standard library only. The same seed gives the same files on the same day (dates are
placed before today, and one on purpose after it).
"""

import argparse
import csv
import datetime as dt
import io
import os
import random
import zipfile
from xml.sax.saxutils import escape

# ---------------------------------------------------------------------------------------
# Places: (province, city, [districts and county-level cities]). Zhejiang dominates, as
# it does for a maker in Hangzhou.

ZHEJIANG = [
    ("杭州市", ["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区",
              "富阳区", "临安区", "桐庐县", "淳安县", "建德市"]),
    ("宁波市", ["海曙区", "江北区", "鄞州区", "北仑区", "镇海区", "奉化区", "余姚市", "慈溪市",
              "宁海县", "象山县"]),
    ("温州市", ["鹿城区", "龙湾区", "瓯海区", "洞头区", "瑞安市", "乐清市", "永嘉县", "苍南县"]),
    ("嘉兴市", ["南湖区", "秀洲区", "海宁市", "平湖市", "桐乡市", "嘉善县", "海盐县"]),
    ("湖州市", ["吴兴区", "南浔区", "德清县", "长兴县", "安吉县"]),
    ("绍兴市", ["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"]),
    ("金华市", ["婺城区", "金东区", "兰溪市", "义乌市", "东阳市", "永康市", "浦江县"]),
    ("衢州市", ["柯城区", "衢江区", "江山市", "龙游县"]),
    ("舟山市", ["定海区", "普陀区", "岱山县"]),
    ("台州市", ["椒江区", "黄岩区", "路桥区", "温岭市", "临海市", "玉环市", "天台县"]),
    ("丽水市", ["莲都区", "龙泉市", "青田县", "缙云县", "遂昌县"]),
]

ELSEWHERE = [
    ("上海市", "", ["浦东新区", "闵行区", "松江区", "嘉定区", "青浦区"]),
    ("江苏省", "苏州市", ["工业园区", "吴中区", "昆山市", "常熟市"]),
    ("江苏省", "南京市", ["江宁区", "栖霞区", "浦口区"]),
    ("江苏省", "无锡市", ["新吴区", "江阴市", "宜兴市"]),
    ("安徽省", "合肥市", ["蜀山区", "包河区", "肥西县"]),
    ("江西省", "南昌市", ["红谷滩区", "青山湖区"]),
    ("福建省", "福州市", ["鼓楼区", "仓山区", "福清市"]),
    ("广东省", "深圳市", ["南山区", "宝安区", "龙岗区"]),
    ("山东省", "济南市", ["历下区", "槐荫区"]),
    ("湖北省", "武汉市", ["东湖新技术开发区", "江夏区"]),
]

ROADS = ["文三路", "解放路", "中山路", "人民路", "建设路", "工业大道", "科技路", "江南大道",
         "学院路", "环城北路", "滨江路", "振兴路", "创业路", "兴业街", "东方大道", "天目山路",
         "机场路", "开发区大道", "纬二路", "经五路", "新华路", "长安路", "金桥路", "凤凰路",
         "湖滨路", "望江路", "光明路", "迎宾大道", "跃进路", "青年路"]

PLACES = ["", "", "", "", "工业园区", "经济开发区", "高新园区", "大厦", "产业园", "科技园"]

TRADE_CHARS = "恒达华能正泰东海明辉天和金盛瑞丰远大鸿运新光宏图永兴中联博信通锦凯越嘉汇振安广源德力旭腾伟宇创亿鑫隆昌顺泽"
INDUSTRIES = ["电气", "电力", "配电设备", "机电", "电器", "能源", "新能源", "电力工程", "自动化",
              "供电服务", "变压器", "开关", "电力设备", "电缆", "建设", "实业"]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "厂"]
INSTITUTIONS = ["第一人民医院", "中心医院", "职业技术学院", "实验中学", "水务集团", "污水处理厂",
                "体育中心", "会展中心", "轨道交通集团", "供电公司", "数据中心", "物流园"]

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
            "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史"
            "陶贺顾毛郝龚邵万钱严戴莫孔汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玲飞鹏辉斌宇浩凯晨欣怡婷雪琳佳俊"

AREA_CODES = {"杭州市": "0571", "宁波市": "0574", "温州市": "0577", "嘉兴市": "0573",
              "湖州市": "0572", "绍兴市": "0575", "金华市": "0579", "衢州市": "0570",
              "舟山市": "0580", "台州市": "0576", "丽水市": "0578"}

# Product models: code, name, product line.
MODELS = [
    ("KYN28A-12", "铠装移开式交流金属封闭开关设备", "中压开关柜"),
    ("XGN15-12", "单元式六氟化硫环网柜", "环网柜"),
    ("HXGN17-12", "箱式交流金属封闭环网开关设备", "环网柜"),
    ("ZW32-12", "户外高压真空断路器", "柱上开关"),
    ("GGD", "交流低压配电柜", "低压成套"),
    ("MNS", "低压抽出式开关柜", "低压成套"),
    ("GCS", "低压抽出式开关柜", "低压成套"),
    ("SCB11-1000/10", "干式电力变压器", "变压器"),
    ("SCB13-800/10", "干式电力变压器", "变压器"),
    ("S13-M-630/10", "油浸式电力变压器", "变压器"),
    ("YBM-12/0.4-630", "预装式变电站", "箱式变电站"),
    ("ZGS11-500/10", "组合式变压器", "箱式变电站"),
    ("DFW-12", "电缆分支箱", "环网柜"),
    ("JP-400", "低压综合配电箱", "低压成套"),
]

CUSTOMER_HEADERS = ["客户名称", "地址", "联系人", "联系电话", "业务员", "备注"]
UNIT_HEADERS = ["客户名称", "产品型号", "出厂编号", "安装地址", "发货日期", "验收日期", "投运日期"]
DATE_COLUMNS = {4, 5, 6}  # of UNIT_HEADERS


def person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def place(rng):
    """(address, city short name, district short name, area code)"""
    if rng.random() < 0.85:
        city, districts = rng.choice(ZHEJIANG)
        district = rng.choice(districts)
        province = "浙江省" if rng.random() < 0.5 else ""
        area = AREA_CODES[city]
    else:
        province, city, districts = rng.choice(ELSEWHERE)
        district = rng.choice(districts)
        area = "0" + str(rng.randint(10, 99))
    road = rng.choice(ROADS)
    number = rng.randint(1, 1800)
    extra = rng.choice(PLACES)
    if extra == "大厦":
        extra = rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS) + "大厦" + str(rng.randint(2, 28)) + "楼"
    address = f"{province}{city}{district}{road}{number}号{extra}"
    short_city = (city or province).rstrip("市省")
    short_district = district[:-1] if len(district) > 2 else district
    return address, short_city, short_district, area


def phone(rng, area):
    if rng.random() < 0.7:
        return "1" + rng.choice("3578") + str(rng.randint(0, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"


def customer_name(rng, short_city, short_district):
    prefix = short_city if rng.random() < 0.6 else short_district
    if rng.random() < 0.12:
        return prefix + rng.choice(INSTITUTIONS)
    trade = rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)
    return prefix + trade + rng.choice(INDUSTRIES) + rng.choice(SUFFIXES)


def random_date(rng, start, end):
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def written(rng, d):
    """A date as clerks write it in a spreadsheet saved as CSV."""
    r = rng.random()
    if r < 0.6:
        return d.isoformat()
    if r < 0.85:
        return f"{d.year}/{d.month}/{d.day}"
    return f"{d.year}年{d.month}月{d.day}日"


class Bad:
    def __init__(self):
        self.rows = []

    def add(self, file, row, field, what):
        self.rows.append((file, row, field, what))


def make_customers(rng, n, salespeople, bad):
    """Rows of CUSTOMER_HEADERS, with the row number each lands on; the good names."""
    names = set()
    rows = []
    good = []
    blank_after = n // 2
    row_no = 1
    bad_every = max(n // 8, 1)
    kinds = ["no_name", "no_address", "bad_phone", "duplicate_name", "unknown_salesperson",
             "long_name", "bad_phone2", "no_address2"]
    bad_at = {min(i * bad_every + bad_every // 3, n - 1): k for i, k in enumerate(kinds)} if n >= 16 else {}
    for i in range(n):
        row_no += 1
        if i == blank_after:
            rows.append(None)  # a blank row: skipped by the import, counted in row numbers
            row_no += 1
        address, short_city, short_district, area = place(rng)
        while True:
            name = customer_name(rng, short_city, short_district)
            if name not in names:
                break
            name = name + rng.choice(["（" + short_district + "分公司）", "二厂", "三分厂", "（新厂区）"])
            if name not in names:
                break
        contact = person(rng) if rng.random() < 0.9 else ""
        tel = phone(rng, area) if contact else ""
        sales = rng.choice(salespeople) if salespeople and rng.random() < 0.7 else ""
        notes = rng.choice(["", "", "", "", "老客户", "重点客户", "年度框架协议", "需提前预约进站"])
        kind = bad_at.get(i)
        if kind == "no_name":
            name = ""
            bad.add("customers", row_no, "name", "missing")
        elif kind in ("no_address", "no_address2"):
            address = ""
            bad.add("customers", row_no, "address", "missing")
        elif kind == "bad_phone":
            contact, tel = contact or "张三", "电话待补"
            bad.add("customers", row_no, "contact_phone", "not a phone number")
        elif kind == "bad_phone2":
            contact, tel = contact or "李四", "138-1"
            bad.add("customers", row_no, "contact_phone", "too few digits")
        elif kind == "duplicate_name" and good:
            name = good[len(good) // 2]
            bad.add("customers", row_no, "address", f"the name of an earlier row ({name}) at another address")
        elif kind == "unknown_salesperson":
            sales = "nobody.here"
            bad.add("customers", row_no, "salesperson", "no such user")
        elif kind == "long_name":
            name = name + "（" + "配电" * 110 + "）"
            bad.add("customers", row_no, "name", "longer than 200 characters")
        if kind != "duplicate_name":
            names.add(name)
        if kind is None:
            good.append(name)
        rows.append([name, address, contact, tel, sales, notes])
    return rows, good


def make_units(rng, n, customer_names, bad):
    """Rows of UNIT_HEADERS (dates as datetime.date or text) and the row numbers."""
    today = dt.date.today()
    start = dt.date(2016, 1, 1)
    serials = set()
    rows = []
    blank_after = n // 3
    row_no = 1
    bad_every = max(n // 9, 1)
    kinds = ["no_serial", "bad_date", "unknown_model", "duplicate_serial", "unknown_customer",
             "accepted_before_shipped", "commissioned_in_future", "no_customer", "bad_date2"]
    bad_at = {min(i * bad_every + bad_every // 2, n - 1): k for i, k in enumerate(kinds)} if n >= 18 else {}
    previous = None
    for i in range(n):
        row_no += 1
        if i == blank_after:
            rows.append(None)
            row_no += 1
        customer = rng.choice(customer_names)
        code = rng.choice(MODELS)[0]
        shipped = random_date(rng, start, today - dt.timedelta(days=120))
        while True:
            year = shipped.year if rng.random() < 0.8 else shipped.year - 1
            serial = f"{year}{code.split('-')[0][:3]}{rng.randint(0, 999999):06d}"
            if rng.random() < 0.15:
                serial = f"{year}{rng.randint(0, 9999999):07d}"  # all digits: Excel makes it a number
            if (code, serial) not in serials:
                break
        serials.add((code, serial))
        site = "" if rng.random() < 0.6 else place(rng)[0]
        accepted = shipped + dt.timedelta(days=rng.randint(3, 45)) if rng.random() < 0.9 else None
        commissioned = (accepted + dt.timedelta(days=rng.randint(0, 60))
                        if accepted and rng.random() < 0.85 else None)
        row = [customer, code, serial, site, shipped, accepted, commissioned]
        kind = bad_at.get(i)
        if kind == "no_serial":
            row[2] = ""
            bad.add("units", row_no, "serial_no", "missing")
        elif kind == "bad_date":
            row[4] = "2023-13-45"
            bad.add("units", row_no, "shipped_on", "no such date")
        elif kind == "bad_date2":
            row[6] = "去年夏天"
            bad.add("units", row_no, "commissioned_on", "not a date")
        elif kind == "unknown_model":
            row[1] = "XYZ-99"
            bad.add("units", row_no, "model_code", "unknown model")
        elif kind == "duplicate_serial" and previous:
            row[1], row[2] = previous[1], previous[2]
            bad.add("units", row_no, "customer_name",
                    f"the unit of an earlier row ({previous[1]} {previous[2]}) for another customer")
        elif kind == "unknown_customer":
            row[0] = "不存在的客户有限公司"
            bad.add("units", row_no, "customer_name", "unknown customer")
        elif kind == "accepted_before_shipped":
            row[4] = dt.date(2022, 6, 10)
            row[5] = dt.date(2022, 6, 1)
            row[6] = None
            bad.add("units", row_no, "accepted_on", "before shipment")
        elif kind == "commissioned_in_future":
            row[6] = today + dt.timedelta(days=400)
            bad.add("units", row_no, "commissioned_on", "in the future")
        elif kind == "no_customer":
            row[0] = ""
            bad.add("units", row_no, "customer_name", "missing")
        rows.append(row)
        if kind is None:
            previous = row
    return rows


def as_text(rng, row):
    return ["" if v is None else written(rng, v) if isinstance(v, dt.date) else v for v in row]


def write_csv(path, headers, rows, encoding, rng):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(headers)
        for row in rows:
            w.writerow([] if row is None else as_text(rng, row))


# ---------------------------------------------------------------------------------------
# A minimal XLSX: shared strings, dates as serials with the built-in date format 14, the
# header bold, all-digit serial numbers stored as numbers.

def col_name(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def excel_serial(d):
    return (d - dt.date(1899, 12, 30)).days


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
</cellXfs>
</styleSheet>"""


def write_xlsx(path, sheet_name, headers, rows, rng):
    strings = {}
    order = []

    def sst(s):
        i = strings.get(s)
        if i is None:
            i = strings[s] = len(order)
            order.append(s)
        return i

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.format(name=escape(sheet_name)))
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/styles.xml", STYLES)
        last_row = 1 + len(rows)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            out = io.TextIOWrapper(f, encoding="utf-8")
            out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      f'<dimension ref="A1:{col_name(len(headers) - 1)}{last_row}"/><sheetData>')
            cells = "".join(f'<c r="{col_name(c)}1" t="s" s="2"><v>{sst(h)}</v></c>'
                            for c, h in enumerate(headers))
            out.write(f'<row r="1">{cells}</row>')
            for r, row in enumerate(rows, start=2):
                if row is None:
                    continue
                parts = []
                for c, v in enumerate(row):
                    ref = f"{col_name(c)}{r}"
                    if v is None or v == "":
                        continue
                    if isinstance(v, dt.date):
                        if rng.random() < 0.9:
                            parts.append(f'<c r="{ref}" s="1"><v>{excel_serial(v)}</v></c>')
                        else:
                            parts.append(f'<c r="{ref}" t="s"><v>{sst(written(rng, v))}</v></c>')
                    elif isinstance(v, str) and v.isdigit() and len(v) <= 15 and v[0] != "0":
                        parts.append(f'<c r="{ref}"><v>{v}</v></c>')
                    else:
                        parts.append(f'<c r="{ref}" t="s"><v>{sst(v)}</v></c>')
                out.write(f'<row r="{r}">{"".join(parts)}</row>')
            out.write("</sheetData></worksheet>")
            out.flush()
            out.detach()
        with z.open("xl/sharedStrings.xml", "w") as f:
            out = io.TextIOWrapper(f, encoding="utf-8")
            out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      f'count="{len(order)}" uniqueCount="{len(order)}">')
            for s in order:
                out.write(f'<si><t xml:space="preserve">{escape(s)}</t></si>')
            out.write("</sst>")
            out.flush()
            out.detach()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000, help="rows per file (default 100000)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "archive"),
                   help="directory to write to (default bench/archive)")
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--salespeople", default="huang.lei,xu.jing,黄磊,徐静",
                   help="usernames or display names, comma-separated ('' for none)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    salespeople = [s for s in a.salespeople.split(",") if s]
    bad = Bad()

    customers, good_names = make_customers(rng, a.rows, salespeople, bad)
    units = make_units(rng, a.rows, good_names, bad)

    for kind, headers, rows, sheet in (("customers", CUSTOMER_HEADERS, customers, "客户"),
                                       ("units", UNIT_HEADERS, units, "设备")):
        # The same dates in the same form in both CSV files: one rng state for each.
        state = rng.getstate()
        write_csv(os.path.join(a.out, f"{kind}.csv"), headers, rows, "utf-8-sig", rng)
        rng.setstate(state)
        write_csv(os.path.join(a.out, f"{kind}-gb18030.csv"), headers, rows, "gb18030", rng)
        write_xlsx(os.path.join(a.out, f"{kind}.xlsx"), sheet, headers, rows, rng)

    write_csv(os.path.join(a.out, "models.csv"), ["型号", "名称", "产品线"],
              [list(m) for m in MODELS], "utf-8-sig", rng)
    with open(os.path.join(a.out, "bad-rows.tsv"), "w", encoding="utf-8") as f:
        f.write("file\trow\tfield\twhat is wrong\n")
        for file, row, field, what in bad.rows:
            f.write(f"{file}\t{row}\t{field}\t{what}\n")

    for name in sorted(os.listdir(a.out)):
        size = os.path.getsize(os.path.join(a.out, name))
        print(f"{name:24} {size:>12,} bytes")
    print(f"{len(bad.rows)} bad rows on purpose, listed in bad-rows.tsv")


if __name__ == "__main__":
    main()
