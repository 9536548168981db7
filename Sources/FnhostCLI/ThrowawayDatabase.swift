#if canImport(Glibc)
import Glibc
#endif
import FnhostProject
import Postgres

/// A database made for one `fnhost test` run in the embedded cluster, so tests never see (or
/// leave) rows of a previous run or of `make run`: `fnhost_test_<pid>_<random>`, created by the
/// `fnhost` role (scripts/pg grants it CREATEDB), dropped by ``drop()``, and dropped by a later run
/// when the process that made it is gone (a run killed before it could clean up).
final class ThrowawayDatabase {
    let name: String
    /// The connection URL of the new database (the cluster's URL with the name replaced).
    let url: String
    private let clusterURL: String
    private var dropped = false

    /// Creates the database in the cluster `clusterURL` reaches, after dropping the abandoned ones.
    /// - Throws: `.serviceFailed` with the server's message (never the URL).
    init(clusterURL: String) throws(ProjectError) {
        self.clusterURL = clusterURL
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        name = DatabaseURL.throwawayName(processID: getpid(), suffix: suffix)
        url = DatabaseURL.replacingDatabase(in: clusterURL, with: name)
        let connection = PostgresConnection(url: clusterURL, applicationName: "fnhost-test")
        defer { connection.close() }
        Self.dropAbandoned(on: connection)
        do {
            try connection.execute("CREATE DATABASE " + PostgresIdentifier.quoted(name))
        } catch {
            throw ProjectError(
                .serviceFailed,
                "cannot create the throwaway database \(name): \(error.message) (scripts/pg start grants the fnhost role CREATEDB; restart the cluster with it)")
        }
    }

    /// Drops the database, ending any sessions still in it (the host's workers keep theirs).
    /// Failures are reported on stderr, never thrown: this runs on the way out.
    func drop() {
        guard !dropped else { return }
        dropped = true
        let connection = PostgresConnection(url: clusterURL, applicationName: "fnhost-test")
        defer { connection.close() }
        do {
            try Self.drop(name, on: connection)
        } catch {
            Paths.printToStandardError("fnhost test: could not drop the throwaway database \(name): \(error.message)\n")
        }
    }

    deinit { drop() }

    private static func drop(_ name: String, on connection: PostgresConnection) throws(PostgresError) {
        try connection.execute("DROP DATABASE IF EXISTS " + PostgresIdentifier.quoted(name) + " WITH (FORCE)")
    }

    /// Drops throwaway databases whose process no longer exists; errors are ignored (another run
    /// may be dropping the same one).
    private static func dropAbandoned(on connection: PostgresConnection) {
        guard let rows = try? connection.query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [DatabaseURL.throwawayPrefix])
        else { return }
        for row in rows {
            guard let name = row["datname"], let owner = DatabaseURL.throwawayProcessID(name), owner != getpid(),
                kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            try? drop(name, on: connection)
        }
    }
}
