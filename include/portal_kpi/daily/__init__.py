"""The daily job of one province: extract, validate, publish, KPIs, early warning."""
