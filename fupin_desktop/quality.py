"""Township-wide data quality: run every rule over the store (see issue: data quality)."""
