-- A fleet for the reliability page's queries: 20 models, 200,000 units commissioned
-- over five years (2021-2025), 20,000 failure tickets and 2,000 approved returns.
-- Load into a freshly migrated SQLite database (see bench/reliability/README.md).
INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at)
VALUES (1000, 'bench', 'bench', 'admin', 'x', 0, 0);
INSERT INTO customers (id, name, address, region, created_at, updated_at)
VALUES (1, '基准客户', '浙江省杭州市上城区', 'hangzhou_urban', 0, 0);
INSERT INTO sites (id, customer_id, ordinal, address, region, created_at, updated_at)
VALUES (1, 1, 1, '浙江省杭州市上城区', 'hangzhou_urban', 0, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO product_models (id, code, name, product_line, created_at, updated_at)
SELECT i, 'M-' || i, 'model ' || i, 'switchgear', 0, 0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO units (id, model_id, serial_no, customer_id, site_id, commissioned_on, created_at, updated_at)
SELECT i, 1 + i % 20, 'S' || i, 1, 1, date('2021-01-01', '+' || (i * 7919 % 1826) || ' days'), 0, 0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO tickets (kind, channel, customer_id, unit_id, summary, status, received_at, site_region, created_by, created_at, updated_at)
SELECT CASE i % 3 WHEN 0 THEN 'repair' WHEN 1 THEN 'emergency' ELSE 'complaint_quality' END,
       'phone', 1, i * 10 - i % 10, 'fault', 'closed',
       (CAST(strftime('%s', (SELECT commissioned_on FROM units WHERE id = i * 10 - i % 10)) AS INTEGER)
        + (i * 104729 % 400) * 86400) * 1000,
       'hangzhou_urban', 1000, 0, 0
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO returns (unit_id, ground, description, requested_on, requested_by, status, rule, eligibility, created_at, updated_at)
SELECT i * 97, 'quality_problem', 'bench', date((SELECT commissioned_on FROM units WHERE id = i * 97), '+90 days'),
       1000, 'approved', '{}', '{}', 0, 0
FROM n;
