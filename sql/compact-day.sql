INSERT INTO {parquet}
SELECT timestamp, instance_id, region, metric_type, value, unit, metadata, year, month, day
FROM {raw}
WHERE year = ? AND month = ? AND day = ?
