-- Alerts people can act on (issue 14): routing as data (recipients per agency, per level,
-- catch-all; Telegram as a channel) and one composed message per recipient and business
-- day in the outbox, with a status that tells sent, pending and backfill-suppressed apart.

ALTER TABLE ops.recipient DROP CONSTRAINT IF EXISTS recipient_channel_check;
ALTER TABLE ops.recipient
    ADD CONSTRAINT recipient_channel_check CHECK (channel IN ('email', 'webhook', 'telegram')),
    ADD COLUMN agency_codes text[],
    ADD COLUMN agency_level text CHECK (agency_level IN ('PROVINCE', 'COMMUNE'));
UPDATE ops.recipient SET agency_codes = ARRAY[agency_code] WHERE agency_code IS NOT NULL;
CREATE UNIQUE INDEX recipient_address ON ops.recipient (channel, address);

COMMENT ON COLUMN ops.recipient.channel IS 'Kênh / email, webhook (Slack-compatible, connection alerts_webhook) or telegram (connection alerts_telegram)';
COMMENT ON COLUMN ops.recipient.address IS 'Địa chỉ / e-mail address(es), comma separated; webhook: default or a path on the alerts_webhook host; telegram: a chat id (-100…, @channel) or default (the connection''s chat_id)';
COMMENT ON COLUMN ops.recipient.agency_codes IS 'Đơn vị / only sections about these agencies (an agency''s leader or contact); NULL = no limit by code';
COMMENT ON COLUMN ops.recipient.agency_level IS 'Cấp / only sections about agencies of this level (PROVINCE or COMMUNE, as core.agency.level); NULL = any level. A recipient with neither limit is a catch-all and also gets the data-quality findings';
COMMENT ON COLUMN ops.recipient.agency_code IS 'Đơn vị (cũ) / superseded by agency_codes (copied there by V015); kept for old readers';
COMMENT ON COLUMN ops.recipient.kinds IS 'Loại tin / sections and messages to receive (kpi_breach_open, kpi_breach_close, kpi_digest, due_soon, data_quality, freshness, task_failure, dag_deadline, official_diff, iso9001_expiry); NULL = all';

ALTER TABLE ops.outbox DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE ops.outbox
    ADD COLUMN status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'suppressed_backfill')),
    ADD COLUMN business_day date,
    ADD COLUMN html_body text;
UPDATE ops.outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
DROP INDEX IF EXISTS ops.outbox_pending;
CREATE INDEX outbox_pending ON ops.outbox (message_id) WHERE status = 'pending';
CREATE INDEX outbox_day ON ops.outbox (business_day, recipient_id);

COMMENT ON COLUMN ops.outbox.status IS 'Trạng thái / pending (to send), sent, or suppressed_backfill (what a rerun or backfill of a past day would have sent; never sent)';
COMMENT ON COLUMN ops.outbox.business_day IS 'Ngày nghiệp vụ / local business day of the run that composed the message (run_summary: one per recipient and day)';
COMMENT ON COLUMN ops.outbox.html_body IS 'Nội dung HTML / the e-mail''s HTML part (the chart referenced as cid:); NULL = HTML made from the plain text';
COMMENT ON COLUMN ops.outbox.kind IS 'Loại tin / run_summary (the one message of a daily run), task_failure, dag_deadline, or the kind of another DAG''s message';
