-- Forget an earlier pull of the same (scope, endpoint, period) so a rerun replaces every page.
DELETE FROM raw.dvcqg_response
WHERE scope = :scope AND endpoint = :endpoint AND period_key = :period_key;
