"""Sentence shapes of provincial ICT reporting: what is a figure, what it means, its year,
whether it is a target, and what is not an indicator at all."""
from __future__ import annotations

import datetime as dt

import pytest

from extraction import extract

JUNE_2024 = dt.date(2024, 6, 18)
JAN_2021 = dt.date(2021, 1, 13)


def figures(text, published=JUNE_2024, province=None):
    return [(m.indicator, m.value) for m in extract(text, published=published, province=province)]


def one(text, published=JUNE_2024, province=None):
    ms = extract(text, published=published, province=province)
    assert len(ms) == 1, [(m.indicator, m.value) for m in ms]
    return ms[0]


@pytest.mark.parametrize("text,expected", [
    ("Toàn tỉnh có 1.250 trạm BTS, trong đó 320 trạm 4G.", [("bts_stations", 1250)]),
    ("Tỷ lệ hồ sơ trực tuyến đạt 45,6%.", [("online_application_rate_pct", 45.6)]),
    ("Tỉnh đã cung cấp 1.023 DVC trực tuyến toàn trình.", [("online_services_full", 1023)]),
    ("Thuê bao internet băng rộng cố định đạt 110.000 thuê bao.", [("internet_subscribers", 110000)]),
    ("Số thuê bao di động đạt 1,2 triệu.", [("mobile_subscribers", 1200000)]),
    ("Chỉ số DTI năm 2022 đạt 0,4512 điểm, xếp thứ 25/63.", [("dti_score", 0.4512), ("dti_rank", 25)]),
    ("Toàn tỉnh có 92,7 thuê bao di động/100 dân; 12,2 thuê bao internet băng rộng/100 dân.",
     [("mobile_subscribers_per_100", 92.7), ("broadband_subscribers_per_100", 12.2)]),
    ("Tổng doanh thu dịch vụ bưu chính, viễn thông ước đạt trên 274 tỷ đồng.", [("postal_telecom_revenue_vnd", 274e9)]),
    ("Hiện có 12 doanh nghiệp bưu chính đang hoạt động, 100% xã có điểm phục vụ bưu chính.",
     [("postal_enterprises", 12), ("communes_with_postal_point_pct", 100)]),
])
def test_sentence_shapes(text, expected):
    assert figures(text) == [(c, pytest.approx(v)) for c, v in expected]


def test_fraction_keeps_denominator():
    m = one("Hà Giang đã hoàn thành kết nối hệ thống thông tin với 18/22 cơ sở dữ liệu quốc gia.")
    assert (m.indicator, m.value, m.denominator) == ("national_databases_connected", 18, 22)


def test_percent_after_fraction_is_its_own_indicator():
    got = figures("Đã có 1.634/1.733 thôn, bản, tổ dân phố có hạ tầng Internet băng rộng đến tận thôn, "
                  "đạt gần 94,3% tổng số thôn trên toàn tỉnh.")
    assert got == [("broadband_village_count", 1634), ("broadband_village_pct", pytest.approx(94.3))]


@pytest.mark.parametrize("text,qualifier", [
    ("Đến nay toàn tỉnh có gần 1.700 trạm BTS.", "approx"),
    ("Toàn tỉnh có khoảng 1.700 trạm BTS.", "approx"),
    ("Số trạm BTS ước đạt 1.700 trạm.", "approx"),
    ("Toàn tỉnh có xấp xỉ 1.700 trạm BTS.", "approx"),
    ("Toàn tỉnh có trên 1.700 trạm BTS.", "at_least"),
    ("Toàn tỉnh có hơn 1.700 trạm BTS.", "at_least"),
    ("Toàn tỉnh có ít nhất 1.700 trạm BTS.", "at_least"),
    ("Toàn tỉnh có dưới 1.700 trạm BTS.", "at_most"),
    ("Toàn tỉnh có chưa đến 1.700 trạm BTS.", "at_most"),
    ("Toàn tỉnh có 1.700 trạm BTS.", "exact"),
])
def test_qualifier_shapes(text, qualifier):
    assert one(text).qualifier == qualifier


@pytest.mark.parametrize("text,year", [
    ("Phấn đấu đến năm 2025, 100% xã có cáp quang.", 2025),
    ("Mục tiêu năm 2025 có 100% xã có cáp quang.", 2025),
    ("Đảm bảo tối thiểu 60% số hồ sơ phát sinh trực tuyến.", 2024),
    ("Kế hoạch đề ra tỷ lệ hồ sơ trực tuyến đạt 50% trong năm 2025.", 2025),
    ("Chỉ tiêu đặt ra là 1.500 trạm BTS vào năm 2026.", 2026),
])
def test_targets(text, year):
    m = one(text)
    assert m.target is True
    assert m.year == year


def test_achievement_is_not_a_target():
    m = one("Đảm bảo gần 100% số thôn, bản, tổ nhân dân được phủ sóng điện thoại di động.")
    assert m.target is False and m.qualifier == "approx"


