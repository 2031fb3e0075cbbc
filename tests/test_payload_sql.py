"""SQL and NoSQL payloads: every client form (arguments, files, stdin pipes, heredocs, here-strings), multi-statement
text, SQL agentsh cannot parse, SQL built at run time, wrappers, and the benign neighbours that must stay allowed.

Commands are only analyzed (agentsh.analyze), never run.
"""
import os
import subprocess
import sys

import pytest

from agentsh.payloads import sql as sql_mod

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rules_of(d):
    return {f.rule for f in d.findings}


def facts_of(d, prefix=("sql:", "redis:", "mongo:")):
    return {(f.kind, f.target) for f in d.facts if f.kind.startswith(prefix)}


# ---- each client form, inline ---------------------------------------------------------------------------------------
STOPPED_INLINE = [
    # psql
    ("psql -c 'DROP DATABASE app'", "sql.drop-database", ("sql:drop", "database app")),
    ("psql --command='DROP TABLE users'", "sql.drop-table", ("sql:drop", "table users")),
    ("psql --command 'DROP TABLE users'", "sql.drop-table", ("sql:drop", "table users")),
    ("psql -Xc 'TRUNCATE users'", "sql.truncate", ("sql:truncate", "table users")),
    ("psql -h db -U app -d app -c 'SELECT 1' -c 'DELETE FROM users'", "sql.delete-all",
     ("sql:delete-all", "table users")),
    ("psql postgres://u@db/app -v ON_ERROR_STOP=1 -c 'UPDATE users SET admin = true'", "sql.update-all",
     ("sql:update-all", "table users")),
    ("pgcli -c 'DROP SCHEMA public CASCADE'", "sql.drop-database", ("sql:drop", "schema public")),
    # mysql / mariadb
    ("mysql -u root -psecret -e 'DROP DATABASE shop'", "sql.drop-database", ("sql:drop", "database shop")),
    ("mysql --execute='TRUNCATE TABLE orders' shop", "sql.truncate", ("sql:truncate", "table orders")),
    ("mariadb -e 'DELETE FROM orders WHERE 1=1'", "sql.delete-all", ("sql:delete-all", "table orders")),
    ("mysql -e 'DROP TABLE `orders`'", "sql.drop-table", ("sql:drop", "table orders")),
    # sqlite3
    ("sqlite3 app.db 'DROP TABLE sessions'", "sql.drop-table", ("sql:drop", "table sessions")),
    ("sqlite3 -bail app.db 'SELECT 1' 'DELETE FROM sessions'", "sql.delete-all", ("sql:delete-all", "table sessions")),
    ("sqlite3 -cmd 'DROP TABLE t' app.db", "sql.drop-table", ("sql:drop", "table t")),
    # clickhouse
    ("clickhouse-client --query 'DROP TABLE logs.events SYNC'", "sql.drop-table", ("sql:drop", "table logs.events")),
    ("clickhouse client -q 'ALTER TABLE events DELETE WHERE 1'", "sql.delete-all", ("sql:delete-all", "table events")),
    ("clickhouse-client --query='ALTER TABLE logs DROP PARTITION 202401'", "sql.alter-drop", None),
    # cqlsh
    ("cqlsh -e 'DROP KEYSPACE analytics'", "sql.drop-database", ("sql:drop", "keyspace analytics")),
    ("cqlsh cassandra.internal 9042 --execute 'TRUNCATE events'", "sql.truncate", ("sql:truncate", "table events")),
    # duckdb
    ("duckdb -c 'DROP TABLE t'", "sql.drop-table", ("sql:drop", "table t")),
    ("duckdb warehouse.duckdb 'DELETE FROM t'", "sql.delete-all", ("sql:delete-all", "table t")),
    # bq
    ("bq query 'DELETE FROM ds.events WHERE true'", "sql.delete-all", ("sql:delete-all", "table ds.events")),
    ("bq --project_id=p query --use_legacy_sql=false 'DROP SCHEMA ds CASCADE'", "sql.drop-database",
     ("sql:drop", "schema ds")),
    # sqlcmd
    ("sqlcmd -S srv -d app -Q 'DROP TABLE dbo.users'", "sql.drop-table", ("sql:drop", "table dbo.users")),
    ("sqlcmd -S srv -q 'TRUNCATE TABLE [dbo].[users]'", "sql.truncate", ("sql:truncate", "table dbo.users")),
    ("sqlcmd -Q 'DROP TABLE a\nGO\nDROP TABLE b\nGO'", "sql.drop-table", ("sql:drop", "table b")),
    # cockroach, snowsql, turso, wrangler
    ("cockroach sql --url postgres://root@db:26257 -e 'DROP DATABASE bank'", "sql.drop-database",
     ("sql:drop", "database bank")),
    ("snowsql -c prod -q 'DROP SCHEMA analytics'", "sql.drop-database", ("sql:drop", "schema analytics")),
    ("snowsql -q 'CREATE OR REPLACE TABLE t (a int)'", "sql.replace-table", ("sql:replace-table", "table t")),
    ("turso db shell mydb 'DROP TABLE users'", "sql.drop-table", ("sql:drop", "table users")),
    ("wrangler d1 execute prod --remote --command 'DELETE FROM users'", "sql.delete-all",
     ("sql:delete-all", "table users")),
    ("npx wrangler d1 execute prod --remote --command='DROP TABLE users'", "sql.drop-table",
     ("sql:drop", "table users")),
    # statement kinds
    ("psql -c 'ALTER TABLE users DROP COLUMN email'", "sql.alter-drop", ("sql:alter-drop", "column users.email")),
    ("psql -c 'ALTER TABLE users RENAME TO old_users'", "sql.rename", ("sql:rename", "table users")),
    ("mysql -e 'RENAME TABLE orders TO orders_old'", "sql.rename", ("sql:rename", "table orders")),
    ("psql -c 'GRANT ALL ON users TO bob'", "sql.grant-all", ("sql:grant-all", "on users")),
    ("psql -c 'REVOKE ALL ON DATABASE app FROM app_user'", "sql.revoke-all", None),
    ("psql -c 'DROP VIEW v'", "sql.drop-object", ("sql:drop", "view v")),
    ("psql -c 'DROP USER bob'", "sql.drop-object", ("sql:drop", "user bob")),
    ("psql -c 'DROP MATERIALIZED VIEW mv'", "sql.drop-object", ("sql:drop", "materialized view mv")),
    ("psql -c 'DROP FROBNICATOR x'", "sql.drop-object", ("sql:drop", "object frobnicator x")),
    ("psql -c 'DROP TABLE IF EXISTS tmp_x'", "sql.drop-table", ("sql:drop", "table tmp_x")),
    ("psql -c 'DROP DATABASE app WITH (FORCE)'", "sql.drop-database", ("sql:drop", "database app")),
    ("psql -c 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d'", "sql.delete-all",
     ("sql:delete-all", "table t")),
    ("psql -c 'EXPLAIN ANALYZE DELETE FROM t'", "sql.delete-all", ("sql:delete-all", "table t")),
    ("mysql -e 'RESET MASTER'", "sql.purge-logs", None),
    ("psql -c 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity'", "sql.admin-function",
     ("sql:admin-function", "pg_terminate_backend")),
    ("psql -c \"COPY t TO PROGRAM 'gzip > /tmp/t.gz'\"", "sql.copy-program", None),
    ("sqlite3 app.db '.restore backup.db'", "sql.restore", None),
    ("bq query --destination_table=ds.daily --replace 'SELECT 1 AS x'", "sql.replace-table",
     ("sql:replace-table", "table ds.daily")),
]


