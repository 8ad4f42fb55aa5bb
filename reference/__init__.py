"""Reference data every layer reads (the parser, the extractor, the dbt seeds): one home each."""
