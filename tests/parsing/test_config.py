import pytest

from scrapers.parsing import ParseConfig, ParseConfigError


def test_empty_block_means_generic_extraction():
    for block in (None, {}):
        cfg = ParseConfig.from_mapping(block)
        assert cfg.is_generic and cfg.xpath("body") is None and cfg.month_first is False


def test_full_block_is_compiled():
    cfg = ParseConfig.from_mapping({
        "title": "h1.ArticleTitle", "date": "div.PostDate", "body": "div.ArticleSapo, div.ArticleContent",
        "remove": ["div.ToolBox", "div.ShareBox"], "date_order": "month_first", "encoding": "windows-1258",
        "min_body_chars": 120, "date_attribute": "datetime",
    })
    assert not cfg.is_generic and cfg.month_first and cfg.encoding == "cp1258"
    assert cfg.remove == ("div.ToolBox", "div.ShareBox") and len(cfg.xpath("remove")) == 2
    assert cfg.min_body_chars == 120 and cfg.date_attribute == "datetime"


def test_single_remove_selector_and_boolean_date_hints():
    cfg = ParseConfig.from_mapping({"remove": "div.share", "month_first": True})
    assert cfg.remove == ("div.share",) and cfg.month_first
    assert ParseConfig.from_mapping({"day_first": True}).month_first is False


@pytest.mark.parametrize("block, message", [
    ({"titel": "h1"}, "unknown key(s) 'titel'"),
    ({"body": "div..x"}, "invalid CSS selector"),
    ({"body": ""}, "non-empty string"),
    ({"remove": [1, 2]}, "parsing.remove"),
    ({"date_order": "year_first"}, "day_first or month_first"),
    ({"month_first": "yes"}, "true or false"),
    ({"month_first": True, "date_order": "day_first"}, "contradict"),
    ({"encoding": "klingon-8"}, "unknown charset"),
    ({"min_body_chars": -1}, "non-negative integer"),
    ("div.body", "expected a mapping"),
])
def test_bad_blocks_get_clear_errors(block, message):
    with pytest.raises(ParseConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ParseConfig.from_mapping(block, where="portals[hagiang_portal].parsing")


def test_error_names_the_portal():
    with pytest.raises(ParseConfigError, match=r"^portals\[x\]\.parsing: unknown"):
        ParseConfig.from_mapping({"bogus": 1}, where="portals[x].parsing")