@pytest.mark.parametrize("command,rule,fact", STOPPED_INLINE)
def test_inline_sql_is_stopped(decide, command, rule, fact):
    d = decide(command)
    assert rule in rules_of(d), (command, rules_of(d), facts_of(d))
    assert d.decision != "allow"
    if fact is not None:
        assert fact in facts_of(d)
    assert decide(command, environment="production").decision != "allow"


def test_multi_statement_text_reports_every_statement(decide):
    d = decide("psql -c 'SELECT 1; DROP TABLE a; INSERT INTO b VALUES (1); TRUNCATE c; DELETE FROM e WHERE id = 1'")
    assert {("sql:drop", "table a"), ("sql:truncate", "table c"), ("sql:delete", "table e")} <= facts_of(d)
    assert {"sql.drop-table", "sql.truncate", "sql.delete"} <= rules_of(d)


def test_multi_table_drop_names_each_table(decide):
    d = decide("mysql shop -e 'DROP TABLE a, b, c'")
    assert {("sql:drop", "table a"), ("sql:drop", "table b"), ("sql:drop", "table c")} <= facts_of(d)


def test_fact_payload_is_the_statement(decide):
    d = decide("psql -c 'SELECT 1; DROP TABLE users'")
    drop = [f for f in d.facts if f.kind == "sql:drop"]
    assert drop and drop[0].payload == "DROP TABLE users"
    assert "psql -c" in drop[0].detail


