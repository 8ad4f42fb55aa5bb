"""Spam runs, provinces, lost entities, fingerprints: the pieces parse_article is built from."""
import unicodedata
from pathlib import Path

from scrapers.parsing import near_duplicate, simhash
from scrapers.parsing.boilerplate import clean_paragraphs
from scrapers.parsing.provinces import (count_mentions, current_name, current_province_names, most_mentioned,
                                        province_in_outlet, province_names)
from scrapers.parsing.spam import gambling_terms, scan_paragraph
from scrapers.parsing.text import fold, nfc, repair_lost_entities

SEEDS = Path(__file__).resolve().parents[2] / "portal_mirror" / "content" / "seed_articles"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8")


def test_seed_003_spam_run_is_cut_and_kept_in_details():
    scan = scan_paragraph(seed("003").strip())
    assert scan.runs == ["ậptrungđẩymạnhchuyểnđổisốtrnđịabntỉbong da wap keo"]
    assert "wap keo" in scan.terms
    assert "trong năm 2021, được ông Đồng Văn Thanh" in scan.text
    assert "bong da" not in scan.text and "ậptrung" not in scan.text
    assert "939 trạm BTS" in scan.text  # the rest of the paragraph is untouched


def test_clean_vietnamese_is_not_spam():
    for prefix in ("000", "001", "002", "004"):
        for para in seed(prefix).split("\n"):
            scan = scan_paragraph(para)
            assert scan.runs == [], (prefix, scan.runs)
    assert scan_paragraph("Hashtag #ChuyểnĐổiSốQuốcGiaViệtNam và giải bóng đá").runs == []
    assert gambling_terms("Giải bóng đá thiếu niên tỉnh Hà Giang") == []


def test_unaccented_gambling_terms_are_cut_out():
    scan = scan_paragraph("Tỉnh có 939 trạm BTS. keo nha cai w88 Đến cuối năm 2020 toàn tỉnh")
    assert "keo nha cai" in scan.terms and "w88" in scan.terms
    assert scan.text == "Tỉnh có 939 trạm BTS. Đến cuối năm 2020 toàn tỉnh"


def test_weak_terms_count_only_when_asked():
    assert gambling_terms("nhà cái uy tín", include_weak=True) == ["nhà cái"]
    assert gambling_terms("nhà cái uy tín", include_weak=False) == []


def test_province_tables():
    assert len(province_names()) == 63 and len(set(province_names())) == 63
    assert len(current_province_names()) == 34
    assert current_name("Hà Giang") == "Tuyên Quang" and current_name("Hậu Giang") == "Cần Thơ"
    assert "Thừa Thiên Huế" in province_names() and "Huế" in current_province_names()


def test_province_mentions():
    counts = count_mentions(seed("001"))
    assert counts.most_common(1)[0][0] == "Hà Giang"
    assert most_mentioned("Hậu Giang và Hà Giang, Hậu Giang") == "Hậu Giang"
    assert most_mentioned("khu vực Châu Á - Thái Bình Dương, tư tưởng Hồ Chí Minh") is None
    assert most_mentioned("tỉnh Thanh Hoá và tỉnh Thanh Hóa") == "Thanh Hóa"
    assert count_mentions("TP.HCM và TP. Hồ Chí Minh")["Hồ Chí Minh"] == 2


def test_outlet_province():
    assert province_in_outlet("tuyenquang.gov.vn") == "Tuyên Quang"
    assert province_in_outlet("https://baohaugiang.com.vn/thoi-su") == "Hậu Giang"
    assert province_in_outlet("Báo Hà Giang") == "Hà Giang"
    assert province_in_outlet("Báo Điện tử Đảng Cộng sản Việt Nam") is None
    assert province_in_outlet("Báo Nhân Dân") is None


def test_lost_entities_are_repaired_but_words_are_not():
    assert repair_lost_entities("ldquo;Xây dựng công dân sốrdquo; ndash; 2024") == "“Xây dựng công dân số” – 2024"
    assert repair_lost_entities("8 cơ sở in; 4 văn phòng") == "8 cơ sở in; 4 văn phòng"
    assert repair_lost_entities("TTamp;TT &amp; &ldquo;x&rdquo;") == "TT&TT & “x”"
    assert repair_lost_entities("Seth; copy;") == "Seth; ©"


def test_nfc_and_fold():
    decomposed = unicodedata.normalize("NFD", "Tuyên Quang")
    assert nfc(decomposed) == "Tuyên Quang"
    assert fold("Đồng Tháp") == "dong thap"


def test_boilerplate_paragraphs():
    paras = seed("001").split("\n")
    paras = [" ".join(p.split()) for p in paras if p.strip()]
    cleaned = clean_paragraphs(paras, title="Hà Giang: Gần 99% thôn, bản đã được phủ sóng di động")
    body = "\n".join(cleaned.paragraphs)
    for chrome in ("A- A A+", "Chia sẻ bài viết", "Tăng tương phản", "Thống kê truy cập", "Hôm nay", "Nguồn:"):
        assert chrome not in body
    assert cleaned.paragraphs[0].startswith("CTTBTG")
    assert cleaned.source_outlet == "Báo Điện tử Đảng Cộng sản Việt Nam"
    assert len(cleaned.counters) == 5
    cleaned = clean_paragraphs([" ".join(p.split()) for p in seed("004").split("\n") if p.strip()])
    assert cleaned.source_line == "Theo: tuyenquang.gov.vn"
    assert not any("Xem tin theo ngày" in p or p.startswith("Thứ Sáu, ngày 12") for p in cleaned.paragraphs)
    assert cleaned.paragraphs[-1].startswith("Nhân dịp này")


def test_paragraphs_starting_with_theo_are_body():
    cleaned = clean_paragraphs(["Theo báo cáo tại phiên họp, 100% các Sở đã ban hành kế hoạch."] * 2)
    assert cleaned.source_line is None and len(cleaned.paragraphs) == 2


def test_fingerprints_find_copies_not_neighbours():
    original = "\n\n".join(p for p in seed("004").split("\n") if p.strip() and not p.startswith(("Theo:", "Xem tin")))
    copy = original.replace("Các đại biểu dự hội nghị", "Quang cảnh hội nghị") + "\n\nTheo: tuyenquang.gov.vn"
    fp_original, fp_copy = simhash(original), simhash(copy)
    assert near_duplicate(fp_original, fp_copy)
    assert near_duplicate(f"{fp_original:016x}", f"{fp_copy:016x}")
    others = [simhash(seed(p)) for p in ("000", "001", "002", "003")]
    for i, a in enumerate(others + [fp_original]):
        for b in others[i + 1:]:
            assert not near_duplicate(a, b)
    assert not near_duplicate(simhash(""), simhash(""))
