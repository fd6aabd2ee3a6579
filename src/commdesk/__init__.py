"""commdesk — 社区工作台: offline ledgers for community offices."""

__version__ = "0.1.0"
APP_NAME = "commdesk"
