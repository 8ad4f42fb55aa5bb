"""Article parsing: title, published date, boilerplate-free body, province, source line, quality flags.

    from scrapers.parsing import parse_article, ParseConfig
    article = parse_article(html, url, ParseConfig.from_mapping(portal["parsing"]), province="Hà Giang")
"""
from scrapers.parsing.article import PARSER_VERSION, ParsedArticle, parse_article, parse_page
from scrapers.parsing.config import ParseConfig, ParseConfigError
from scrapers.parsing.dates import find_date, parse_date
from scrapers.parsing.fingerprint import near_duplicate, simhash

__all__ = [
    "PARSER_VERSION", "ParsedArticle", "parse_article", "parse_page", "ParseConfig", "ParseConfigError",
    "parse_date", "find_date", "near_duplicate", "simhash",
]