# ---- stdin: pipes, redirects, heredocs, here-strings ---------------------------------------------------------------
STOPPED_STDIN = [
    ("echo 'DROP TABLE users;' | psql app", "sql.drop-table"),
    ("printf 'DELETE FROM users;\\n' | psql app", "sql.delete-all"),
    ("psql app <<'EOF'\nSELECT 1;\nDROP TABLE orders;\nEOF", "sql.drop-table"),
    ("psql app <<EOF\nTRUNCATE orders;\nEOF", "sql.truncate"),
    ("psql app <<< 'DROP SCHEMA public CASCADE'", "sql.drop-database"),
    ("psql -f - <<< 'DROP TABLE x'", "sql.drop-table"),
    ("mysql shop <<< 'DROP TABLE orders'", "sql.drop-table"),
    ("echo 'DROP TABLE t;' | sqlite3 app.db", "sql.drop-table"),
    ("clickhouse-client <<< 'TRUNCATE TABLE t'", "sql.truncate"),
    ("echo 'DROP TABLE t' | duckdb app.duckdb", "sql.drop-table"),
    ("cqlsh <<'EOF'\nDROP KEYSPACE ks;\nEOF", "sql.drop-database"),
    ("bq query --use_legacy_sql=false <<< 'DELETE FROM ds.t WHERE true'", "sql.delete-all"),
    ("sqlcmd -S srv <<'EOF'\nDROP TABLE dbo.t\nGO\nEOF", "sql.drop-table"),
    ("cockroach sql --insecure <<< 'DROP DATABASE bank'", "sql.drop-database"),
    ("snowsql <<< 'DROP DATABASE prod'", "sql.drop-database"),
    ("turso db shell mydb <<< 'DROP TABLE users'", "sql.drop-table"),
    ("echo FLUSHALL | redis-cli", "redis.flushall"),
    ("echo 'db.dropDatabase()' | mongosh app", "mongo.drop-database"),
]


@pytest.mark.parametrize("command,rule", STOPPED_STDIN)
def test_sql_on_stdin_is_stopped(decide, command, rule):
    d = decide(command)
    assert rule in rules_of(d), (command, rules_of(d), facts_of(d))
    assert d.decision != "allow"


def test_rollback_dry_run_is_allowed_but_commit_is_not(decide):
    assert decide("psql app <<'EOF'\nBEGIN;\nDELETE FROM users;\nROLLBACK;\nEOF").decision == "allow"
    d = decide("psql app <<'EOF'\nBEGIN;\nDELETE FROM users;\nCOMMIT;\nEOF")
    assert "sql.delete-all" in rules_of(d)
    # ROLLBACK TO SAVEPOINT does not undo the whole transaction
    assert "sql.delete-all" in rules_of(decide("psql -c 'BEGIN; DELETE FROM x; ROLLBACK TO SAVEPOINT a; COMMIT'"))
    # MySQL commits DDL implicitly, so a ROLLBACK there proves nothing
    assert "sql.drop-table" in rules_of(decide("mysql -e 'START TRANSACTION; DROP TABLE x; ROLLBACK'"))


# ---- files: -f, -i, --file, < file, .read, \i ----------------------------------------------------------------------
def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


FILE_FORMS = [
    ("psql -f {path}", "sql.drop-table"),
    ("psql --file={path}", "sql.drop-table"),
    ("psql app < {path}", "sql.drop-table"),
    ("cat {path} | psql app", "sql.drop-table"),
    ("psql -c '\\i {path}'", "sql.drop-table"),
    ("mysql shop < {path}", "sql.drop-table"),
    ("sqlite3 app.db < {path}", "sql.drop-table"),
    ("sqlite3 app.db '.read {path}'", "sql.drop-table"),
    ("sqlite3 -init {path} app.db", "sql.drop-table"),
    ("clickhouse-client --queries-file {path}", "sql.drop-table"),
    ("cqlsh -f {path}", "sql.drop-table"),
    ("duckdb -f {path}", "sql.drop-table"),
    ("sqlcmd -S srv -i {path}", "sql.drop-table"),
    ("cockroach sql -f {path}", "sql.drop-table"),
    ("snowsql -f {path}", "sql.drop-table"),
    ("wrangler d1 execute prod --remote --file {path}", "sql.drop-table"),
    ("bq query --use_legacy_sql=false < {path}", "sql.drop-table"),
    ("turso db shell mydb < {path}", "sql.drop-table"),
]


