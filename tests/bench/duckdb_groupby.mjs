// The comparison query of issue 5: what people run on a TRTC export instead
// of roomreport. One GROUP BY over the whole CSV. The outer query folds every
// aggregate into one row, so none can be pruned and no big result crosses
// into JavaScript. Run by run.sh from a copy next to its
// node_modules:  node duckdb_groupby.mjs FILE.csv [THREADS]
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const threads = process.argv[3] || '2';
if (!file) {
  console.error('usage: node duckdb_groupby.mjs FILE.csv [THREADS]');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
// Quote the path as an SQL string literal.
const path = "'" + file.replaceAll("'", "''") + "'";
const reader = await con.runAndReadAll(
  `SELECT count(*), sum(n), min(t0), max(t1) FROM (
     SELECT RoomId, UserId, count(*) AS n, min(Time) AS t0, max(Time) AS t1
     FROM read_csv(${path}) GROUP BY 1, 2)`);
const [groups, rows] = reader.getRows()[0];
console.log(`groups ${groups} rows ${rows}`);
