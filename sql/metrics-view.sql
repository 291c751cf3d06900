SELECT timestamp, instance_id, region, metric_type, value, unit, metadata, year, month, day
FROM {parquet}
WHERE NOT (
  (year = date_format(current_date, '%Y') AND month = date_format(current_date, '%m') AND day = date_format(current_date, '%d'))
  OR (year = date_format(current_date - INTERVAL '1' DAY, '%Y') AND month = date_format(current_date - INTERVAL '1' DAY, '%m') AND day = date_format(current_date - INTERVAL '1' DAY, '%d'))
)
UNION ALL
SELECT timestamp, instance_id, region, metric_type, value, unit, metadata, year, month, day
FROM {raw}
WHERE (year = date_format(current_date, '%Y') AND month = date_format(current_date, '%m') AND day = date_format(current_date, '%d'))
  OR (year = date_format(current_date - INTERVAL '1' DAY, '%Y') AND month = date_format(current_date - INTERVAL '1' DAY, '%m') AND day = date_format(current_date - INTERVAL '1' DAY, '%d'))