@pytest.mark.parametrize("form,rule", FILE_FORMS)
def test_sql_file_with_drop_is_stopped(decide, tmp_path, form, rule):
    p = _write(tmp_path, "reset.sql", "-- reset\nSELECT 1;\nDROP TABLE users;\n")
    d = decide(form.format(path=p))
    assert rule in rules_of(d), (form, rules_of(d), facts_of(d))
    assert ("sql:drop", "table users") in facts_of(d)
    assert d.decision != "allow"


def test_relative_sql_file_resolves_against_cwd(decide, tmp_path):
    _write(tmp_path, "reset.sql", "TRUNCATE orders;\n")
    d = decide("psql -f reset.sql", cwd=str(tmp_path))
    assert "sql.truncate" in rules_of(d)
    d = decide("cd %s && psql -f ./reset.sql" % tmp_path)
    assert "sql.truncate" in rules_of(d)


def test_benign_sql_file_is_allowed(decide, tmp_path):
    p = _write(tmp_path, "report.sql", "SELECT count(*) FROM users;\n-- DROP TABLE users; (a comment)\n"
                                       "SELECT 'DROP TABLE users' AS text;\n")
    assert decide("psql -f %s" % p).decision == "allow"


def test_mysqldump_restore_is_stopped(decide, tmp_path):
    dump = ("/*!40101 SET NAMES utf8 */;\nDROP TABLE IF EXISTS `orders`;\nCREATE TABLE `orders` (id int);\n"
            "LOCK TABLES `orders` WRITE;\nINSERT INTO `orders` VALUES (1,'it\\'s; DELETE FROM x');\nUNLOCK TABLES;\n")
    p = _write(tmp_path, "dump.sql", dump)
    d = decide("mysql shop < %s" % p)
    assert facts_of(d) == {("sql:drop", "table orders")}   # the DELETE inside the string literal is data
    assert "sql.drop-table" in rules_of(d)


def test_mysql_delimiter_blocks_keep_procedure_bodies_whole(decide, tmp_path):
    text = ("DELIMITER ;;\nCREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN DELETE FROM b; END ;;\n"
            "DELIMITER ;\nSELECT 1;\n")
    p = _write(tmp_path, "triggers.sql", text)
    assert decide("mysql shop < %s" % p).decision == "allow"


def test_cqlsh_source_is_followed(decide, tmp_path):
    _write(tmp_path, "schema.cql", "DROP KEYSPACE old;\n")
    d = decide("cqlsh -e \"SOURCE 'schema.cql'\"", cwd=str(tmp_path))
    assert ("sql:drop", "keyspace old") in facts_of(d)


def test_nested_include_is_followed(decide, tmp_path):
    _write(tmp_path, "inner.sql", "DROP TABLE inner_t;\n")
    outer = _write(tmp_path, "outer.sql", "\\ir inner.sql\n")
    d = decide("psql -f %s" % outer)
    assert ("sql:drop", "table inner_t") in facts_of(d)


@pytest.mark.parametrize("form", ["psql -f {missing}", "psql app < {missing}", "mysql shop < {missing}",
                                  "sqlite3 app.db '.read {missing}'", "psql -c '\\i {missing}'",
                                  "sqlcmd -i {missing}", "psql -f {directory}", "cat {missing} | psql",
                                  "mongosh app {missing_js}", "redis-cli < {missing}"])
def test_unreadable_file_is_never_allowed(decide, tmp_path, form):
    cmd = form.format(missing=tmp_path / "nope.sql", directory=tmp_path, missing_js=tmp_path / "nope.js")
    d = decide(cmd)
    assert d.decision != "allow"
    assert any(f.kind == "shell:unreadable-script" for f in d.facts)


def test_oversized_file_is_unreadable(decide, tmp_path):
    p = tmp_path / "huge.sql"
    p.write_text("SELECT 1;\n" * 120_000)      # > 1 MB
    d = decide("psql -f %s" % p)
    assert d.decision != "allow"
    assert any(f.kind == "shell:unreadable-script" for f in d.facts)


def test_file_inside_remote_context_is_not_read_locally(decide, tmp_path):
    p = _write(tmp_path, "x.sql", "SELECT 1;\n")
    # the path names a file on the remote host / in the container, not this one
    for cmd in ("ssh db1 psql -f %s" % p, "docker exec db psql -f %s" % p):
        d = decide(cmd)
        assert d.decision != "allow"
        assert any(f.kind == "shell:unreadable-script" for f in d.facts)


