-- The heavy aggregation of the client P&L: one pass over the sales lines, one row per
-- entity (kamlib.profitability.pnl._line_aggregates computes the same figures).
-- Input: a table or view `sales_lines` with the columns step 1 writes
--   entity_id, document_id, date (DATE), net_revenue, gross_revenue, discount, cogs,
--   is_return (BOOLEAN)
-- Plain SQL (CASE inside the aggregates, no FILTER clause) so that it runs unchanged on
-- DuckDB, Spark SQL, PostgreSQL, Snowflake and ClickHouse; on BigQuery write the month as
-- DATE_TRUNC(date, MONTH).
SELECT
    entity_id,
    COUNT(*) AS lines,
    SUM(CASE WHEN COALESCE(is_return, FALSE) THEN 1 ELSE 0 END) AS return_lines,
    COUNT(DISTINCT CASE WHEN NOT COALESCE(is_return, FALSE) THEN document_id END) AS orders,
    SUM(CASE WHEN NOT COALESCE(is_return, FALSE) THEN net_revenue ELSE 0 END) AS sales_net,
    -SUM(CASE WHEN COALESCE(is_return, FALSE) THEN net_revenue ELSE 0 END) AS returns,
    SUM(net_revenue) AS net_revenue,
    -- discounts as exported may include VAT: brought to the net-of-VAT basis of the line
    SUM(CASE WHEN NOT COALESCE(is_return, FALSE) THEN COALESCE(discount, 0)
             * CASE WHEN gross_revenue <> 0 THEN net_revenue / gross_revenue ELSE 1 END
             ELSE 0 END) AS discount,
    SUM(COALESCE(cogs, 0)) AS cogs,
    MIN(CASE WHEN NOT COALESCE(is_return, FALSE) THEN date END) AS first_order,
    MAX(CASE WHEN NOT COALESCE(is_return, FALSE) THEN date END) AS last_order,
    COUNT(DISTINCT CASE WHEN NOT COALESCE(is_return, FALSE)
                        THEN DATE_TRUNC('month', date) END) AS months_active
FROM sales_lines
GROUP BY entity_id
