#if canImport(Glibc)
import Glibc
#endif
import FnhostProject

/// What `fnhost test` starts so that functions run with nothing set, as `make run` would have them:
/// the embedded PostgreSQL (scripts/pg, when `DATABASE_URL` is not set) with a throwaway database
/// in it, and the offline Replicate stand-in (when `REPLICATE_API_TOKEN` is not set). ``stop()``
/// undoes it all: the throwaway database is dropped, the stand-in stopped, and a cluster this run
/// started is stopped again, so the machine is left as it was found.
final class TestServices {
    /// The throwaway database's URL (also set as this process's `DATABASE_URL`), when one was made.
    private(set) var databaseURL: String?
    private var throwaway: ThrowawayDatabase?
    private var startedCluster: EmbeddedDatabase?
    private var standIn: ReplicateStandInProcess?
    private var temporaryFolder: String?

    /// - Parameters:
    ///   - layout: the project (its migrations, and where its cluster lives).
    ///   - needsDatabase: start the database when `DATABASE_URL` is unset.
    ///   - migrate: apply the migrations to the throwaway database here (in-process tests); a
    ///     `fnhost serve` child migrates it itself.
    ///   - standIn: start the stand-in when `REPLICATE_API_TOKEN` is unset (in-process tests; a
    ///     serve child runs its own with `--replicate-standin`).
    init(layout: ProjectLayout, needsDatabase: Bool, migrate: Bool, standIn: Bool) throws(ProjectError) {
        do {
            if needsDatabase, Self.unset("DATABASE_URL") { try startDatabase(layout: layout, migrate: migrate) }
            if standIn, Self.unset("REPLICATE_API_TOKEN"), access(Paths.siblingExecutable("replicate-standin"), X_OK) != 0 {
                Paths.printToStandardError(
                    "fnhost test: REPLICATE_API_TOKEN is not set and there is no replicate-standin next to this binary "
                        + "(swift build --product replicate-standin): functions that call Replicate will fail\n")
            } else if standIn, Self.unset("REPLICATE_API_TOKEN") {
                let folder = try Self.makeTemporaryFolder()
                temporaryFolder = folder
                let process = try ReplicateStandInProcess(filesDirectory: folder)
                process.exportEnvironment()
                self.standIn = process
            }
        } catch {
            stop()
            throw error
        }
    }

    private func startDatabase(layout: ProjectLayout, migrate: Bool) throws(ProjectError) {
        let checkout = try FnhostCheckout.required(
            for: "fnhost test's database (DATABASE_URL is not set)", instead: "set DATABASE_URL to a database the tests may write to")
        let cluster = EmbeddedDatabase(checkout: checkout, folder: layout.stateDirectory(runDirectory: checkout.runDirectory) + "/pg")
        let wasRunning = cluster.isRunning()
        let clusterURL = try cluster.start()
        if !wasRunning { startedCluster = cluster }
        let database = try ThrowawayDatabase(clusterURL: clusterURL)
        throwaway = database
        databaseURL = database.url
        setenv("DATABASE_URL", database.url, 1)
        if migrate {
            var project = ProjectDatabase(url: database.url, embedded: true)
            try project.migrate(folder: layout.migrationsDirectory)
        }
    }

    /// Drops the throwaway database, stops the stand-in and a cluster this run started.
    func stop() {
        standIn?.stop()
        standIn = nil
        throwaway?.drop()
        throwaway = nil
        startedCluster?.stop()
        startedCluster = nil
        if let temporaryFolder { Paths.removeTree(temporaryFolder) }
        temporaryFolder = nil
    }

    deinit { stop() }

    private static func unset(_ name: String) -> Bool {
        getenv(name).map { String(cString: $0).isEmpty } ?? true
    }

    /// A fresh folder under $TMPDIR (or /tmp), mode 700.
    static func makeTemporaryFolder() throws(ProjectError) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/fnhost-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let made else {
            throw ProjectError(.serviceFailed, "cannot make a temporary folder in \(base): \(String(cString: strerror(errno)))")
        }
        return made
    }
}
