-- The outbox by status and kind (the demo's closing summary).
SELECT status, kind, count(*) AS n FROM ops.outbox GROUP BY 1, 2 ORDER BY 1, 2;
