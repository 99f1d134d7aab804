-- One response page of the national reporting API, byte for byte.
INSERT INTO raw.dvcqg_response
    (scope, endpoint, period_key, page, url, request_body, status, content_type, body, sha256,
     bytes, fetched_at)
VALUES
    (:scope, :endpoint, :period_key, :page, :url, CAST(:request_body AS jsonb), :status,
     :content_type, :body, :sha256, :bytes, :fetched_at);
