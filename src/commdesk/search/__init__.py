"""Search helpers (pinyin keys for search-as-you-type)."""
