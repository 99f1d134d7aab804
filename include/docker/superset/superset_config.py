"""Superset settings of the docker-compose ``superset`` and ``superset-init`` services.

Loaded by Superset through SUPERSET_CONFIG_PATH. Nothing secret is written here: the
secret key and the metadata database's URI come from the container environment
(docker-compose.yaml, values from .env).
"""

import os

# Signs sessions and encrypts the database passwords Superset stores; changing it makes
# the stored warehouse password unreadable (re-run superset-init to store it again).
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

# Superset's own tables: the "superset" database of the postgres service.
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]

# Dashboards are provisioned from bi/assets/ by superset-init; no example data.
SUPERSET_LOAD_EXAMPLES = False

# Vietnamese number formatting in charts: "." groups thousands, "," is the decimal mark.
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}

# Dashboards read a warehouse that changes once a day; keep chart data for an hour.
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "SimpleCache",
    "CACHE_DEFAULT_TIMEOUT": 3600,
}