def test_target_sentence_in_year_end_review():
    text = ("Hội nghị Tổng kết công tác năm 2020 và triển khai nhiệm vụ năm 2021. Đảm bảo tối thiểu 60% số hồ sơ "
            "phát sinh trực tuyến mức độ 3, 4; hoàn thiện Trung tâm IOC trong quý II năm 2021.")
    m = one(text, published=JAN_2021)
    assert (m.target, m.qualifier, m.year) == (True, "at_least", 2021)


@pytest.mark.parametrize("text,published,year,source", [
    ("6 tháng đầu năm 2018, toàn tỉnh có 1.700 trạm BTS.", dt.date(2018, 8, 16), 2018, "explicit"),
    ("Đến cuối năm 2020, toàn tỉnh có 939 trạm BTS.", dt.date(2021, 3, 1), 2020, "explicit"),
    ("Trong quý II năm 2024, toàn tỉnh có 939 trạm BTS.", dt.date(2024, 7, 1), 2024, "explicit"),
    ("Năm nay, toàn tỉnh có 939 trạm BTS.", dt.date(2023, 7, 1), 2023, "inferred"),
    ("Lũy kế đến hết ngày 31/5/2024, toàn tỉnh có 939 trạm BTS.", dt.date(2024, 6, 18), 2024, "explicit"),
    ("Toàn tỉnh có 939 trạm BTS.", dt.date(2022, 9, 1), 2022, "inferred"),
    ("Tại hội nghị tổng kết, toàn tỉnh hiện có 939 trạm BTS.", dt.date(2024, 1, 12), 2023, "inferred"),
    ("Toàn tỉnh có 939 trạm BTS.", None, None, "none"),
])
def test_reference_year(text, published, year, source):
    m = one(text, published=published)
    assert (m.year, m.year_source) == (year, source)


def test_year_carried_from_earlier_sentence_of_paragraph():
    text = "Năm 2023, Sở đã triển khai nhiều nhiệm vụ. Về bưu chính, toàn tỉnh có hơn 20 doanh nghiệp bưu chính, chuyển phát."
    m = one(text, published=dt.date(2024, 3, 2))
    assert (m.year, m.value, m.qualifier) == (2023, 20, "at_least")


def test_year_from_heading():
    text = "Kết quả năm 2022\n\nToàn tỉnh có 939 trạm BTS."
    assert one(text, published=dt.date(2023, 5, 2)).year == 2022


def test_comparison_year_is_not_the_reference_year_and_yields_earlier_figure():
    ms = extract("Báo cáo tổng kết cho biết: 100% xã có hạ tầng thông tin di động phủ sóng với 939 trạm BTS "
                 "(tăng 33 trạm so với năm 2019).", published=JAN_2021)
    got = sorted((m.indicator, m.value, m.year) for m in ms)
    assert got == [("bts_stations", 906, 2019), ("bts_stations", 939, 2020), ("mobile_coverage_commune_pct", 100, 2020)]


def test_undated_date_resolved_from_publication():
    m = one("Tại phiên họp sáng 18/6, báo cáo cho biết toàn tỉnh có 939 trạm BTS.", published=dt.date(2024, 6, 20))
    assert m.year == 2024


@pytest.mark.parametrize("text", [
    "Cả nước hiện có hơn 100.000 trạm BTS.",
    "Tính chung toàn quốc, tỷ lệ hồ sơ trực tuyến đạt 45%.",
    "Huyện Mèo Vạc có 80 trạm BTS.",
    "Toàn huyện có 80 trạm BTS.",
    "Thành phố Hà Giang có 120 trạm BTS.",
    "Viettel Hà Giang hiện có 600 trạm BTS.",
    "Hôm nay : 965\nHôm qua : 1.689\nTháng 06 : 92.217\nNăm 2024 : 504.603",
    "Bộ trưởng tặng Bằng khen cho 2 tập thể, 5 cá nhân.",
    "Điện thoại: 0219.3866.555 - Fax: 0219.3866.556",
    "Theo Quyết định số 749/QĐ-TTg ngày 3/6/2020 của Thủ tướng Chính phủ.",
    "Hội nghị có 120 đại biểu tham dự.",
    "Tỉnh Bắc Giang có 2.100 trạm BTS.",
])
def test_not_indicators(text):
    assert figures(text, province="Hà Giang") == []


def test_own_province_named_is_fine():
    assert figures("Tỉnh Hà Giang có 1.700 trạm BTS.", province="Hà Giang") == [("bts_stations", 1700)]


def test_provincial_figure_next_to_district_figure():
    got = figures("Toàn tỉnh có 1.250 trạm BTS, huyện Mèo Vạc có 80 trạm BTS.")
    assert got == [("bts_stations", 1250)]


def test_label_numbers_are_not_counts():
    assert figures("Các đại biểu thảo luận việc sử dụng dịch vụ công trực tuyến mức độ 3, 4 và hệ thống email công vụ.") == []


def test_mentions_carry_version_sentence_and_span():
    from extraction import EXTRACTOR_VERSION
    text = "Mở đầu. Toàn tỉnh có gần 1.700 trạm BTS. Kết thúc."
    m = one(text)
    assert text[m.char_start:m.char_end] == "1.700"
    assert m.evidence == "Toàn tỉnh có gần 1.700 trạm BTS."
    assert m.extractor_version == EXTRACTOR_VERSION


