// Plain SQL for the few statements every registration, audit event and spoke list runs.
// Through a model, each statement costs Sequelize's SQL generation, instance building,
// validation, hooks and a captured stack trace: about half the CPU of a registration. These
// go to the driver's own connection instead (the transaction's, or the pool's for a read), in
// SQL both dialects speak: $1… placeholders, double-quoted identifiers, nothing else.
import type { InferAttributes, Model, Sequelize, Transaction } from "sequelize";
import { connectionManager, transactionConnection } from "./sequelizeInternals";
import type { Callback, PreparedStatements } from "./preparedSqlite";

export type SqlValue = string | number | boolean | Date | null;

export interface ReadOptions {
    /**
     * A long read (every spoke row): on SQLite it runs on a connection of its own, so that the
     * short reads asked for meanwhile (a page, a search) do not queue behind it on the one
     * connection reads share. (PostgreSQL's pool gives each read its own connection anyway.)
     */
    apart?: boolean;
}

/** The uuid of SQLite's connection for reads made apart (see ReadOptions). */
export const apartReads = "wghub-apart-reads";

export interface Sql {
    /** The rows a SELECT gives. Dates come as the driver gives them (SQLite: text, pg: Date): read them with isoDate(). */
    rows<T>(text: string, params: SqlValue[], t?: Transaction): Promise<T[]>;
    /** Runs an INSERT, UPDATE or DELETE; resolves with the number of rows it changed. */
    run(text: string, params: SqlValue[], t?: Transaction): Promise<number>;
    /**
     * `SELECT columns FROM from ORDER BY orderBy` (`from`: a table, with a WHERE clause if need be; `orderBy` null: in no
     * particular order, which on SQLite saves walking an index) as one array per row, in the columns' order,
     * built by the database as one JSON text. At 100,000 rows the drivers' object per row
     * cost more than the query itself (0.7–1.3 s against 0.3 s here, plus 0.2 s to parse), and
     * on SQLite the JSON is built on the driver's thread, not the event loop. Dates come as
     * text: read them with isoDate(). Booleans: SQLite 0/1, PostgreSQL true/false.
     */
    tuples<T extends unknown[]>(columns: string, from: string, orderBy: string | null, params?: SqlValue[], options?: ReadOptions): Promise<T[]>;
    /**
     * One text column of every row of `from`, in no particular order, read as one text the
     * database joins with newlines: no object per row, and nothing to parse (100,000 names:
     * 5 ms on the event loop, against 90–160 ms for tuples' JSON). Null when a value is
     * null or holds a newline (the texts would not split back): read them with tuples then.
     */
    texts(column: string, from: string, params?: SqlValue[]): Promise<string[] | null>;
    /**
     * A condition: the text `expression` gives contains the text parameter `param` ("$3"). With
     * `caseless`, ASCII letters only are lower-cased first, in every database locale (SQLite's
     * lower(); PostgreSQL's under the "C" collation): give `param` in lower case.
     */
    contains(expression: string, param: string, caseless: boolean): string;
}

/**
 * A model's columns, checked against it by the compiler: the plain SQL names columns
 * through these, so a column renamed in models.ts cannot be missed here.
 */
export type ColumnOf<M extends Model> = keyof InferAttributes<M> & string;

export function columnList<M extends Model>(columns: readonly ColumnOf<M>[]): string {
    return columns.map(c => `"${c}"`).join(", ");
}

/** INSERT INTO table (columns) VALUES ($1 … $n), the parameters in the columns' order. */
export function insertInto<M extends Model>(table: string, columns: readonly ColumnOf<M>[]): string {
    return `INSERT INTO ${table} (${columnList<M>(columns)}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`;
}

/** A UNIQUE index refused the row (SQLite's constraint error, PostgreSQL's 23505). */
export function isUniqueViolation(err: unknown): boolean {
    const e = err as { code?: string; message?: string; name?: string };
    return e?.code === "23505" || (e?.code === "SQLITE_CONSTRAINT" && /UNIQUE/.test(e.message ?? ""))
        || e?.name === "SequelizeUniqueConstraintError";
}

interface SqliteConnection extends PreparedStatements {
    all(sql: string, params: unknown[], cb: Callback<unknown[]>): void;
    run(sql: string, params: unknown[], cb: Callback<unknown[]>): void;
}