# ---- SQL agentsh cannot parse, and SQL built at run time -------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "psql -c 'DO $$ BEGIN IF true THEN DELETE FROM users; END IF; END $$'",
    "cqlsh -e 'BATCH DELETE FROM users WHERE id = 1'",
    "psql -c 'SELECT 1 FROM t WHERE (((( UPDATE'",
])
def test_unparsed_destructive_sql(decide, command):
    d = decide(command)
    assert "sql.unparsed-destructive" in rules_of(d), (rules_of(d), facts_of(d))
    assert d.decision != "allow"


@pytest.mark.parametrize("command,rule", [
    ("psql -c 'DO $$ BEGIN EXECUTE $q$DROP TABLE x$q$; END $$'", "sql.drop-table"),
    ("psql -c \"DO \\$\\$ DECLARE r record; BEGIN FOR r IN SELECT tablename FROM pg_tables LOOP "
     "EXECUTE 'DROP TABLE ' || r.tablename; END LOOP; END \\$\\$\"", "sql.drop-table"),
    ("mysql -e \"PREPARE s FROM 'DROP TABLE x'; EXECUTE s\"", "sql.drop-table"),
    ("sqlcmd -Q \"EXEC('TRUNCATE TABLE dbo.t')\"", "sql.truncate"),
    ("psql -c \"SELECT 'DROP TABLE ' || tablename FROM pg_tables \\gexec\"", "sql.drop-table"),
])
def test_sql_run_from_strings_is_analyzed(decide, command, rule):
    d = decide(command)
    assert rule in rules_of(d), (rules_of(d), facts_of(d))


@pytest.mark.parametrize("command", [
    "psql -c \"$Q\"",
    "psql -c \"$(cat query.sql)\"",
    "psql -f \"$SQL_FILE\"",
    "mysql -e \"$SQL\"",
    "sqlite3 app.db \"$SQL\"",
    "bq query \"$SQL\"",
    "psql -c \"DELETE FROM users WHERE id = $ID\"",
    "psql app <<EOF\nDELETE FROM users WHERE id = $ID;\nEOF",
    "some-generator | psql app",
    "pg_dump prod | psql staging",
    "psql -c 'SELECT cmd FROM jobs \\gexec'",
    "redis-cli $CMD",
    "mongosh --eval \"$JS\"",
    "gen-commands | redis-cli",
    "mysql -e \"SET @q = 'DROP TABLE x'; PREPARE s FROM @q; EXECUTE s\"",
    "sqlcmd -Q 'EXEC sp_executesql @sql'",
    "sqlcmd -Q 'EXEC(@sql)'",
    "snowsql -q 'EXECUTE IMMEDIATE :stmt'",
])
def test_dynamic_payload_is_never_allowed(decide, command):
    d = decide(command)
    assert d.decision != "allow", (command, rules_of(d))


def test_dynamic_sql_still_reports_what_it_can_see(decide):
    d = decide("psql -c \"DROP TABLE $T\"")
    assert "sql.drop-table" in rules_of(d)


@pytest.mark.parametrize("command", [
    "psql -c 'SELECT (' ",
    "psql -c \"SELECT 'unterminated\"",
    "psql -c '" + "(" * 3000 + "1" + ")" * 3000 + "'",
    "mysql -e '/* never closed'",
    "psql -c '$$ unterminated dollar'",
    "sqlite3 app.db '.'",
    "psql -c '\\'",
])
def test_malformed_sql_never_crashes(decide, command):
    d = decide(command)
    assert not any(f.rule.startswith("agentsh.") for f in d.findings), [f.rule for f in d.findings]


def test_sqlglot_warnings_do_not_reach_stderr(decide, capfd):
    decide("psql -c 'DROP USER bob; DROP OWNED BY bob; ALTER DATABASE a RENAME TO b'")
    assert capfd.readouterr().err == ""


# ---- client meta-commands that run a shell ---------------------------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("psql -c '\\! rm -rf ~'", "fs.rm-home"),
    ("psql -c \"\\copy t from program 'rm -rf ~'\"", "fs.rm-home"),
    ("psql -c \"COPY t FROM PROGRAM 'rm -rf ~'\"", "fs.rm-home"),
    ("mysql -e 'system rm -rf ~'", "fs.rm-home"),
    ("mysql -e '\\! rm -rf ~'", "fs.rm-home"),
    ("sqlite3 app.db '.shell rm -rf ~'", "fs.rm-home"),
    ("duckdb app.duckdb '.system rm -rf ~'", "fs.rm-home"),
    ("snowsql -q '!system rm -rf ~'", "fs.rm-home"),
    ("sqlcmd -Q ':!! rm -rf ~'", "fs.rm-home"),
])
def test_meta_command_shell_is_analyzed(decide, command, rule):
    d = decide(command)
    assert rule in rules_of(d), (rules_of(d), [t for t in d.trace])
    assert d.decision != "allow"


