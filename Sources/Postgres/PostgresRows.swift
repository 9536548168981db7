import CLibPQ

/// The rows of one statement's result, copied out of libpq (text format) before the `PGresult` was cleared.
///
/// Plain Swift values, so it is `Sendable` and outlives the connection. Every value is the server's text form
/// (`t`/`f` for booleans, `\x…` hex for `bytea`, ISO 8601 for timestamps); SQL `NULL` is `nil`.
///
/// ```swift
/// let rows = try db.query("SELECT id, name FROM users WHERE id = $1", [id])
/// for row in rows { print(row["id"] ?? "", row["name"] ?? "NULL") }
/// let first = rows.first?["name"]
/// ```
public struct PostgresRows: RandomAccessCollection, Sendable {
    /// Column names in result order (duplicates possible, e.g. `SELECT 1 AS a, 2 AS a`).
    public let columns: [String]
    /// Rows affected for INSERT/UPDATE/DELETE/MERGE/SELECT/MOVE/FETCH/COPY (`PQcmdTuples`); 0 otherwise.
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1`, `SELECT 3`, `BEGIN` (`PQcmdStatus`).
    public let commandTag: String

    private let values: [[String?]]

    init(columns: [String], values: [[String?]], affectedRows: Int, commandTag: String) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { values.count }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(values: values[position], columns: columns)
    }

    /// Copies a `PGresult` into Swift values. Called only by the checked helper, which clears the result afterwards.
    static func copy(from result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var line: [String?] = []
            line.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    line.append(nil)
                } else {
                    line.append(PQgetvalue(result, Int32(row), Int32(column)).map { String(cString: $0) } ?? "")
                }
            }
            values.append(line)
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresRows(columns: columns, values: values, affectedRows: affected, commandTag: tag)
    }
}

/// One row of ``PostgresRows``: values by column name (`row["name"]`) or position (`row[0]`).
///
/// Names are found by a linear search of the result's columns: results have a handful of columns,
/// and comparing short names costs less than building a hash table for every result.
public struct PostgresRow: Sendable {
    /// The row's values in column order; `nil` is SQL `NULL`.
    public let values: [String?]
    private let columns: [String]

    init(values: [String?], columns: [String]) {
        self.values = values
        self.columns = columns
    }

    /// The value of the named column (the first, when a name repeats); `nil` for SQL `NULL` *and* for
    /// a column the result does not have (use ``hasColumn(_:)`` to tell them apart).
    public subscript(column: String) -> String? {
        guard let position = columns.firstIndex(of: column) else { return nil }
        return values[position]
    }

    /// The value at a column position; `nil` for SQL `NULL` or a position past the last column.
    public subscript(position: Int) -> String? {
        values.indices.contains(position) ? values[position] : nil
    }

    /// Whether the result has a column with this name.
    public func hasColumn(_ column: String) -> Bool { columns.contains(column) }
}
