SELECT date_trunc('day', from_iso8601_timestamp(timestamp)) AS date,
  MAX(value) AS peak_memory
FROM {metrics}
WHERE metric_type = 'memory'
  AND year = '2026'
  AND month = '02'
GROUP BY date_trunc('day', from_iso8601_timestamp(timestamp))
ORDER BY date