# ---- wrappers ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("docker exec db psql -c 'DROP DATABASE app'", "sql.drop-database"),
    ("docker exec -it db psql -U postgres -c 'DROP TABLE users'", "sql.drop-table"),
    ("docker compose exec db psql -c 'TRUNCATE users'", "sql.truncate"),
    ("kubectl exec -it pg-0 -- psql -c 'DROP TABLE users'", "sql.drop-table"),
    ("kubectl exec -n prod pg-0 -- mysql -e 'DROP DATABASE shop'", "sql.drop-database"),
    ("ssh host \"psql -c 'DROP TABLE x'\"", "sql.drop-table"),
    ("ssh db1 mysql -e \"'DELETE FROM orders'\"", "sql.delete-all"),
    ("sudo -u postgres psql -c 'DROP DATABASE app'", "sql.drop-database"),
    ("bash -c \"psql -c 'DROP TABLE x'\"", "sql.drop-table"),
    ("env PGHOST=db psql -c 'DROP TABLE x'", "sql.drop-table"),
    ("docker exec redis redis-cli FLUSHALL", "redis.flushall"),
    ("kubectl exec mongo-0 -- mongosh --eval 'db.dropDatabase()'", "mongo.drop-database"),
    ("Q='DROP TABLE users'; psql -c \"$Q\"", "sql.drop-table"),
])
def test_through_wrappers(decide, command, rule):
    d = decide(command)
    assert rule in rules_of(d), (rules_of(d), facts_of(d))
    assert d.decision != "allow"


@pytest.mark.parametrize("command", [
    "cat {path} | docker exec -i db psql -U postgres",
    "docker exec -i db psql < {path}",
    "kubectl exec -i pg-0 -- psql < {path}",
    "ssh db1 psql < {path}",
])
def test_stdin_through_remote_wrappers(decide, tmp_path, command):
    p = _write(tmp_path, "dump.sql", "DROP TABLE users;\n")
    assert "sql.drop-table" in rules_of(decide(command.format(path=p)))


# ---- NoSQL -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command,rule,decision", [
    ("redis-cli -h h -p 6379 -n 0 FLUSHALL", "redis.flushall", "confirm"),
    ("redis-cli -u redis://prod:6379 -a pw --no-auth-warning flushall async", "redis.flushall", "confirm"),
    ("valkey-cli FLUSHDB", "redis.flushdb", "confirm"),
    ("keydb-cli -n 2 flushdb", "redis.flushdb", "confirm"),
    ("redis-cli DEL user:1 user:2", "redis.del", "allow"),
    ("redis-cli UNLINK cache:1", "redis.del", "allow"),
    ("redis-cli --scan --pattern 'session:*' | xargs redis-cli del", "redis.del-dynamic", "confirm"),
    ("redis-cli KEYS 'tmp:*' | xargs -n 100 redis-cli UNLINK", "redis.del-dynamic", "confirm"),
    ("redis-cli CONFIG SET appendonly no", "redis.config-set", "confirm"),
    ("redis-cli SHUTDOWN NOSAVE", "redis.shutdown", "confirm"),
    ("redis-cli REPLICAOF 10.0.0.9 6379", "redis.replicaof", "confirm"),
    ("redis-cli DEBUG FLUSHALL", "redis.admin", "confirm"),
    ("redis-cli --cluster call 10.0.0.1:7000 FLUSHALL", "redis.flushall", "confirm"),
    ("redis-cli EVAL \"return redis.call('FLUSHDB')\" 0", "redis.flushdb", "confirm"),
    ("printf 'SET a 1\\nFLUSHALL\\n' | redis-cli", "redis.flushall", "confirm"),
    ("redis-cli <<'EOF'\nSELECT 3\nFLUSHDB\nEOF", "redis.flushdb", "confirm"),
    ("mongosh --eval 'db.dropDatabase()'", "mongo.drop-database", "confirm"),
    ("mongosh mongodb://db.internal:27017/app --quiet --eval 'db.users.drop()'", "mongo.drop-collection", "confirm"),
    ("mongo app --eval \"db.getCollection('orders').drop()\"", "mongo.drop-collection", "confirm"),
    ("mongosh --eval 'db.getCollectionNames().forEach(c => db[c].drop())'", "mongo.drop-collection", "confirm"),
    ("mongosh --eval 'db.users.deleteMany({})'", "mongo.delete-all", "confirm"),
    ("mongosh --eval 'db.users.deleteMany()'", "mongo.delete-all", "confirm"),
    ("mongosh --eval 'db.users.remove({})'", "mongo.delete-all", "confirm"),
    ("mongosh --eval 'const f = {}; db.users.deleteMany(f)'", "mongo.delete-all", "confirm"),
    ("mongosh --eval 'db.users.updateMany({}, {$set: {plan: 1}})'", "mongo.update-all", "confirm"),
    ("mongosh --eval 'db.users.deleteMany({plan: \"free\"})'", "mongo.delete", "allow"),
    ("mongosh --eval 'db.users.updateMany({plan: 1}, {$set: {plan: 2}})'", "mongo.update", "allow"),
    ("mongosh app <<'EOF'\nuse shop\ndb.dropDatabase()\nEOF", "mongo.drop-database", "confirm"),
    ("mongosh --eval \"db.runCommand({dropDatabase: 1})\"", "mongo.drop-database", "confirm"),
])
def test_nosql_forms(decide, command, rule, decision):
    d = decide(command)
    assert rule in rules_of(d), (command, rules_of(d), facts_of(d))
    assert d.decision == decision
    assert decide(command, environment="production").decision != "allow"


