"""Search text helpers, pure Python: pinyin keys and query parsing (the index itself is kept by\nthe store, :mod:`commdesk.models.search_index`)."""
