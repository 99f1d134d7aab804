-- Alerts, part 2: the run days that opened and closed a breach (for the daily digest),
-- and comments on the operations tables.

ALTER TABLE kpi.alert
    ADD COLUMN opened_day date,
    ADD COLUMN closed_day date;
UPDATE kpi.alert SET opened_day = opened_period WHERE opened_day IS NULL;
UPDATE kpi.alert SET closed_day = closed_period WHERE closed_day IS NULL AND status = 'closed';
ALTER TABLE kpi.alert ALTER COLUMN opened_day SET NOT NULL;
CREATE INDEX alert_key ON kpi.alert (kpi, agency_code, period_grain, alert_id);

COMMENT ON COLUMN kpi.alert.opened_day IS 'Ngày chạy mở cảnh báo / local business day of the run that opened the breach (the digest of a later day lists it)';
COMMENT ON COLUMN kpi.alert.closed_day IS 'Ngày chạy đóng cảnh báo / local business day of the run that closed the breach';

COMMENT ON COLUMN ops.recipient.recipient_id IS 'Khóa / surrogate key';
COMMENT ON COLUMN ops.recipient.name IS 'Tên / who this is, for people';
COMMENT ON COLUMN ops.recipient.channel IS 'Kênh / email or webhook';
COMMENT ON COLUMN ops.recipient.address IS 'Địa chỉ / e-mail address(es), comma separated; for webhook: default (the alerts_webhook connection''s URL) or a path on its host';
COMMENT ON COLUMN ops.recipient.agency_code IS 'Đơn vị / only messages about this agency; NULL = all (messages with no agency, such as run failures, reach only recipients with NULL here)';
COMMENT ON COLUMN ops.recipient.kpi IS 'Chỉ số / only messages about this KPI; NULL = all (messages with no KPI reach only recipients with NULL here)';
COMMENT ON COLUMN ops.recipient.kinds IS 'Loại tin / message kinds to receive (kpi_breach_open, kpi_breach_close, kpi_digest, freshness, task_failure, dag_deadline, official_diff, iso9001_expiry); NULL = all';
COMMENT ON COLUMN ops.recipient.active IS 'Đang dùng / false stops new messages to this recipient';

COMMENT ON COLUMN ops.outbox.message_id IS 'Khóa / surrogate key';
COMMENT ON COLUMN ops.outbox.kind IS 'Loại tin / message kind';
COMMENT ON COLUMN ops.outbox.dedupe_key IS 'Khóa chống trùng / the same (kind, key) is queued once per recipient';
COMMENT ON COLUMN ops.outbox.recipient_id IS 'Người nhận / ops.recipient';
COMMENT ON COLUMN ops.outbox.channel IS 'Kênh / email or webhook, copied from the recipient';
COMMENT ON COLUMN ops.outbox.address IS 'Địa chỉ / copied from the recipient';
COMMENT ON COLUMN ops.outbox.subject IS 'Tiêu đề / subject';
COMMENT ON COLUMN ops.outbox.body IS 'Nội dung / plain text, Vietnamese then English';
COMMENT ON COLUMN ops.outbox.detail IS 'Chi tiết / structured facts of the message (JSON)';
COMMENT ON COLUMN ops.outbox.chart_png IS 'Biểu đồ / PNG chart attached to e-mails';
COMMENT ON COLUMN ops.outbox.created_at IS 'Thời điểm xếp hàng / when queued';
COMMENT ON COLUMN ops.outbox.attempts IS 'Số lần gửi / delivery attempts so far';
COMMENT ON COLUMN ops.outbox.last_error IS 'Lỗi gần nhất / error of the last failed attempt';
COMMENT ON COLUMN ops.outbox.sent_at IS 'Thời điểm gửi / when a receiver accepted it; NULL = pending';