def test_redis_pipe_protocol_file(decide, tmp_path):
    p = tmp_path / "cmds.resp"
    p.write_bytes(b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*1\r\n$7\r\nFLUSHDB\r\n")
    d = decide("redis-cli --pipe < %s" % p)
    assert "redis.flushdb" in rules_of(d)
    d = decide("cat %s | redis-cli --pipe" % p)
    assert "redis.flushdb" in rules_of(d)


def test_mongo_database_name_is_reported(decide):
    d = decide("mongosh app <<'EOF'\nuse shop\ndb.dropDatabase()\nEOF")
    assert ("mongo:drop-database", "database shop") in facts_of(d)
    d = decide("mongosh --eval \"db.getSiblingDB('billing').dropDatabase()\"")
    assert ("mongo:drop-database", "database billing") in facts_of(d)
    d = decide("mongosh mongodb://h:27017/crm --eval 'db.dropDatabase()'")
    assert ("mongo:drop-database", "database crm") in facts_of(d)


def test_mongo_script_files_and_load(decide, tmp_path):
    _write(tmp_path, "inner.js", "db.sessions.deleteMany({})\n")
    outer = _write(tmp_path, "cleanup.js", "// db.users.drop() is only a comment\nload('%s')\n"
                   % (tmp_path / "inner.js"))
    d = decide("mongosh app %s" % outer)
    assert facts_of(d) == {("mongo:delete-all", "collection sessions")}
    d = decide("mongosh app --file %s" % outer)
    assert "mongo.delete-all" in rules_of(d)


# ---- benign neighbours -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "psql -c 'SELECT 1'",
    "psql -c '\\dt'",
    "psql -c '\\d+ users'",
    "psql -l",
    "psql --help",
    "psql -c 'DELETE FROM sessions WHERE expires_at < now()'",
    "psql -c \"UPDATE users SET name = 'x' WHERE id = 1\"",
    "psql -c \"SELECT 'DROP TABLE users' AS note\"",
    "psql -c \"INSERT INTO notes VALUES ('TRUNCATE everything')\"",
    "psql -c 'CREATE TABLE t (a int REFERENCES u ON DELETE CASCADE ON UPDATE CASCADE)'",
    "psql -c 'SELECT * FROM jobs FOR UPDATE SKIP LOCKED'",
    "psql -c 'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2'",
    "psql -c 'CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM t $$ LANGUAGE sql'",
    "psql -c 'EXPLAIN DELETE FROM users'",
    "psql -c 'ALTER TABLE users ALTER COLUMN name DROP NOT NULL'",
    "psql -c 'ALTER TABLE users ADD COLUMN nickname text'",
    "mysql -e 'SHOW TABLES'",
    "mysql -e 'INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2'",
    "mysql -e 'DROP TEMPORARY TABLE IF EXISTS t_import'",
    "sqlite3 app.db .tables",
    "sqlite3 app.db '.schema users'",
    "sqlite3 app.db 'CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b WHERE id = NEW.id; END;'",
    "duckdb -c 'SELECT 42'",
    "bq query --dry_run 'DELETE FROM ds.t WHERE true'",
    "bq ls",
    "clickhouse-client -q 'SELECT count() FROM system.tables'",
    "cqlsh -e 'DESCRIBE KEYSPACES'",
    "sqlcmd -Q 'SELECT @@VERSION'",
    "sqlcmd -Q 'EXEC dbo.cleanup @days = 30'",
    "wrangler d1 execute prod --local --command 'DROP TABLE users'",
    "redis-cli GET k",
    "redis-cli PING",
    "redis-cli --scan --pattern 'session:*'",
    "redis-cli REPLICAOF NO ONE",
    "redis-cli",
    "mongosh --eval 'db.users.find()'",
    "mongosh --eval \"db.users.find({note: 'db.users.drop()'})\"",
    "mongosh --eval '_.drop([1, 2])'",
    "echo 'DROP TABLE x' > notes.txt",
    "grep 'DROP TABLE' migrations/*.sql",
    "git commit -m 'DROP TABLE users in migration'",
])
def test_benign_neighbours_are_allowed(decide, command):
    d = decide(command)
    assert d.decision == "allow", (command, rules_of(d), facts_of(d))


