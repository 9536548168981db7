import CLibPQ

extension PostgresConnection {
    /// Runs one statement with `$1…$n` parameters (`PQexecParams`, text format) and returns its rows.
    ///
    /// Values travel apart from the SQL, so quotes or `'; DROP TABLE x; --` in a value are just data. `nil` is SQL
    /// `NULL`. Every value is text: the server casts it to the parameter's inferred type (`$1::int` to be explicit).
    /// - Throws: ``PostgresError``: `.queryFailed` with the SQLSTATE, `.connectionFailed` when the link is down
    ///   (the statement may or may not have run; it is not retried), `.invalidArgument` for NUL characters.
    @discardableResult
    public func query(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> PostgresRows {
        try CStringArray.checkSQL(sql)
        let handle = try healthyHandle()
        return try CStringArray.with(params) { values throws(PostgresError) in
            try checked(handle, "query") { handle in
                PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
            } read: { PostgresRows.copy(from: $0) }
        }
    }

    /// Runs one statement and returns the number of rows it affected (`PQcmdTuples`; 0 for DDL).
    @discardableResult
    public func execute(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> Int {
        try query(sql, params).affectedRows
    }

    /// Runs a hot statement as a server-side prepared statement: `PQprepare` once per session under `name`, then
    /// `PQexecPrepared` on every call.
    ///
    /// Names are remembered per session and forgotten on reconnect (the new server session has none), so they are
    /// re-prepared lazily. If the server nevertheless says the statement does not exist (SQLSTATE 26000, e.g. a
    /// pooler switched server connections) it is prepared again and run once more: it never ran the first time.
    /// Behind a transaction-mode pooler that does not track prepared statements, prefer ``query(_:_:)``.
    /// - Throws: `.invalidArgument` when `name` was already prepared with different SQL; otherwise as ``query(_:_:)``.
    @discardableResult
    public func queryPrepared(name: String, sql: String, params: [String?] = []) throws(PostgresError) -> PostgresRows {
        do {
            return try runPrepared(name: name, sql: sql, params: params)
        } catch where error.sqlState == "26000" && !insideTransaction {
            prepared[name] = nil
            return try runPrepared(name: name, sql: sql, params: params)
        }
    }

    /// ``queryPrepared(name:sql:params:)`` returning the affected row count.
    @discardableResult
    public func executePrepared(name: String, sql: String, params: [String?] = []) throws(PostgresError) -> Int {
        try queryPrepared(name: name, sql: sql, params: params).affectedRows
    }

    private func runPrepared(name: String, sql: String, params: [String?]) throws(PostgresError) -> PostgresRows {
        let handle = try healthyHandle()
        if let known = prepared[name] {
            guard known == sql else {
                throw PostgresError(code: .invalidArgument,
                                    message: "statement name already prepared with different SQL",
                                    context: "prepare \(String(reflecting: name))")
            }
        } else {
            // Checked once, when prepared: later calls match this very text (the check above).
            try CStringArray.checkSQL(sql)
            try CStringArray.checkSQL(name)
            try checked(handle, "prepare \(String(reflecting: name))") { handle in
                PQprepare(handle, name, sql, 0, nil)  // 0, nil: the server infers the types
            } read: { _ in () }
            prepared[name] = sql
        }
        return try CStringArray.with(params) { values throws(PostgresError) in
            try checked(handle, "execute prepared \(String(reflecting: name))") { handle in
                PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
            } read: { PostgresRows.copy(from: $0) }
        }
    }

    /// Runs SQL text that may hold several `;`-separated statements and no parameters (`PQexec`), e.g. a
    /// migration file. Outside ``transaction(_:)`` the statements run as one implicit transaction; a failure in
    /// any of them is thrown (the server's message names it).
    public func simpleExec(_ sql: String) throws(PostgresError) {
        try CStringArray.checkSQL(sql)
        let handle = try healthyHandle()
        try checked(handle, "simple query") { PQexec($0, sql) } read: { _ in () }
    }
}
