SELECT code FROM kpi.province;
