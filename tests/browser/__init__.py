"""Browser tests (a package, so the browser fixture can be scoped to this directory)."""
