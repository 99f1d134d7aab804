-- One recipient from the province's list; the same (channel, address) is updated in place.
INSERT INTO ops.recipient (name, channel, address, agency_codes, agency_level, kinds, active)
VALUES (:recipient_name, :channel, :address, CAST(:agency_codes AS text[]), :agency_level,
        CAST(:kinds AS text[]), :active)
ON CONFLICT (channel, address) DO UPDATE SET
    name = EXCLUDED.name,
    agency_codes = EXCLUDED.agency_codes,
    agency_level = EXCLUDED.agency_level,
    kinds = EXCLUDED.kinds,
    active = EXCLUDED.active
RETURNING (xmax = 0) AS inserted;
