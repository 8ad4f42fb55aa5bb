"""Collection layer: sources registry, polite fetcher, discovery by date interval, crawl (parsing lives in scrapers.parsing)."""
