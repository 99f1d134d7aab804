-- One page of a pull, as received (personal fields already hashed), as JSON text.
INSERT INTO raw.page (batch_id, page_no, request_cursor, next_cursor, record_count, records)
VALUES (:b, :n, :c, :nc, :k, :r);
