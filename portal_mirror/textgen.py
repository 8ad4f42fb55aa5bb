"""Deterministic synthetic Vietnamese ICT news from the templates in content/templates.yaml.

Figures follow each province's profile over the years (with small noise) so that articles of one
province and year report plausible, roughly consistent numbers in varied phrasing.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from portal_mirror.config import load_templates

MERGER_OF_DEPARTMENTS = date(2025, 3, 1)


def fmt_int(n: int) -> str:
    """Vietnamese thousands separator: 1332 -> '1.332'."""
    return f"{n:,}".replace(",", ".")


def fmt_dec(x: float, digits: int) -> str:
    """Vietnamese decimal comma, trailing zeros dropped: 98.890 -> '98,89'."""
    text = f"{x:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def slugify(text: str, max_words: int = 12) -> str:
    """ASCII slug as Vietnamese CMSes make them ('Đồng Tháp' -> 'dong-thap')."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    return "-".join(words[:max_words]) or "bai-viet"


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _period(published: datetime) -> tuple[str, int, int]:
    """(period phrase, reference year of the figures, 'next' year) for an article's date."""
    y, m = published.year, published.month
    if m <= 2:
        return f"năm {y - 1}", y - 1, y
    if m <= 5:
        return f"quý I năm {y}", y, y
    if m <= 7:
        return f"6 tháng đầu năm {y}", y, y
    if m <= 10:
        return f"9 tháng đầu năm {y}", y, y
    return f"năm {y}", y, y + 1


def figures(province: str, ref_year: int, rng: random.Random) -> dict[str, str]:
    """Formatted figures of a province for a reference year."""
    provinces = load_templates()["provinces"]
    p = provinces.get(province, provinces["_default"])
    t = max(0, ref_year - 2018)
    noise = lambda spread: rng.uniform(-spread, spread)  # noqa: E731
    bts = int(p["bts"] + p["bts_growth"] * t + noise(p["bts_growth"] / 3))
    bts_new = max(5, int(p["bts_growth"] + noise(p["bts_growth"] / 2)))
    total = p["villages"]
    pct = p["coverage_2018"] + (100 - p["coverage_2018"]) * (1 - 0.7 ** t)
    covered = min(total, round(total * pct / 100))
    mobile = int(p["mobile_k"] * 1000 * (1 + p["mobile_growth"]) ** t * (1 + noise(0.01)))
    internet = int(p["internet"] * (1 + p["internet_growth"]) ** t * (1 + noise(0.02)))
    pop = p["population_k"] * 1000 * 1.01 ** t
    if ref_year < 2023:
        l4 = min(p["dvc_total"] - 200, 120 + 160 * t + int(noise(30)))
        l3 = max(150, 900 - 90 * t + int(noise(40)))
        dvc_phrase = (f"{fmt_int(l3)} dịch vụ công trực tuyến mức độ 3 và "
                      f"{fmt_int(l4)} dịch vụ công trực tuyến mức độ 4")
    else:
        full = 780 + 110 * (t - 5) + int(noise(40))
        partial = max(200, p["dvc_total"] - full - 300 + int(noise(40)))
        l3, l4 = partial, full
        dvc_phrase = (f"{fmt_int(full)} dịch vụ công trực tuyến toàn trình và "
                      f"{fmt_int(partial)} dịch vụ công trực tuyến một phần")
    ndb_y = {2018: 6, 2019: 8, 2020: 10, 2021: 12, 2022: 16, 2023: 18}.get(ref_year, 22)
    ndb_x = max(1, ndb_y - rng.choice([0, 1, 2, 4]))
    dti_year = ref_year - 1 if ref_year > 2020 else 2020
    dti = p["dti_base"] + 0.045 * (dti_year - 2020) + noise(0.02)
    rank = max(1, min(63, int(p["rank_base"] - 2 * (dti_year - 2020) + noise(4))))
    return {
        "bts": fmt_int(bts), "bts_new": fmt_int(bts_new), "bts_sites_4g": fmt_int(round(bts * 0.8)),
        "village_pct": "100" if covered == total else fmt_dec(covered / total * 100, 2),
        "villages_covered": fmt_int(covered), "villages_total": fmt_int(total),
        "villages_gap": fmt_int(total - covered),
        "mobile_subs": fmt_int(mobile), "mobile_subs_k": fmt_int(round(mobile / 1000)),
        "mobile_per100": fmt_dec(mobile / pop * 100, 1),
        "internet_subs": fmt_int(internet), "internet_per100": fmt_dec(internet / pop * 100, 1),
        "broadband_villages": fmt_int(round(total * min(0.99, 0.55 + 0.06 * t))),
        "revenue_bn": fmt_int(round(p["population_k"] * 0.35 * 1.06 ** t)),
        "dvc_l3": fmt_int(l3), "dvc_l4": fmt_int(l4), "dvc_online_phrase": dvc_phrase,
        "online_pct": fmt_dec(min(88.0, 4 + 10.5 * t + noise(2)), 1),
        "ndb_x": str(ndb_x), "ndb_y": str(ndb_y),
        "email_accounts": fmt_int(int(p["email"] * 1.07 ** t)),
        "dti_score": fmt_dec(dti, 4), "dti_rank": str(rank),
    }


