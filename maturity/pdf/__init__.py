"""PDF rendering with WeasyPrint, outside the web worker and with a locked-down URL fetcher."""
