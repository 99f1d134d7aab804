"""portal-kpi: public-service portal statistics to a PostgreSQL KPI warehouse."""

__version__ = "0.1.0"