@dataclass(frozen=True)
class GeneratedText:
    kind: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    author: str | None
    source: str | None


def _for(table: dict, province: str):
    return table.get(province, table["_default"])


def _date_phrase(published: datetime, rng: random.Random) -> str:
    d = published
    part = "Sáng" if d.hour < 12 else "Chiều"
    return rng.choice([f"{part} {d.day}/{d.month}", f"{part} ngày {d.day}/{d.month}",
                       f"Ngày {d.day}/{d.month}/{d.year}", f"Ngày {d.day}/{d.month}"])


def generate(site_id: str, province: str, published: datetime, seed: str,
             spam: bool = False) -> GeneratedText:
    """One synthetic article, fully determined by `seed`."""
    tpl = load_templates()
    rng = random.Random(seed)
    kinds = [(name, k) for name, k in tpl["kinds"].items() if published.year >= k.get("min_year", 0)]
    name, kind = rng.choices(kinds, weights=[k["weight"] for _, k in kinds])[0]
    period, ref_year, next_year = _period(published)
    sokhcn = site_id.endswith("sokhcn") or published.date() >= MERGER_OF_DEPARTMENTS
    values = {
        "province": province, "year": str(published.year), "prev_year": str(published.year - 1),
        "next_year": str(next_year), "period": period,
        "dept": "Sở Khoa học và Công nghệ" if sokhcn else "Sở Thông tin và Truyền thông",
        "dept_short": "Sở KH&CN" if sokhcn else "Sở TT&TT",
        "person": rng.choice(_for(tpl["people"], province)),
        "locality": rng.choice(_for(tpl["localities"], province)),
        "date_phrase": _date_phrase(published, rng),
        "event_noun": rng.choice(tpl["event_nouns"]),
        "ordinal": _roman(rng.randint(5, 19)),
        "approx": rng.choice(["", "", "gần ", "hơn ", "khoảng ", "trên "]),
    }
    if name != "plain":
        values.update(figures(province, ref_year, rng))

    def fill(template: str) -> str:
        values["approx"] = rng.choice(["", "", "", "gần ", "hơn ", "khoảng ", "trên "])
        return template.format_map(values)

    title = fill(rng.choice(kind["titles"]))
    if name == "plain" and rng.random() < 0.6:
        title = f"{title} tại {values['locality']}"
    lead = fill(rng.choice(kind["leads"]))
    fillers = rng.sample(tpl["fillers"], k=rng.randint(2, 4))
    paragraphs: list[str] = []
    for pool in kind["sections"]:
        if rng.random() < 0.85:
            picked = rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 2])))
            paragraphs.append(" ".join(fill(s) for s in picked))
    for f in fillers:
        values["locality"] = rng.choice(_for(tpl["localities"], province))
        at = rng.randint(0, len(paragraphs))
        paragraphs.insert(at, fill(f))
    paragraphs.append(fill(rng.choice(kind["closings"])))
    if spam:
        paragraphs[0] = inject_spam(paragraphs[0], rng)
    author = rng.choice(tpl["authors"]) if rng.random() < 0.7 else None
    source = rng.choice(tpl["sources"])
    return GeneratedText(name, title, lead, tuple(paragraphs), author, source)


def inject_spam(paragraph: str, rng: random.Random) -> str:
    """Glue a gambling-spam run into a paragraph after its first comma, as hacked sites show it:
    a copy of the next words with spaces and some letters dropped, then a gambling phrase."""
    tpl = load_templates()
    cut = paragraph.find(",")
    if cut < 0:
        cut = len(paragraph) // 2
    words = paragraph[cut + 1:].split()[:8]
    mangled = "".join(w for w in words if w.isalpha())
    mangled = "".join(ch for i, ch in enumerate(mangled) if i % 7 != 5)
    return f"{paragraph[:cut + 1]}{mangled}{rng.choice(tpl['spam_phrases'])} {paragraph[cut + 1:].lstrip()}"
