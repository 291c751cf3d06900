SELECT instance_id,
  AVG(value) AS avg_cpu,
  MAX(value) AS max_cpu,
  MIN(value) AS min_cpu
FROM {metrics}
WHERE metric_type = 'cpu'
  AND year = '2026'
  AND month = '02'
  AND day BETWEEN '13' AND '20'
GROUP BY instance_id
ORDER BY avg_cpu DESC
