-- 100,000 rows created, filled, indexed, queried, updated and deleted.
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL, note TEXT);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000)
INSERT INTO t SELECT x, printf('row%06d', (x * 7919) % 100003), x % 97, x * 0.25,
                     substr(printf('%.*c', x % 300, 'n'), 1) FROM n;
SELECT count(*), sum(v), sum(length(note)) FROM t;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_grp ON t(grp, v);
SELECT name, id FROM t WHERE name BETWEEN 'row050000' AND 'row050100' ORDER BY name LIMIT 5;
SELECT grp, count(*), round(avg(v), 3), max(name) FROM t GROUP BY grp ORDER BY grp LIMIT 5;
SELECT count(DISTINCT name) FROM t;
UPDATE t SET note = note || note WHERE grp < 10;
SELECT sum(length(note)) FROM t;
DELETE FROM t WHERE id % 3 = 0;
SELECT count(*), min(id), max(id) FROM t;
DROP INDEX t_grp;
DELETE FROM t WHERE grp > 50;
SELECT count(*), sum(v) FROM t;
DROP TABLE t;
SELECT count(*) FROM sqlite_master;
