"""Reports over the store: Oryx-style and claims ledgers, the daily brief, and exports.

Everything here reads the store and writes text; nothing changes stored records. Source text
is always shown as text: Markdown and HTML output escape it, so scraped markup never runs.
"""
