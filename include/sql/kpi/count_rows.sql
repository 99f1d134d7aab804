SELECT period_grain, count(*) AS n FROM kpi.dossier_stats GROUP BY 1;