interface PgClient {
    query(sql: string, params: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}


/** The text Sequelize stores a SQLite DATE as, so that stored dates compare as text. */
export function sqliteDate(d: Date): string {
    return d.toISOString().replace("T", " ").replace("Z", " +00:00");
}

/** A DATE column as ISO 8601, from what either driver gives (SQLite's text, a pg Date). */
export function isoDate(value: string | Date): string {
    // The text sqliteDate() writes, rearranged without a parse: the list does this 20,000 times.
    if (typeof value === "string" && value.length === 30 && value.endsWith(" +00:00"))
        return `${value.slice(0, 10)}T${value.slice(11, 23)}Z`;
    return new Date(value).toISOString();
}

function sqliteValue(v: SqlValue): unknown {
    if (v instanceof Date) return sqliteDate(v);
    if (typeof v === "boolean") return v ? 1 : 0;
    return v;
}

interface JoinedTexts {
    /** Rows, and rows whose value is a text without a newline. */
    n: number | string;
    plain: number | string;
    j: string | null;
}

/** Newline-joined texts back apart; null unless every row's value was a text without a newline. */
function splitTexts({ n, plain, j }: JoinedTexts): string[] | null {
    if (Number(plain) !== Number(n)) return null;
    return j === null ? [] : j.split("\n");
}

function sqliteSql(sequelize: Sequelize): Sql {
    const manager = connectionManager<SqliteConnection>(sequelize);
    // SQLite numbers $1 by order of appearance; ?1 is explicitly the first parameter.
    const texts = new Map<string, string>();
    const textFor = (text: string) => {
        let sqlite = texts.get(text);
        if (sqlite === undefined) texts.set(text, sqlite = text.replace(/\$(\d+)/g, "?$1"));
        return sqlite;
    };
    const connection = (t?: Transaction, apart?: boolean) => (t ? Promise.resolve(transactionConnection<SqliteConnection>(t))
        : manager.getConnection(apart ? { uuid: apartReads } : undefined));
    /** The driver's `method` for `text`, on the statement kept prepared for it when it has parameters (preparedSqlite.ts). */
    const call = (conn: SqliteConnection, method: "all" | "run", text: string, params: SqlValue[], cb: Callback<unknown[]>) => {
        const values = params.map(sqliteValue);
        if (params.length) conn.callPrepared(textFor(text), method, values, cb);
        else conn[method](textFor(text), values, cb);
    };
    const all = async <T>(text: string, params: SqlValue[], t?: Transaction, apart?: boolean) => {
        const conn = await connection(t, apart);
        return new Promise<T[]>((resolve, reject) =>
            call(conn, "all", text, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
    };
    return {
        rows: <T>(text: string, params: SqlValue[], t?: Transaction) => all<T>(text, params, t),
        async run(text: string, params: SqlValue[], t?: Transaction) {
            const conn = await connection(t);
            return new Promise<number>((resolve, reject) =>
                call(conn, "run", text, params, function (err) {
                    if (err) reject(err);
                    else resolve(this.changes);
                }));
        },
        async tuples<T extends unknown[]>(columns: string, from: string, orderBy: string | null, params: SqlValue[] = [], options?: ReadOptions) {
            // SQLite before 3.44 has no ORDER BY inside an aggregate: it aggregates the ordered
            // subquery's rows in their order.
            const [row] = await all<{ j: string }>(
                `SELECT json_group_array(json_array(${columns})) AS j FROM (SELECT ${columns} FROM ${from}${orderBy ? ` ORDER BY ${orderBy}` : ""})`,
                params, undefined, options?.apart);
            return JSON.parse(row.j) as T[];
        },
        async texts(column: string, from: string, params: SqlValue[] = []) {
            const [row] = await all<JoinedTexts>(`SELECT count(*) AS n, count(CASE WHEN instr(${column}, char(10)) = 0 THEN 1 END) AS plain, ` +
                `group_concat(${column}, char(10)) AS j FROM ${from}`, params);
            return splitTexts(row);
        },
        contains(expression: string, param: string, caseless: boolean) {
            return `instr(${caseless ? `lower(${expression})` : expression}, ${param}) > 0`;
        },
    };
}

function postgresSql(sequelize: Sequelize): Sql {
    const manager = connectionManager<PgClient>(sequelize);
    async function query(text: string, params: SqlValue[], t?: Transaction) {
        if (t) return transactionConnection<PgClient>(t).query(text, params);
        const client = await manager.getConnection({ type: "read" });
        try {
            return await client.query(text, params);
        } finally {
            await manager.releaseConnection(client);
        }
    }
    return {
        async rows<T>(text: string, params: SqlValue[], t?: Transaction) {
            return (await query(text, params, t)).rows as T[];
        },
        async run(text: string, params: SqlValue[], t?: Transaction) {
            return (await query(text, params, t)).rowCount ?? 0;
        },
        async tuples<T extends unknown[]>(columns: string, from: string, orderBy: string | null, params: SqlValue[] = []) {
            // json, not jsonb: node-postgres parses it with JSON.parse, and it keeps the order.
            const { rows } = await query(`SELECT json_agg(json_build_array(${columns})${orderBy ? ` ORDER BY ${orderBy}` : ""}) AS j FROM ${from}`, params);
            return ((rows[0] as { j: T[] | null }).j ?? []);
        },
        async texts(column: string, from: string, params: SqlValue[] = []) {
            const { rows } = await query(`SELECT count(*) AS n, count(CASE WHEN strpos(${column}, E'\\n') = 0 THEN 1 END) AS plain, ` +
                `string_agg(${column}, E'\\n') AS j FROM ${from}`, params);
            return splitTexts(rows[0] as JoinedTexts);
        },
        contains(expression: string, param: string, caseless: boolean) {
            return `strpos(${caseless ? `lower((${expression}) COLLATE "C")` : expression}, ${param}) > 0`;
        },
    };
}

export function createSql(sequelize: Sequelize, dialect: "sqlite" | "postgres"): Sql {
    return dialect === "sqlite" ? sqliteSql(sequelize) : postgresSql(sequelize);
}
