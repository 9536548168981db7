import CLibPQ

extension PostgresConnection {
    /// Runs `body` inside `BEGIN` … `COMMIT`; any error thrown by `body` rolls back and is rethrown unchanged.
    ///
    /// Statements inside `body` use this same connection (`self`). No reconnect happens inside: if the link dies,
    /// the remaining statements throw `.connectionFailed` and the next use outside reconnects.
    /// - Throws: `body`'s error; ``PostgresError`` from BEGIN/COMMIT; `.transactionAborted` when COMMIT answers
    ///   ROLLBACK (a statement failed inside and `body` swallowed its error); `.invalidArgument` when nested
    ///   (use a SAVEPOINT by hand for that). A `.connectionFailed` from COMMIT means the outcome is **unknown**.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        guard !insideTransaction else {
            throw PostgresError(code: .invalidArgument, message: "transaction(_:) cannot be nested",
                                context: "BEGIN")
        }
        try execute("BEGIN")
        insideTransaction = true
        defer { insideTransaction = false }
        let value: T
        do {
            value = try body()
        } catch {
            rollbackAfterFailure()
            throw error
        }
        let commit = try query("COMMIT")
        if commit.commandTag == "ROLLBACK" {
            throw PostgresError(code: .transactionAborted,
                                message: "COMMIT rolled back: a statement in the transaction had failed",
                                sqlState: "25P02", context: "COMMIT")
        }
        return value
    }

    /// Best-effort ROLLBACK after `body` threw; if even that fails the session is closed at the next use, which
    /// discards the transaction on the server.
    private func rollbackAfterFailure() {
        do {
            try execute("ROLLBACK")
        } catch {
            needsReconnect = true
        }
    }

    /// The session's transaction state as libpq reports it: `idle`, `inTransaction`, `failed` (a statement failed
    /// and only ROLLBACK is accepted), `active` or `unknown` (no healthy connection). Does not connect.
    public var transactionState: TransactionState {
        guard let handle = currentHandle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failed
        case PQTRANS_ACTIVE: return .active
        default: return .unknown
        }
    }

    /// See ``transactionState``.
    public enum TransactionState: Sendable, Equatable {
        case idle, inTransaction, failed, active, unknown
    }
}
