-- Alerts: breach state (BI-readable), recipients as data, and an outbox of messages.

CREATE SCHEMA IF NOT EXISTS ops;
COMMENT ON SCHEMA ops IS 'Vận hành / pipeline operations: alert recipients and the message outbox (not for BI)';

CREATE TABLE kpi.alert (
    alert_id        bigserial PRIMARY KEY,
    kpi             text NOT NULL,
    agency_code     text NOT NULL,
    period_grain    text NOT NULL,
    status          text NOT NULL CHECK (status IN ('open', 'closed')),
    severity        text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    opened_period   date NOT NULL,
    opened_value    numeric,
    target          numeric,
    comparator      text,
    last_period     date NOT NULL,
    last_value      numeric,
    closed_period   date,
    closed_value    numeric,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz
);
CREATE UNIQUE INDEX alert_one_open ON kpi.alert (kpi, agency_code, period_grain) WHERE status = 'open';
COMMENT ON TABLE kpi.alert IS 'Cảnh báo chỉ số / KPI breaches: one row per breach of (kpi, agency, grain), opened when a period misses target and closed when a later one meets it';
COMMENT ON COLUMN kpi.alert.alert_id IS 'Khóa / surrogate key';
COMMENT ON COLUMN kpi.alert.kpi IS 'Chỉ số / KPI name';
COMMENT ON COLUMN kpi.alert.agency_code IS 'Mã đơn vị / agency, or the province code';
COMMENT ON COLUMN kpi.alert.period_grain IS 'Kỳ / day or month';
COMMENT ON COLUMN kpi.alert.status IS 'Trạng thái / open or closed';
COMMENT ON COLUMN kpi.alert.severity IS 'Mức độ / low, medium, high, critical: how far under target';
COMMENT ON COLUMN kpi.alert.opened_period IS 'Kỳ bắt đầu / first period that missed target';
COMMENT ON COLUMN kpi.alert.opened_value IS 'Giá trị khi mở / value of that period';
COMMENT ON COLUMN kpi.alert.target IS 'Chỉ tiêu / target at opening';
COMMENT ON COLUMN kpi.alert.comparator IS 'So sánh / >=, <= or =';
COMMENT ON COLUMN kpi.alert.last_period IS 'Kỳ gần nhất / latest period judged while open';
COMMENT ON COLUMN kpi.alert.last_value IS 'Giá trị gần nhất / its value';
COMMENT ON COLUMN kpi.alert.closed_period IS 'Kỳ đạt lại / period that met target again';
COMMENT ON COLUMN kpi.alert.closed_value IS 'Giá trị khi đóng / its value';
COMMENT ON COLUMN kpi.alert.opened_at IS 'Thời điểm mở / when the breach was opened';
COMMENT ON COLUMN kpi.alert.closed_at IS 'Thời điểm đóng / when it was closed';

CREATE TABLE ops.recipient (
    recipient_id  serial PRIMARY KEY,
    name          text NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('email', 'webhook')),
    address       text NOT NULL,
    agency_code   text,
    kpi           text,
    kinds         text[],
    active        boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE ops.recipient IS 'Người nhận / who receives what: channel and address, optionally limited to one agency, one KPI, or some message kinds (NULL = all)';

INSERT INTO ops.recipient (name, channel, address, kinds) VALUES
    ('Nhóm dữ liệu (data team)', 'email', 'data-team@localhost', NULL),
    ('Kênh cảnh báo (alerts channel)', 'webhook', 'default', NULL);

CREATE TABLE ops.outbox (
    message_id    bigserial PRIMARY KEY,
    kind          text NOT NULL,
    dedupe_key    text NOT NULL,
    recipient_id  integer NOT NULL REFERENCES ops.recipient (recipient_id),
    channel       text NOT NULL,
    address       text NOT NULL,
    subject       text NOT NULL,
    body          text NOT NULL,
    detail        jsonb NOT NULL DEFAULT '{}',
    chart_png     bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    sent_at       timestamptz,
    UNIQUE (kind, dedupe_key, recipient_id)
);
CREATE INDEX outbox_pending ON ops.outbox (created_at) WHERE sent_at IS NULL;
COMMENT ON TABLE ops.outbox IS 'Hộp thư đi / every message to send; kept until a receiver accepts it, so a receiver that is down gets it on the next run';