def test_spans_point_into_non_nfc_input():
    import unicodedata
    text = unicodedata.normalize("NFD", "Tiêu đề\u200b. Toàn tỉnh có 1.332 vị trí lắp đặt trạm thu phát sóng BTS.")
    m = one(text)
    assert text[m.char_start:m.char_end] == "1.332"
    assert m.indicator == "bts_sites"


def test_lower_case_word_after_xa_is_not_a_district():
    assert figures("Có 100% xã đã có cáp quang.") == [("fiber_commune_pct", 100)]


def test_central_city_is_a_province():
    got = figures("Thành phố Đà Nẵng có 1.900 trạm BTS.", province="Đà Nẵng")
    assert got == [("bts_stations", 1900)]
    assert figures("TP. Hồ Chí Minh có 9.000 trạm BTS.", province="Đà Nẵng") == []


def test_target_cue_reaches_only_its_clause_unless_it_opens_the_sentence():
    got = [(m.value, m.target) for m in extract(
        "Sở đã triển khai các nhiệm vụ theo kế hoạch đề ra; toàn tỉnh có 1.500 trạm BTS.", published=JUNE_2024)]
    assert got == [(1500, False)]
    got = [(m.value, m.target) for m in extract(
        "Phấn đấu đến năm 2025: 100% xã có cáp quang; 80% hộ gia đình có Internet cáp quang.", published=JUNE_2024)]
    assert got == [(100, True), (80, True)]


def test_bullets_under_a_target_heading_are_targets():
    text = "Mục tiêu đến năm 2025:\n- 100% xã có cáp quang.\n- Tỷ lệ hồ sơ trực tuyến đạt 80%.\nKết quả năm 2023\nToàn tỉnh có 1.500 trạm BTS."
    got = [(m.indicator, m.target, m.year) for m in extract(text, published=JUNE_2024)]
    assert got == [("fiber_commune_pct", True, 2025), ("online_application_rate_pct", True, 2025),
                   ("bts_stations", False, 2023)]


def test_a_rank_in_parentheses_after_a_compared_year_is_that_years():
    ms = extract("Chỉ số DTI năm 2022, tỉnh xếp hạng 20 trên cả nước, tăng 3 hạng so với năm 2021 (xếp hạng 23).",
                 published=dt.date(2023, 8, 1))
    assert [(m.value, m.year) for m in ms if m.indicator == "dti_rank"] == [(20, 2022), (23, 2021)]


def test_a_january_article_on_a_period_ending_last_year_reports_last_year():
    text = ("Trong giai đoạn 2021-2025, tỉnh đẩy mạnh chuyển đổi số.\n\n"
            "Hiện nay, toàn tỉnh có hơn 5.200 trạm thu phát sóng di động.")
    assert one(text, published=dt.date(2026, 1, 5)).year == 2025
    assert one(text.replace("2021-2025", "2021-2030"), published=dt.date(2026, 1, 5)).year == 2026


def test_last_years_figure_in_its_own_clause_does_not_date_the_next_one():
    text = ("Cùng kỳ năm 2019 là 273.958 thuê bao Internet; tổng doanh thu của các doanh nghiệp viễn thông "
            "trên địa bàn tỉnh ước đạt 2.867 tỷ đồng.")
    got = {m.indicator: m.year for m in extract(text, published=dt.date(2020, 11, 25))}
    assert got == {"internet_subscribers": 2019, "telecom_revenue_vnd": 2020}


def test_an_article_titled_after_a_city_of_the_province_speaks_of_the_city():
    text = "TP Hạ Long: Xây dựng xã hội số\n\nHiện nay có 930 trạm BTS phủ sóng viễn thông."
    assert figures(text, province="Quảng Ninh") == []
    assert figures(text.replace("TP Hạ Long", "Quảng Ninh"), province="Quảng Ninh") == [("bts_stations", 930)]


def test_a_lead_about_the_nation_or_an_operator_sets_the_scope_of_unmarked_sentences():
    national = ("Tính đến cuối năm 2017, tổng số thuê bao di động trong nước là hơn 127 triệu.\n\n"
                "Thuê bao di động đạt 116 máy/100 dân.")
    assert figures(national, province="Hà Giang") == []
    provincial = national.replace("trong nước", "của tỉnh Hà Giang")
    assert ("mobile_subscribers_per_100", 116) in figures(provincial, province="Hà Giang")


def test_a_plans_title_is_no_goal():
    text = ("Bám sát Nghị quyết của tỉnh về chuyển đổi số đến năm 2025, định hướng đến năm 2030, toàn ngành thông tin truyền thông Lâm Đồng đã "
            "đẩy mạnh hạ tầng số với 100% khu dân cư đã được phủ sóng mạng băng rộng di động.")
    m = one(text, published=dt.date(2025, 3, 1), province="Lâm Đồng")
    assert (m.indicator, m.value, m.target) == ("population_mobile_coverage_pct", 100, False)
