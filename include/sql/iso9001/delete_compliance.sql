-- Recomputing days replaces them.
DELETE FROM kpi.iso9001_compliance WHERE day BETWEEN :first AND :last;