def test_scoped_writes_need_confirmation_in_production(decide):
    for command, rule in [("psql -c 'DELETE FROM sessions WHERE id = 1'", "sql.delete"),
                          ("redis-cli DEL session:1", "redis.del"),
                          ("mongosh --eval 'db.s.deleteOne({_id: 1})'", "mongo.delete")]:
        local = decide(command)
        assert local.decision == "allow" and rule in rules_of(local)
        assert decide(command, environment="production").decision == "confirm"


def test_critical_sql_blocks_in_production(decide):
    assert decide("psql -c 'DROP DATABASE app'", environment="production").decision == "block"
    assert decide("redis-cli FLUSHALL", environment="production").decision == "block"


# ---- analyze_sql, the entry other analyzers use through ctx.sql -----------------------------------------------------
class _StubCtx:
    def __init__(self, cwd="/"):
        from agentsh.model import Arg, Command
        self.cmd = Command("python3", [], Arg("python3"), {}, cwd, [])
        self.facts, self.unseen_, self.unreadable_, self.shells = [], [], [], []

    def fact(self, kind, target="", detail="", payload=""):
        self.facts.append((kind, target, payload))

    def unseen(self, what, reason):
        self.unseen_.append(what)

    def unreadable(self, name, reason):
        self.unreadable_.append(name)

    def shell(self, text, step):
        self.shells.append(text)

    def path(self, name):
        return name if name.startswith("/") else os.path.join(self.cmd.cwd, name)

    def read_file(self, name):
        return None, "stub"


def test_analyze_sql_entry_point():
    ctx = _StubCtx()
    sql_mod.analyze_sql("SELECT 1; DELETE FROM users; UPDATE t SET a = 1 WHERE id = 2", "python sqlite3.execute", ctx)
    assert [(k, t) for k, t, _ in ctx.facts] == [("sql:delete-all", "table users"), ("sql:update", "table t")]
    assert ctx.facts[0][2] == "DELETE FROM users"
    ctx = _StubCtx()
    sql_mod.analyze_sql("x" * (sql_mod.MAX_SQL_BYTES + 1), "big", ctx)
    assert ctx.unreadable_ == ["big"] and not ctx.facts


def test_analyze_sql_dialects():
    ctx = _StubCtx()
    sql_mod.analyze_sql("DELETE FROM `t` WHERE note = 'a\\'b; DROP TABLE x'", "m", ctx, dialect="mysql")
    assert [(k, t) for k, t, _ in ctx.facts] == [("sql:delete", "table t")]
    ctx = _StubCtx()
    sql_mod.analyze_sql("DROP TABLE [dbo].[t]\nGO\nTRUNCATE TABLE u\nGO", "s", ctx, dialect="tsql", family="tsql")
    assert [(k, t) for k, t, _ in ctx.facts] == [("sql:drop", "table dbo.t"), ("sql:truncate", "table u")]


# ---- start-up budget -------------------------------------------------------------------------------------------------
def _imports_sqlglot(command):
    code = ("import sys; from agentsh.analyze import analyze, make_context; "
            "analyze(%r, make_context(environ={'HOME': '/tmp', 'PATH': '/usr/bin'}, cwd='/tmp')); "
            "print('sqlglot' in sys.modules)" % command)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip() == "True"


def test_plain_commands_do_not_import_sqlglot():
    assert not _imports_sqlglot("ls -la")
    # a plain read is judged without sqlglot too: no statement has a word that could destroy anything
    assert not _imports_sqlglot("psql -c 'SELECT 1'")
    assert _imports_sqlglot("psql -c 'DROP TABLE x'")     # and the check itself can tell the difference
