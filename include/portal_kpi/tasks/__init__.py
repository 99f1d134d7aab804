"""Task entry points: the only layer that touches Airflow's context and builds engines.
DAG files import this package only."""
