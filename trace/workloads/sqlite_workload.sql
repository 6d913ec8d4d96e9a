-- Workload for the sqlite3 trace in corpus/traces/sqlite.trace (see
-- trace/record.sh): an in-memory database built, indexed, queried,
-- updated and shrunk. Deterministic.
PRAGMA cache_size = 200;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, kind INTEGER, body TEXT);
CREATE TABLE tag(item_id INTEGER, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 7000)
INSERT INTO item(id, name, kind, body)
  SELECT i, 'item-' || i, i % 17, substr(hex(zeroblob(i % 200)), 1, (i * 7) % 300) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 14000)
INSERT INTO tag(item_id, label) SELECT (i * 13) % 7000 + 1, 'tag' || (i % 41) FROM n;
CREATE INDEX item_kind ON item(kind, name);
CREATE INDEX tag_label ON tag(label, item_id);
SELECT kind, count(*), sum(length(body)) FROM item GROUP BY kind ORDER BY kind;
SELECT t.label, count(DISTINCT i.id), group_concat(i.name, ',')
  FROM tag t JOIN item i ON i.id = t.item_id
  WHERE i.kind IN (1, 5, 9) GROUP BY t.label ORDER BY 2 DESC LIMIT 5;
SELECT name, upper(substr(body, 1, 20)) FROM item WHERE name LIKE 'item-1%' ORDER BY length(body) DESC LIMIT 5;
UPDATE item SET body = body || replace(body, '0', 'x') WHERE kind < 5;
DELETE FROM tag WHERE label IN ('tag1', 'tag2', 'tag3');
SELECT count(*), avg(length(body)) FROM item;
SELECT group_concat(label, ' ') FROM (SELECT DISTINCT label FROM tag ORDER BY label);
DROP INDEX tag_label;
DELETE FROM item WHERE id % 3 = 0;
VACUUM;
SELECT count(*) FROM item;
