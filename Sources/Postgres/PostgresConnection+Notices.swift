import CLibPQ

/// A notice or warning the server sent alongside a statement (`RAISE NOTICE`, `CREATE TABLE IF NOT EXISTS` on an
/// existing table, ...). Delivered to ``PostgresConnection/noticeHandler``.
public struct PostgresNotice: Sendable, CustomStringConvertible {
    /// `NOTICE`, `WARNING`, `INFO`, `DEBUG` or `LOG` (field `'V'`, never localized).
    public var severity: String
    /// The primary message (field `'M'`).
    public var message: String
    /// The SQLSTATE (field `'C'`), e.g. `42P07` for "already exists, skipping".
    public var sqlState: String?

    public var description: String { "\(severity): \(message)" }
}

extension PostgresConnection {
    /// Routes this connection's notices to ``noticeHandler`` instead of libpq's default (printing to stderr).
    ///
    /// The C callback captures nothing: it finds the connection through libpq's `void *` argument, an unretained
    /// pointer to `self`. That is sound because `self` owns the `PGconn`, `PQfinish`es it in `deinit`, and notices
    /// are only delivered during libpq calls that `self`'s own methods make. Notices sent while connecting (before
    /// this is installed) are rare (none in normal operation) and would go to libpq's default.
    func installNoticeReceiver(on handle: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result else { return }
            let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
            guard let handler = connection.noticeHandler else { return }  // no handler: drop it
            func field(_ code: Character) -> String? {
                guard let ascii = code.asciiValue else { return nil }
                return PQresultErrorField(result, Int32(ascii)).map { String(cString: $0) }
            }
            handler(PostgresNotice(severity: field("V") ?? field("S") ?? "NOTICE", message: field("M") ?? "",
                                   sqlState: field("C")))
        }, context)
    }
}
